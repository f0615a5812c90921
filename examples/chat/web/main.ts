// The chat demo's browser client: socket.io-client 4 on `/chat` (and `/admin`), typed by
// the event maps that socketio-client-gen writes from the Rust namespaces (./generated:
// a misspelt event or a wrong payload does not typecheck).
//
// Bundled by esbuild into dist/app.js (`cargo xtask demo` does it) and served by the chat
// example at `/`. `?transport=polling` or `?transport=websocket` forces one transport;
// without it the client starts on polling and upgrades to websocket.
//
// For tests, `window.chatDemo` holds both sockets, and the transport in use is also shown
// in #transport.

import { io } from "socket.io-client";
import type { ManagerOptions, SocketOptions } from "socket.io-client";
import { CHAT_PATH } from "./generated/chat";
import type { ChatLine, ChatSocket } from "./generated/chat";
import { ADMIN_PATH } from "./generated/admin";
import type { AdminSocket } from "./generated/admin";

declare global {
  interface Window {
    chatDemo: {
      chat: ChatSocket;
      admin: AdminSocket;
      /** The transport the chat's Engine.IO connection uses now (`polling`, `websocket`). */
      transport(): string | undefined;
    };
  }
}

// ---------------------------------------------------------------------------------------
// The page

function element<T extends HTMLElement>(id: string, kind: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) {
    throw new Error(`#${id} is missing from the page (or is not a ${kind.name})`);
  }
  return el;
}

const ui = {
  transport: element("transport", HTMLElement),
  connection: element("connection", HTMLElement),
  status: element("status", HTMLElement),
  nickForm: element("nick-form", HTMLFormElement),
  nick: element("nick", HTMLInputElement),
  startRoom: element("start-room", HTMLInputElement),
  me: element("me", HTMLElement),
  roomView: element("room-view", HTMLElement),
  roomForm: element("room-form", HTMLFormElement),
  room: element("room", HTMLInputElement),
  roomName: element("room-name", HTMLElement),
  log: element("log", HTMLOListElement),
  msgForm: element("msg-form", HTMLFormElement),
  msg: element("msg", HTMLInputElement),
  online: element("online", HTMLUListElement),
  onlineCount: element("online-count", HTMLElement),
  renameForm: element("rename-form", HTMLFormElement),
  rename: element("rename", HTMLInputElement),
  check: element("check", HTMLButtonElement),
  adminLogin: element("admin-login", HTMLFormElement),
  adminPassword: element("admin-password", HTMLInputElement),
  adminTools: element("admin-tools", HTMLElement),
  adminBroadcast: element("admin-broadcast", HTMLFormElement),
  adminText: element("admin-text", HTMLInputElement),
  adminWhoami: element("admin-whoami", HTMLButtonElement),
  adminLogout: element("admin-logout", HTMLButtonElement),
  adminLog: element("admin-log", HTMLUListElement),
};

type Tone = "info" | "ok" | "error";

function status(text: string, tone: Tone = "info"): void {
  ui.status.textContent = text;
  ui.status.dataset["tone"] = tone;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A stable colour per nickname, for the avatars. */
function hue(nick: string): number {
  let h = 0;
  for (const ch of nick) h = (h * 31 + (ch.codePointAt(0) ?? 0)) % 360;
  return h;
}

function avatar(nick: string): HTMLElement {
  const a = el("span", "avatar", Array.from(nick)[0]?.toUpperCase() ?? "?");
  a.style.setProperty("--hue", String(hue(nick)));
  a.setAttribute("aria-hidden", "true");
  return a;
}

function append(item: HTMLLIElement): void {
  const atBottom = ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 40;
  ui.log.append(item);
  if (atBottom) ui.log.scrollTop = ui.log.scrollHeight;
}

function logNotice(text: string, kind: "announcement" | "room" = "announcement"): void {
  append(el("li", `line ${kind}`, text));
}

function logMessage(line: ChatLine, mine: boolean): void {
  const item = el("li", mine ? "line msg mine" : "line msg");
  item.dataset["from"] = line.from;
  const body = el("div", "bubble");
  const meta = el("div", "meta");
  meta.append(el("span", "from", line.from), el("time", "at", clock(line.at_ms)));
  body.append(meta, el("div", "text", line.text));
  item.append(avatar(line.from), body);
  append(item);
}

function showOnline(): void {
  const list = Array.from(state.online).sort();
  ui.online.replaceChildren(
    ...list.map((nick) => {
      const li = el("li", nick === state.nick ? "me" : "");
      li.dataset["nick"] = nick;
      li.append(avatar(nick), el("span", "name", nick));
      if (nick === state.nick) li.append(el("span", "you", "you"));
      return li;
    }),
  );
  ui.onlineCount.textContent = String(list.length);
}

// ---------------------------------------------------------------------------------------
// The connection

function transportOption(): Partial<ManagerOptions & SocketOptions> {
  const forced = new URLSearchParams(location.search).get("transport");
  if (forced === "polling" || forced === "websocket") {
    return { transports: [forced] };
  }
  return {};
}

const options = transportOption();
// Both namespaces share one Engine.IO connection (the client multiplexes them).
const chat: ChatSocket = io(CHAT_PATH, options);
const admin: AdminSocket = io(ADMIN_PATH, { ...options, autoConnect: false });

function currentTransport(): string | undefined {
  return chat.io.engine?.transport?.name;
}

window.chatDemo = { chat, admin, transport: currentTransport };

// Who is online: the whole list arrives once per connection (`nicknames`), then one
// event per change (`user_joined`, `user_left`, `user_renamed`).
const state: { nick: string | null; room: string; online: Set<string> } = {
  nick: null,
  room: "lobby",
  online: new Set(),
};

function showTransport(): void {
  const name = currentTransport();
  ui.transport.textContent = chat.connected && name ? name : "offline";
  ui.connection.dataset["state"] = chat.connected ? "up" : "down";
}

chat.io.on("open", () => {
  // A new engine on every (re)connection: follow its upgrade to websocket.
  chat.io.engine.on("upgrade", showTransport);
  showTransport();
});

chat.on("connect", () => {
  showTransport();
  // Connection state recovery: the same socket, its room, and what was said meanwhile
  // (replayed before this event).
  ui.connection.dataset["recovered"] = String(chat.recovered);
  status(chat.recovered ? "reconnected: session recovered, nothing missed" : "connected", "ok");
  // The server forgets a nickname with its connection: claim it again after a reconnect.
  if (state.nick !== null) void claim(state.nick, true);
});

chat.on("disconnect", (reason) => {
  showTransport();
  status(`disconnected (${reason})`, "error");
});

chat.on("connect_error", (err) => {
  showTransport();
  status(`cannot connect: ${err.message}`, "error");
});

chat.on("announcement", (text) => logNotice(text));

chat.on("nicknames", (list) => {
  state.online = new Set(list);
  showOnline();
});

chat.on("user_joined", (nick) => {
  state.online.add(nick);
  showOnline();
});

chat.on("user_left", (nick) => {
  state.online.delete(nick);
  showOnline();
});

chat.on("user_renamed", (from, to) => {
  state.online.delete(from);
  state.online.add(to);
  showOnline();
});

chat.on("msg_to_room", (line) => logMessage(line, false));

// The server's `check` and `census` ask each client to answer with the same number.
chat.on("ping", (nonce, ack) => ack(nonce));

chat.on("error", (kind, message) => status(`server refused: ${kind} (${message})`, "error"));

// ---------------------------------------------------------------------------------------
// Chatting

const TIMEOUT_MS = 5000;

async function claim(nick: string, again: boolean): Promise<boolean> {
  try {
    // `[true, nickname]`, or `[false, why]` (taken, empty, too long).
    const [ok, answer] = await chat.timeout(TIMEOUT_MS).emitWithAck("nickname", nick);
    if (!ok) {
      status(`${answer}: pick another nickname`, "error");
      return false;
    }
    state.nick = answer;
    ui.me.textContent = answer;
    showOnline();
    await join(state.room, again);
    return true;
  } catch (e) {
    status(`no answer to nickname: ${String(e)}`, "error");
    return false;
  }
}

async function join(room: string, quiet: boolean): Promise<boolean> {
  try {
    const ok = await chat.timeout(TIMEOUT_MS).emitWithAck("join", room);
    if (!ok) {
      status(`could not join #${room}`, "error");
      return false;
    }
    state.room = room;
    ui.roomName.textContent = room;
    ui.roomView.dataset["room"] = room;
    if (!quiet) logNotice(`you joined #${room}`, "room");
    return true;
  } catch (e) {
    status(`no answer to join: ${String(e)}`, "error");
    return false;
  }
}

ui.nickForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const nick = ui.nick.value.trim();
  if (!nick) {
    status("a nickname cannot be empty", "error");
    return;
  }
  state.room = ui.startRoom.value.trim() || "lobby";
  void claim(nick, false).then((ok) => {
    if (!ok) return;
    ui.nickForm.hidden = true;
    ui.roomView.hidden = false;
    ui.renameForm.hidden = false;
    ui.msg.focus();
  });
});

// A socket has one nickname: asking for another renames it (the old one is free again, and
// everyone sees one `user_renamed`).
ui.renameForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const nick = ui.rename.value.trim();
  if (!nick || nick === state.nick) return;
  chat
    .timeout(TIMEOUT_MS)
    .emitWithAck("nickname", nick)
    .then(([ok, answer]) => {
      if (!ok) {
        status(`${answer}: pick another nickname`, "error");
        return;
      }
      state.nick = answer;
      ui.me.textContent = answer;
      ui.rename.value = "";
      showOnline();
      status(`you are now ${answer}`, "ok");
    })
    .catch((e: unknown) => status(`no answer to nickname: ${String(e)}`, "error"));
});

ui.roomForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const room = ui.room.value.trim();
  if (!room) return;
  void join(room, false).then((ok) => {
    if (ok) ui.room.value = "";
  });
});

ui.msgForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.msg.value;
  if (!text.trim() || state.nick === null) return;
  ui.msg.value = "";
  chat
    .timeout(TIMEOUT_MS)
    .emitWithAck("user message", text)
    .then((sent) => {
      // The server sends the line to the others in the room: show our own copy here.
      if (sent === true && state.nick !== null) {
        logMessage({ from: state.nick, text, room: state.room, at_ms: Date.now() }, true);
      } else {
        status("the message was not sent", "error");
        ui.msg.value = text;
      }
    })
    .catch((e: unknown) => status(`no answer to the message: ${String(e)}`, "error"));
});

// `check` makes the server ping this client and report whether the answer came back.
ui.check.addEventListener("click", () => {
  const nonce = Math.floor(Math.random() * 1_000_000);
  const started = performance.now();
  chat
    .timeout(TIMEOUT_MS)
    .emitWithAck("check", nonce)
    .then((answer) => {
      const ms = Math.round(performance.now() - started);
      status(`round trip: ${answer} (${ms} ms)`, answer === "ok" ? "ok" : "error");
    })
    .catch((e: unknown) => status(`round trip: ${String(e)}`, "error"));
});

// ---------------------------------------------------------------------------------------
// Admin panel: `/admin` starts locked; `login` with the server's password lifts the lock.

function adminLog(text: string): void {
  ui.adminLog.prepend(el("li", "", text));
}

function adminLoggedIn(yes: boolean): void {
  ui.adminLogin.hidden = yes;
  ui.adminTools.hidden = !yes;
}

admin.on("notice", (text) => adminLog(`notice: ${text}`));
admin.on("error", (kind, message) => adminLog(`refused: ${kind} (${message})`));
admin.on("disconnect", () => adminLoggedIn(false));

ui.adminLogin.addEventListener("submit", (event) => {
  event.preventDefault();
  if (!admin.connected) admin.connect();
  admin
    .timeout(TIMEOUT_MS)
    .emitWithAck("login", ui.adminPassword.value)
    .then((ok) => {
      ui.adminPassword.value = "";
      adminLoggedIn(ok);
      adminLog(ok ? "logged in" : "wrong password");
    })
    .catch((e: unknown) => adminLog(`login: ${String(e)}`));
});

ui.adminBroadcast.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = ui.adminText.value.trim();
  if (!text) return;
  admin
    .timeout(TIMEOUT_MS)
    .emitWithAck("broadcast", text)
    .then((ok) => {
      if (ok) ui.adminText.value = "";
      adminLog(ok ? `sent: ${text}` : "broadcast refused");
    })
    .catch((e: unknown) => adminLog(`broadcast: ${String(e)}`));
});

ui.adminWhoami.addEventListener("click", () => {
  admin
    .timeout(TIMEOUT_MS)
    .emitWithAck("whoami")
    .then((me) => {
      ui.adminLog.dataset["transport"] = me?.transport ?? "";
      adminLog(me ? `sid ${me.sid}, server sees ${me.transport}` : "whoami refused");
    })
    .catch((e: unknown) => adminLog(`whoami: ${String(e)}`));
});

ui.adminLogout.addEventListener("click", () => {
  admin
    .timeout(TIMEOUT_MS)
    .emitWithAck("logout")
    .then(() => {
      adminLoggedIn(false);
      adminLog("logged out");
    })
    .catch((e: unknown) => adminLog(`logout: ${String(e)}`));
});

status("connecting…");
