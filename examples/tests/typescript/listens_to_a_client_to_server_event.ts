// Listening for events only the client sends.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";

declare const legacyIo: LegacyIo;
const chat: ChatSocket = io(CHAT_PATH);

chat.on("nickname", (nick: string) => console.log(nick)); // @expect TS2345
chat.on("user message", () => {}); // @expect TS2345
connectChatLegacy(legacyIo).on("join", () => {}); // @expect TS2769
