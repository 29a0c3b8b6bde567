//! "Was this helpful?" votes. Counted in memory and logged for now; a store that persists
//! them only has to implement [`FeedbackSink`].

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// One vote from the buttons under a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    /// The entry the reply showed.
    pub entry_id: String,
    /// The reply message.
    pub reply_id: u64,
    /// Who voted.
    pub user_id: u64,
    /// 👍 (true) or 👎 (false).
    pub helpful: bool,
}

/// Votes for one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// 👍 count.
    pub helpful: u64,
    /// 👎 count.
    pub not_helpful: u64,
}

/// What recording a vote did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A first vote by this user on this reply.
    New,
    /// The user changed their vote.
    Changed,
    /// The same vote again: nothing changed.
    Unchanged,
}

/// Where votes go.
pub trait FeedbackSink: Send + Sync + 'static {
    /// Records a vote; one vote per user per reply, the last one counts.
    fn record(&self, vote: &Vote) -> Recorded;
    /// The votes for one entry.
    fn tally(&self, entry_id: &str) -> Tally;
}

/// How many (reply, user) pairs are remembered for "one vote each".
const VOTERS_CAPACITY: usize = 50_000;

#[derive(Debug, Default)]
struct Counts {
    by_entry: HashMap<String, Tally>,
    voters: HashMap<(u64, u64), bool>,
    order: VecDeque<(u64, u64)>,
}

/// Counters in memory, lost on restart.
#[derive(Debug, Default)]
pub struct MemoryFeedback {
    counts: Mutex<Counts>,
}

impl FeedbackSink for MemoryFeedback {
    fn record(&self, vote: &Vote) -> Recorded {
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let key = (vote.reply_id, vote.user_id);
        let previous = c.voters.insert(key, vote.helpful);
        let outcome = match previous {
            Some(p) if p == vote.helpful => return Recorded::Unchanged,
            Some(_) => Recorded::Changed,
            None => {
                c.order.push_back(key);
                if c.order.len() > VOTERS_CAPACITY {
                    if let Some(old) = c.order.pop_front() {
                        c.voters.remove(&old);
                    }
                }
                Recorded::New
            }
        };
        let t = c.by_entry.entry(vote.entry_id.clone()).or_default();
        if outcome == Recorded::Changed {
            if vote.helpful {
                t.not_helpful = t.not_helpful.saturating_sub(1);
            } else {
                t.helpful = t.helpful.saturating_sub(1);
            }
        }
        if vote.helpful {
            t.helpful += 1;
        } else {
            t.not_helpful += 1;
        }
        tracing::info!(
            entry = %vote.entry_id,
            helpful = vote.helpful,
            up = t.helpful,
            down = t.not_helpful,
            "feedback"
        );
        outcome
    }

    fn tally(&self, entry_id: &str) -> Tally {
        let c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        c.by_entry.get(entry_id).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(user: u64, helpful: bool) -> Vote {
        Vote {
            entry_id: "alipay.error.14".into(),
            reply_id: 1,
            user_id: user,
            helpful,
        }
    }

    #[test]
    fn one_vote_per_user_and_reply() {
        let f = MemoryFeedback::default();
        assert_eq!(f.record(&vote(1, true)), Recorded::New);
        assert_eq!(f.record(&vote(1, true)), Recorded::Unchanged);
        assert_eq!(f.record(&vote(2, false)), Recorded::New);
        assert_eq!(
            f.tally("alipay.error.14"),
            Tally {
                helpful: 1,
                not_helpful: 1
            }
        );
        assert_eq!(f.record(&vote(1, false)), Recorded::Changed);
        assert_eq!(
            f.tally("alipay.error.14"),
            Tally {
                helpful: 0,
                not_helpful: 2
            }
        );
        assert_eq!(f.tally("other"), Tally::default());
    }
}
