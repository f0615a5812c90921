// Payloads of the wrong type or arity.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";

declare const legacyIo: LegacyIo;
const chat: ChatSocket = io(CHAT_PATH);

chat.emit("join", 42, () => {}); // @expect TS2345
chat.emit("check", "seven", () => {}); // @expect TS2345
chat.emit("nickname", "ada", "extra", () => {}); // @expect TS2554
export const wrong = chat.emitWithAck("census", { nonce: 1 }); // @expect TS2345
connectChatLegacy(legacyIo).emit("join", ["lobby"], () => {}); // @expect TS2345
