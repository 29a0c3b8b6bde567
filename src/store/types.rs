//! Plain rows the store reads and writes. No database or Discord types: the report and the
//! bot use them as they are.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

pub use crate::matcher::Channel;

/// Seconds since the Unix epoch, the store's only notion of time (portable across SQLite and
/// PostgreSQL, and easy to fake in tests).
pub type UnixTime = i64;

/// The current time as the store counts it.
pub fn now() -> UnixTime {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Seconds in a day, for per-day buckets.
pub const DAY: UnixTime = 86_400;

/// Longest text kept in the review log, in characters.
pub const REVIEW_TEXT_MAX_CHARS: usize = 500;

/// Why a message went to the review log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// It looked like a request-error question and nothing answered it with confidence.
    Unanswered,
    /// Someone voted 👎 on the reply it got.
    Downvoted,
}

impl ReviewKind {
    /// The word stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Unanswered => "unanswered",
            ReviewKind::Downvoted => "downvoted",
        }
    }
}

impl FromStr for ReviewKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "unanswered" => Ok(ReviewKind::Unanswered),
            "downvoted" => Ok(ReviewKind::Downvoted),
            other => Err(format!("unknown review kind `{other}`")),
        }
    }
}

/// One message for the people who keep the knowledge. Never holds a user id.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReviewItem {
    /// The server.
    pub guild_id: u64,
    /// The channel or thread.
    pub channel_id: u64,
    /// Why it is here.
    pub kind: ReviewKind,
    /// The entry the bot answered with (downvoted replies only).
    pub entry_id: Option<String>,
    /// The question, at most [`REVIEW_TEXT_MAX_CHARS`] characters (empty when unknown, e.g.
    /// a vote on a slash-command answer).
    pub text: String,
    /// When it was logged.
    pub at: UnixTime,
}

/// 👍/👎 counts for one entry.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Tally {
    /// 👍 votes.
    pub helpful: u64,
    /// 👎 votes.
    pub not_helpful: u64,
}

impl Tally {
    /// Share of 👍 among all votes (None without votes).
    pub fn helpful_ratio(&self) -> Option<f64> {
        let total = self.helpful + self.not_helpful;
        (total > 0).then(|| self.helpful as f64 / total as f64)
    }
}

/// Votes on one entry's replies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EntryVotes {
    /// The entry.
    pub entry_id: String,
    /// Its counts.
    pub tally: Tally,
}

/// How many replies showed one entry on one day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DailyReplies {
    /// The entry.
    pub entry_id: String,
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Replies that day.
    pub replies: u64,
}

/// One vote from the buttons under a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    /// The entry the reply showed.
    pub entry_id: String,
    /// The reply message.
    pub reply_id: u64,
    /// Who voted (kept only to count one vote per person per reply).
    pub user_id: u64,
    /// 👍 (true) or 👎 (false).
    pub helpful: bool,
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

/// A reply the bot sent, for the per-entry, per-day counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReply {
    /// The reply message.
    pub reply_id: u64,
    /// The server (None in direct messages).
    pub guild_id: Option<u64>,
    /// The channel or thread.
    pub channel_id: u64,
    /// The entry shown.
    pub entry_id: String,
    /// When it was sent.
    pub at: UnixTime,
}

/// Which reply answered which message: kept in the store so that editing or deleting the
/// question reaches the reply after a restart, or from another process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyLink {
    /// The question (the message the bot replied to).
    pub question_id: u64,
    /// The bot's reply.
    pub reply_id: u64,
    /// The server (None in direct messages).
    pub guild_id: Option<u64>,
    /// The channel or thread of both messages.
    pub channel_id: u64,
    /// The entry shown (None for a "nothing matched" reply).
    pub entry_id: Option<String>,
    /// Answered because the asker addressed the bot (Lookup), not unprompted (Auto).
    pub lookup: bool,
    /// When the reply was sent.
    pub at: UnixTime,
}

/// How sure the matcher must be before a server hears from the bot unprompted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Fewer, surer replies.
    Strict,
    /// The configured threshold.
    Normal,
    /// More replies, more mistakes.
    Eager,
}

/// How far `strict` and `eager` move the configured auto-reply threshold.
pub const CONFIDENCE_STEP: f32 = 0.1;

impl Confidence {
    /// The threshold for this level around the configured `normal` one.
    pub fn threshold(self, normal: f32) -> f32 {
        match self {
            Confidence::Strict => (normal + CONFIDENCE_STEP).min(1.0),
            Confidence::Normal => normal,
            Confidence::Eager => (normal - CONFIDENCE_STEP).max(0.0),
        }
    }

    /// The word stored in the database and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Strict => "strict",
            Confidence::Normal => "normal",
            Confidence::Eager => "eager",
        }
    }
}

impl FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "strict" => Ok(Confidence::Strict),
            "normal" => Ok(Confidence::Normal),
            "eager" => Ok(Confidence::Eager),
            other => Err(format!("`{other}` is not strict, normal or eager")),
        }
    }
}

/// A server's reply language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyLanguage {
    /// The language of each question.
    Auto,
    /// Always Chinese.
    Zh,
    /// Always English.
    En,
}

impl ReplyLanguage {
    /// The word stored in the database and shown to people.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyLanguage::Auto => "auto",
            ReplyLanguage::Zh => "zh",
            ReplyLanguage::En => "en",
        }
    }
}

impl FromStr for ReplyLanguage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(ReplyLanguage::Auto),
            "zh" => Ok(ReplyLanguage::Zh),
            "en" => Ok(ReplyLanguage::En),
            other => Err(format!("`{other}` is not auto, zh or en")),
        }
    }
}

impl fmt::Display for ReplyLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a server's admins chose for one channel with `channel-add` / `channel-remove`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChannelSetting {
    /// Answer unprompted here, as this kind of channel (support is looser, team chat strict).
    On(Channel),
    /// Never answer unprompted here, even if the config file lists the channel.
    Off,
}

impl ChannelSetting {
    /// The kind of auto-reply channel this is (None: switched off).
    pub fn kind(self) -> Option<Channel> {
        match self {
            ChannelSetting::On(kind) => Some(kind),
            ChannelSetting::Off => None,
        }
    }
}

/// What a server's admins set with `/reqdoctor settings`. `None` means "the config file's
/// default".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuildSettings {
    /// Channels switched on (with their kind) or off here; a channel not listed follows the
    /// config file.
    pub channels: BTreeMap<u64, ChannelSetting>,
    /// Same entry, same channel: not again within this.
    pub cooldown: Option<Duration>,
    /// Reply language.
    pub language: Option<ReplyLanguage>,
    /// Auto-reply confidence.
    pub confidence: Option<Confidence>,
    /// Auto-replies paused (answers to mentions and commands go on).
    pub paused: bool,
    /// Unanswered questions and 👎 replies go to the review log.
    pub review_log: bool,
    /// Near misses in support channels get a 💡 reaction the asker can click for the answer
    /// (on unless the server's admins turn it off).
    pub maybe: bool,
}

impl Default for GuildSettings {
    fn default() -> Self {
        GuildSettings {
            channels: BTreeMap::new(),
            cooldown: None,
            language: None,
            confidence: None,
            paused: false,
            review_log: true,
            maybe: true,
        }
    }
}

/// One change made with `/reqdoctor settings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingChange {
    /// Answer unprompted in this channel (and its threads) as a support channel: the same
    /// as `AddChannelAs(channel, Channel::Support)`, kept because it is what most servers want.
    AddChannel(u64),
    /// Answer unprompted in this channel (and its threads) as this kind of channel.
    AddChannelAs(u64, Channel),
    /// Stop answering unprompted in this channel, even if the config file lists it.
    RemoveChannel(u64),
    /// Cooldown per entry and channel.
    Cooldown(Duration),
    /// Reply language.
    Language(ReplyLanguage),
    /// Auto-reply confidence.
    Confidence(Confidence),
    /// Pause (true) or resume (false) auto-replies.
    Paused(bool),
    /// Keep (true) or stop keeping (false) the review log.
    ReviewLog(bool),
    /// Offer near misses with a 💡 reaction (true) or not (false).
    Maybe(bool),
}

/// Clips `text` to [`REVIEW_TEXT_MAX_CHARS`] characters.
pub fn clip_review_text(text: &str) -> String {
    match text.char_indices().nth(REVIEW_TEXT_MAX_CHARS) {
        Some((i, _)) => text[..i].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_move_the_threshold() {
        assert_eq!(Confidence::Normal.threshold(0.75), 0.75);
        assert!((Confidence::Strict.threshold(0.75) - 0.85).abs() < 1e-6);
        assert!((Confidence::Eager.threshold(0.75) - 0.65).abs() < 1e-6);
        assert_eq!(Confidence::Strict.threshold(0.95), 1.0);
        assert_eq!("Eager".parse::<Confidence>(), Ok(Confidence::Eager));
        assert!("loud".parse::<Confidence>().is_err());
    }

    #[test]
    fn review_text_is_clipped_by_characters() {
        let long = "错".repeat(600);
        assert_eq!(clip_review_text(&long).chars().count(), 500);
        assert_eq!(clip_review_text("short"), "short");
    }

    #[test]
    fn ratio() {
        let t = Tally {
            helpful: 1,
            not_helpful: 3,
        };
        assert_eq!(t.helpful_ratio(), Some(0.25));
        assert_eq!(Tally::default().helpful_ratio(), None);
    }
}
