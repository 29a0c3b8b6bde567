//! Each server's settings as the bot applies them: the config file's defaults overlaid with
//! what the server's admins set (`/reqdoctor settings`), read from the store through a short
//! cache. When the store is slow or down the bot goes on with the last known settings, or
//! the defaults, and says so in the log: a reply never waits on the database.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::config::{Language, Settings};
use crate::matcher::Channel;
use crate::store::{Confidence, GuildSettings, Store};

/// How long a server's settings are reused before the store is asked again. Changes made
/// through this process apply at once; other processes sharing a PostgreSQL store see them
/// within this time.
pub const SETTINGS_TTL: Duration = Duration::from_secs(5);
/// How long a message waits for the store before going on with what it has.
pub const SETTINGS_READ_LIMIT: Duration = Duration::from_millis(300);
/// Servers whose settings are cached at most.
const CACHE_CAPACITY: usize = 10_000;
/// At most one "store unavailable" warning per this long (the rest go to debug).
const WARN_EVERY: Duration = Duration::from_secs(60);

/// What applies to one message: the config file's defaults with the server's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// The kind of auto-reply channel this is (or the thread's parent is): support or team
    /// chat. None: not an auto-reply channel, the bot speaks only when asked.
    pub kind: Option<Channel>,
    /// Auto-replies are paused in this server.
    pub paused: bool,
    /// Same entry, same channel: not again within this.
    pub cooldown: Duration,
    /// Reply language.
    pub language: Language,
    /// The server's confidence level.
    pub confidence: Confidence,
    /// Score from which the bot answers unprompted.
    pub auto_threshold: f32,
    /// Unanswered questions and 👎 replies go to the review log.
    pub review_log: bool,
    /// The server offers near misses with a 💡 (where [`Effective::offers_maybe`] allows).
    pub maybe: bool,
}

impl Effective {
    /// Answer unprompted here.
    pub fn autoreply(&self) -> bool {
        self.kind.is_some() && !self.paused
    }

    /// How the matcher reads a message here in Auto mode: as the channel's kind (a channel
    /// that is not an auto-reply one only gets Lookup, where the kind does not matter).
    pub fn channel(&self) -> Channel {
        self.kind.unwrap_or_default()
    }

    /// Whether a near miss gets a 💡 here: only in support channels (team chat is strict and
    /// would find the reactions noisy), only while auto-replies run, and only when the
    /// server has not turned it off.
    pub fn offers_maybe(&self) -> bool {
        self.autoreply() && self.kind == Some(Channel::Support) && self.maybe
    }
}

/// Combines the defaults and a server's settings for a message in `channel` (a thread's
/// `parent` decides when the thread itself is not listed).
pub fn effective(
    defaults: &Settings,
    server: &GuildSettings,
    channel: u64,
    parent: Option<u64>,
) -> Effective {
    let by_server = server
        .channels
        .get(&channel)
        .or_else(|| parent.and_then(|p| server.channels.get(&p)))
        .copied();
    let by_file = defaults
        .channel_kind(channel)
        .or_else(|| parent.and_then(|p| defaults.channel_kind(p)));
    let confidence = server.confidence.unwrap_or(Confidence::Normal);
    Effective {
        kind: by_server.map_or(by_file, |s| s.kind()),
        paused: server.paused,
        cooldown: server.cooldown.unwrap_or(defaults.cooldown),
        language: defaults.language.or_server(server.language),
        confidence,
        auto_threshold: confidence.threshold(defaults.auto_confidence),
        review_log: server.review_log && defaults.review_log,
        maybe: server.maybe,
    }
}

/// Settings a server starts with before its admins change anything.
pub fn initial(defaults: &Settings) -> GuildSettings {
    GuildSettings {
        review_log: defaults.review_log,
        ..GuildSettings::default()
    }
}

/// Servers' settings, cached for [`SETTINGS_TTL`].
#[derive(Debug, Default)]
pub struct GuildCache {
    entries: Mutex<HashMap<u64, (GuildSettings, Instant)>>,
    last_warning: AtomicU64,
    started: std::sync::OnceLock<Instant>,
}

impl GuildCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, (GuildSettings, Instant)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A server's settings: cached, else from the store, else (store slow or down) the
    /// last known ones or `fallback`.
    pub async fn get(&self, store: &Store, guild: u64, fallback: &GuildSettings) -> GuildSettings {
        let stale = match self.lock().get(&guild) {
            Some((s, at)) if at.elapsed() < SETTINGS_TTL => return s.clone(),
            Some((s, _)) => Some(s.clone()),
            None => None,
        };
        match tokio::time::timeout(SETTINGS_READ_LIMIT, store.guild_settings(guild)).await {
            Ok(Ok(s)) => {
                self.put(guild, s.clone());
                s
            }
            Ok(Err(e)) => self.fall_back(guild, &e.to_string(), stale, fallback),
            Err(_) => {
                crate::metrics::store_timeout();
                self.fall_back(
                    guild,
                    &format!("reading settings took longer than {SETTINGS_READ_LIMIT:?}"),
                    stale,
                    fallback,
                )
            }
        }
    }

    /// Remembers settings just written (they apply to the very next message).
    pub fn put(&self, guild: u64, settings: GuildSettings) {
        let mut map = self.lock();
        if map.len() >= CACHE_CAPACITY && !map.contains_key(&guild) {
            map.retain(|_, (_, at)| at.elapsed() < SETTINGS_TTL);
            if map.len() >= CACHE_CAPACITY {
                map.clear();
            }
        }
        map.insert(guild, (settings, Instant::now()));
    }

    /// The settings to use while the store is unavailable: the last known ones, else the
    /// defaults. They are cached like fresh ones, so a slow store costs one wait per server
    /// per [`SETTINGS_TTL`], not one per message.
    fn fall_back(
        &self,
        guild: u64,
        why: &str,
        stale: Option<GuildSettings>,
        fallback: &GuildSettings,
    ) -> GuildSettings {
        self.warn(guild, why);
        let settings = stale.unwrap_or_else(|| fallback.clone());
        self.put(guild, settings.clone());
        settings
    }

    fn warn(&self, guild: u64, why: &str) {
        let started = *self.started.get_or_init(Instant::now);
        let now = started.elapsed().as_secs() + 1;
        let last = self.last_warning.load(Ordering::Relaxed);
        if last == 0 || now.saturating_sub(last) >= WARN_EVERY.as_secs() {
            self.last_warning.store(now, Ordering::Relaxed);
            tracing::warn!(
                guild,
                "store unavailable, answering with the last known or default settings: {why}"
            );
        } else {
            tracing::debug!(guild, "store unavailable: {why}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::Lang;
    use crate::store::{ChannelSetting, ReplyLanguage};

    fn defaults() -> Settings {
        Settings {
            autoreply_channels: [10, 11].into(),
            team_channels: [20].into(),
            ..Settings::default()
        }
    }

    #[test]
    fn the_file_decides_until_the_server_does() {
        let d = defaults();
        let none = GuildSettings::default();
        assert!(effective(&d, &none, 10, None).autoreply());
        assert!(
            effective(&d, &none, 99, Some(10)).autoreply(),
            "thread under a listed channel"
        );
        assert!(!effective(&d, &none, 12, None).autoreply());

        let mut s = GuildSettings::default();
        s.channels.insert(10, ChannelSetting::Off);
        s.channels.insert(12, ChannelSetting::On(Channel::Support));
        assert!(
            !effective(&d, &s, 10, None).autoreply(),
            "removed by the server"
        );
        assert!(
            !effective(&d, &s, 99, Some(10)).autoreply(),
            "threads inherit"
        );
        assert!(effective(&d, &s, 12, None).autoreply());
        assert!(
            effective(&d, &s, 11, None).autoreply(),
            "still from the file"
        );
        s.paused = true;
        let e = effective(&d, &s, 12, None);
        assert!(e.kind.is_some() && !e.autoreply());
    }

    #[test]
    fn kinds_come_from_the_lists_and_the_server_and_threads_inherit_them() {
        let d = defaults();
        let none = GuildSettings::default();
        let support = effective(&d, &none, 10, None);
        assert_eq!(support.kind, Some(Channel::Support));
        assert!(support.offers_maybe());
        let team = effective(&d, &none, 20, None);
        assert_eq!(team.kind, Some(Channel::Team));
        assert!(
            team.autoreply() && !team.offers_maybe(),
            "no 💡 in team chat"
        );
        assert_eq!(effective(&d, &none, 99, Some(20)).kind, Some(Channel::Team));
        assert_eq!(effective(&d, &none, 12, None).channel(), Channel::Support);

        let mut s = GuildSettings::default();
        s.channels.insert(10, ChannelSetting::On(Channel::Team));
        s.channels.insert(20, ChannelSetting::On(Channel::Support));
        assert_eq!(effective(&d, &s, 10, None).kind, Some(Channel::Team));
        assert_eq!(effective(&d, &s, 99, Some(10)).kind, Some(Channel::Team));
        assert_eq!(effective(&d, &s, 20, None).kind, Some(Channel::Support));
        s.maybe = false;
        assert!(!effective(&d, &s, 20, None).offers_maybe(), "turned off");
        s.maybe = true;
        s.paused = true;
        assert!(!effective(&d, &s, 20, None).offers_maybe(), "paused");
    }

    #[test]
    fn levels_language_and_cooldown() {
        let d = defaults();
        let s = GuildSettings {
            cooldown: Some(Duration::from_secs(60)),
            language: Some(ReplyLanguage::Zh),
            confidence: Some(Confidence::Strict),
            review_log: false,
            ..GuildSettings::default()
        };
        let e = effective(&d, &s, 10, None);
        assert_eq!(e.cooldown, Duration::from_secs(60));
        assert_eq!(e.language, Language::Fixed(Lang::Zh));
        assert!((e.auto_threshold - (d.auto_confidence + 0.1)).abs() < 1e-6);
        assert!(!e.review_log);
        let plain = effective(&d, &GuildSettings::default(), 10, None);
        assert_eq!(plain.cooldown, d.cooldown);
        assert_eq!(plain.auto_threshold, d.auto_confidence);
        assert!(plain.review_log);
        let off = Settings {
            review_log: false,
            ..defaults()
        };
        assert!(!effective(&off, &GuildSettings::default(), 10, None).review_log);
    }

    #[tokio::test]
    async fn a_down_store_costs_one_wait_per_server_not_one_per_message() {
        let store = Store::open(&crate::store::Location::Postgres(
            "postgres://bot:pw@127.0.0.1:9/r".into(),
        ))
        .unwrap();
        let cache = GuildCache::default();
        let fallback = GuildSettings {
            paused: true,
            ..GuildSettings::default()
        };
        // Not migrated: the store answers "not ready", and the fallback is used and kept.
        assert!(cache.get(&store, 1, &fallback).await.paused);
        assert!(cache.lock().get(&1).is_some_and(|(s, _)| s.paused));
        // Written settings win over the fallback at once.
        cache.put(1, GuildSettings::default());
        assert!(!cache.get(&store, 1, &fallback).await.paused);
    }
}
