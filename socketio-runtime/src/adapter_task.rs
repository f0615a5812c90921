//! Starting an adapter operation at once: [`AdapterTask`] polls the adapter's future once,
//! in place (the local adapter completes there, with no task spawned; a cluster adapter
//! takes its place in the publish order there), and spawns the rest.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::adapter::{AdapterError, AdapterFuture};

/// An adapter operation already under way. Await it for its outcome, or drop it: the
/// operation goes on in the background either way.
///
/// ```no_run
/// # async fn f(io: socketio_runtime::SocketIo) {
/// # struct Chat;
/// # impl socketio_runtime::Namespace for Chat { const PATH: &'static str = "/chat";
/// #   async fn on_event(&self, _: &socketio_runtime::Socket<Self>, _: socketio_runtime::Event) {} }
/// let chat = io.of::<Chat>().unwrap();
/// chat.clone().to("lobby").sockets_join("announcements"); // started; outcome ignored
/// chat.to("old").sockets_leave("announcements").await.unwrap(); // outcome awaited
/// # }
/// ```
pub struct AdapterTask<T> {
    stage: Stage<T>,
}

enum Stage<T> {
    Done(Result<T, AdapterError>),
    Running(tokio::task::JoinHandle<Result<T, AdapterError>>),
}

impl<T: Send + 'static> AdapterTask<T> {
    /// Polls `operation` once here; spawns it if it is not done.
    pub(crate) fn start(mut operation: AdapterFuture<'static, Result<T, AdapterError>>) -> Self {
        let stage = match operation.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(result) => Stage::Done(result),
            Poll::Pending => Stage::Running(tokio::spawn(operation)),
        };
        AdapterTask { stage }
    }

    /// [`AdapterTask::start`] for an operation whose outcome nobody awaits: a failure is
    /// logged, naming `what`.
    pub(crate) fn start_logged(operation: AdapterFuture<'static, Result<T, AdapterError>>, what: &'static str) -> Self {
        AdapterTask::start(Box::pin(async move {
            let result = operation.await;
            if let Err(e) = &result {
                tracing::warn!(error = %e, cause = ?std::error::Error::source(e), "{what} failed");
            }
            result
        }))
    }

    /// Whether the operation completed during its first poll.
    pub fn is_done(&self) -> bool {
        matches!(self.stage, Stage::Done(_))
    }

    /// The outcome, if the operation completed during its first poll; else the task back.
    pub(crate) fn try_take(self) -> Result<Result<T, AdapterError>, Self> {
        match self.stage {
            Stage::Done(result) => Ok(result),
            running => Err(AdapterTask { stage: running }),
        }
    }
}

impl<T: Send + 'static> IntoFuture for AdapterTask<T> {
    type Output = Result<T, AdapterError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            match self.stage {
                Stage::Done(result) => result,
                Stage::Running(task) => task.await.map_err(AdapterError::TaskFailed)?,
            }
        })
    }
}

impl<T> std::fmt::Debug for AdapterTask<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let stage = match self.stage {
            Stage::Done(_) => "done",
            Stage::Running(_) => "running",
        };
        f.debug_struct("AdapterTask").field("stage", &stage).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test]
    async fn the_first_poll_happens_in_place_and_the_rest_in_a_task() {
        let done = AdapterTask::start(crate::adapter::ready(Ok(1)));
        assert!(done.is_done(), "a ready operation spawns nothing");
        assert_eq!(done.await.unwrap(), 1);

        // Work before the first `.await` (a cluster adapter taking its place in the publish
        // order) is done when `start` returns.
        let published = Arc::new(AtomicUsize::new(0));
        let seen = published.clone();
        let task = AdapterTask::start(Box::pin(async move {
            seen.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            seen.fetch_add(1, Ordering::SeqCst);
            Ok::<_, AdapterError>(())
        }));
        assert_eq!(published.load(Ordering::SeqCst), 1);
        assert!(!task.is_done());
        task.await.unwrap();
        assert_eq!(published.load(Ordering::SeqCst), 2);
    }
}
