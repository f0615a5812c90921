//! The Redis channel names of one namespace, as Node's classic adapter builds them from the
//! key prefix (`socket.io` by default) and the namespace path.

/// One namespace's channels.
///
/// ```
/// use socketio_redis::channels::Channels;
/// let ch = Channels::new("socket.io", "/", "8F8zxG");
/// assert_eq!(ch.broadcast, "socket.io#/#");
/// assert_eq!(ch.pattern, "socket.io#/#*");
/// assert_eq!(ch.room("room-B"), "socket.io#/#room-B#");
/// assert_eq!(ch.request, "socket.io-request#/#");
/// assert_eq!(ch.response, "socket.io-response#/#");
/// assert_eq!(ch.own_response, "socket.io-response#/#8F8zxG#");
/// assert_eq!(ch.response_of("abc123"), "socket.io-response#/#abc123#");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channels {
    /// `{key}#{nsp}#`: broadcasts to no room or to several.
    pub broadcast: String,
    /// `{key}#{nsp}#*`: what a node pattern-subscribes to (broadcasts and room channels).
    pub pattern: String,
    /// `{key}-request#{nsp}#`: every request.
    pub request: String,
    /// `{key}-response#{nsp}#`: the common response channel.
    pub response: String,
    /// `{key}-response#{nsp}#{uid}#`: this node's own response channel.
    pub own_response: String,
    key: String,
    nsp: String,
}

impl Channels {
    /// The channels of namespace `nsp` under prefix `key`, for the node `uid`.
    pub fn new(key: &str, nsp: &str, uid: &str) -> Self {
        Channels {
            broadcast: format!("{key}#{nsp}#"),
            pattern: format!("{key}#{nsp}#*"),
            request: format!("{key}-request#{nsp}#"),
            response: format!("{key}-response#{nsp}#"),
            own_response: format!("{key}-response#{nsp}#{uid}#"),
            key: key.to_owned(),
            nsp: nsp.to_owned(),
        }
    }

    /// `{key}#{nsp}#{room}#`: a broadcast to exactly one room.
    pub fn room(&self, room: &str) -> String {
        format!("{}{room}#", self.broadcast)
    }

    /// `{key}-response#{nsp}#{uid}#`: node `uid`'s own response channel.
    pub fn response_of(&self, uid: &str) -> String {
        format!("{}-response#{}#{uid}#", self.key, self.nsp)
    }

    /// The room a channel under [`Channels::pattern`] names (`""` for the broadcast
    /// channel), or `None` if the channel is not one of this namespace's broadcast channels.
    ///
    /// ```
    /// let ch = socketio_redis::channels::Channels::new("socket.io", "/", "u");
    /// assert_eq!(ch.room_of("socket.io#/#"), Some(""));
    /// assert_eq!(ch.room_of("socket.io#/#lobby#"), Some("lobby"));
    /// assert_eq!(ch.room_of("socket.io#/#lobby"), None);
    /// ```
    pub fn room_of<'a>(&self, channel: &'a str) -> Option<&'a str> {
        channel
            .strip_prefix(self.broadcast.as_str())?
            .strip_suffix('#')
            .or_else(|| {
                // The broadcast channel itself: the prefix is the whole name.
                (channel == self.broadcast).then_some("")
            })
    }
}
