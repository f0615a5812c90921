//! TypeScript typings for the socket.io client, generated from the schemas `#[namespace]`
//! writes ([`socketio_runtime::schema`]).
//!
//! [`event_maps`] renders a namespace's two event maps in the shape the v4 client's
//! `Socket<ServerToClientEvents, ClientToServerEvents>` expects: one listener signature
//! per event, an acked event taking its ack as one last callback with exactly one argument.
//! Rust types are translated by [`ts_type`]; named types are referenced by name (their
//! declarations come from ts-rs).

mod ts_type;

use std::fmt::Write as _;

use socketio_runtime::schema::{Direction, EventSchema, NamespaceSchema};
pub use ts_type::ts_type;

/// `export interface <Name>ServerToClientEvents { .. }`, `..ClientToServerEvents`, and the
/// path constant, for one namespace.
///
/// ```
/// use socketio_runtime::schema::*;
/// const S: NamespaceSchema = NamespaceSchema {
///     path: "/chat",
///     name: "Chat",
///     events: &[EventSchema {
///         name: "join",
///         direction: Direction::ClientToServer,
///         args: &[ArgSchema { name: "room", rust_type: "String" }],
///         ack: Some("bool"),
///         initially_allowed: true,
///     }],
/// };
/// let ts = socketio_client_gen::event_maps(&S);
/// assert!(ts.contains("join: (room: string, ack: (value: boolean) => void) => void;"));
/// assert!(ts.contains("export const CHAT_PATH = \"/chat\";"));
/// ```
pub fn event_maps(schema: &NamespaceSchema) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "export const {}_PATH = {:?};",
        upper_snake(schema.name),
        schema.path
    );
    for (direction, suffix) in [
        (Direction::ServerToClient, "ServerToClientEvents"),
        (Direction::ClientToServer, "ClientToServerEvents"),
    ] {
        let _ = writeln!(out, "\nexport interface {}{suffix} {{", schema.name);
        for event in schema.events_in(direction) {
            let _ = writeln!(out, "  {}: {};", property_name(event.name), listener(event));
        }
        out.push_str("}\n");
    }
    out
}

/// `(a: A, ack: (value: R) => void) => void`.
fn listener(event: &EventSchema) -> String {
    let mut params: Vec<String> = event
        .args
        .iter()
        .map(|a| format!("{}: {}", a.name, ts_type(a.rust_type)))
        .collect();
    if let Some(ack) = event.ack {
        params.push(format!("ack: (value: {}) => void", ts_type(ack)));
    }
    format!("({}) => void", params.join(", "))
}

/// An event name as an interface property: bare when it is an identifier, quoted otherwise.
fn property_name(name: &str) -> String {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        name.to_owned()
    } else {
        format!("{name:?}")
    }
}

/// `AdminAcl` -> `ADMIN_ACL`.
fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_uppercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use socketio_runtime::schema::ArgSchema;

    const CHAT: NamespaceSchema = NamespaceSchema {
        path: "/chat",
        name: "Chat",
        events: &[
            EventSchema {
                name: "user message",
                direction: Direction::ClientToServer,
                args: &[ArgSchema {
                    name: "text",
                    rust_type: "String",
                }],
                ack: None,
                initially_allowed: false,
            },
            EventSchema {
                name: "ping",
                direction: Direction::ServerToClient,
                args: &[ArgSchema {
                    name: "nonce",
                    rust_type: "u32",
                }],
                ack: Some("u32"),
                initially_allowed: true,
            },
            EventSchema {
                name: "nicknames",
                direction: Direction::ServerToClient,
                args: &[ArgSchema {
                    name: "list",
                    rust_type: "Vec<String>",
                }],
                ack: None,
                initially_allowed: true,
            },
        ],
    };

    #[test]
    fn renders_both_maps() {
        let ts = event_maps(&CHAT);
        let expected = "export const CHAT_PATH = \"/chat\";\n\
            \n\
            export interface ChatServerToClientEvents {\n\
            \x20 ping: (nonce: number, ack: (value: number) => void) => void;\n\
            \x20 nicknames: (list: string[]) => void;\n\
            }\n\
            \n\
            export interface ChatClientToServerEvents {\n\
            \x20 \"user message\": (text: string) => void;\n\
            }\n";
        assert_eq!(ts, expected);
    }

    #[test]
    fn constant_names() {
        assert_eq!(upper_snake("AdminAcl"), "ADMIN_ACL");
        assert_eq!(property_name("msg_to_room"), "msg_to_room");
        assert_eq!(property_name("9lives"), "\"9lives\"");
    }
}
