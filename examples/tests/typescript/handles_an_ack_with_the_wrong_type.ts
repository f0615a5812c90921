// Ack callbacks and awaited acks typed differently from the Rust return type.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";
import { ADMIN_PATH, AdminSocket, WhoAmI } from "../../chat/web/generated/admin";

declare const legacyIo: LegacyIo;
const chat: ChatSocket = io(CHAT_PATH);
const admin: AdminSocket = io(ADMIN_PATH);

chat.emit("join", "lobby", (room: string) => console.log(room)); // @expect TS2345
chat.emit("nickname", "ada", (ok: boolean) => console.log(ok)); // @expect TS2345
// `user message` is locked until a nickname is set: a refusal acks with null.
chat.emit("user message", "hi", (sent: boolean) => console.log(sent)); // @expect TS2345
// `whoami` may be refused too (the admin namespace starts locked).
admin.emit("whoami", (me: WhoAmI) => console.log(me.sid)); // @expect TS2345
connectChatLegacy(legacyIo).emit("census", 1, (n: string) => console.log(n)); // @expect TS2345
// The server's ping must be answered with the number it sent.
chat.on("ping", (nonce, ack) => ack(String(nonce))); // @expect TS2345

export async function awaited(): Promise<void> {
  const n: string = await chat.emitWithAck("census", 1); // @expect TS2322
  console.log(n);
}
