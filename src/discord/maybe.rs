//! The 💡 offer: in a support channel, a question the matcher is *nearly* sure about gets a
//! 💡 reaction instead of silence, and the answer is posted only if the asker clicks 💡 too.
//! Nobody else's 💡 does anything: a wrong guess costs one reaction, never a reply nobody
//! asked for.
//!
//! Offers are kept **in memory only**, bounded to [`OFFER_CAPACITY`] (the oldest forgotten
//! first) and for [`OFFER_TTL`]: a click after a restart, or later than that, does nothing.
//! That is enough for a hint the asker takes up within minutes, and it keeps user ids out of
//! the database.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::matcher::Match;
use crate::reply::Lang;

/// The reaction that offers an answer, and that the asker adds to take it.
pub const EMOJI: &str = "💡";
/// How many offers are remembered at most.
pub const OFFER_CAPACITY: usize = 4096;
/// How long an offer can be taken up.
pub const OFFER_TTL: Duration = Duration::from_secs(3600);

/// One question that got a 💡.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    /// The server.
    pub guild: Option<u64>,
    /// The channel or thread of the question.
    pub channel: u64,
    /// The thread's parent, when the question is in a thread (its settings apply).
    pub thread_parent: Option<u64>,
    /// Who asked: the only one whose 💡 posts the answer.
    pub author: u64,
    /// The candidate the matcher found, with its evidence.
    pub candidate: Match,
    /// The language the answer is written in (the question's, or the server's choice).
    pub lang: Lang,
    /// When the 💡 was added.
    pub at: Instant,
}

#[derive(Debug, Default)]
struct Inner {
    by_message: HashMap<u64, Offer>,
    order: VecDeque<u64>,
}

/// Message id → offer, bounded and expiring.
#[derive(Debug, Default)]
pub struct Offers {
    inner: Mutex<Inner>,
}

impl Offers {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Remembers the offer made on `message`.
    pub fn offer(&self, message: u64, offer: Offer) {
        let mut g = self.lock();
        let now = offer.at;
        if g.by_message.insert(message, offer).is_none() {
            g.order.push_back(message);
        }
        // Drop the expired and, beyond the capacity, the oldest.
        while let Some(&old) = g.order.front() {
            let expired = g
                .by_message
                .get(&old)
                .is_none_or(|o| now.saturating_duration_since(o.at) >= OFFER_TTL);
            if !expired && g.by_message.len() <= OFFER_CAPACITY {
                break;
            }
            g.order.pop_front();
            g.by_message.remove(&old);
        }
        // `order` may hold ids already taken or forgotten; keep it from growing.
        if g.order.len() > 2 * OFFER_CAPACITY {
            let Inner { by_message, order } = &mut *g;
            order.retain(|id| by_message.contains_key(id));
        }
    }

    /// `user` reacted 💡 on `message`: the offer when they are its asker and it has not
    /// expired. It is taken out, so the answer is posted once however often 💡 arrives.
    pub fn take(&self, message: u64, user: u64, now: Instant) -> Option<Offer> {
        let mut g = self.lock();
        let o = g.by_message.get(&message)?;
        if o.author != user {
            return None;
        }
        if now.saturating_duration_since(o.at) >= OFFER_TTL {
            g.by_message.remove(&message);
            return None;
        }
        g.by_message.remove(&message)
    }

    /// Puts back an offer whose answer could not be sent, so another click can try again.
    pub fn restore(&self, message: u64, offer: Offer) {
        self.offer(message, offer);
    }

    /// Forgets the offer on `message` (the question was deleted or edited: the candidate
    /// was about the old text).
    pub fn forget(&self, message: u64) {
        self.lock().by_message.remove(&message);
    }

    /// How many offers are remembered.
    pub fn len(&self) -> usize {
        self.lock().by_message.len()
    }

    /// Whether no offer is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(author: u64, at: Instant) -> Offer {
        Offer {
            guild: Some(1),
            channel: 2,
            thread_parent: None,
            author,
            candidate: Match {
                id: "http.403".into(),
                score: 0.7,
                evidence: Vec::new(),
            },
            lang: Lang::En,
            at,
        }
    }

    #[test]
    fn only_the_asker_takes_it_and_only_once() {
        let offers = Offers::default();
        let t0 = Instant::now();
        offers.offer(10, offer(7, t0));
        assert!(offers.take(10, 8, t0).is_none(), "someone else");
        assert_eq!(offers.take(10, 7, t0).unwrap().author, 7);
        assert!(offers.take(10, 7, t0).is_none(), "taken already");
        offers.restore(10, offer(7, t0));
        assert!(
            offers.take(10, 7, t0).is_some(),
            "restored after a failed send"
        );
        offers.offer(11, offer(7, t0));
        offers.forget(11);
        assert!(offers.take(11, 7, t0).is_none());
    }

    #[test]
    fn offers_expire_and_stay_bounded() {
        let offers = Offers::default();
        let t0 = Instant::now();
        offers.offer(1, offer(7, t0));
        assert!(offers.take(1, 7, t0 + OFFER_TTL).is_none(), "expired");
        for i in 0..(OFFER_CAPACITY as u64 + 10) {
            offers.offer(100 + i, offer(7, t0));
        }
        assert_eq!(offers.len(), OFFER_CAPACITY);
        assert!(offers.take(100, 7, t0).is_none(), "the oldest went first");
        // A later offer pushes out the expired ones.
        offers.offer(1, offer(7, t0 + OFFER_TTL));
        assert_eq!(offers.len(), 1);
    }
}
