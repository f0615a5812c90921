// Event names that do not exist on the server: rejected in both directions.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";

declare const legacyIo: LegacyIo;
const chat: ChatSocket = io(CHAT_PATH);

chat.emit("nick_name", "ada", () => {}); // @expect TS2345
chat.emit("usermessage", "hi"); // @expect TS2345
chat.on("msg_to_rooms", () => {}); // @expect TS2345
connectChatLegacy(legacyIo).emit("joinn", "lobby", () => {}); // @expect TS2345
