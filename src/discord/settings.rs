//! `/reqdoctor`: a server's admins set the bot up from Discord. Every subcommand checks
//! Manage Server on the server side (Discord's default permission only hides the command;
//! admins can change who sees it), answers ephemerally, and takes effect on the next message.

use std::fmt::Write as _;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::guilds::{self, Effective};
use super::reload::{self, Reloaded};
use super::{rest, BotError, Context};
use crate::matcher::Channel;
use crate::store::{self, ChannelSetting, Confidence, GuildSettings, ReplyLanguage, SettingChange};

/// Longest cooldown an admin can set, in minutes (one week).
pub const MAX_COOLDOWN_MINUTES: u64 = 7 * 24 * 60;
/// Characters of reload problems shown in Discord (the log has all of them).
const PROBLEMS_SHOWN_CHARS: usize = 1800;

/// Whether the caller may change this server's settings: Manage Server (or Administrator)
/// in the permissions Discord resolved for this interaction.
fn may_manage(ctx: Context<'_>) -> bool {
    let poise::Context::Application(app) = ctx else {
        return false;
    };
    app.interaction
        .member
        .as_ref()
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.manage_guild() || p.administrator())
}

fn zh(ctx: Context<'_>) -> bool {
    ctx.locale().is_some_and(|l| l.starts_with("zh"))
}

async fn say(ctx: Context<'_>, text: String) -> Result<(), BotError> {
    let reply = CreateReply::default()
        .content(super::embed::clip(&text, 2000))
        .ephemeral(true)
        .allowed_mentions(rest::no_mentions());
    rest::retry("settings reply", || ctx.send(reply.clone())).await?;
    Ok(())
}

/// Refuses callers without Manage Server; true when the command may go on.
async fn allowed(ctx: Context<'_>) -> Result<bool, BotError> {
    if ctx.guild_id().is_none() {
        say(
            ctx,
            "These settings belong to a server; use the command there.".into(),
        )
        .await?;
        return Ok(false);
    }
    if may_manage(ctx) {
        return Ok(true);
    }
    tracing::info!(user = %ctx.author().id, command = %ctx.command().qualified_name, "settings refused: no Manage Server");
    let text = if zh(ctx) {
        "只有拥有“管理服务器”权限的成员可以更改 reqdoctor 的设置。"
    } else {
        "Only members with the Manage Server permission can change reqdoctor's settings."
    };
    say(ctx, text.into()).await?;
    Ok(false)
}

/// Applies `changes` for this server, then confirms with the settings now in force.
async fn change(ctx: Context<'_>, changes: &[SettingChange], done: &str) -> Result<(), BotError> {
    if !allowed(ctx).await? {
        return Ok(());
    }
    let Some(guild) = ctx.guild_id().map(|g| g.get()) else {
        return Ok(());
    };
    let data = ctx.data();
    match data
        .store
        .change_settings(guild, changes, store::now())
        .await
    {
        Ok(now) => {
            data.guilds.put(guild, now.clone());
            tracing::info!(guild, by = %ctx.author().id, ?changes, "settings changed");
            let mut text = format!("{done}\n\n");
            describe(&mut text, ctx, &now);
            say(ctx, text).await
        }
        Err(e) => {
            tracing::warn!(guild, "could not save settings: {e}");
            say(
                ctx,
                "The settings could not be saved right now (the bot's database is unavailable); \
                 nothing changed. Please try again later."
                    .into(),
            )
            .await
        }
    }
}

/// The settings as the bot applies them, for `show` and every confirmation.
fn describe(out: &mut String, ctx: Context<'_>, server: &GuildSettings) {
    let data = ctx.data();
    let here: Effective = guilds::effective(&data.settings, server, ctx.channel_id().get(), None);
    let mut channels: Vec<String> = server
        .channels
        .iter()
        .filter_map(|(c, setting)| setting.kind().map(|kind| format!("<#{c}> ({kind})")))
        .collect();
    let in_this_server = ctx
        .guild()
        .map(|g| g.channels.keys().map(|c| c.get()).collect::<Vec<_>>())
        .unwrap_or_default();
    let from_file = data
        .settings
        .autoreply_channels
        .iter()
        .chain(&data.settings.team_channels);
    for c in from_file {
        if let (false, true, Some(kind)) = (
            server.channels.contains_key(c),
            in_this_server.contains(c),
            data.settings.channel_kind(*c),
        ) {
            channels.push(format!("<#{c}> ({kind}, config file)"));
        }
    }
    let removed: Vec<String> = server
        .channels
        .iter()
        .filter(|(_, setting)| **setting == ChannelSetting::Off)
        .map(|(c, _)| format!("<#{c}>"))
        .collect();
    let _ = writeln!(
        out,
        "**Auto-reply channels:** {}",
        if channels.is_empty() {
            "none (the bot answers only when mentioned, in DMs and with commands)".to_string()
        } else {
            channels.join(", ")
        }
    );
    if !removed.is_empty() {
        let _ = writeln!(out, "**Switched off here:** {}", removed.join(", "));
    }
    let _ = writeln!(
        out,
        "**Auto-replies:** {}",
        if server.paused { "paused" } else { "on" }
    );
    let minutes = here.cooldown.as_secs() / 60;
    let _ = writeln!(
        out,
        "**Cooldown:** {minutes} min{}",
        default_mark(server.cooldown.is_none())
    );
    let _ = writeln!(
        out,
        "**Language:** {}{}",
        here.language.as_str(),
        default_mark(server.language.is_none())
    );
    let _ = writeln!(
        out,
        "**Confidence:** {} (answers from score {:.2}){}",
        here.confidence.as_str(),
        here.auto_threshold,
        default_mark(server.confidence.is_none())
    );
    let _ = writeln!(
        out,
        "**💡 for near misses:** {}",
        if server.maybe {
            "on (support channels: a question the bot is nearly sure about gets a 💡, and the asker's 💡 brings the answer)"
        } else {
            "off"
        }
    );
    let _ = writeln!(
        out,
        "**Review log:** {}",
        if here.review_log {
            format!(
                "on (unanswered questions and 👎 replies, text only, kept {} days)",
                data.settings.review_retention.as_secs() / 86_400
            )
        } else {
            "off".to_string()
        }
    );
}

fn default_mark(is_default: bool) -> &'static str {
    if is_default {
        " (default)"
    } else {
        ""
    }
}

/// Set reqdoctor up for this server (Manage Server).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("settings", "reload"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD"
)]
pub async fn reqdoctor(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Where and how reqdoctor answers in this server.
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "show",
        "channel_add",
        "channel_remove",
        "channel_list",
        "cooldown",
        "language",
        "confidence",
        "pause",
        "resume",
        "review_log",
        "maybe"
    ),
    subcommand_required
)]
pub async fn settings(_ctx: Context<'_>) -> Result<(), BotError> {
    Ok(())
}

/// Show this server's settings.
#[poise::command(slash_command, guild_only)]
pub async fn show(ctx: Context<'_>) -> Result<(), BotError> {
    show_page(ctx).await
}

/// The settings page, read fresh from the store.
async fn show_page(ctx: Context<'_>) -> Result<(), BotError> {
    if !allowed(ctx).await? {
        return Ok(());
    }
    let Some(guild) = ctx.guild_id().map(|g| g.get()) else {
        return Ok(());
    };
    let data = ctx.data();
    let mut text = String::new();
    match data.store.guild_settings(guild).await {
        Ok(s) => {
            data.guilds.put(guild, s.clone());
            describe(&mut text, ctx, &s);
        }
        Err(e) => {
            tracing::warn!(guild, "could not read settings: {e}");
            text.push_str("The bot's database is unavailable right now; these are the defaults in force until it is back.\n\n");
            describe(&mut text, ctx, &guilds::initial(&data.settings));
        }
    }
    say(ctx, text).await
}

/// What kind of channel an auto-reply channel is.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KindChoice {
    /// Everything asked there is about mini-program requests (the default).
    #[name = "support (every question there is about mini-program requests)"]
    Support,
    /// Team chat: only what is plainly about mini-program requests.
    #[name = "team (team chat: only plain mini-program request errors)"]
    Team,
}

impl From<KindChoice> for Channel {
    fn from(k: KindChoice) -> Channel {
        match k {
            KindChoice::Support => Channel::Support,
            KindChoice::Team => Channel::Team,
        }
    }
}

/// Answer unprompted in a channel (and the threads under it).
#[poise::command(slash_command, guild_only, rename = "channel-add")]
pub async fn channel_add(
    ctx: Context<'_>,
    #[description = "The channel"]
    #[channel_types("Text", "News", "Forum", "PublicThread", "PrivateThread", "NewsThread")]
    channel: serenity::PartialChannel,
    #[description = "support (default): a help channel; team: team chat, stricter"] kind: Option<
        KindChoice,
    >,
) -> Result<(), BotError> {
    let kind = kind.map_or(Channel::Support, Channel::from);
    change(
        ctx,
        &[SettingChange::AddChannelAs(channel.id.get(), kind)],
        &format!(
            "✅ reqdoctor now answers unprompted in <#{}> ({kind} channel).",
            channel.id
        ),
    )
    .await
}

/// Stop answering unprompted in a channel.
#[poise::command(slash_command, guild_only, rename = "channel-remove")]
pub async fn channel_remove(
    ctx: Context<'_>,
    #[description = "The channel"]
    #[channel_types("Text", "News", "Forum", "PublicThread", "PrivateThread", "NewsThread")]
    channel: serenity::PartialChannel,
) -> Result<(), BotError> {
    change(
        ctx,
        &[SettingChange::RemoveChannel(channel.id.get())],
        &format!(
            "✅ reqdoctor no longer answers unprompted in <#{}> (mentions and commands still work).",
            channel.id
        ),
    )
    .await
}

/// List the channels where reqdoctor answers unprompted.
#[poise::command(slash_command, guild_only, rename = "channels")]
pub async fn channel_list(ctx: Context<'_>) -> Result<(), BotError> {
    show_page(ctx).await
}

/// Minutes before the same answer is repeated in a channel (a 👆 reaction meanwhile).
#[poise::command(slash_command, guild_only)]
pub async fn cooldown(
    ctx: Context<'_>,
    #[description = "Minutes (0 to 10080)"]
    #[min = 0]
    #[max = 10080]
    minutes: u64,
) -> Result<(), BotError> {
    let minutes = minutes.min(MAX_COOLDOWN_MINUTES);
    change(
        ctx,
        &[SettingChange::Cooldown(Duration::from_secs(minutes * 60))],
        &format!("✅ Cooldown set to {minutes} min."),
    )
    .await
}

/// The language of replies.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum LanguageChoice {
    /// The question's language.
    #[name = "auto (the question's language)"]
    Auto,
    /// Chinese.
    #[name = "zh (中文)"]
    Zh,
    /// English.
    #[name = "en (English)"]
    En,
}

/// The language reqdoctor replies in.
#[poise::command(slash_command, guild_only)]
pub async fn language(
    ctx: Context<'_>,
    #[description = "auto, zh or en"] language: LanguageChoice,
) -> Result<(), BotError> {
    let l = match language {
        LanguageChoice::Auto => ReplyLanguage::Auto,
        LanguageChoice::Zh => ReplyLanguage::Zh,
        LanguageChoice::En => ReplyLanguage::En,
    };
    change(
        ctx,
        &[SettingChange::Language(l)],
        &format!("✅ Reply language set to {l}."),
    )
    .await
}

/// How sure reqdoctor must be.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum ConfidenceChoice {
    /// Fewer, surer replies.
    #[name = "strict (fewer, surer replies)"]
    Strict,
    /// The default.
    #[name = "normal"]
    Normal,
    /// More replies.
    #[name = "eager (more replies, more mistakes)"]
    Eager,
}

/// How sure reqdoctor must be before it answers unprompted.
#[poise::command(slash_command, guild_only)]
pub async fn confidence(
    ctx: Context<'_>,
    #[description = "strict, normal or eager"] level: ConfidenceChoice,
) -> Result<(), BotError> {
    let c = match level {
        ConfidenceChoice::Strict => Confidence::Strict,
        ConfidenceChoice::Normal => Confidence::Normal,
        ConfidenceChoice::Eager => Confidence::Eager,
    };
    change(
        ctx,
        &[SettingChange::Confidence(c)],
        &format!("✅ Auto-reply confidence set to {}.", c.as_str()),
    )
    .await
}

/// Pause unprompted replies in this server (mentions and commands still work).
#[poise::command(slash_command, guild_only)]
pub async fn pause(ctx: Context<'_>) -> Result<(), BotError> {
    change(
        ctx,
        &[SettingChange::Paused(true)],
        "⏸️ Auto-replies paused. `/reqdoctor settings resume` turns them back on.",
    )
    .await
}

/// Resume unprompted replies in this server.
#[poise::command(slash_command, guild_only)]
pub async fn resume(ctx: Context<'_>) -> Result<(), BotError> {
    change(
        ctx,
        &[SettingChange::Paused(false)],
        "▶️ Auto-replies resumed.",
    )
    .await
}

/// Keep (or stop keeping) unanswered questions and 👎 replies for the knowledge maintainers.
#[poise::command(slash_command, guild_only, rename = "review-log")]
pub async fn review_log(
    ctx: Context<'_>,
    #[description = "On: keep them (text only, no user ids). Off: stop and delete this server's log"]
    enabled: bool,
) -> Result<(), BotError> {
    let done = if enabled {
        "✅ Review log on."
    } else {
        "✅ Review log off; this server's logged messages were deleted."
    };
    change(ctx, &[SettingChange::ReviewLog(enabled)], done).await?;
    if !enabled && may_manage(ctx) {
        if let Some(guild) = ctx.guild_id() {
            match ctx.data().store.forget_review(guild.get()).await {
                Ok(n) => tracing::info!(guild = %guild, rows = n, "review log cleared"),
                Err(e) => tracing::warn!(guild = %guild, "could not clear the review log: {e}"),
            }
        }
    }
    Ok(())
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, poise::ChoiceParameter)]
pub enum OnOff {
    /// On.
    #[name = "on"]
    On,
    /// Off.
    #[name = "off"]
    Off,
}

/// Offer near misses in support channels with a 💡 the asker can click for the answer.
#[poise::command(slash_command, guild_only)]
pub async fn maybe(
    ctx: Context<'_>,
    #[description = "on (default): near misses get a 💡; off: they get nothing"] state: OnOff,
) -> Result<(), BotError> {
    let on = state == OnOff::On;
    let done = if on {
        "✅ 💡 on: in support channels a question the bot is nearly sure about gets a 💡; the asker's own 💡 brings the answer."
    } else {
        "✅ 💡 off: near misses get no reaction."
    };
    change(ctx, &[SettingChange::Maybe(on)], done).await
}

/// Reload the knowledge files now (Manage Server or a bot owner).
#[poise::command(slash_command, guild_only)]
pub async fn reload(ctx: Context<'_>) -> Result<(), BotError> {
    let owner = ctx.data().settings.owners.contains(&ctx.author().id.get());
    if !owner && !allowed(ctx).await? {
        return Ok(());
    }
    ctx.defer_ephemeral().await?;
    let text = match reload::reload(ctx.data()).await {
        Reloaded::Swapped { entries } => {
            format!("✅ Knowledge reloaded: {entries} entries now answer.")
        }
        Reloaded::Bundled => "This bot answers from the knowledge built into its binary; \
             start it with `--knowledge DIR` (or `REQDOCTOR_KNOWLEDGE`) to edit and reload files."
            .to_string(),
        Reloaded::Rejected { problems } => {
            let mut text = format!(
                "❌ The knowledge was not reloaded: {} problem(s). The previous knowledge keeps answering.\n```\n",
                problems.len()
            );
            let mut shown = 0;
            for p in &problems {
                if text.len() + p.len() > PROBLEMS_SHOWN_CHARS {
                    break;
                }
                text.push_str(&p.replace("```", "'''"));
                text.push('\n');
                shown += 1;
            }
            text.push_str("```");
            if shown < problems.len() {
                let _ = write!(
                    text,
                    "\n…and {} more in the bot's log.",
                    problems.len() - shown
                );
            }
            text
        }
    };
    say(ctx, text).await
}
