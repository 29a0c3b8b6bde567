//! Gateway events: new messages (maybe answer), edits and deletions of questions (update or
//! delete the answer), and clicks on the answer's buttons.

use std::time::Instant;

use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, FullEvent, Message, MessageId, MessageType,
};
use tracing::{debug, info, warn};

use super::answer::{self, Diagnosis, Thresholds};
use super::buttons::Action;
use super::policy::{MessageFacts, Route, Scope, Verdict};
use super::rest;
use super::tracker::{Settled, Tracked};
use super::{BotError, Data};
use crate::matcher::{Channel, Mode};
use crate::reply::Lang;
use crate::store::{self, Recorded, ReviewItem, ReviewKind, SentReply, Vote};

/// How long a vote waits for the store: Discord wants the click answered within 3 s.
const VOTE_LIMIT: std::time::Duration = std::time::Duration::from_millis(1500);

/// poise's event handler: every event the commands do not consume.
pub async fn handle(
    framework: poise::FrameworkContext<'_, Data, BotError>,
    event: &FullEvent,
) -> Result<(), BotError> {
    let ctx = framework.serenity_context;
    let data = framework.user_data;
    match event {
        FullEvent::Ready { data_about_bot } => {
            info!(user = %data_about_bot.user.name, id = %data_about_bot.user.id, guilds = data_about_bot.guilds.len(), "connected to Discord");
        }
        FullEvent::Resume { .. } => info!("gateway session resumed"),
        FullEvent::Message { new_message } => on_message(ctx, data, new_message).await,
        FullEvent::MessageUpdate { event, .. } => {
            if let Some(content) = &event.content {
                on_edit(ctx, data, event.id, content).await;
            }
        }
        FullEvent::MessageDelete {
            deleted_message_id, ..
        } => on_delete(ctx, data, *deleted_message_id).await,
        FullEvent::MessageDeleteBulk {
            multiple_deleted_messages_ids,
            ..
        } => {
            for id in multiple_deleted_messages_ids {
                on_delete(ctx, data, *id).await;
            }
        }
        FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(c),
        } => on_component(ctx, data, c).await,
        _ => {}
    }
    Ok(())
}

/// The bot's own user id.
fn bot_id(ctx: &SerenityContext) -> u64 {
    ctx.cache.current_user().id.get()
}

/// Plain facts about a message. For people's messages in a server the thread parent is looked
/// up too: from the cache, or once over REST for a channel the cache does not know.
async fn facts(ctx: &SerenityContext, data: &Data, msg: &Message) -> MessageFacts {
    let me = bot_id(ctx);
    let mut f = MessageFacts {
        id: msg.id.get(),
        channel: msg.channel_id.get(),
        thread_parent: None,
        is_dm: msg.guild_id.is_none(),
        author: msg.author.id.get(),
        author_is_bot: msg.author.bot,
        is_webhook: msg.webhook_id.is_some(),
        is_system: msg.author.system
            || !matches!(msg.kind, MessageType::Regular | MessageType::InlineReply),
        is_self: msg.author.id.get() == me,
        mentions_bot: answer::mentions(&msg.content, me),
    };
    if let (Some(guild), false) = (msg.guild_id, f.author_is_bot || f.is_webhook || f.is_system) {
        f.thread_parent = data
            .channels
            .thread_parent(ctx, guild, msg.channel_id)
            .await;
    }
    f
}

async fn on_message(ctx: &SerenityContext, data: &Data, msg: &Message) {
    let facts = facts(ctx, data, msg).await;
    if facts.is_self || facts.author_is_bot || facts.is_webhook || facts.is_system {
        return;
    }
    let guild = msg.guild_id.map(|g| g.get());
    let here = data
        .effective(guild, facts.channel, facts.thread_parent)
        .await;
    let Route::Answer(mode) = data.policy.route(&facts, here.autoreply()) else {
        return;
    };
    if !data.policy.first_delivery(facts.id) {
        debug!(trigger = facts.id, "already seen; not answering twice");
        return;
    }
    let text = match mode {
        Mode::Lookup => answer::strip_mention(&msg.content, bot_id(ctx)),
        Mode::Auto => msg.content.clone(),
    };
    let lang = here.language.for_text(&text);
    let matcher = data.matcher();
    let thresholds = Thresholds {
        auto: here.auto_threshold,
        lookup: data.settings.lookup_confidence,
    };
    let said = match answer::diagnose(&matcher, &text, mode, Channel::Support, lang, thresholds) {
        Diagnosis::Say(said) => said,
        Diagnosis::Silent { worth_review } => {
            debug!(
                trigger = facts.id,
                worth_review, "no confident answer; staying silent"
            );
            if let (true, true, Some(guild)) = (worth_review, here.review_log, guild) {
                log_review(
                    data,
                    guild,
                    facts.channel,
                    ReviewKind::Unanswered,
                    None,
                    &text,
                    None,
                );
            }
            return;
        }
    };
    let scope = Scope {
        id: facts.channel,
        thread: facts.thread_parent.is_some(),
    };
    match data.policy.admit(
        scope,
        said.entry_id.as_deref(),
        facts.author,
        Instant::now(),
        here.cooldown,
    ) {
        Verdict::Reply => {}
        v @ (Verdict::Cooldown | Verdict::AnsweredInThread) => {
            debug!(trigger = facts.id, entry = ?said.entry_id, verdict = ?v, "answered here recently");
            if let Some(emoji) = &data.settings.cooldown_reaction {
                if let Err(e) = rest::react(&ctx.http, msg.channel_id, msg.id, emoji).await {
                    warn!(trigger = facts.id, "could not react: {e}");
                }
            }
            return;
        }
        Verdict::UserLimited => {
            debug!(
                trigger = facts.id,
                user = facts.author,
                "per-user limit reached"
            );
            return;
        }
    }
    data.tracker.sending(facts.id);
    let reply = match rest::send_reply(ctx, msg, &said).await {
        Ok(r) => r,
        Err(e) => {
            data.tracker.abandon(facts.id);
            if let Some(entry) = &said.entry_id {
                data.policy.release(scope, entry);
            }
            warn!(
                trigger = facts.id,
                channel = facts.channel,
                "could not send the reply: {e}"
            );
            return;
        }
    };
    info!(trigger = facts.id, reply = %reply.id, entry = ?said.entry_id, ?mode, "answered");
    if let Some(entry) = &said.entry_id {
        record_reply(data, reply.id.get(), guild, facts.channel, entry);
    }
    let tracked = Tracked {
        guild,
        channel: facts.channel,
        reply_id: reply.id.get(),
        author: facts.author,
        entry_id: said.entry_id,
        mode,
        at: Instant::now(),
    };
    match data.tracker.insert(facts.id, tracked.clone()) {
        Settled::Kept => {}
        Settled::Deleted => {
            info!(
                trigger = facts.id,
                "question deleted while answering; deleting the reply"
            );
            if let Err(e) = rest::delete(&ctx.http, msg.channel_id, reply.id).await {
                warn!(reply = %reply.id, "could not delete the reply: {e}");
            }
        }
        Settled::Edited(text) => apply_edit(ctx, data, msg.id, &text, tracked).await,
    }
}

/// Notes a sent reply in the store, in the background: the reply is out already, and a
/// slow or broken database must not hold up the next message.
fn record_reply(data: &Data, reply_id: u64, guild: Option<u64>, channel: u64, entry: &str) {
    let store = data.store.clone();
    let sent = SentReply {
        reply_id,
        guild_id: guild,
        channel_id: channel,
        entry_id: entry.to_string(),
        at: store::now(),
    };
    tokio::spawn(async move {
        if let Err(e) = store.record_reply(&sent).await {
            warn!(reply = sent.reply_id, "could not record the reply: {e}");
        }
    });
}

/// Adds a message to the review log in the background (no user id is kept).
fn log_review(
    data: &Data,
    guild: u64,
    channel: u64,
    kind: ReviewKind,
    entry_id: Option<String>,
    text: &str,
    reply_id: Option<u64>,
) {
    let store = data.store.clone();
    let item = ReviewItem {
        guild_id: guild,
        channel_id: channel,
        kind,
        entry_id,
        text: store::clip_review_text(text),
        at: store::now(),
    };
    tokio::spawn(async move {
        match store.log_review(&item, reply_id).await {
            Ok(_) => debug!(guild, channel, kind = item.kind.as_str(), "review log"),
            Err(e) => warn!("could not write the review log: {e}"),
        }
    });
}

async fn on_edit(ctx: &SerenityContext, data: &Data, id: MessageId, content: &str) {
    if let Some(t) = data.tracker.edited(id.get(), content) {
        apply_edit(ctx, data, id, content, t).await;
    }
}

/// Re-answers an edited question: same entry, nothing to do; another entry, the reply is
/// edited; nothing any more, the reply is deleted. Only within the edit window.
async fn apply_edit(ctx: &SerenityContext, data: &Data, id: MessageId, content: &str, t: Tracked) {
    if t.at.elapsed() > data.settings.edit_window {
        return;
    }
    let text = match t.mode {
        Mode::Lookup => answer::strip_mention(content, bot_id(ctx)),
        Mode::Auto => content.to_string(),
    };
    let thread = data.channels.is_thread(t.channel);
    let guild = t.guild;
    let here = data
        .effective(guild, t.channel, data.channels.parent_of(t.channel))
        .await;
    let lang = here.language.for_text(&text);
    let channel = serenity::ChannelId::new(t.channel);
    let reply = MessageId::new(t.reply_id);
    let thresholds = Thresholds {
        auto: here.auto_threshold,
        lookup: data.settings.lookup_confidence,
    };
    match answer::diagnose(
        &data.matcher(),
        &text,
        t.mode,
        Channel::Support,
        lang,
        thresholds,
    ) {
        Diagnosis::Say(said) if said.entry_id == t.entry_id => {}
        Diagnosis::Say(said) => {
            match rest::edit_reply(&ctx.http, channel, reply, t.author, &said).await {
                Ok(_) => {
                    info!(trigger = %id, reply = t.reply_id, entry = ?said.entry_id, "question edited; reply updated");
                    if let Some(entry) = &said.entry_id {
                        data.policy.note_answered(
                            Scope {
                                id: t.channel,
                                thread,
                            },
                            entry,
                            Instant::now(),
                            here.cooldown,
                        );
                        record_reply(data, t.reply_id, guild, t.channel, entry);
                    }
                    data.tracker
                        .update(id.get(), |t| t.entry_id = said.entry_id);
                }
                Err(e) => warn!(reply = t.reply_id, "could not update the reply: {e}"),
            }
        }
        Diagnosis::Silent { .. } => {
            data.tracker.trigger_deleted(id.get());
            match rest::delete(&ctx.http, channel, reply).await {
                Ok(()) => {
                    info!(trigger = %id, reply = t.reply_id, "question edited into something else; reply deleted")
                }
                Err(e) => warn!(reply = t.reply_id, "could not delete the reply: {e}"),
            }
        }
    }
}

async fn on_delete(ctx: &SerenityContext, data: &Data, id: MessageId) {
    data.tracker.reply_deleted(id.get());
    let Some(t) = data.tracker.trigger_deleted(id.get()) else {
        return;
    };
    match rest::delete(
        &ctx.http,
        serenity::ChannelId::new(t.channel),
        MessageId::new(t.reply_id),
    )
    .await
    {
        Ok(()) => info!(trigger = %id, reply = t.reply_id, "question deleted; reply deleted"),
        Err(e) => warn!(reply = t.reply_id, "could not delete the reply: {e}"),
    }
}

fn locale_lang(locale: &str) -> Lang {
    if locale.starts_with("zh") {
        Lang::Zh
    } else {
        Lang::En
    }
}

async fn on_component(ctx: &SerenityContext, data: &Data, c: &ComponentInteraction) {
    let Some(action) = Action::parse(&c.data.custom_id) else {
        return;
    };
    let zh = locale_lang(&c.locale).is_zh();
    let ephemeral = |text: &str| {
        CreateInteractionResponse::Message(
            CreateInteractionResponseMessage::new()
                .content(text)
                .ephemeral(true)
                .allowed_mentions(rest::no_mentions()),
        )
    };
    match action {
        Action::Vote { entry_id, helpful } => {
            let vote = Vote {
                entry_id,
                reply_id: c.message.id.get(),
                user_id: c.user.id.get(),
                helpful,
            };
            let saved =
                tokio::time::timeout(VOTE_LIMIT, data.store.record_vote(&vote, store::now())).await;
            let recorded = match saved {
                Ok(Ok((recorded, tally))) => {
                    info!(entry = %vote.entry_id, helpful, up = tally.helpful, down = tally.not_helpful, "feedback");
                    Some(recorded)
                }
                Ok(Err(e)) => {
                    warn!(entry = %vote.entry_id, "could not save a vote: {e}");
                    None
                }
                Err(_) => {
                    warn!(entry = %vote.entry_id, "could not save a vote: the store took longer than {VOTE_LIMIT:?}");
                    None
                }
            };
            if !helpful && matches!(recorded, Some(Recorded::New | Recorded::Changed)) {
                if let Some(guild) = c.guild_id.map(|g| g.get()) {
                    let parent = data.channels.parent_of(c.channel_id.get());
                    let here = data
                        .effective(Some(guild), c.channel_id.get(), parent)
                        .await;
                    if here.review_log {
                        let question = c
                            .message
                            .referenced_message
                            .as_ref()
                            .map(|m| m.content.clone())
                            .unwrap_or_default();
                        log_review(
                            data,
                            guild,
                            c.channel_id.get(),
                            ReviewKind::Downvoted,
                            Some(vote.entry_id.clone()),
                            &question,
                            Some(vote.reply_id),
                        );
                    }
                }
            }
            let text = match (recorded, zh) {
                (Some(Recorded::Unchanged), false) => "Your vote was already counted.",
                (Some(Recorded::Unchanged), true) => "你已经投过票了。",
                (Some(_), false) => "Thanks for the feedback!",
                (Some(_), true) => "感谢反馈！",
                (None, false) => {
                    "Sorry, your vote could not be saved right now; please try again later."
                }
                (None, true) => "抱歉，暂时无法保存你的投票，请稍后再试。",
            };
            if let Err(e) = rest::retry("feedback ack", || {
                c.create_response(&ctx.http, ephemeral(text))
            })
            .await
            {
                warn!("could not acknowledge feedback: {e}");
            }
        }
        Action::Delete { asker } => {
            let moderator = c
                .member
                .as_ref()
                .and_then(|m| m.permissions)
                .is_some_and(|p| p.manage_messages());
            if c.user.id.get() != asker && !moderator {
                let text = if zh {
                    "只有提问的人或有“管理消息”权限的成员可以删除这条回答。"
                } else {
                    "Only the person who asked, or a member with Manage Messages, can delete this answer."
                };
                if let Err(e) = rest::retry("delete refusal", || {
                    c.create_response(&ctx.http, ephemeral(text))
                })
                .await
                {
                    warn!("could not answer the delete button: {e}");
                }
                return;
            }
            if let Err(e) = rest::retry("delete ack", || {
                c.create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
            })
            .await
            {
                warn!("could not acknowledge the delete button: {e}");
            }
            data.tracker.reply_deleted(c.message.id.get());
            match rest::delete(&ctx.http, c.channel_id, c.message.id).await {
                Ok(()) => {
                    info!(reply = %c.message.id, by = %c.user.id, "reply deleted with its button")
                }
                Err(e) => warn!(reply = %c.message.id, "could not delete the reply: {e}"),
            }
        }
    }
}
