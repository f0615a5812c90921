//! The leaf types every layer shares: what a frame on the way out is ([`Frame`], [`Text`]),
//! which transport carries a session ([`TransportKind`]), and what differs between protocol
//! families, as one descriptor value with named properties ([`Wire`]).
//!
//! This module imports nothing of the runtime but the neutral [`crate::packet`] model (for
//! the encoder's signature). The descriptors themselves ([`crate::codec::V09`],
//! [`crate::codec::SIO5`]) are defined beside the codecs whose functions they point to; the
//! layers above ask a session's descriptor a question ("does a socket's id equal the session
//! id?") instead of testing which generation it is, so that a new family (Engine.IO 3,
//! SockJS) is one more descriptor rather than edits through the core.

use std::sync::Arc;

use bytes::Bytes;

use crate::packet::Packet;

/// A text frame's payload: UTF-8 by construction (it is made only from a `String`, a
/// `&'static str` or bytes checked to be UTF-8), shared without copying.
///
/// ```
/// use socketio_runtime::wire::Text;
/// let t = Text::from(String::from("2::"));
/// assert_eq!(t.as_str(), "2::");
/// assert_eq!(Text::from_static("6").len(), 1);
/// assert!(Text::try_from(bytes::Bytes::from_static(&[0xff])).is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Text(Bytes);

impl Text {
    /// A text of static lifetime, without allocating.
    pub const fn from_static(text: &'static str) -> Self {
        Text(Bytes::from_static(text.as_bytes()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        // Every constructor keeps the bytes valid UTF-8; a failure here would be a bug in
        // this module, and an empty text is the harmless answer.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// `true` for the empty text.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The UTF-8 bytes, shared.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Text(Bytes::from(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(Bytes::copy_from_slice(text.as_bytes()))
    }
}

impl TryFrom<Bytes> for Text {
    type Error = std::str::Utf8Error;

    fn try_from(bytes: Bytes) -> Result<Self, Self::Error> {
        std::str::from_utf8(&bytes)?;
        Ok(Text(bytes))
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// An encoded frame waiting in a session's outbox.
///
/// ```
/// use socketio_runtime::wire::{Frame, Text};
/// let f = Frame::Text(Text::from_static("3::/chat:hi"));
/// assert_eq!(f.as_str(), "3::/chat:hi");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// UTF-8 text.
    Text(Text),
    /// Binary data (a Socket.IO 4 attachment, a raw Engine.IO binary message).
    Binary(Bytes),
    /// A Socket.IO 4 binary packet and its attachments, which must go out together.
    Parts(Arc<[Frame]>),
}

impl Frame {
    /// A text frame of static text.
    pub const fn text_static(text: &'static str) -> Self {
        Frame::Text(Text::from_static(text))
    }

    /// The frame's text; empty for binary frames.
    pub fn as_str(&self) -> &str {
        match self {
            Frame::Text(text) => text.as_str(),
            Frame::Binary(_) | Frame::Parts(_) => "",
        }
    }
}

/// A transport a client may use, in the server's order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// RFC 6455 WebSocket.
    Websocket,
    /// WebSocket through the Flash bridge: hixie-76 (served by [`crate::SocketIo::serve`])
    /// or RFC 6455.
    Flashsocket,
    /// A forever-iframe of `<script>` chunks (Internet Explorer).
    Htmlfile,
    /// A `multipart/x-mixed-replace` stream (experimental: no 0.9 client uses it).
    XhrMultipart,
    /// XHR long polling.
    XhrPolling,
    /// `<script>` long polling, with form POSTs upstream.
    JsonpPolling,
}

impl TransportKind {
    /// Every transport, in the reference server's order of preference.
    pub const ALL: [TransportKind; 6] = [
        TransportKind::Websocket,
        TransportKind::Flashsocket,
        TransportKind::Htmlfile,
        TransportKind::XhrMultipart,
        TransportKind::XhrPolling,
        TransportKind::JsonpPolling,
    ];

    /// The name used in 0.9 URLs and in the 0.9 handshake.
    ///
    /// ```
    /// use socketio_runtime::TransportKind;
    /// assert_eq!(TransportKind::XhrPolling.name(), "xhr-polling");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            TransportKind::Websocket => "websocket",
            TransportKind::Flashsocket => "flashsocket",
            TransportKind::Htmlfile => "htmlfile",
            TransportKind::XhrMultipart => "xhr-multipart",
            TransportKind::XhrPolling => "xhr-polling",
            TransportKind::JsonpPolling => "jsonp-polling",
        }
    }

    /// Parses a 0.9 transport name from a URL segment.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Streaming transports keep one connection open and get server heartbeats.
    pub fn is_streaming(self) -> bool {
        !self.is_polling()
    }

    /// Long-polling transports: one request down at a time.
    pub fn is_polling(self) -> bool {
        matches!(self, TransportKind::XhrPolling | TransportKind::JsonpPolling)
    }

    /// Transports whose downstream is a WebSocket.
    pub fn is_websocket(self) -> bool {
        matches!(self, TransportKind::Websocket | TransportKind::Flashsocket)
    }
}

/// The protocol generation a client speaks, for a handler that wants to know (what
/// SocketTornad.IO called the connection's `protocol`). The runtime itself never branches
/// on it: it asks the session's [`Wire`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// Socket.IO 0.9 (`/socket.io/1/`).
    V1,
    /// Socket.IO 3/4 (protocol 5) over Engine.IO 4 (`/socket.io/?EIO=4`).
    V5,
    /// A SockJS session served by a namespace (text messages only).
    SockJs,
}

/// Everything that differs between protocol families above the transports, as named
/// properties. One `static` per family ([`crate::codec::V09`], [`crate::codec::SIO5`]);
/// each session's owner keeps a reference to its own.
///
/// ```
/// use socketio_runtime::codec::{SIO5, V09};
/// assert!(V09.one_socket_id_per_connection && !SIO5.one_socket_id_per_connection);
/// assert_eq!((V09.transport_name)(socketio_runtime::TransportKind::XhrPolling), "xhr-polling");
/// assert_eq!((SIO5.transport_name)(socketio_runtime::TransportKind::XhrPolling), "polling");
/// ```
#[derive(Debug)]
pub struct Wire {
    /// A name for logs.
    pub name: &'static str,
    /// The generation, for handlers that ask ([`crate::Socket::protocol`]).
    pub protocol: Protocol,
    /// This family's slot in a broadcast's encode-once cache (below [`WIRE_SLOTS`]).
    pub slot: usize,
    /// Encodes a packet as one outbox frame.
    pub encode: fn(&Packet) -> Frame,
    /// The confirmation of a namespace connect for socket `socket_id`, with the private
    /// session id of connection state recovery when it is on (a family without recovery
    /// ignores it).
    pub connect_ok: fn(nsp: &str, socket_id: &str, pid: Option<&str>) -> Frame,
    /// The family's protocol has connection state recovery (Socket.IO 5: a `pid` in the
    /// connect confirmation, an offset after each event): only its sockets are kept for
    /// recovery.
    pub recovers: bool,
    /// The client is in the global namespace from its first transport request on, without
    /// asking (0.9); otherwise it sends a connect for every namespace, `/` included.
    pub joins_root_on_open: bool,
    /// Every namespace socket of a connection has the same id (0.9's model); otherwise each
    /// gets a fresh one. Either way a socket id is public (it names a room, goes to peers in
    /// broadcasts, `fetch_sockets` and the adapter) and is never the session id, which is
    /// the credential of every transport request: a 0.9 connection gets a public id of its
    /// own, distinct from its session id.
    pub one_socket_id_per_connection: bool,
    /// The global namespace is the connection: a refused root connect or a root
    /// disconnect ends the session (0.9), rather than only that namespace socket.
    pub root_is_session: bool,
    /// A packet for a namespace the server does not have is answered with an `error`
    /// event (0.9's `no_such_namespace`) rather than ignored.
    pub unknown_namespace_event: bool,
    /// The name a client of this family gives a transport (Engine.IO 4 calls both polling
    /// flavours `polling`).
    pub transport_name: fn(TransportKind) -> &'static str,
    /// A decoder for one connection's inbound messages (it may keep state between them: a
    /// binary packet waiting for its attachments, bounded by `max_payload` bytes).
    pub decoder: fn(max_payload: usize) -> Box<dyn PacketDecoder>,
}

/// Turns one connection's inbound messages into neutral packets. Messages arrive in order,
/// one at a time.
pub trait PacketDecoder: Send {
    /// A text message: a packet, nothing yet (`Ok(None)`: dropped, or waiting for
    /// attachments), or a protocol error that ends the session.
    fn text(&mut self, text: &str) -> Result<Option<Packet>, InboundError>;
    /// A binary message.
    fn binary(&mut self, data: Bytes) -> Result<Option<Packet>, InboundError>;
    /// Since when a packet has been waiting for binary attachments, if one is (its owner
    /// closes the session when they are late). Families without attachments: never.
    fn waiting_since(&self) -> Option<std::time::Instant> {
        None
    }
}

/// Inbound data the protocol forbids: the session that sent it ends.
///
/// ```
/// let e = socketio_runtime::wire::InboundError::new("binary data without a binary packet");
/// assert_eq!(e.to_string(), "bad packet: binary data without a binary packet");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad packet: {0}")]
pub struct InboundError(pub String);

impl InboundError {
    /// An error saying why.
    pub fn new(why: impl Into<String>) -> Self {
        InboundError(why.into())
    }
}

/// How many families a broadcast's encode-once cache has room for.
pub const WIRE_SLOTS: usize = 3;

impl PartialEq for Wire {
    fn eq(&self, other: &Self) -> bool {
        self.slot == other.slot
    }
}
