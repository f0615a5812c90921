// Acked events sent without their ack callback.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";

declare const legacyIo: LegacyIo;
const chat: ChatSocket = io(CHAT_PATH);

chat.emit("join", "lobby"); // @expect TS2554
chat.emit("nickname", "ada"); // @expect TS2554
connectChatLegacy(legacyIo).emit("check", 1); // @expect TS2554
