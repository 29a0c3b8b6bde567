//! Graceful stop: on SIGTERM the bot stops taking events, then waits (up to
//! [`DRAIN_LIMIT`]) for the replies and store writes already in flight before it exits.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

/// The longest a stop waits for work in flight.
pub const DRAIN_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
struct Inner {
    stopping: AtomicBool,
    running: AtomicUsize,
    idle: Notify,
}

/// Counts work in flight and says when the bot is stopping. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Drain(Arc<Inner>);

/// One piece of work in flight; it is done when dropped.
#[derive(Debug)]
pub struct Working(Arc<Inner>);

impl Drop for Working {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Drain {
    /// Starts a piece of work, or None when the bot is stopping (take no new events).
    pub fn begin(&self) -> Option<Working> {
        if self.0.stopping.load(Ordering::Acquire) {
            return None;
        }
        Some(self.track())
    }

    /// Starts a piece of work that must finish even while stopping (a store write for a
    /// reply already sent).
    pub fn track(&self) -> Working {
        self.0.running.fetch_add(1, Ordering::AcqRel);
        Working(self.0.clone())
    }

    /// From now on [`Drain::begin`] refuses new work.
    pub fn stop(&self) {
        self.0.stopping.store(true, Ordering::Release);
    }

    /// Work in flight now.
    pub fn running(&self) -> usize {
        self.0.running.load(Ordering::Acquire)
    }

    /// Waits until nothing is in flight or `limit` has passed; returns what is left.
    pub async fn wait(&self, limit: Duration) -> usize {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let idle = self.0.idle.notified();
                if self.running() == 0 {
                    return;
                }
                idle.await;
            }
        })
        .await;
        self.running()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_for_work_in_flight_and_refuses_new_work() {
        let drain = Drain::default();
        let work = drain.begin().expect("not stopping yet");
        drain.stop();
        assert!(drain.begin().is_none(), "no new events while stopping");
        let store_write = drain.track();
        assert_eq!(drain.running(), 2);
        let waiter = tokio::spawn({
            let drain = drain.clone();
            async move { drain.wait(Duration::from_secs(5)).await }
        });
        drop(work);
        drop(store_write);
        assert_eq!(waiter.await.unwrap(), 0);
        let _stuck = drain.track();
        assert_eq!(
            drain.wait(Duration::from_millis(20)).await,
            1,
            "gives up after the limit"
        );
    }
}
