//! The bot's memory: server settings, votes, sent replies and the review log, in SQLite (the
//! default, a file beside the bot) or PostgreSQL (several bot processes sharing one store).

pub mod types;

pub use types::*;

use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("migrations/postgres");

/// The SQLite file used when nothing else is configured.
pub const DEFAULT_SQLITE_PATH: &str = "reqdoctor.db";
/// How long one store operation may take before the bot gives up on it and goes on with
/// defaults: a reply must never wait on a stuck database.
pub const DEFAULT_OP_TIMEOUT: Duration = Duration::from_secs(2);
/// Most review items a report reads (the newest ones).
pub const REVIEW_READ_LIMIT: i64 = 5_000;

/// Why the store could not do something. Messages never contain a database password.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The location is not a database URL or path this build understands.
    #[error("database {location}: {message}")]
    Location {
        /// The location, password removed.
        location: String,
        /// What is wrong with it.
        message: String,
    },
    /// The database exists but the bot never set it up (no migrations ran there).
    #[error("database {0} has no reqdoctor tables: run the bot with it first, or pass the bot's --database")]
    NoSchema(String),
    /// Migrations have not run yet (the database was unreachable so far).
    #[error("database {0} is not ready yet (migrations have not run)")]
    NotReady(String),
    /// Applying the migrations failed.
    #[error("database {location}: migrations failed: {source}")]
    Migrate {
        /// The location, password removed.
        location: String,
        /// sqlx's error.
        source: sqlx::migrate::MigrateError,
    },
    /// A query failed (locked, unreachable, full disk…).
    #[error("database {location}: {what} failed: {source}")]
    Query {
        /// The location, password removed.
        location: String,
        /// What was being done.
        what: &'static str,
        /// sqlx's error.
        source: sqlx::Error,
    },
    /// An operation took longer than the store's time limit.
    #[error("database {location}: {what} took longer than {limit:?}")]
    Timeout {
        /// The location, password removed.
        location: String,
        /// What was being done.
        what: &'static str,
        /// The limit.
        limit: Duration,
    },
    /// A stored value this build cannot read (written by a newer version?).
    #[error("database {location}: {what}: {message}")]
    Corrupt {
        /// The location, password removed.
        location: String,
        /// Which value.
        what: &'static str,
        /// What is wrong.
        message: String,
    },
}

/// Where the store lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A SQLite file (created when missing).
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL URL (`postgres://user:password@host/db`).
    Postgres(String),
}

impl Location {
    /// `postgres://…`/`postgresql://…` is PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a
    /// plain path is a SQLite file. As in sqlx, a SQLite URL's `?mode=…` and other options
    /// are not part of the file name; the bot always opens read-write and creates the file,
    /// `reqdoctor report` always opens read-only.
    pub fn parse(s: &str) -> Location {
        let s = s.trim();
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Location::Postgres(s.to_string());
        }
        let path = match s
            .strip_prefix("sqlite://")
            .or_else(|| s.strip_prefix("sqlite:"))
        {
            Some(url) => url.split_once('?').map_or(url, |(path, _options)| path),
            None => s,
        };
        Location::Sqlite(path.into())
    }

    /// For logs and errors: the password is replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Location::Sqlite(p) => format!("sqlite:{}", p.display()),
            Location::Postgres(url) => redact_url(url),
        }
    }
}

/// `scheme://user:secret@host/…` → `scheme://user:***@host/…`; also hides `password=` query
/// parameters.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest_start = scheme_end + 3;
        let authority_end = out[rest_start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| rest_start + i);
        if let Some(at) = out[rest_start..authority_end].rfind('@') {
            let userinfo = &out[rest_start..rest_start + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest_start + colon + 1..rest_start + at, "***");
            }
        }
    }
    if let Some(q) = out.find('?') {
        let (head, query) = out.split_at(q + 1);
        let query: Vec<String> = query
            .split('&')
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect();
        out = format!("{head}{}", query.join("&"));
    }
    out
}

#[derive(Debug, Clone)]
enum Backend {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to whichever pool the store has: the SQL is the same for
/// both backends (`$n` placeholders, `ON CONFLICT` upserts, `BIGINT` everywhere).
macro_rules! with_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.backend {
            Backend::Sqlite($pool) => $body,
            Backend::Postgres($pool) => $body,
        }
    };
}

/// The store: one API over SQLite or PostgreSQL. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    location: String,
    op_timeout: Duration,
    ready: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

fn id(v: u64) -> i64 {
    v as i64
}

fn unid(v: i64) -> u64 {
    v as u64
}

impl Store {
    /// A store at `location`. Nothing is connected yet (an unreachable database is not an
    /// error here); call [`Store::migrate`] before use.
    pub fn open(location: &Location) -> Result<Store, StoreError> {
        Store::open_with(location, false)
    }

    /// Reads an existing database and never writes to it (`reqdoctor report`): SQLite opens
    /// read-only, PostgreSQL sessions are read-only, no migrations run. A database the bot
    /// never set up is [`StoreError::NoSchema`].
    pub async fn open_read_only(location: &Location) -> Result<Store, StoreError> {
        let store = Store::open_with(location, true)?;
        store
            .ready
            .store(true, std::sync::atomic::Ordering::Release);
        let check = store
            .op("reading the schema version", async {
                with_pool!(store, pool => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM _sqlx_migrations"
                )
                .fetch_one(pool)
                .await)
            })
            .await;
        match check {
            Ok(n) if n > 0 => Ok(store),
            Ok(_)
            | Err(StoreError::Query {
                source: sqlx::Error::Database(_),
                ..
            }) => Err(StoreError::NoSchema(store.location.clone())),
            // The pool retries until its time is up and keeps only "timed out": one direct
            // attempt tells why (connection refused, unknown host, bad password…).
            Err(StoreError::Query {
                source: sqlx::Error::PoolTimedOut,
                ..
            }) => Err(store.why_unreachable().await),
            Err(e) => Err(e),
        }
    }

    /// The error of one direct connection attempt, for a pool that only says it timed out.
    async fn why_unreachable(&self) -> StoreError {
        use sqlx::ConnectOptions as _;
        let attempt =
            async { with_pool!(self, pool => pool.connect_options().connect().await.map(drop)) };
        match tokio::time::timeout(self.op_timeout, attempt).await {
            Ok(Err(source)) => StoreError::Query {
                location: self.location.clone(),
                what: "connecting",
                source,
            },
            Ok(Ok(())) | Err(_) => {
                crate::metrics::store_timeout();
                StoreError::Timeout {
                    location: self.location.clone(),
                    what: "connecting",
                    limit: self.op_timeout,
                }
            }
        }
    }

    fn open_with(location: &Location, read_only: bool) -> Result<Store, StoreError> {
        let redacted = location.redacted();
        let backend = match location {
            Location::Sqlite(path) if read_only => Backend::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(DEFAULT_OP_TIMEOUT)
                    .connect_lazy_with(SqliteConnectOptions::new().filename(path).read_only(true)),
            ),
            Location::Sqlite(path) => {
                let options = SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    // WAL with NORMAL: a committed transaction survives a crash of the bot;
                    // only a power cut can lose the last few (never corrupt the file).
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_millis(750))
                    .foreign_keys(true);
                Backend::Sqlite(
                    SqlitePoolOptions::new()
                        .max_connections(4)
                        .acquire_timeout(DEFAULT_OP_TIMEOUT)
                        .connect_lazy_with(options),
                )
            }
            Location::Postgres(url) => {
                let mut options =
                    PgConnectOptions::from_str(url).map_err(|e| StoreError::Location {
                        location: redacted.clone(),
                        message: redact_url(&e.to_string()),
                    })?;
                if read_only {
                    options = options.options([("default_transaction_read_only", "on")]);
                }
                Backend::Postgres(
                    PgPoolOptions::new()
                        .max_connections(8)
                        .acquire_timeout(DEFAULT_OP_TIMEOUT)
                        .connect_lazy_with(options),
                )
            }
        };
        Ok(Store {
            backend,
            location: redacted,
            op_timeout: DEFAULT_OP_TIMEOUT,
            ready: Default::default(),
        })
    }

    /// Opens and migrates in one go (for the CLI and tests).
    pub async fn connect(location: &Location) -> Result<Store, StoreError> {
        let store = Store::open(location)?;
        store.migrate().await?;
        Ok(store)
    }

    /// Sets the time limit of every operation.
    pub fn with_op_timeout(mut self, limit: Duration) -> Store {
        self.op_timeout = limit;
        self
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// Where the store is, password removed.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Whether the migrations have run.
    pub fn is_ready(&self) -> bool {
        self.ready.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Brings the schema up to date (each migration in its own transaction; several
    /// processes may race here, the migrator locks).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let location = self.location.clone();
        let run = async {
            match &self.backend {
                Backend::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await,
                Backend::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await,
            }
        };
        match tokio::time::timeout(self.op_timeout * 5, run).await {
            Ok(Ok(())) => {
                self.ready.store(true, std::sync::atomic::Ordering::Release);
                Ok(())
            }
            Ok(Err(source)) => {
                if matches!(
                    source,
                    sqlx::migrate::MigrateError::Execute(sqlx::Error::PoolTimedOut)
                ) {
                    crate::metrics::store_timeout();
                }
                Err(StoreError::Migrate { location, source })
            }
            Err(_) => {
                crate::metrics::store_timeout();
                Err(StoreError::Timeout {
                    location,
                    what: "migrations",
                    limit: self.op_timeout * 5,
                })
            }
        }
    }

    /// How a transaction that reads before it writes begins. SQLite's default deferred
    /// transaction takes the write lock only at its first write, and in WAL mode fails at
    /// once (SQLITE_BUSY, no busy timeout) when another connection wrote since its read:
    /// `BEGIN IMMEDIATE` takes the lock first and waits its turn instead.
    fn write_begin(&self) -> &'static str {
        match self.backend {
            Backend::Sqlite(_) => "BEGIN IMMEDIATE",
            Backend::Postgres(_) => "BEGIN",
        }
    }

    /// Runs one operation under the time limit, mapping errors.
    async fn op<T>(
        &self,
        what: &'static str,
        f: impl std::future::Future<Output = Result<T, sqlx::Error>>,
    ) -> Result<T, StoreError> {
        if !self.is_ready() {
            return Err(StoreError::NotReady(self.location.clone()));
        }
        match tokio::time::timeout(self.op_timeout, f).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(source)) => {
                // No connection within the pool's limit: the store did not answer in time.
                if matches!(source, sqlx::Error::PoolTimedOut) {
                    crate::metrics::store_timeout();
                }
                Err(StoreError::Query {
                    location: self.location.clone(),
                    what,
                    source,
                })
            }
            Err(_) => {
                crate::metrics::store_timeout();
                Err(StoreError::Timeout {
                    location: self.location.clone(),
                    what,
                    limit: self.op_timeout,
                })
            }
        }
    }

    fn corrupt(&self, what: &'static str, message: String) -> StoreError {
        StoreError::Corrupt {
            location: self.location.clone(),
            what,
            message,
        }
    }

    /// A server's settings (defaults when it never changed any).
    pub async fn guild_settings(&self, guild: u64) -> Result<GuildSettings, StoreError> {
        let rows = self
            .op("reading server settings", async {
                with_pool!(self, pool => {
                    let mut conn = pool.acquire().await?;
                    let row = sqlx::query_as::<_, SettingsRow>(SELECT_SETTINGS)
                        .bind(id(guild))
                        .fetch_optional(&mut *conn)
                        .await?;
                    let channels = sqlx::query_as::<_, ChannelRow>(SELECT_CHANNELS)
                        .bind(id(guild))
                        .fetch_all(&mut *conn)
                        .await?;
                    Ok((row, channels))
                })
            })
            .await?;
        self.settings_from(rows)
    }

    fn settings_from(
        &self,
        (row, channels): (Option<SettingsRow>, Vec<ChannelRow>),
    ) -> Result<GuildSettings, StoreError> {
        let mut s = GuildSettings::default();
        if let Some((cooldown, language, confidence, paused, review_log, maybe)) = row {
            s.cooldown = cooldown.map(|v| Duration::from_secs(v.max(0) as u64));
            s.language = language
                .map(|l| {
                    l.parse()
                        .map_err(|m| self.corrupt("guild_settings.language", m))
                })
                .transpose()?;
            s.confidence = confidence
                .map(|c| {
                    c.parse()
                        .map_err(|m| self.corrupt("guild_settings.confidence", m))
                })
                .transpose()?;
            s.paused = paused != 0;
            s.review_log = review_log != 0;
            s.maybe = maybe != 0;
        }
        s.channels = channels
            .into_iter()
            .map(|(c, enabled, kind)| {
                let setting = if enabled != 0 {
                    ChannelSetting::On(
                        kind.parse()
                            .map_err(|m| self.corrupt("guild_channels.kind", m))?,
                    )
                } else {
                    ChannelSetting::Off
                };
                Ok((unid(c), setting))
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(s)
    }

    /// Applies `changes` to a server's settings in one transaction (all or nothing) and
    /// returns the settings now in force.
    pub async fn change_settings(
        &self,
        guild: u64,
        changes: &[SettingChange],
        now: UnixTime,
    ) -> Result<GuildSettings, StoreError> {
        let rows = self
            .op("changing server settings", async {
                with_pool!(self, pool => {
                    let mut tx = pool.begin().await?;
                    sqlx::query(
                        "INSERT INTO guild_settings (guild_id, updated_at) VALUES ($1, $2) \
                         ON CONFLICT (guild_id) DO UPDATE SET updated_at = excluded.updated_at",
                    )
                    .bind(id(guild))
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    for change in changes {
                        let (sql, value): (&str, Option<Value>) = match change {
                            SettingChange::AddChannel(c) | SettingChange::AddChannelAs(c, _) => {
                                let kind = match change {
                                    SettingChange::AddChannelAs(_, kind) => *kind,
                                    _ => Channel::Support,
                                };
                                sqlx::query(
                                    "INSERT INTO guild_channels (guild_id, channel_id, enabled, kind) \
                                     VALUES ($1, $2, 1, $3) ON CONFLICT (guild_id, channel_id) \
                                     DO UPDATE SET enabled = excluded.enabled, kind = excluded.kind",
                                )
                                .bind(id(guild))
                                .bind(id(*c))
                                .bind(kind.as_str())
                                .execute(&mut *tx)
                                .await?;
                                continue;
                            }
                            SettingChange::RemoveChannel(c) => {
                                // The kind stays as it was: only `enabled` says "off".
                                sqlx::query(
                                    "INSERT INTO guild_channels (guild_id, channel_id, enabled) \
                                     VALUES ($1, $2, 0) ON CONFLICT (guild_id, channel_id) \
                                     DO UPDATE SET enabled = excluded.enabled",
                                )
                                .bind(id(guild))
                                .bind(id(*c))
                                .execute(&mut *tx)
                                .await?;
                                continue;
                            }
                            SettingChange::Cooldown(d) => (
                                "UPDATE guild_settings SET cooldown_secs = $1 WHERE guild_id = $2",
                                Some(Value::Int(d.as_secs().min(i64::MAX as u64) as i64)),
                            ),
                            SettingChange::Language(l) => (
                                "UPDATE guild_settings SET language = $1 WHERE guild_id = $2",
                                Some(Value::Text(l.as_str())),
                            ),
                            SettingChange::Confidence(c) => (
                                "UPDATE guild_settings SET confidence = $1 WHERE guild_id = $2",
                                Some(Value::Text(c.as_str())),
                            ),
                            SettingChange::Paused(p) => (
                                "UPDATE guild_settings SET paused = $1 WHERE guild_id = $2",
                                Some(Value::Int(i64::from(*p))),
                            ),
                            SettingChange::ReviewLog(on) => (
                                "UPDATE guild_settings SET review_log = $1 WHERE guild_id = $2",
                                Some(Value::Int(i64::from(*on))),
                            ),
                            SettingChange::Maybe(on) => (
                                "UPDATE guild_settings SET maybe = $1 WHERE guild_id = $2",
                                Some(Value::Int(i64::from(*on))),
                            ),
                        };
                        let q = sqlx::query(sql);
                        let q = match value {
                            Some(Value::Int(v)) => q.bind(v),
                            Some(Value::Text(v)) => q.bind(v),
                            None => q,
                        };
                        q.bind(id(guild)).execute(&mut *tx).await?;
                    }
                    let row = sqlx::query_as::<_, SettingsRow>(SELECT_SETTINGS)
                        .bind(id(guild))
                        .fetch_optional(&mut *tx)
                        .await?;
                    let channels = sqlx::query_as::<_, ChannelRow>(SELECT_CHANNELS)
                        .bind(id(guild))
                        .fetch_all(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok((row, channels))
                })
            })
            .await?;
        self.settings_from(rows)
    }

    /// Records a vote: one per user per reply, a second click changes it. Returns what
    /// happened and the entry's counts afterwards.
    pub async fn record_vote(
        &self,
        vote: &Vote,
        now: UnixTime,
    ) -> Result<(Recorded, Tally), StoreError> {
        let (previous, tally) = self
            .op("recording a vote", async {
                with_pool!(self, pool => {
                    let mut tx = pool.begin_with(self.write_begin()).await?;
                    let previous: Option<(i64,)> = sqlx::query_as(
                        "SELECT helpful FROM votes WHERE reply_id = $1 AND user_id = $2",
                    )
                    .bind(id(vote.reply_id))
                    .bind(id(vote.user_id))
                    .fetch_optional(&mut *tx)
                    .await?;
                    if previous.map(|(h,)| h != 0) != Some(vote.helpful) {
                        sqlx::query(
                            "INSERT INTO votes (reply_id, user_id, entry_id, helpful, voted_at) \
                             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (reply_id, user_id) \
                             DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
                        )
                        .bind(id(vote.reply_id))
                        .bind(id(vote.user_id))
                        .bind(&vote.entry_id)
                        .bind(i64::from(vote.helpful))
                        .bind(now)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let tally: (i64, i64) = sqlx::query_as(TALLY)
                        .bind(&vote.entry_id)
                        .fetch_one(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok((previous, tally))
                })
            })
            .await?;
        let recorded = match previous {
            None => Recorded::New,
            Some((h,)) if (h != 0) == vote.helpful => Recorded::Unchanged,
            Some(_) => Recorded::Changed,
        };
        Ok((recorded, tally_from(tally)))
    }

    /// The votes on one entry's replies.
    pub async fn tally(&self, entry_id: &str) -> Result<Tally, StoreError> {
        let t = self
            .op("counting votes", async {
                with_pool!(self, pool => sqlx::query_as::<_, (i64, i64)>(TALLY)
                    .bind(entry_id)
                    .fetch_one(pool)
                    .await)
            })
            .await?;
        Ok(tally_from(t))
    }

    /// Notes a reply the bot sent (an edit that changes its entry updates it).
    pub async fn record_reply(&self, r: &SentReply) -> Result<(), StoreError> {
        self.op("recording a reply", async {
            with_pool!(self, pool => sqlx::query(
                "INSERT INTO replies (reply_id, guild_id, channel_id, entry_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (reply_id) \
                 DO UPDATE SET entry_id = excluded.entry_id",
            )
            .bind(id(r.reply_id))
            .bind(r.guild_id.map(id))
            .bind(id(r.channel_id))
            .bind(&r.entry_id)
            .bind(r.at)
            .execute(pool)
            .await
            .map(|_| ()))
        })
        .await?;
        Ok(())
    }

    /// Adds a message to the review log (text clipped to 500 characters). A reply already
    /// logged as 👎 is not logged twice; returns whether a row was added.
    pub async fn log_review(
        &self,
        item: &ReviewItem,
        reply_id: Option<u64>,
    ) -> Result<bool, StoreError> {
        let text = clip_review_text(&item.text);
        let done = self
            .op("writing the review log", async {
                with_pool!(self, pool => sqlx::query(
                    "INSERT INTO review_log (guild_id, channel_id, kind, entry_id, reply_id, text, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (reply_id) DO NOTHING",
                )
                .bind(id(item.guild_id))
                .bind(id(item.channel_id))
                .bind(item.kind.as_str())
                .bind(item.entry_id.as_deref())
                .bind(reply_id.map(id))
                .bind(&text)
                .bind(item.at)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
            })
            .await?;
        Ok(done > 0)
    }

    /// Deletes review-log rows older than `before`; returns how many went.
    pub async fn purge_review(&self, before: UnixTime) -> Result<u64, StoreError> {
        self.op("purging the review log", async {
            with_pool!(self, pool => sqlx::query("DELETE FROM review_log WHERE created_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
        })
        .await
    }

    /// Deletes every review-log row of one server (when it turns the log off).
    pub async fn forget_review(&self, guild: u64) -> Result<u64, StoreError> {
        self.op("clearing a server's review log", async {
            with_pool!(self, pool => sqlx::query("DELETE FROM review_log WHERE guild_id = $1")
                .bind(id(guild))
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
        })
        .await
    }

    /// The newest review-log rows since `since` (at most [`REVIEW_READ_LIMIT`]), oldest first.
    pub async fn review_since(&self, since: UnixTime) -> Result<Vec<ReviewItem>, StoreError> {
        let rows: Vec<ReviewRow> = self
            .op("reading the review log", async {
                with_pool!(self, pool => sqlx::query_as(
                    "SELECT guild_id, channel_id, kind, entry_id, text, created_at FROM review_log \
                     WHERE created_at >= $1 ORDER BY created_at DESC, id DESC LIMIT $2",
                )
                .bind(since)
                .bind(REVIEW_READ_LIMIT)
                .fetch_all(pool)
                .await)
            })
            .await?;
        let mut items = rows
            .into_iter()
            .map(|(guild, channel, kind, entry_id, text, at)| {
                Ok(ReviewItem {
                    guild_id: unid(guild),
                    channel_id: unid(channel),
                    kind: kind
                        .parse()
                        .map_err(|m| self.corrupt("review_log.kind", m))?,
                    entry_id,
                    text,
                    at,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        items.reverse();
        Ok(items)
    }

    /// Votes per entry cast since `since`.
    pub async fn votes_since(&self, since: UnixTime) -> Result<Vec<EntryVotes>, StoreError> {
        let rows: Vec<(String, i64, i64)> = self
            .op("counting votes", async {
                with_pool!(self, pool => sqlx::query_as(
                    "SELECT entry_id, CAST(COALESCE(SUM(helpful), 0) AS BIGINT), COUNT(*) FROM votes \
                     WHERE voted_at >= $1 GROUP BY entry_id ORDER BY entry_id",
                )
                .bind(since)
                .fetch_all(pool)
                .await)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(entry_id, up, all)| EntryVotes {
                entry_id,
                tally: tally_from((up, all)),
            })
            .collect())
    }

    /// Replies per entry per day since `since`.
    pub async fn daily_replies_since(
        &self,
        since: UnixTime,
    ) -> Result<Vec<DailyReplies>, StoreError> {
        let rows: Vec<(String, i64, i64)> = self
            .op("counting replies", async {
                with_pool!(self, pool => sqlx::query_as(
                    "SELECT entry_id, created_at / 86400, COUNT(*) FROM replies \
                     WHERE created_at >= $1 GROUP BY entry_id, created_at / 86400 \
                     ORDER BY created_at / 86400, entry_id",
                )
                .bind(since)
                .fetch_all(pool)
                .await)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|(entry_id, day, n)| DailyReplies {
                entry_id,
                day,
                replies: n.max(0) as u64,
            })
            .collect())
    }

    /// Claims `message` for a reply: true when this call claimed it, false when some process
    /// already had (then it must not reply).
    pub async fn claim_message(&self, message: u64, now: UnixTime) -> Result<bool, StoreError> {
        let added = self
            .op("claiming a message", async {
                with_pool!(self, pool => sqlx::query(
                    "INSERT INTO message_claims (message_id, claimed_at) VALUES ($1, $2) \
                     ON CONFLICT (message_id) DO NOTHING",
                )
                .bind(id(message))
                .bind(now)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
            })
            .await?;
        Ok(added > 0)
    }

    /// Gives up a claim (the reply could not be sent), so that a redelivery may try again.
    pub async fn release_claim(&self, message: u64) -> Result<(), StoreError> {
        self.op("releasing a message claim", async {
            with_pool!(self, pool => sqlx::query("DELETE FROM message_claims WHERE message_id = $1")
                .bind(id(message))
                .execute(pool)
                .await
                .map(|_| ()))
        })
        .await
    }

    /// Deletes claims older than `before`; returns how many went.
    pub async fn purge_claims(&self, before: UnixTime) -> Result<u64, StoreError> {
        self.op("purging message claims", async {
            with_pool!(self, pool => sqlx::query("DELETE FROM message_claims WHERE claimed_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
        })
        .await
    }

    /// Remembers which reply answered `link.question_id` (a second link for the same
    /// question replaces the first).
    pub async fn link_reply(&self, link: &ReplyLink) -> Result<(), StoreError> {
        self.op("linking a reply to its question", async {
            with_pool!(self, pool => sqlx::query(
                "INSERT INTO reply_links (question_id, reply_id, guild_id, channel_id, entry_id, lookup, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (question_id) DO UPDATE SET \
                 reply_id = excluded.reply_id, entry_id = excluded.entry_id, \
                 lookup = excluded.lookup, created_at = excluded.created_at",
            )
            .bind(id(link.question_id))
            .bind(id(link.reply_id))
            .bind(link.guild_id.map(id))
            .bind(id(link.channel_id))
            .bind(link.entry_id.as_deref())
            .bind(i64::from(link.lookup))
            .bind(link.at)
            .execute(pool)
            .await
            .map(|_| ()))
        })
        .await
    }

    /// The reply that answered `question`, if the store knows one.
    pub async fn reply_link(&self, question: u64) -> Result<Option<ReplyLink>, StoreError> {
        let row: Option<LinkRow> = self
            .op("reading a reply link", async {
                with_pool!(self, pool => sqlx::query_as(
                    "SELECT question_id, reply_id, guild_id, channel_id, entry_id, lookup, created_at \
                     FROM reply_links WHERE question_id = $1",
                )
                .bind(id(question))
                .fetch_optional(pool)
                .await)
            })
            .await?;
        Ok(row.map(link_from))
    }

    /// The question was edited and its reply now shows `entry` (None: "nothing matched").
    pub async fn relink_entry(&self, question: u64, entry: Option<&str>) -> Result<(), StoreError> {
        self.op("updating a reply link", async {
            with_pool!(self, pool => sqlx::query(
                "UPDATE reply_links SET entry_id = $2 WHERE question_id = $1",
            )
            .bind(id(question))
            .bind(entry)
            .execute(pool)
            .await
            .map(|_| ()))
        })
        .await
    }

    /// A message was deleted: forgets every link it is part of, as question or as reply,
    /// and returns the link where it was the question (its reply is to be deleted too).
    /// One statement, so it never conflicts with a concurrent write the way a read-then-write
    /// transaction can in SQLite's WAL mode.
    pub async fn forget_message(&self, message: u64) -> Result<Option<ReplyLink>, StoreError> {
        let rows: Vec<LinkRow> = self
            .op("forgetting a reply link", async {
                with_pool!(self, pool => sqlx::query_as(
                    "DELETE FROM reply_links WHERE question_id = $1 OR reply_id = $1 \
                     RETURNING question_id, reply_id, guild_id, channel_id, entry_id, lookup, created_at",
                )
                .bind(id(message))
                .fetch_all(pool)
                .await)
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(link_from)
            .find(|l| l.question_id == message))
    }

    /// Deletes reply links older than `before`; returns how many went.
    pub async fn purge_links(&self, before: UnixTime) -> Result<u64, StoreError> {
        self.op("purging reply links", async {
            with_pool!(self, pool => sqlx::query("DELETE FROM reply_links WHERE created_at < $1")
                .bind(before)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()))
        })
        .await
    }

    /// Checks that the database answers (`SELECT 1`), for health checks.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.op("answering a health check", async {
            with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))
        })
        .await
    }

    /// Closes every connection (waits for running operations).
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// `(cooldown_secs, language, confidence, paused, review_log, maybe)`.
type SettingsRow = (Option<i64>, Option<String>, Option<String>, i64, i64, i64);
/// `(channel_id, enabled, kind)`.
type ChannelRow = (i64, i64, String);
/// `(guild_id, channel_id, kind, entry_id, text, created_at)`.
type ReviewRow = (i64, i64, String, Option<String>, String, i64);

/// `(question_id, reply_id, guild_id, channel_id, entry_id, lookup, created_at)`.
type LinkRow = (i64, i64, Option<i64>, i64, Option<String>, i64, i64);

fn link_from((question, reply, guild, channel, entry_id, lookup, at): LinkRow) -> ReplyLink {
    ReplyLink {
        question_id: unid(question),
        reply_id: unid(reply),
        guild_id: guild.map(unid),
        channel_id: unid(channel),
        entry_id,
        lookup: lookup != 0,
        at,
    }
}

const SELECT_SETTINGS: &str =
    "SELECT cooldown_secs, language, confidence, paused, review_log, maybe \
     FROM guild_settings WHERE guild_id = $1";
const SELECT_CHANNELS: &str = "SELECT channel_id, enabled, kind FROM guild_channels \
                               WHERE guild_id = $1 ORDER BY channel_id";
const TALLY: &str = "SELECT CAST(COALESCE(SUM(helpful), 0) AS BIGINT), COUNT(*) FROM votes \
                     WHERE entry_id = $1";

enum Value {
    Int(i64),
    Text(&'static str),
}

fn tally_from((helpful, all): (i64, i64)) -> Tally {
    let helpful = helpful.max(0) as u64;
    Tally {
        helpful,
        not_helpful: (all.max(0) as u64).saturating_sub(helpful),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations() {
        assert_eq!(
            Location::parse("postgres://a:b@h/db"),
            Location::Postgres("postgres://a:b@h/db".into())
        );
        assert_eq!(
            Location::parse("sqlite://data/r.db"),
            Location::Sqlite("data/r.db".into())
        );
        assert_eq!(
            Location::parse("reqdoctor.db"),
            Location::Sqlite("reqdoctor.db".into())
        );
    }

    /// `sqlite://x.db?mode=ro` once became a file named `x.db?mode=ro`.
    #[test]
    fn sqlite_url_options_are_not_part_of_the_file_name() {
        for url in ["sqlite://x.db?mode=ro", "sqlite:x.db?mode=rwc&cache=shared"] {
            assert_eq!(
                Location::parse(url),
                Location::Sqlite("x.db".into()),
                "{url}"
            );
        }
    }

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redact_url("postgres://bot:s3cret@db.example:5432/reqdoctor"),
            "postgres://bot:***@db.example:5432/reqdoctor"
        );
        assert_eq!(
            redact_url("postgres://db/r?user=bot&password=s3cret&sslmode=disable"),
            "postgres://db/r?user=bot&password=***&sslmode=disable"
        );
        assert_eq!(redact_url("postgres://bot@db/r"), "postgres://bot@db/r");
        let e = Store::open(&Location::Postgres(
            "postgres://bot:s3cret@db:notaport/r".into(),
        ))
        .unwrap_err();
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
}
