//! Which reply answered which message, so deleting or editing the question can delete or
//! update the answer. Bounded: the oldest pairs are forgotten first.
//!
//! A question can be deleted or edited while its reply is still being sent. Such questions
//! are "in flight": a deletion or edit that arrives then is kept and handed back when the
//! reply is recorded, so it is applied to the reply as soon as the reply exists.
//!
//! This is the process's fast copy; the store keeps the same links
//! ([`crate::store::ReplyLink`]) for edits and deletions after a restart.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Instant;

use poise::serenity_prelude::Attachment;

use crate::matcher::Mode;

/// How many trigger → reply pairs are remembered.
pub const TRACKER_CAPACITY: usize = 4096;

/// A reply the bot sent for a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracked {
    /// The server (None in direct messages).
    pub guild: Option<u64>,
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

/// A question's new text after an edit, with the attachments it still has.
#[derive(Debug, Clone, Default)]
pub struct Edit {
    /// The new text.
    pub content: String,
    /// Its attachments (an edit can remove them, not add any).
    pub attachments: Vec<Attachment>,
}

/// serenity's attachments cannot be compared: the same text and attachment ids are the
/// same edit.
impl PartialEq for Edit {
    fn eq(&self, other: &Edit) -> bool {
        self.content == other.content
            && self.attachments.len() == other.attachments.len()
            && self
                .attachments
                .iter()
                .zip(&other.attachments)
                .all(|(a, b)| a.id == b.id)
    }
}

impl Eq for Edit {}

impl From<&str> for Edit {
    fn from(content: &str) -> Edit {
        Edit {
            content: content.to_string(),
            attachments: Vec::new(),
        }
    }
}

/// What the tracker knows about an edited question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edited {
    /// It was answered with this reply.
    Reply(Tracked),
    /// Its reply is being sent; the edit is kept and handed back by [`ReplyTracker::insert`].
    InFlight,
    /// This process has no reply for it (the store may, after a restart).
    Unknown,
}

/// What happened to a question while its reply was being sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Nothing: the reply stands.
    Kept,
    /// The question was deleted: delete the reply.
    Deleted,
    /// The question was edited to this text: re-check the reply.
    Edited(Edit),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum InFlight {
    Sending,
    Deleted,
    Edited(Edit),
}

#[derive(Debug, Default)]
struct Inner {
    by_trigger: HashMap<u64, Tracked>,
    order: VecDeque<u64>,
    in_flight: HashMap<u64, InFlight>,
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

    /// A reply to `trigger` is about to be sent.
    pub fn sending(&self, trigger: u64) {
        let mut g = self.lock();
        if g.in_flight.len() >= TRACKER_CAPACITY {
            // Only stuck sends can pile up this far; forget them.
            g.in_flight.clear();
        }
        g.in_flight.insert(trigger, InFlight::Sending);
    }

    /// The reply to `trigger` could not be sent.
    pub fn abandon(&self, trigger: u64) {
        self.lock().in_flight.remove(&trigger);
    }

    /// Remembers a sent reply and says what happened to the question meanwhile.
    pub fn insert(&self, trigger: u64, t: Tracked) -> Settled {
        let mut g = self.lock();
        match g.in_flight.remove(&trigger) {
            Some(InFlight::Deleted) => return Settled::Deleted,
            Some(InFlight::Edited(text)) => {
                g.remember(trigger, t);
                return Settled::Edited(text);
            }
            Some(InFlight::Sending) | None => {}
        }
        g.remember(trigger, t);
        Settled::Kept
    }

    /// The reply to `trigger`.
    pub fn get(&self, trigger: u64) -> Option<Tracked> {
        self.lock().by_trigger.get(&trigger).cloned()
    }

    /// The question was edited: its reply when there is one; while the reply is in flight
    /// the new text is kept for [`ReplyTracker::insert`].
    pub fn edited(&self, trigger: u64, edit: &Edit) -> Edited {
        let mut g = self.lock();
        if let Some(t) = g.by_trigger.get(&trigger) {
            return Edited::Reply(t.clone());
        }
        match g.in_flight.get_mut(&trigger) {
            Some(state @ (InFlight::Sending | InFlight::Edited(_))) => {
                *state = InFlight::Edited(edit.clone());
                Edited::InFlight
            }
            Some(InFlight::Deleted) => Edited::InFlight,
            None => Edited::Unknown,
        }
    }

    /// Replaces what is known about the reply to `trigger` (after an edit).
    pub fn update(&self, trigger: u64, f: impl FnOnce(&mut Tracked)) {
        if let Some(t) = self.lock().by_trigger.get_mut(&trigger) {
            f(t);
        }
    }

    /// The question was deleted: forget and return its reply. While the reply is in flight,
    /// the deletion is kept for [`ReplyTracker::insert`].
    pub fn trigger_deleted(&self, trigger: u64) -> Option<Tracked> {
        let mut g = self.lock();
        if let Some(t) = g.by_trigger.remove(&trigger) {
            return Some(t);
        }
        if let Some(state) = g.in_flight.get_mut(&trigger) {
            *state = InFlight::Deleted;
        }
        None
    }

    /// Forgets the pair whose reply is `reply_id` (the reply itself was deleted).
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

impl Inner {
    fn remember(&mut self, trigger: u64, t: Tracked) {
        if self.by_trigger.insert(trigger, t).is_none() {
            self.order.push_back(trigger);
        }
        while self.by_trigger.len() > TRACKER_CAPACITY {
            match self.order.pop_front() {
                Some(old) => {
                    self.by_trigger.remove(&old);
                }
                None => break,
            }
        }
        // `order` may hold ids already removed by a deletion; keep it from growing.
        if self.order.len() > 2 * TRACKER_CAPACITY {
            let live = &self.by_trigger;
            self.order.retain(|id| live.contains_key(id));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(reply: u64) -> Tracked {
        Tracked {
            guild: Some(1),
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
        tr.sending(10);
        assert_eq!(tr.insert(10, t(11)), Settled::Kept);
        assert_eq!(tr.get(10).unwrap().reply_id, 11);
        assert_eq!(tr.trigger_deleted(10).unwrap().reply_id, 11);
        assert!(tr.get(10).is_none());
    }

    #[test]
    fn deletion_while_sending_is_handed_back() {
        let tr = ReplyTracker::default();
        tr.sending(20);
        assert!(tr.trigger_deleted(20).is_none());
        assert_eq!(tr.insert(20, t(21)), Settled::Deleted);
        assert!(tr.get(20).is_none());
    }

    #[test]
    fn edit_while_sending_is_handed_back() {
        let tr = ReplyTracker::default();
        tr.sending(30);
        assert_eq!(tr.edited(30, &"first".into()), Edited::InFlight);
        assert_eq!(tr.edited(30, &"second".into()), Edited::InFlight);
        assert_eq!(tr.insert(30, t(31)), Settled::Edited("second".into()));
        assert!(matches!(tr.edited(30, &"third".into()), Edited::Reply(r) if r.reply_id == 31));
    }

    #[test]
    fn unrelated_deletions_and_edits_are_not_remembered() {
        let tr = ReplyTracker::default();
        assert!(tr.trigger_deleted(40).is_none());
        assert_eq!(tr.edited(40, &"x".into()), Edited::Unknown);
        assert_eq!(tr.insert(40, t(41)), Settled::Kept);
        tr.sending(50);
        tr.abandon(50);
        assert_eq!(tr.insert(50, t(51)), Settled::Kept);
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
