//! Which reply answered which message, so deleting or editing the question can delete or
//! update the answer. Bounded: the oldest pairs are forgotten first.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use crate::matcher::Mode;

/// How many trigger → reply pairs are remembered.
pub const TRACKER_CAPACITY: usize = 4096;

/// A reply the bot sent for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// Channel (or thread) of both messages.
    pub channel: u64,
    /// The reply.
    pub reply_id: u64,
    /// Who asked.
    pub author: u64,
    /// The entry shown (None for a "nothing matched" reply).
    pub entry_id: Option<String>,
    /// How the question was answered.
    pub mode: Mode,
    /// When the reply was sent.
    pub at: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    by_trigger: HashMap<u64, Tracked>,
    order: VecDeque<u64>,
    /// Triggers deleted before their reply was recorded (reply still in flight).
    deleted: HashSet<u64>,
    deleted_order: VecDeque<u64>,
}

/// Bounded map trigger message id → reply.
#[derive(Debug, Default)]
pub struct ReplyTracker {
    inner: Mutex<Inner>,
}

impl ReplyTracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers a reply. Returns false when the trigger was deleted while the reply was
    /// being sent: then the caller deletes the reply instead.
    pub fn insert(&self, trigger: u64, t: Tracked) -> bool {
        let mut g = self.lock();
        if g.deleted.remove(&trigger) {
            return false;
        }
        if g.by_trigger.insert(trigger, t).is_none() {
            g.order.push_back(trigger);
        }
        while g.order.len() > TRACKER_CAPACITY {
            if let Some(old) = g.order.pop_front() {
                g.by_trigger.remove(&old);
            }
        }
        true
    }

    /// The reply to `trigger`.
    pub fn get(&self, trigger: u64) -> Option<Tracked> {
        self.lock().by_trigger.get(&trigger).cloned()
    }

    /// Replaces what is known about the reply to `trigger` (after an edit).
    pub fn update(&self, trigger: u64, f: impl FnOnce(&mut Tracked)) {
        if let Some(t) = self.lock().by_trigger.get_mut(&trigger) {
            f(t);
        }
    }

    /// The trigger was deleted: forget and return its reply. When there is none yet, the
    /// deletion is remembered so a reply still in flight is removed once sent.
    pub fn trigger_deleted(&self, trigger: u64) -> Option<Tracked> {
        let mut g = self.lock();
        match g.by_trigger.remove(&trigger) {
            Some(t) => Some(t),
            None => {
                if g.deleted.insert(trigger) {
                    g.deleted_order.push_back(trigger);
                    while g.deleted_order.len() > TRACKER_CAPACITY {
                        if let Some(old) = g.deleted_order.pop_front() {
                            g.deleted.remove(&old);
                        }
                    }
                }
                None
            }
        }
    }

    /// Forgets the pair whose reply is `reply_id` (the reply was deleted by a button).
    pub fn reply_deleted(&self, reply_id: u64) {
        let mut g = self.lock();
        g.by_trigger.retain(|_, t| t.reply_id != reply_id);
    }

    /// How many pairs are remembered.
    pub fn len(&self) -> usize {
        self.lock().by_trigger.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(reply: u64) -> Tracked {
        Tracked {
            channel: 1,
            reply_id: reply,
            author: 2,
            entry_id: Some("x".into()),
            mode: Mode::Auto,
            at: Instant::now(),
        }
    }

    #[test]
    fn insert_get_delete() {
        let tr = ReplyTracker::default();
        assert!(tr.insert(10, t(11)));
        assert_eq!(tr.get(10).unwrap().reply_id, 11);
        assert_eq!(tr.trigger_deleted(10).unwrap().reply_id, 11);
        assert!(tr.get(10).is_none());
    }

    #[test]
    fn deletion_before_reply_is_remembered() {
        let tr = ReplyTracker::default();
        assert!(tr.trigger_deleted(20).is_none());
        assert!(!tr.insert(20, t(21)), "the reply must be deleted");
        assert!(tr.get(20).is_none());
    }

    #[test]
    fn bounded() {
        let tr = ReplyTracker::default();
        for i in 0..(TRACKER_CAPACITY as u64 + 10) {
            tr.insert(i, t(i + 1_000_000));
        }
        assert_eq!(tr.len(), TRACKER_CAPACITY);
        assert!(tr.get(0).is_none());
        tr.reply_deleted(1_000_000 + TRACKER_CAPACITY as u64 + 9);
        assert_eq!(tr.len(), TRACKER_CAPACITY - 1);
    }
}
