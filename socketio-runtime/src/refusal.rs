//! The refusals a `#[namespace]` answers an event with instead of calling its handler,
//! as gevent-socketio names them: an `error` event whose first argument is one of these
//! kinds and whose second is a human-readable message, plus `[null]` on the ack the client
//! asked for. The typings generator lists the kinds from here so the two never drift.

/// The `error` event's first argument when the ACL refuses a call.
pub const METHOD_ACCESS_DENIED: &str = "method_access_denied";

/// The `error` event's first argument when the arguments do not decode into the handler's
/// parameters.
pub const INVALID_METHOD_ARGS: &str = "invalid_method_args";

/// The `error` event's first argument when the namespace has no handler for the event.
pub const NO_SUCH_METHOD: &str = "no_such_method";

/// Every kind of refusal, as the typings generator lists them.
///
/// ```
/// use socketio_runtime::refusal;
/// assert_eq!(refusal::KINDS.len(), 3);
/// assert!(refusal::KINDS.contains(&refusal::NO_SUCH_METHOD));
/// ```
pub const KINDS: [&str; 3] = [METHOD_ACCESS_DENIED, INVALID_METHOD_ARGS, NO_SUCH_METHOD];
