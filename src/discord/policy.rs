//! When the bot speaks: pure decisions over plain data, separate from the matcher and from
//! Discord. Everything is bounded in memory and takes the current time as an argument, so
//! it is tested without a clock or a network.
//!
//! Cooldowns, once-per-thread and the per-user limit live here, in this process, not in the
//! shared store: Discord sends all of a server's events (its channels and threads) to one
//! shard, and one process runs that shard, so no other process could see the same channel.
//! A restart forgets them, which costs at most one repeated answer within a cooldown; the
//! one-reply-per-message guarantee itself is the store's claim (`Store::claim_message`).

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::matcher::Mode;

/// How many message ids are remembered for dedupe.
pub const DEDUPE_CAPACITY: usize = 8192;
/// How many (channel, entry) cooldowns, threads and users are remembered at most.
const MAP_CAPACITY: usize = 8192;

/// What the bot knows about an incoming message, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFacts {
    /// The message id.
    pub id: u64,
    /// Where it was posted (the thread's id for a thread).
    pub channel: u64,
    /// The thread's parent channel, when the message is in a thread.
    pub thread_parent: Option<u64>,
    /// A direct message to the bot.
    pub is_dm: bool,
    /// Author id.
    pub author: u64,
    /// The author is a bot (including this one).
    pub author_is_bot: bool,
    /// Sent by a webhook.
    pub is_webhook: bool,
    /// A system message (joins, pins, boosts…) or from Discord's system user.
    pub is_system: bool,
    /// Sent by this bot.
    pub is_self: bool,
    /// The text mentions the bot with `<@id>`.
    pub mentions_bot: bool,
}

/// Why a message gets no reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ignore {
    /// Bots, webhooks, the bot itself and system messages.
    NotAPerson,
    /// Not an auto-reply channel and not addressed to the bot.
    NotListening,
}

/// Where a message may get an answer, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Stay silent.
    Ignore(Ignore),
    /// Ask the matcher in this mode.
    Answer(Mode),
}

/// Where a reply lands, for the "not twice" rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scope {
    /// Channel or thread id.
    pub id: u64,
    /// Whether it is a thread (answered once per entry, not per cooldown).
    pub thread: bool,
}

/// The decision for one candidate reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Send it (and it has been recorded).
    Reply,
    /// The same entry was answered in this channel within the cooldown.
    Cooldown,
    /// The same entry was already answered in this thread.
    AnsweredInThread,
    /// The user has triggered too many replies recently.
    UserLimited,
}

/// Limits the policy enforces.
#[derive(Debug, Clone)]
pub struct PolicyConfig {
    /// Replies per user per `user_window` (0: unlimited).
    pub user_limit: u32,
    /// The per-user window.
    pub user_window: Duration,
}

/// A set that forgets its oldest members beyond a capacity.
#[derive(Debug)]
struct BoundedSet<T> {
    set: HashSet<T>,
    order: VecDeque<T>,
    capacity: usize,
}

impl<T: Eq + Hash + Clone> BoundedSet<T> {
    fn new(capacity: usize) -> Self {
        BoundedSet {
            set: HashSet::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    /// Inserts; false when already present.
    fn insert(&mut self, v: T) -> bool {
        if !self.set.insert(v.clone()) {
            return false;
        }
        self.order.push_back(v);
        while self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        true
    }

    fn remove(&mut self, v: &T) {
        if self.set.remove(v) {
            self.order.retain(|x| x != v);
        }
    }

    fn len(&self) -> usize {
        self.set.len()
    }
}

#[derive(Debug)]
struct State {
    seen: BoundedSet<u64>,
    cooldowns: HashMap<(u64, String), Instant>,
    threads: BoundedSet<(u64, String)>,
    users: HashMap<u64, VecDeque<Instant>>,
}

/// Decides, separately from the matcher, whether and how the bot answers.
#[derive(Debug)]
pub struct ReplyPolicy {
    config: PolicyConfig,
    state: Mutex<State>,
}

impl ReplyPolicy {
    /// A policy with nothing remembered yet.
    pub fn new(config: PolicyConfig) -> Self {
        ReplyPolicy {
            config,
            state: Mutex::new(State {
                seen: BoundedSet::new(DEDUPE_CAPACITY),
                cooldowns: HashMap::new(),
                threads: BoundedSet::new(MAP_CAPACITY),
                users: HashMap::new(),
            }),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a message is answered at all, and in which mode. The server's settings
    /// decide whether this channel gets unprompted answers (`autoreply_here`: listed, or
    /// under a listed channel, and not paused; see [`super::guilds`]).
    pub fn route(&self, m: &MessageFacts, autoreply_here: bool) -> Route {
        if m.is_self || m.author_is_bot || m.is_webhook || m.is_system {
            return Route::Ignore(Ignore::NotAPerson);
        }
        if m.is_dm || m.mentions_bot {
            return Route::Answer(Mode::Lookup);
        }
        if autoreply_here {
            return Route::Answer(Mode::Auto);
        }
        Route::Ignore(Ignore::NotListening)
    }

    /// True the first time a message id is seen; false for replays and duplicates.
    pub fn first_delivery(&self, message_id: u64) -> bool {
        self.lock().seen.insert(message_id)
    }

    /// Decides whether `entry` (None for a "nothing matched" reply) may be sent to `user` in
    /// `scope` now, and records it when it may. Check and record happen under one lock, so
    /// two messages racing for the same entry get one reply. `cooldown` is the server's.
    pub fn admit(
        &self,
        scope: Scope,
        entry: Option<&str>,
        user: u64,
        now: Instant,
        cooldown: Duration,
    ) -> Verdict {
        let mut st = self.lock();
        if let Some(entry) = entry {
            let key = (scope.id, entry.to_string());
            if scope.thread {
                if st.threads.set.contains(&key) {
                    return Verdict::AnsweredInThread;
                }
            } else if let Some(at) = st.cooldowns.get(&key) {
                if now.saturating_duration_since(*at) < cooldown {
                    return Verdict::Cooldown;
                }
            }
        }
        if self.config.user_limit > 0 {
            let window = self.config.user_window;
            let hits = st.users.entry(user).or_default();
            while hits
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= window)
            {
                hits.pop_front();
            }
            if hits.len() >= self.config.user_limit as usize {
                return Verdict::UserLimited;
            }
            hits.push_back(now);
        }
        if let Some(entry) = entry {
            record(
                &mut st,
                scope,
                entry,
                now,
                cooldown,
                self.config.user_window,
            );
        }
        Verdict::Reply
    }

    /// Records that `entry` was shown in `scope` (an edited reply), without any check.
    pub fn note_answered(&self, scope: Scope, entry: &str, now: Instant, cooldown: Duration) {
        let mut st = self.lock();
        record(
            &mut st,
            scope,
            entry,
            now,
            cooldown,
            self.config.user_window,
        );
    }

    /// Undoes the record of [`ReplyPolicy::admit`] for a reply that could not be sent, so the
    /// next asker gets the answer instead of a reaction pointing at nothing.
    pub fn release(&self, scope: Scope, entry: &str) {
        let mut st = self.lock();
        let key = (scope.id, entry.to_string());
        if scope.thread {
            st.threads.remove(&key);
        } else {
            st.cooldowns.remove(&key);
        }
    }

    /// How many message ids are remembered (for tests of the bound).
    pub fn remembered_messages(&self) -> usize {
        self.lock().seen.len()
    }
}

fn record(
    st: &mut State,
    scope: Scope,
    entry: &str,
    now: Instant,
    cooldown: Duration,
    user_window: Duration,
) {
    let key = (scope.id, entry.to_string());
    if scope.thread {
        st.threads.insert(key);
        return;
    }
    st.cooldowns.insert(key, now);
    if st.cooldowns.len() > MAP_CAPACITY {
        st.cooldowns
            .retain(|_, at| now.saturating_duration_since(*at) < cooldown);
        if st.cooldowns.len() > MAP_CAPACITY {
            // Still full of live cooldowns: drop the oldest half rather than grow.
            let mut times: Vec<Instant> = st.cooldowns.values().copied().collect();
            times.sort();
            let cut = times[times.len() / 2];
            st.cooldowns.retain(|_, at| *at > cut);
        }
    }
    if st.users.len() > MAP_CAPACITY {
        st.users.retain(|_, hits| {
            hits.back()
                .is_some_and(|t| now.saturating_duration_since(*t) < user_window)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTO: u64 = 100;
    const OTHER: u64 = 200;

    fn policy() -> ReplyPolicy {
        ReplyPolicy::new(PolicyConfig {
            user_limit: 3,
            user_window: Duration::from_secs(60),
        })
    }

    const COOLDOWN: Duration = Duration::from_secs(600);

    /// Routes as a server with AUTO as its one auto-reply channel would.
    fn route(p: &ReplyPolicy, m: &MessageFacts) -> Route {
        p.route(m, m.channel == AUTO || m.thread_parent == Some(AUTO))
    }

    /// Admits with the default cooldown.
    fn admit(
        p: &ReplyPolicy,
        scope: Scope,
        entry: Option<&str>,
        user: u64,
        now: Instant,
    ) -> Verdict {
        p.admit(scope, entry, user, now, COOLDOWN)
    }

    fn msg(channel: u64) -> MessageFacts {
        MessageFacts {
            id: 1,
            channel,
            author: 7,
            ..MessageFacts::default()
        }
    }

    const CH: Scope = Scope {
        id: AUTO,
        thread: false,
    };
    const TH: Scope = Scope {
        id: 555,
        thread: true,
    };

    #[test]
    fn routes_by_channel_mention_and_dm() {
        let p = policy();
        assert_eq!(route(&p, &msg(AUTO)), Route::Answer(Mode::Auto));
        assert_eq!(route(&p, &msg(OTHER)), Route::Ignore(Ignore::NotListening));
        let thread = MessageFacts {
            channel: 555,
            thread_parent: Some(AUTO),
            ..msg(555)
        };
        assert_eq!(route(&p, &thread), Route::Answer(Mode::Auto));
        let other_thread = MessageFacts {
            thread_parent: Some(OTHER),
            ..thread.clone()
        };
        assert_eq!(
            route(&p, &other_thread),
            Route::Ignore(Ignore::NotListening)
        );
        let mention = MessageFacts {
            mentions_bot: true,
            ..msg(OTHER)
        };
        assert_eq!(route(&p, &mention), Route::Answer(Mode::Lookup));
        let mention_in_auto = MessageFacts {
            mentions_bot: true,
            ..msg(AUTO)
        };
        assert_eq!(route(&p, &mention_in_auto), Route::Answer(Mode::Lookup));
        let dm = MessageFacts {
            is_dm: true,
            ..msg(9)
        };
        assert_eq!(route(&p, &dm), Route::Answer(Mode::Lookup));
    }

    #[test]
    fn ignores_bots_webhooks_self_and_system() {
        let p = policy();
        for m in [
            MessageFacts {
                author_is_bot: true,
                ..msg(AUTO)
            },
            MessageFacts {
                is_webhook: true,
                ..msg(AUTO)
            },
            MessageFacts {
                is_self: true,
                mentions_bot: true,
                ..msg(AUTO)
            },
            MessageFacts {
                is_system: true,
                is_dm: true,
                ..msg(AUTO)
            },
        ] {
            assert_eq!(route(&p, &m), Route::Ignore(Ignore::NotAPerson), "{m:?}");
        }
    }

    #[test]
    fn dedupes_replays_and_stays_bounded() {
        let p = policy();
        assert!(p.first_delivery(42));
        assert!(!p.first_delivery(42));
        for id in 0..(DEDUPE_CAPACITY as u64 + 500) {
            p.first_delivery(1_000_000 + id);
        }
        assert_eq!(p.remembered_messages(), DEDUPE_CAPACITY);
        // The oldest ids are forgotten, the newest remembered.
        assert!(p.first_delivery(42));
        assert!(!p.first_delivery(1_000_000 + DEDUPE_CAPACITY as u64 + 499));
    }

    #[test]
    fn cooldown_per_channel_and_entry() {
        let p = policy();
        let t0 = Instant::now();
        assert_eq!(
            admit(&p, CH, Some("alipay.error.14"), 1, t0),
            Verdict::Reply
        );
        assert_eq!(
            admit(
                &p,
                CH,
                Some("alipay.error.14"),
                2,
                t0 + Duration::from_secs(599)
            ),
            Verdict::Cooldown
        );
        // Another entry, or another channel, is fine.
        assert_eq!(
            admit(
                &p,
                CH,
                Some("alipay.error.11"),
                2,
                t0 + Duration::from_secs(1)
            ),
            Verdict::Reply
        );
        let other = Scope {
            id: OTHER,
            thread: false,
        };
        assert_eq!(
            admit(
                &p,
                other,
                Some("alipay.error.14"),
                3,
                t0 + Duration::from_secs(1)
            ),
            Verdict::Reply
        );
        // After the cooldown it may be repeated.
        assert_eq!(
            admit(
                &p,
                CH,
                Some("alipay.error.14"),
                4,
                t0 + Duration::from_secs(600)
            ),
            Verdict::Reply
        );
    }

    #[test]
    fn once_per_thread_without_expiry() {
        let p = policy();
        let t0 = Instant::now();
        assert_eq!(admit(&p, TH, Some("wechat.timeout"), 1, t0), Verdict::Reply);
        assert_eq!(
            admit(
                &p,
                TH,
                Some("wechat.timeout"),
                2,
                t0 + Duration::from_secs(86_400)
            ),
            Verdict::AnsweredInThread
        );
        assert_eq!(admit(&p, TH, Some("wechat.cors"), 2, t0), Verdict::Reply);
        // A reply that could not be sent does not count.
        p.release(TH, "wechat.cors");
        assert_eq!(admit(&p, TH, Some("wechat.cors"), 3, t0), Verdict::Reply);
        p.release(CH, "wechat.cors");
        assert_eq!(admit(&p, CH, Some("x"), 3, t0), Verdict::Reply);
        p.release(CH, "x");
        assert_eq!(admit(&p, CH, Some("x"), 4, t0), Verdict::Reply);
    }

    #[test]
    fn per_user_limit_with_sliding_window() {
        let p = policy();
        let t0 = Instant::now();
        for (i, e) in ["a", "b", "c"].iter().enumerate() {
            assert_eq!(
                admit(&p, CH, Some(e), 9, t0 + Duration::from_secs(i as u64)),
                Verdict::Reply
            );
        }
        assert_eq!(
            admit(&p, CH, Some("d"), 9, t0 + Duration::from_secs(10)),
            Verdict::UserLimited
        );
        // A limited attempt does not start a cooldown for the entry.
        assert_eq!(
            admit(&p, CH, Some("d"), 8, t0 + Duration::from_secs(10)),
            Verdict::Reply
        );
        // The first hit leaves the window after 60 s.
        assert_eq!(
            admit(&p, CH, Some("e"), 9, t0 + Duration::from_secs(60)),
            Verdict::Reply
        );
        // "Nothing matched" replies count against the user but have no cooldown.
        assert_eq!(admit(&p, CH, None, 5, t0), Verdict::Reply);
        assert_eq!(admit(&p, CH, None, 5, t0), Verdict::Reply);
    }

    #[test]
    fn cooldown_map_stays_bounded() {
        let p = policy();
        let t0 = Instant::now();
        let unlimited = ReplyPolicy::new(PolicyConfig {
            user_limit: 0,
            ..p.config().clone()
        });
        for i in 0..(MAP_CAPACITY as u64 * 2) {
            let scope = Scope {
                id: i,
                thread: false,
            };
            admit(
                &unlimited,
                scope,
                Some("x"),
                i,
                t0 + Duration::from_millis(i),
            );
        }
        assert!(unlimited.lock().cooldowns.len() <= MAP_CAPACITY + 1);
    }
}
