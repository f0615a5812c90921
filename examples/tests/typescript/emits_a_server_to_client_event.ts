// Emitting events only the server sends.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";

declare const legacyIo: LegacyIo;
const chat: ChatSocket = io(CHAT_PATH);

chat.emit("announcement", "I am the server now"); // @expect TS2345
chat.emit("nicknames", ["ada"]); // @expect TS2345
connectChatLegacy(legacyIo).emit("msg_to_room", { from: "a", text: "b", room: "c", at_ms: 0 }); // @expect TS2345
