//! The Discord bot: `reqdoctor run`.
//!
//! serenity 0.12 drives the gateway and REST, poise 0.7 the commands. Modules have one job
//! each: [`config`] (settings and token), [`guilds`] (each server's settings over the
//! defaults), [`policy`] (when to speak), [`answer`] (what to say), [`embed`] (how it looks),
//! [`buttons`], [`tracker`] (reply ↔ question), [`edits`] (edited and deleted questions),
//! [`question`] (what a message is matched on: text, forum title, attachments), [`images`]
//! (screenshots through OCR),
//! [`maybe`] (💡 offers of near misses), [`channels`] (thread parents, forum posts), [`rest`]
//! (retried REST calls), [`reload`] (knowledge hot reload), [`events`], [`commands`] and
//! [`settings`] (`/reqdoctor`). What the bot learns goes to the [`crate::store`].

pub mod answer;
pub mod attachments;
pub mod buttons;
pub mod channels;
pub mod commands;
pub mod config;
mod deliver;
pub mod drain;
pub mod edits;
pub mod embed;
pub mod events;
pub mod guilds;
pub mod images;
pub mod maybe;
pub mod policy;
pub mod question;
pub mod relay;
pub mod reload;
pub mod rest;
pub mod serve;
pub mod settings;
pub mod shards;
pub mod tracker;

#[cfg(test)]
pub(crate) mod testing;

use std::future::Future;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use poise::serenity_prelude as serenity;
use serenity::GatewayIntents;

use arc_swap::ArcSwap;

use crate::load::LoadError;
use crate::matcher::Matcher;
use crate::store::Store;
pub use config::{ConfigError, Settings, Token};
use guilds::GuildCache;
use policy::{PolicyConfig, ReplyPolicy};
use tracker::ReplyTracker;

/// Where the privileged intent is switched on, for error messages and docs.
pub const MESSAGE_CONTENT_HELP: &str = "Discord Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent";

/// `reqdoctor run` options.
#[derive(Debug, Clone, clap::Args)]
pub struct RunArgs {
    /// Settings file (TOML). Every key can also be set with a REQDOCTOR_* variable, which wins.
    #[arg(long, env = "REQDOCTOR_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Register the commands in this guild only (instant; for development) instead of globally.
    #[arg(long, value_name = "ID")]
    pub guild: Option<u64>,
}

/// Errors at the bot's boundary. None of them contains the token.
#[derive(Debug, thiserror::Error)]
pub enum BotError {
    /// Settings or token missing or wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Discord answered 401 or closed the gateway with 4004.
    #[error(
        "Discord rejected the bot token (401 Unauthorized): check DISCORD_TOKEN; a new one is at \
         https://discord.com/developers/applications → your application → Bot → Reset Token"
    )]
    InvalidToken,
    /// Gateway close code 4014.
    #[error(
        "Discord refused the Message Content intent (gateway close code 4014): enable it in the {MESSAGE_CONTENT_HELP}, then restart"
    )]
    MessageContentIntent,
    /// Gateway close code 4013.
    #[error("Discord rejected the gateway intents (close code 4013): this build asks for an intent Discord does not know")]
    InvalidIntents,
    /// Discord could not be reached at all.
    #[error("cannot reach Discord's API at {api}: {reason}")]
    Unreachable {
        /// The API base in use.
        api: String,
        /// Why, with the underlying causes.
        reason: String,
    },
    /// Any other Discord or serenity error.
    #[error("Discord error: {0}")]
    Discord(#[from] serenity::Error),
    /// The database location is unusable (a reachable-but-down database is not an error:
    /// the bot answers with defaults until it is back).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// `/metrics` and `/healthz` cannot be served.
    #[error("cannot serve metrics on {addr} (REQDOCTOR_METRICS_ADDR): {source}")]
    Metrics {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
}

/// poise's context with our data and error.
pub type Context<'a> = poise::Context<'a, Data, BotError>;

/// State every handler and command shares.
pub struct Shared {
    /// The matcher; swapped whole when the knowledge is reloaded.
    matcher: ArcSwap<Matcher>,
    /// Settings from the config file and environment: the defaults for every server.
    pub settings: Settings,
    /// When to speak.
    pub policy: ReplyPolicy,
    /// Replies by question.
    pub tracker: ReplyTracker,
    /// Near misses offered with a 💡, waiting for their asker's click.
    pub offers: maybe::Offers,
    /// Server settings, votes, replies and the review log.
    pub store: Store,
    /// Server settings, cached.
    pub guilds: GuildCache,
    /// Thread parents.
    pub channels: channels::ChannelKinds,
    /// Fetches messages' text attachments.
    pub attachments: attachments::Fetcher,
    /// Reads messages' screenshots (in a build with the `ocr` feature).
    pub images: images::Reader,
    /// The knowledge directory (None: the knowledge built into the binary).
    pub knowledge_dir: Option<PathBuf>,
    /// Held while a reload runs, so reloads never overlap.
    pub reloading: tokio::sync::Mutex<()>,
    /// Work in flight, waited for on SIGTERM.
    pub drain: drain::Drain,
}

impl Shared {
    /// The matcher in force now. Keep the `Arc` for one message: a reload in the middle
    /// does not change the answer being built.
    pub fn matcher(&self) -> Arc<Matcher> {
        self.matcher.load_full()
    }

    /// Puts a new matcher in force for every message from now on.
    pub fn swap_matcher(&self, matcher: Matcher) {
        self.matcher.store(Arc::new(matcher));
    }

    /// What applies to a message in `guild`'s `channel` (defaults in direct messages).
    pub async fn effective(
        &self,
        guild: Option<u64>,
        channel: u64,
        parent: Option<u64>,
    ) -> guilds::Effective {
        let initial = guilds::initial(&self.settings);
        let server = match guild {
            Some(g) => self.guilds.get(&self.store, g, &initial).await,
            None => initial,
        };
        guilds::effective(&self.settings, &server, channel, parent)
    }
}

/// Everything a bot is made of besides its token.
pub struct Setup {
    /// Settings from the config file and environment.
    pub settings: Settings,
    /// The compiled knowledge.
    pub matcher: Matcher,
    /// The store (migrated, or migrating in the background).
    pub store: Store,
    /// The knowledge directory to watch and reload (None: built-in knowledge).
    pub knowledge_dir: Option<PathBuf>,
}

/// The one `Data` type of the poise framework: cheap to clone.
#[derive(Clone)]
pub struct Data(Arc<Shared>);

impl Deref for Data {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl Data {
    /// Shared state for a bot made of `setup`.
    pub fn new(setup: Setup) -> Data {
        let Setup {
            settings,
            matcher,
            store,
            knowledge_dir,
        } = setup;
        let policy = ReplyPolicy::new(PolicyConfig {
            user_limit: settings.user_limit,
            user_window: settings.user_window,
        });
        let attachments =
            attachments::Fetcher::new(settings.cdn_url.clone(), settings.discord_api.clone());
        let images = images::Reader::new(attachments.clone(), images::default_jobs());
        Data(Arc::new(Shared {
            matcher: ArcSwap::from_pointee(matcher),
            settings,
            policy,
            tracker: ReplyTracker::default(),
            offers: maybe::Offers::default(),
            store,
            guilds: GuildCache::default(),
            channels: channels::ChannelKinds::default(),
            attachments,
            images,
            knowledge_dir,
            reloading: tokio::sync::Mutex::new(()),
            drain: drain::Drain::default(),
        }))
    }
}

/// The intents the bot asks for. Message Content is privileged. Guild Message Reactions
/// (not privileged) brings the asker's 💡 click; reactions in DMs are not needed, because
/// the bot only offers a 💡 in support channels.
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
}

async fn on_error(error: poise::FrameworkError<'_, Data, BotError>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::warn!(command = %ctx.command().qualified_name, "command failed: {error}");
            let sorry = poise::CreateReply::default()
                .content("Something went wrong while answering; please try again in a moment.")
                .ephemeral(true)
                .allowed_mentions(rest::no_mentions());
            if let Err(e) = ctx.send(sorry).await {
                tracing::warn!("could not report the failure: {e}");
            }
        }
        poise::FrameworkError::EventHandler { error, event, .. } => {
            tracing::warn!(
                event = event.snake_case_name(),
                "event handler failed: {error}"
            );
        }
        poise::FrameworkError::Setup { error, .. } => tracing::error!("setup failed: {error}"),
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::warn!("could not report an error: {e}");
            }
        }
    }
}

/// A connected-but-not-yet-running bot.
pub struct Bot {
    client: serenity::Client,
    data: Data,
    /// In front of `discord_api` when it is set; stops with the bot.
    _relay: Option<relay::Relay>,
}

/// Stops a running bot from elsewhere.
#[derive(Clone)]
pub struct Stopper(Arc<serenity::ShardManager>);

impl Stopper {
    /// Closes the gateway; [`Bot::run`] then returns `Ok`.
    pub async fn stop(&self) {
        self.0.shutdown_all().await;
    }
}

impl Bot {
    /// Checks the token (`GET /users/@me`), then builds the client. Nothing is answered until
    /// [`Bot::run`].
    pub async fn connect(setup: Setup, token: &Token) -> Result<Bot, BotError> {
        let settings = &setup.settings;
        let builder = || {
            serenity::HttpBuilder::new(token.expose()).default_allowed_mentions(rest::no_mentions())
        };
        let api = settings
            .discord_api
            .clone()
            .unwrap_or_else(|| "https://discord.com".to_string());
        // The token check goes to the API directly, so that an unreachable API is named as
        // such; the client's calls go through the relay when `discord_api` is set.
        let direct = match &settings.discord_api {
            // serenity's ratelimiter ignores the proxy (serenity#1739), so it must be off
            // here; the relay waits out 429s instead.
            Some(base) => builder().proxy(base.as_str()).ratelimiter_disabled(true),
            None => builder(),
        }
        .build();
        match rest::retry("check token", || direct.get_current_user()).await {
            Ok(me) => tracing::info!(user = %me.name, id = %me.id, api = %api, "token accepted"),
            Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)))
                if r.status_code.as_u16() == 401 =>
            {
                return Err(BotError::InvalidToken)
            }
            Err(e @ serenity::Error::Http(serenity::HttpError::Request(_))) => {
                return Err(BotError::Unreachable {
                    api,
                    reason: rest::causes(&e),
                })
            }
            Err(e) => return Err(BotError::Discord(e)),
        }
        let (http, relay) = match &settings.discord_api {
            Some(base) => {
                let relay = relay::start(base, settings.max_retry_after)
                    .await
                    .map_err(|e| BotError::Unreachable {
                        api: api.clone(),
                        reason: format!("cannot start the local relay: {e}"),
                    })?;
                let http = builder()
                    .proxy(relay.base())
                    .ratelimiter_disabled(true)
                    .build();
                (http, Some(relay))
            }
            None => (direct, None),
        };

        let data = Data::new(setup);
        images::warm_up();
        let setup_data = data.clone();
        let framework = poise::Framework::builder()
            .options(poise::FrameworkOptions {
                commands: commands::all(),
                event_handler: |framework, event| Box::pin(events::handle(framework, event)),
                on_error: |error| Box::pin(on_error(error)),
                allowed_mentions: Some(rest::no_mentions()),
                prefix_options: poise::PrefixFrameworkOptions {
                    prefix: None,
                    mention_as_prefix: false,
                    ..Default::default()
                },
                ..Default::default()
            })
            .initialize_owners(false)
            .setup(move |ctx, _ready, framework| {
                Box::pin(async move {
                    let commands = &framework.options().commands;
                    let registered = match setup_data.settings.guild {
                        Some(g) => poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(g)).await,
                        None => poise::builtins::register_globally(ctx, commands).await,
                    };
                    match registered {
                        Ok(()) => tracing::info!(guild = ?setup_data.settings.guild, count = commands.len(), "commands registered"),
                        // The bot still answers messages; the commands may be stale.
                        Err(e) => tracing::warn!("could not register the commands: {e}"),
                    }
                    Ok(setup_data)
                })
            })
            .build();
        let client = serenity::ClientBuilder::new_with_http(http, intents())
            .framework(framework)
            .await?;
        Ok(Bot {
            client,
            data,
            _relay: relay,
        })
    }

    /// The shared state (for tests and embedding).
    pub fn data(&self) -> &Data {
        &self.data
    }

    /// A handle that stops the bot.
    pub fn stopper(&self) -> Stopper {
        Stopper(self.client.shard_manager.clone())
    }

    /// Runs until `shutdown` completes (then closes the gateway cleanly) or the gateway fails
    /// for good.
    pub async fn run(
        mut self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), BotError> {
        let stopper = self.stopper();
        let metrics = match self.data.settings.metrics_addr {
            Some(addr) => {
                let manager = self.client.shard_manager.clone();
                let (shards, store) = (self.data.settings.shards, self.data.store.clone());
                let server = serve::start(addr, manager, shards, store).await;
                Some(server.map_err(|source| BotError::Metrics { addr, source })?)
            }
            None => None,
        };
        let maintenance = tokio::spawn(store_maintenance(self.data.clone()));
        let _knowledge_watcher = reload::watch(&self.data);
        let drain = self.data.drain.clone();
        let watcher = tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down");
            drain.stop();
            stopper.stop().await;
        });
        let result = match self.data.settings.shards {
            shards::Shards::Auto => self.client.start_autosharded().await,
            shards::Shards::Count(n) => self.client.start_shards(n).await,
            // serenity's range end is inclusive here (it starts `end - start + 1` shards).
            shards::Shards::Range { first, last, total } => {
                self.client.start_shard_range(first..last, total).await
            }
        };
        watcher.abort();
        maintenance.abort();
        let left = self.data.drain.wait(drain::DRAIN_LIMIT).await;
        if left > 0 {
            tracing::warn!(
                left,
                "stopped with work still in flight after {:?}",
                drain::DRAIN_LIMIT
            );
        }
        if let Some(server) = metrics {
            server.abort();
        }
        result.map_err(|e| match e {
            serenity::Error::Gateway(serenity::GatewayError::DisallowedGatewayIntents) => {
                BotError::MessageContentIntent
            }
            serenity::Error::Gateway(serenity::GatewayError::InvalidAuthentication) => {
                BotError::InvalidToken
            }
            serenity::Error::Gateway(serenity::GatewayError::InvalidGatewayIntents) => {
                BotError::InvalidIntents
            }
            e => BotError::Discord(e),
        })
    }
}

/// How long a message's reply claim, and the link from a question to its reply, are kept:
/// far longer than any gateway replay or edit window.
const CLAIM_RETENTION: std::time::Duration = std::time::Duration::from_secs(2 * 86_400);

/// How often the review log is purged of old rows.
const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Migrates the store once it is reachable (retrying with backoff), then purges the review
/// log of rows past their retention every hour.
async fn store_maintenance(data: Data) {
    let mut backoff = std::time::Duration::from_secs(1);
    while !data.store.is_ready() {
        match data.store.migrate().await {
            Ok(()) => tracing::info!(store = data.store.location(), "store ready"),
            Err(e) => {
                tracing::warn!("{e}; retrying in {backoff:?}");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(std::time::Duration::from_secs(60));
            }
        }
    }
    loop {
        let cutoff = crate::store::now() - data.settings.review_retention.as_secs() as i64;
        match data.store.purge_review(cutoff).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rows = n, "review log: removed rows past their retention"),
            Err(e) => tracing::warn!("review log purge failed: {e}"),
        }
        let claims_cutoff = crate::store::now() - CLAIM_RETENTION.as_secs() as i64;
        if let Err(e) = data.store.purge_claims(claims_cutoff).await {
            tracing::warn!("message claims purge failed: {e}");
        }
        if let Err(e) = data.store.purge_links(claims_cutoff).await {
            tracing::warn!("reply links purge failed: {e}");
        }
        tokio::time::sleep(PURGE_EVERY).await;
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!("cannot listen for SIGTERM: {e}");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Settings from `--config`, the environment and `--guild`.
pub fn settings_from(
    args: &RunArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, ConfigError> {
    let mut settings = Settings::load(args.config.as_deref(), env)?;
    if args.guild.is_some() {
        settings.guild = args.guild;
    }
    Ok(settings)
}

/// `reqdoctor run`: the bot until Ctrl-C or SIGTERM. Bot errors are printed here (exit code 2);
/// knowledge errors go back to the command line like every other subcommand's.
pub fn run_command(args: RunArgs, knowledge_dir: Option<&Path>) -> Result<ExitCode, LoadError> {
    let env = |k: &str| std::env::var(k).ok();
    let prepared = settings_from(&args, &env).and_then(|s| Ok((s, Token::from_env(&env)?)));
    let (settings, token) = match prepared {
        Ok(p) => p,
        Err(e) => return Ok(fail(&BotError::Config(e))),
    };
    let matcher =
        crate::load::load_matcher(knowledge_dir)?.with_auto_threshold(settings.auto_confidence);

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return Ok(fail(&BotError::Runtime(e))),
    };
    let result = runtime.block_on(async move {
        // The pool starts background tasks, so it is made inside the runtime.
        let store = Store::open(&settings.database)?;
        match store.migrate().await {
            Ok(()) => tracing::info!(store = store.location(), "store ready"),
            Err(e) => tracing::warn!("{e}; answering with default settings until it is reachable"),
        }
        let setup = Setup {
            settings,
            matcher,
            store,
            knowledge_dir: knowledge_dir.map(Path::to_path_buf),
        };
        let bot = Bot::connect(setup, &token).await?;
        bot.run(shutdown_signal()).await
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(fail(&e)),
    }
}

fn fail(e: &BotError) -> ExitCode {
    eprintln!("reqdoctor: {e}");
    ExitCode::from(2)
}
