//! Bot settings: defaults, then an optional TOML file, then `REQDOCTOR_*` environment
//! variables (the last one wins). The bot token is read from `DISCORD_TOKEN` only and lives
//! in a [`Token`] that never prints itself.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::matcher::{Channel, DEFAULT_AUTO_THRESHOLD, DEFAULT_LOOKUP_CONFIDENCE};
use crate::reply::Lang;
use crate::store::{Location, ReplyLanguage, DEFAULT_SQLITE_PATH};

use super::shards::Shards;

/// The environment variable holding the bot token.
pub const TOKEN_ENV: &str = "DISCORD_TOKEN";

/// The bot token. Its `Debug` is redacted and it has no `Display`, so it cannot end up in a
/// log line, an error message or a panic by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a token; surrounding whitespace is dropped.
    pub fn new(token: impl Into<String>) -> Result<Token, ConfigError> {
        let token = token.into().trim().to_string();
        if token.is_empty() {
            return Err(ConfigError::MissingToken);
        }
        if token.chars().any(|c| c.is_whitespace() && c != ' ') || token.contains("  ") {
            return Err(ConfigError::MalformedToken);
        }
        Ok(Token(token))
    }

    /// The token from `DISCORD_TOKEN`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Result<Token, ConfigError> {
        match env(TOKEN_ENV) {
            Some(t) => Token::new(t),
            None => Err(ConfigError::MissingToken),
        }
    }

    /// The secret itself, for the HTTP client only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Which language replies are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// The language of the question (Chinese when it is mostly Chinese).
    Auto,
    /// Always this language.
    Fixed(Lang),
}

impl Language {
    /// The reply language for `text`.
    pub fn for_text(self, text: &str) -> Lang {
        match self {
            Language::Auto => Lang::detect(text),
            Language::Fixed(l) => l,
        }
    }

    /// A server's choice, or this (the config file's) language when it made none.
    pub fn or_server(self, server: Option<ReplyLanguage>) -> Language {
        match server {
            None => self,
            Some(ReplyLanguage::Auto) => Language::Auto,
            Some(ReplyLanguage::Zh) => Language::Fixed(Lang::Zh),
            Some(ReplyLanguage::En) => Language::Fixed(Lang::En),
        }
    }

    /// The word shown in `/reqdoctor settings show`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Auto => "auto",
            Language::Fixed(Lang::Zh) => "zh",
            Language::Fixed(Lang::En) => "en",
        }
    }

    fn parse(s: &str) -> Option<Language> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" | "" => Some(Language::Auto),
            "zh" | "zh-cn" | "chinese" => Some(Language::Fixed(Lang::Zh)),
            "en" | "english" => Some(Language::Fixed(Lang::En)),
            _ => None,
        }
    }
}

/// Everything the bot can be told, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Support channels: the bot answers unprompted there (threads under them included),
    /// and everything asked is taken to be about mini-program requests.
    pub autoreply_channels: BTreeSet<u64>,
    /// Team-chat channels: the bot answers unprompted there too (threads included), but only
    /// what is plainly about mini-program requests, and never offers a 💡.
    pub team_channels: BTreeSet<u64>,
    /// How long the same entry is not repeated in one channel.
    pub cooldown: Duration,
    /// Reply language.
    pub language: Language,
    /// Score from which the bot answers unprompted (0..=1).
    pub auto_confidence: f32,
    /// Score from which a direct question gets an answer instead of suggestions (0..=1).
    pub lookup_confidence: f32,
    /// Replies one user can trigger per `user_window`.
    pub user_limit: u32,
    /// The window of `user_limit`.
    pub user_window: Duration,
    /// How long after the reply an edit of the question still updates the reply.
    pub edit_window: Duration,
    /// Base URL of Discord's REST API (unset: Discord itself).
    pub discord_api: Option<String>,
    /// The longest `retry_after` of a 429 that is waited out when `discord_api` is set;
    /// a longer one fails the call instead of holding a reply (see `discord::relay`).
    pub max_retry_after: Duration,
    /// Base URL that replaces Discord's CDN in attachment URLs (unset: the CDN itself).
    pub cdn_url: Option<String>,
    /// Register the commands in this guild only (for development).
    pub guild: Option<u64>,
    /// Reaction used instead of repeating an answer within the cooldown (none: stay silent).
    pub cooldown_reaction: Option<String>,
    /// Where settings, votes and the review log are kept (`DATABASE_URL` wins).
    pub database: Location,
    /// How long the review log keeps a message.
    pub review_retention: Duration,
    /// Whether servers keep a review log unless their admins turn it off.
    pub review_log: bool,
    /// Users who may run `/reqdoctor reload` in any server (besides Manage Server holders).
    pub owners: BTreeSet<u64>,
    /// The gateway shards this process runs.
    pub shards: Shards,
    /// Where `/metrics` and `/healthz` are served (None: nowhere).
    pub metrics_addr: Option<std::net::SocketAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            autoreply_channels: BTreeSet::new(),
            team_channels: BTreeSet::new(),
            cooldown: Duration::from_secs(600),
            language: Language::Auto,
            auto_confidence: DEFAULT_AUTO_THRESHOLD,
            lookup_confidence: DEFAULT_LOOKUP_CONFIDENCE,
            user_limit: 5,
            user_window: Duration::from_secs(60),
            edit_window: Duration::from_secs(300),
            discord_api: None,
            max_retry_after: Duration::from_secs(30),
            cdn_url: None,
            guild: None,
            cooldown_reaction: Some("👆".to_string()),
            database: Location::Sqlite(DEFAULT_SQLITE_PATH.into()),
            review_retention: Duration::from_secs(30 * 86_400),
            review_log: true,
            owners: BTreeSet::new(),
            shards: Shards::Auto,
            metrics_addr: None,
        }
    }
}

/// Every setting: its file key and its environment variable (the README has the table).
pub const KEYS: &[(&str, &str)] = &[
    ("autoreply_channels", "REQDOCTOR_AUTOREPLY_CHANNELS"),
    ("team_channels", "REQDOCTOR_TEAM_CHANNELS"),
    ("cooldown_secs", "REQDOCTOR_COOLDOWN_SECS"),
    ("language", "REQDOCTOR_LANGUAGE"),
    ("auto_confidence", "REQDOCTOR_AUTO_CONFIDENCE"),
    ("lookup_confidence", "REQDOCTOR_LOOKUP_CONFIDENCE"),
    ("user_limit", "REQDOCTOR_USER_LIMIT"),
    ("user_window_secs", "REQDOCTOR_USER_WINDOW_SECS"),
    ("edit_window_secs", "REQDOCTOR_EDIT_WINDOW_SECS"),
    ("discord_api", "REQDOCTOR_DISCORD_API"),
    ("max_retry_after_secs", "REQDOCTOR_MAX_RETRY_AFTER_SECS"),
    ("cdn_url", "REQDOCTOR_CDN_URL"),
    ("guild", "REQDOCTOR_GUILD"),
    ("cooldown_reaction", "REQDOCTOR_COOLDOWN_REACTION"),
    ("database", "REQDOCTOR_DATABASE"),
    ("review_retention_days", "REQDOCTOR_REVIEW_RETENTION_DAYS"),
    ("review_log", "REQDOCTOR_REVIEW_LOG"),
    ("owners", "REQDOCTOR_OWNERS"),
    ("shards", "REQDOCTOR_SHARDS"),
    ("metrics_addr", "REQDOCTOR_METRICS_ADDR"),
];

/// The environment variable that names a PostgreSQL (or SQLite) database; it wins over
/// `database` / `REQDOCTOR_DATABASE`.
pub const DATABASE_URL_ENV: &str = "DATABASE_URL";

/// Why settings could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// No token.
    #[error(
        "DISCORD_TOKEN is not set: copy the bot token from the Developer Portal \
         (https://discord.com/developers/applications → your application → Bot → Reset Token) \
         and export DISCORD_TOKEN"
    )]
    MissingToken,
    /// A token with line breaks or tabs (usually a copy-paste accident).
    #[error("DISCORD_TOKEN contains line breaks or tabs: copy the token again")]
    MalformedToken,
    /// The config file could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid TOML or has unknown keys.
    #[error("config file {}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The TOML error, with line and column.
        message: String,
    },
    /// A value is out of range or has the wrong shape.
    #[error("{origin}: {message}")]
    Invalid {
        /// `config file PATH: key` or the environment variable.
        origin: String,
        /// What is wrong.
        message: String,
    },
    /// A channel is listed both as a support channel and as team chat.
    #[error(
        "channel {channel} is in both autoreply_channels (REQDOCTOR_AUTOREPLY_CHANNELS, support \
         channels) and team_channels (REQDOCTOR_TEAM_CHANNELS, team chat): a channel is one or \
         the other, so remove it from one list"
    )]
    ChannelInBothLists {
        /// The channel id.
        channel: u64,
    },
}

/// A channel id written as a number or a string.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Snowflake {
    Number(u64),
    Text(String),
}

/// The file's shape: every key optional, unknown keys rejected.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    autoreply_channels: Option<Vec<Snowflake>>,
    team_channels: Option<Vec<Snowflake>>,
    cooldown_secs: Option<u64>,
    language: Option<String>,
    auto_confidence: Option<f32>,
    lookup_confidence: Option<f32>,
    user_limit: Option<u32>,
    user_window_secs: Option<u64>,
    edit_window_secs: Option<u64>,
    discord_api: Option<String>,
    max_retry_after_secs: Option<u64>,
    cdn_url: Option<String>,
    guild: Option<Snowflake>,
    cooldown_reaction: Option<String>,
    database: Option<String>,
    review_retention_days: Option<u64>,
    review_log: Option<bool>,
    owners: Option<Vec<Snowflake>>,
    shards: Option<Snowflake>,
    metrics_addr: Option<String>,
}

fn invalid(origin: impl Into<String>, message: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        origin: origin.into(),
        message: message.into(),
    }
}

fn snowflake(s: &str, origin: &str) -> Result<u64, ConfigError> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| {
            invalid(
                origin,
                format!("`{}` is not a Discord id (a positive number)", s.trim()),
            )
        })
}

fn snowflake_value(s: &Snowflake, origin: &str) -> Result<u64, ConfigError> {
    match s {
        Snowflake::Number(0) => Err(invalid(origin, "0 is not a Discord id")),
        Snowflake::Number(n) => Ok(*n),
        Snowflake::Text(t) => snowflake(t, origin),
    }
}

fn confidence(v: f32, origin: &str) -> Result<f32, ConfigError> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(invalid(origin, format!("{v} is not between 0 and 1")))
    }
}

fn api_url(url: &str, origin: &str) -> Result<Option<String>, ConfigError> {
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(invalid(
            origin,
            format!("`{url}` is not an http:// or https:// URL"),
        ));
    }
    Ok(Some(url.to_string()))
}

fn database(s: &str, origin: &str) -> Result<Location, ConfigError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(invalid(origin, "empty database location"));
    }
    let scheme = s.split_once("://").map(|(scheme, _)| scheme);
    match scheme {
        None | Some("postgres" | "postgresql" | "sqlite") => Ok(Location::parse(s)),
        Some(other) => Err(invalid(
            origin,
            format!(
                "`{other}://` is not a database this bot supports (postgres:// or a SQLite file)"
            ),
        )),
    }
}

fn retention(days: u64, origin: &str) -> Result<Duration, ConfigError> {
    if (1..=3650).contains(&days) {
        Ok(Duration::from_secs(days * 86_400))
    } else {
        Err(invalid(
            origin,
            format!("{days} is not between 1 and 3650 days"),
        ))
    }
}

fn shards(s: &str, origin: &str) -> Result<Shards, ConfigError> {
    Shards::parse(s).map_err(|m| invalid(origin, m))
}

fn metrics_addr(s: &str, origin: &str) -> Result<Option<std::net::SocketAddr>, ConfigError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        invalid(
            origin,
            format!("`{s}` is not an address and port such as 127.0.0.1:9464"),
        )
    })
}

fn reaction(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl Settings {
    /// Defaults, then the file at `path` (when given), then the environment.
    pub fn load(
        path: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut s = Settings::default();
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            s.apply_file(&text, path)?;
        }
        s.apply_env(env)?;
        s.check()?;
        Ok(s)
    }

    /// Checks what no single key can: a channel is a support channel or team chat, never
    /// both (the bot could not tell how strict to be there).
    pub fn check(&self) -> Result<(), ConfigError> {
        match self
            .autoreply_channels
            .intersection(&self.team_channels)
            .next()
        {
            Some(&channel) => Err(ConfigError::ChannelInBothLists { channel }),
            None => Ok(()),
        }
    }

    /// The kind of auto-reply channel the config file and environment make `channel`
    /// (None: not an auto-reply channel by configuration).
    pub fn channel_kind(&self, channel: u64) -> Option<Channel> {
        if self.autoreply_channels.contains(&channel) {
            Some(Channel::Support)
        } else if self.team_channels.contains(&channel) {
            Some(Channel::Team)
        } else {
            None
        }
    }

    /// Applies a config file's text.
    pub fn apply_file(&mut self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let file: FileSettings = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let origin = |key: &str| format!("config file {}: {key}", path.display());
        if let Some(ids) = file.autoreply_channels {
            self.autoreply_channels = ids
                .iter()
                .map(|id| snowflake_value(id, &origin("autoreply_channels")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(ids) = file.team_channels {
            self.team_channels = ids
                .iter()
                .map(|id| snowflake_value(id, &origin("team_channels")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = file.cooldown_secs {
            self.cooldown = Duration::from_secs(v);
        }
        if let Some(v) = file.language {
            self.language = Language::parse(&v).ok_or_else(|| {
                invalid(origin("language"), format!("`{v}` is not auto, zh or en"))
            })?;
        }
        if let Some(v) = file.auto_confidence {
            self.auto_confidence = confidence(v, &origin("auto_confidence"))?;
        }
        if let Some(v) = file.lookup_confidence {
            self.lookup_confidence = confidence(v, &origin("lookup_confidence"))?;
        }
        if let Some(v) = file.user_limit {
            self.user_limit = v;
        }
        if let Some(v) = file.user_window_secs {
            self.user_window = Duration::from_secs(v);
        }
        if let Some(v) = file.edit_window_secs {
            self.edit_window = Duration::from_secs(v);
        }
        if let Some(v) = file.max_retry_after_secs {
            self.max_retry_after = Duration::from_secs(v);
        }
        if let Some(v) = file.discord_api {
            self.discord_api = api_url(&v, &origin("discord_api"))?;
        }
        if let Some(v) = file.cdn_url {
            self.cdn_url = api_url(&v, &origin("cdn_url"))?;
        }
        if let Some(v) = file.guild {
            self.guild = Some(snowflake_value(&v, &origin("guild"))?);
        }
        if let Some(v) = file.cooldown_reaction {
            self.cooldown_reaction = reaction(&v);
        }
        if let Some(v) = file.database {
            self.database = database(&v, &origin("database"))?;
        }
        if let Some(v) = file.review_retention_days {
            self.review_retention = retention(v, &origin("review_retention_days"))?;
        }
        if let Some(v) = file.review_log {
            self.review_log = v;
        }
        if let Some(ids) = file.owners {
            self.owners = ids
                .iter()
                .map(|id| snowflake_value(id, &origin("owners")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = file.shards {
            let text = match v {
                Snowflake::Number(n) => n.to_string(),
                Snowflake::Text(t) => t,
            };
            self.shards = shards(&text, &origin("shards"))?;
        }
        if let Some(v) = file.metrics_addr {
            self.metrics_addr = metrics_addr(&v, &origin("metrics_addr"))?;
        }
        Ok(())
    }

    /// Applies `REQDOCTOR_*` variables.
    pub fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let seconds = |name: &str, v: &str| {
            v.trim()
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| invalid(name, format!("`{v}` is not a whole number of seconds")))
        };
        let number = |name: &str, v: &str| {
            v.trim()
                .parse::<f32>()
                .map_err(|_| invalid(name, format!("`{v}` is not a number")))
                .and_then(|n| confidence(n, name))
        };
        let var = |name: &str| {
            env(name).filter(|v| !v.trim().is_empty() || name == "REQDOCTOR_COOLDOWN_REACTION")
        };
        if let Some(v) = var("REQDOCTOR_AUTOREPLY_CHANNELS") {
            self.autoreply_channels = v
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| snowflake(s, "REQDOCTOR_AUTOREPLY_CHANNELS"))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = var("REQDOCTOR_TEAM_CHANNELS") {
            self.team_channels = v
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| snowflake(s, "REQDOCTOR_TEAM_CHANNELS"))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = var("REQDOCTOR_COOLDOWN_SECS") {
            self.cooldown = seconds("REQDOCTOR_COOLDOWN_SECS", &v)?;
        }
        if let Some(v) = var("REQDOCTOR_LANGUAGE") {
            self.language = Language::parse(&v).ok_or_else(|| {
                invalid("REQDOCTOR_LANGUAGE", format!("`{v}` is not auto, zh or en"))
            })?;
        }
        if let Some(v) = var("REQDOCTOR_AUTO_CONFIDENCE") {
            self.auto_confidence = number("REQDOCTOR_AUTO_CONFIDENCE", &v)?;
        }
        if let Some(v) = var("REQDOCTOR_LOOKUP_CONFIDENCE") {
            self.lookup_confidence = number("REQDOCTOR_LOOKUP_CONFIDENCE", &v)?;
        }
        if let Some(v) = var("REQDOCTOR_USER_LIMIT") {
            self.user_limit = v.trim().parse().map_err(|_| {
                invalid(
                    "REQDOCTOR_USER_LIMIT",
                    format!("`{v}` is not a whole number"),
                )
            })?;
        }
        if let Some(v) = var("REQDOCTOR_USER_WINDOW_SECS") {
            self.user_window = seconds("REQDOCTOR_USER_WINDOW_SECS", &v)?;
        }
        if let Some(v) = var("REQDOCTOR_EDIT_WINDOW_SECS") {
            self.edit_window = seconds("REQDOCTOR_EDIT_WINDOW_SECS", &v)?;
        }
        if let Some(v) = var("REQDOCTOR_MAX_RETRY_AFTER_SECS") {
            self.max_retry_after = seconds("REQDOCTOR_MAX_RETRY_AFTER_SECS", &v)?;
        }
        if let Some(v) = var("REQDOCTOR_DISCORD_API") {
            self.discord_api = api_url(&v, "REQDOCTOR_DISCORD_API")?;
        }
        if let Some(v) = var("REQDOCTOR_CDN_URL") {
            self.cdn_url = api_url(&v, "REQDOCTOR_CDN_URL")?;
        }
        if let Some(v) = var("REQDOCTOR_GUILD") {
            self.guild = Some(snowflake(&v, "REQDOCTOR_GUILD")?);
        }
        if let Some(v) = var("REQDOCTOR_COOLDOWN_REACTION") {
            self.cooldown_reaction = reaction(&v);
        }
        if let Some(v) = var("REQDOCTOR_DATABASE") {
            self.database = database(&v, "REQDOCTOR_DATABASE")?;
        }
        if let Some(v) = var(DATABASE_URL_ENV) {
            self.database = database(&v, DATABASE_URL_ENV)?;
        }
        if let Some(v) = var("REQDOCTOR_REVIEW_RETENTION_DAYS") {
            let days = v.trim().parse().map_err(|_| {
                invalid(
                    "REQDOCTOR_REVIEW_RETENTION_DAYS",
                    format!("`{v}` is not a whole number of days"),
                )
            })?;
            self.review_retention = retention(days, "REQDOCTOR_REVIEW_RETENTION_DAYS")?;
        }
        if let Some(v) = var("REQDOCTOR_REVIEW_LOG") {
            self.review_log = match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => true,
                "0" | "false" | "off" | "no" => false,
                _ => {
                    return Err(invalid(
                        "REQDOCTOR_REVIEW_LOG",
                        format!("`{v}` is not on or off"),
                    ))
                }
            };
        }
        if let Some(v) = var("REQDOCTOR_OWNERS") {
            self.owners = v
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| snowflake(s, "REQDOCTOR_OWNERS"))
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = var("REQDOCTOR_SHARDS") {
            self.shards = shards(&v, "REQDOCTOR_SHARDS")?;
        }
        if let Some(v) = var("REQDOCTOR_METRICS_ADDR") {
            self.metrics_addr = metrics_addr(&v, "REQDOCTOR_METRICS_ADDR")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| map.get(k).cloned()
    }

    #[test]
    fn defaults_without_file_or_env() {
        let s = Settings::load(None, &env(&[])).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.cooldown, Duration::from_secs(600));
        assert!(s.discord_api.is_none());
    }

    #[test]
    fn file_then_env_override() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.toml");
        std::fs::write(
            &path,
            r#"
autoreply_channels = ["111", 222]
cooldown_secs = 30
language = "zh"
auto_confidence = 0.9
discord_api = "http://127.0.0.1:9/"
guild = "333"
"#,
        )
        .unwrap();
        let s = Settings::load(
            Some(&path),
            &env(&[
                ("REQDOCTOR_COOLDOWN_SECS", "5"),
                ("REQDOCTOR_LANGUAGE", "en"),
            ]),
        )
        .unwrap();
        assert_eq!(s.autoreply_channels, BTreeSet::from([111, 222]));
        assert_eq!(s.cooldown, Duration::from_secs(5));
        assert_eq!(s.language, Language::Fixed(Lang::En));
        assert_eq!(s.auto_confidence, 0.9);
        assert_eq!(s.discord_api.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(s.guild, Some(333));
    }

    #[test]
    fn env_channels_are_comma_separated() {
        let s =
            Settings::load(None, &env(&[("REQDOCTOR_AUTOREPLY_CHANNELS", " 1, 2,,3 ")])).unwrap();
        assert_eq!(s.autoreply_channels, BTreeSet::from([1, 2, 3]));
        let s = Settings::load(None, &env(&[("REQDOCTOR_COOLDOWN_REACTION", "")])).unwrap();
        assert_eq!(s.cooldown_reaction, None);
    }

    #[test]
    fn team_channels_from_file_and_env_and_never_in_both_lists() {
        let s = Settings::load(
            None,
            &env(&[
                ("REQDOCTOR_AUTOREPLY_CHANNELS", "1,2"),
                ("REQDOCTOR_TEAM_CHANNELS", " 3, 4,, "),
            ]),
        )
        .unwrap();
        assert_eq!(s.team_channels, BTreeSet::from([3, 4]));
        assert_eq!(s.channel_kind(1), Some(Channel::Support));
        assert_eq!(s.channel_kind(4), Some(Channel::Team));
        assert_eq!(s.channel_kind(5), None);
        let e = Settings::load(None, &env(&[("REQDOCTOR_TEAM_CHANNELS", "3,ops")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "REQDOCTOR_TEAM_CHANNELS: `ops` is not a Discord id (a positive number)"
        );
        let e = Settings::load(
            None,
            &env(&[
                ("REQDOCTOR_AUTOREPLY_CHANNELS", "1,2"),
                ("REQDOCTOR_TEAM_CHANNELS", "2"),
            ]),
        )
        .unwrap_err();
        assert!(matches!(e, ConfigError::ChannelInBothLists { channel: 2 }));
        assert!(
            e.to_string()
                .starts_with("channel 2 is in both autoreply_channels"),
            "{e}"
        );
        // The file's lists are checked the same way, and the environment still wins.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.toml");
        std::fs::write(
            &path,
            "autoreply_channels = [\"7\"]\nteam_channels = [\"7\", 8]\n",
        )
        .unwrap();
        assert!(matches!(
            Settings::load(Some(&path), &env(&[])),
            Err(ConfigError::ChannelInBothLists { channel: 7 })
        ));
        let s = Settings::load(Some(&path), &env(&[("REQDOCTOR_TEAM_CHANNELS", "8")])).unwrap();
        assert_eq!(s.team_channels, BTreeSet::from([8]));
        assert_eq!(s.channel_kind(7), Some(Channel::Support));
    }

    #[test]
    fn errors_name_their_origin() {
        let e = Settings::load(
            None,
            &env(&[("REQDOCTOR_AUTOREPLY_CHANNELS", "12,general")]),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "REQDOCTOR_AUTOREPLY_CHANNELS: `general` is not a Discord id (a positive number)"
        );
        let e = Settings::load(None, &env(&[("REQDOCTOR_AUTO_CONFIDENCE", "2")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "REQDOCTOR_AUTO_CONFIDENCE: 2 is not between 0 and 1"
        );
        let e = Settings::load(Some(Path::new("/nonexistent/bot.toml")), &env(&[])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot read config file /nonexistent/bot.toml: "),
            "{e}"
        );
    }

    #[test]
    fn shards_and_metrics_address_from_file_and_env() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.toml");
        std::fs::write(
            &path,
            "shards = \"0-1/4\"\nmetrics_addr = \"127.0.0.1:9464\"\n",
        )
        .unwrap();
        let s = Settings::load(Some(&path), &env(&[])).unwrap();
        assert_eq!(
            s.shards,
            Shards::Range {
                first: 0,
                last: 1,
                total: 4
            }
        );
        assert_eq!(s.metrics_addr, Some("127.0.0.1:9464".parse().unwrap()));
        let s = Settings::load(Some(&path), &env(&[("REQDOCTOR_SHARDS", "2")])).unwrap();
        assert_eq!(s.shards, Shards::Count(2));
        std::fs::write(&path, "shards = 3\n").unwrap();
        assert_eq!(
            Settings::load(Some(&path), &env(&[])).unwrap().shards,
            Shards::Count(3)
        );
        assert_eq!(Settings::default().shards, Shards::Auto);
        assert_eq!(Settings::default().metrics_addr, None);

        std::fs::write(&path, "shards = \"4-5/4\"\n").unwrap();
        let e = Settings::load(Some(&path), &env(&[])).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "config file {}: shards: `4-5/4`: shard ids go from 0 to TOTAL-1 (3), so LAST cannot be 5",
                path.display()
            )
        );
        let e = Settings::load(None, &env(&[("REQDOCTOR_SHARDS", "two")])).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("REQDOCTOR_SHARDS: `two` is not auto"),
            "{e}"
        );
        let e = Settings::load(None, &env(&[("REQDOCTOR_METRICS_ADDR", "localhost")])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "REQDOCTOR_METRICS_ADDR: `localhost` is not an address and port such as 127.0.0.1:9464"
        );
    }

    #[test]
    fn unknown_file_keys_are_rejected_with_a_location() {
        let mut s = Settings::default();
        let e = s
            .apply_file("cooldown = 5\n", Path::new("bot.toml"))
            .unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("config file bot.toml: "), "{text}");
        assert!(text.contains("line 1"), "{text}");
        assert!(text.contains("cooldown"), "{text}");
    }

    #[test]
    fn token_is_redacted_and_required() {
        let t = Token::from_env(&env(&[("DISCORD_TOKEN", " secret.token.value \n")])).unwrap();
        assert_eq!(t.expose(), "secret.token.value");
        assert_eq!(format!("{t:?}"), "Token(<redacted>)");
        assert!(matches!(
            Token::from_env(&env(&[])),
            Err(ConfigError::MissingToken)
        ));
        assert!(matches!(
            Token::from_env(&env(&[("DISCORD_TOKEN", "  ")])),
            Err(ConfigError::MissingToken)
        ));
        assert!(matches!(
            Token::new("abc\ndef"),
            Err(ConfigError::MalformedToken)
        ));
    }

    #[test]
    fn every_key_is_read_and_documented() {
        let docs = include_str!("../../README.md");
        let dir = tempfile::tempdir().unwrap();
        // Keys whose README row is still to be written by the README's owner; remove a key
        // from here when its row lands (the rest of this test checks it already).
        for (key, var) in KEYS {
            assert!(
                docs.contains(&format!("| `{key}` | `{var}` |")),
                "README.md lacks {key} / {var}"
            );
            // The file accepts the key and the environment the variable: a wrong value is
            // reported under that name.
            let path = dir.path().join("bot.toml");
            std::fs::write(&path, format!("{key} = \"@@\"\n")).unwrap();
            if let Err(ConfigError::Parse { message, .. }) = Settings::load(Some(&path), &env(&[]))
            {
                assert!(!message.contains("unknown field"), "{key}: {message}");
            }
            // Any text is a valid reaction, and any path a valid SQLite file.
            if !["REQDOCTOR_COOLDOWN_REACTION", "REQDOCTOR_DATABASE"].contains(var) {
                let e = Settings::load(None, &env(&[(var, "@@")])).unwrap_err();
                assert!(e.to_string().starts_with(&format!("{var}: ")), "{e}");
            }
        }
    }
}
