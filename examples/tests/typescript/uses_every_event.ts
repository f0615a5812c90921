// Uses every event of the chat's two namespaces the way their Rust declarations say, with
// the v4 client (callbacks and emitWithAck) and with the 0.9 wrapper. tsc must accept it.

import { io } from "socket.io-client";
import { CHAT_PATH, ChatLine, ChatSocket, connectChatLegacy } from "../../chat/web/generated/chat";
import { ADMIN_PATH, AdminSocket, WhoAmI, connectAdminLegacy } from "../../chat/web/generated/admin";
import type { LegacyIo } from "../../chat/web/generated/socketio-legacy";

declare const legacyIo: LegacyIo;

export async function v4(origin: string): Promise<void> {
  const chat: ChatSocket = io(origin + CHAT_PATH, { transports: ["websocket"] });
  const admin: AdminSocket = io(origin + ADMIN_PATH);

  chat.on("announcement", (text: string) => console.log(text));
  chat.on("nicknames", (list: string[]) => console.log(list.join(", ")));
  chat.on("user_joined", (nick: string) => console.log(nick));
  chat.on("user_left", (nick: string) => console.log(nick));
  chat.on("user_renamed", (from: string, to: string) => console.log(from, "->", to));
  chat.on("msg_to_room", (line: ChatLine) => console.log(line.from, line.text, line.room, line.at_ms + 1));
  chat.on("ping", (nonce, ack) => ack(nonce));
  chat.on("error", (kind, message) => console.warn(kind === "method_access_denied", message));
  chat.on("connect", () => console.log(chat.id));
  chat.on("disconnect", (reason) => console.log(reason));

  chat.emit("nickname", "ada", ([ok, nick]) => console.log(ok === true, nick.toUpperCase()));
  const joined: boolean = await chat.emitWithAck("join", "lobby");
  chat.emit("user message", "hello", (sent: boolean | null) => console.log(sent ?? "refused"));
  const pong: string = await chat.timeout(1000).emitWithAck("check", 7);
  const answered: number = await chat.emitWithAck("census", 8);
  console.log(joined, pong, answered);

  admin.on("notice", (text) => console.log(text.length));
  admin.on("error", (_kind, message) => console.warn(message));
  const in_: boolean = await admin.emitWithAck("login", "secret");
  admin.emit("whoami", (me: WhoAmI | null) => console.log(me?.sid, me?.transport));
  admin.emit("broadcast", "all admins", (ok) => console.log(ok));
  admin.emit("logout", (ok) => console.log(in_, ok));
}

export function legacy(): void {
  const chat = connectChatLegacy(legacyIo, "", { transports: ["xhr-polling"], "force new connection": true });
  chat.on("connect", () => console.log("connected"));
  chat.on("msg_to_room", (line) => console.log(line.text));
  chat.on("ping", (nonce, ack) => ack(nonce));
  chat.emit("nickname", "bob", ([ok]) => console.log(ok));
  chat.emit("user message", "hi", (sent) => console.log(sent));

  const admin = connectAdminLegacy(legacyIo);
  admin.emit("login", "secret", (ok) => console.log(ok));
  admin.on("notice", (text) => console.log(text));
}
