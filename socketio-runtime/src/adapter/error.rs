//! What can go wrong in an adapter ([`AdapterError`]), and why one socket's ack did not
//! arrive ([`AckError`]). Both are typed so that a caller can tell a slow cluster from an
//! unreachable one, and a silent client from a departed one.

use std::error::Error;

/// Any error, boxed: the cause behind [`AdapterError::Unavailable`] and
/// [`AdapterError::Encoding`].
pub type BoxError = Box<dyn Error + Send + Sync + 'static>;

/// An adapter operation failed.
///
/// ```
/// use socketio_runtime::adapter::AdapterError;
/// let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "redis:6379");
/// let err = AdapterError::unavailable(refused);
/// assert!(matches!(err, AdapterError::Unavailable(_)));
/// assert!(std::error::Error::source(&err).is_some()); // the cause is kept
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// Other nodes did not all answer a request in time.
    #[error("timed out: {answered} of {expected} nodes answered")]
    Timeout {
        /// Nodes that answered.
        answered: usize,
        /// Nodes that were asked.
        expected: usize,
    },
    /// The broker or the other nodes cannot be reached.
    #[error("the cluster is unreachable")]
    Unavailable(#[source] BoxError),
    /// A message to or from another node could not be encoded or decoded.
    #[error("a cluster message could not be encoded or decoded")]
    Encoding(#[source] BoxError),
    /// The adapter was closed (or its namespace is gone).
    #[error("the adapter is closed")]
    Closed,
    /// The task that carried the operation ended without an answer (it panicked or its
    /// runtime shut down).
    #[error("the adapter's task ended without an answer")]
    TaskFailed(#[source] tokio::task::JoinError),
}

impl AdapterError {
    /// [`AdapterError::Unavailable`] with its cause.
    pub fn unavailable(cause: impl Into<BoxError>) -> Self {
        AdapterError::Unavailable(cause.into())
    }

    /// [`AdapterError::Encoding`] with its cause.
    pub fn encoding(cause: impl Into<BoxError>) -> Self {
        AdapterError::Encoding(cause.into())
    }
}

/// Why an ack did not arrive.
///
/// ```
/// use socketio_runtime::AckError;
/// assert_eq!(AckError::Timeout.to_string(), "ack timed out");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AckError {
    /// The client (or, for a server-side emit, the server) did not answer in time.
    #[error("ack timed out")]
    Timeout,
    /// The socket disconnected, or the node carrying its answer went away, before the
    /// answer arrived.
    #[error("socket disconnected before the ack arrived")]
    Disconnected,
    /// The ack's arguments did not fit the declared type.
    #[error("invalid ack: {0}")]
    Invalid(String),
    /// A node never said how many sockets it reached (it is down, or too slow): the answers
    /// of its sockets are unknown, and this one entry stands for all of them.
    #[error("a node did not report how many sockets it reached")]
    NodeSilent,
}
