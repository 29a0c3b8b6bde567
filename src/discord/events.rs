//! Gateway events: new messages (maybe answer, or offer a near miss with a 💡), edits and
//! deletions of questions (update or delete the answer), the asker's 💡 click, and clicks on
//! the answer's buttons.

use std::time::Instant;

use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, FullEvent, Message, MessageId, MessageType, Reaction,
};
use tracing::{debug, info, warn};

use super::answer::{self, Diagnosis, Said, Thresholds};
use super::buttons::Action;
use super::guilds::Effective;
use super::maybe::{self, Offer};
use super::policy::{MessageFacts, Route, Scope, Verdict};
use super::rest;
use super::tracker::{Settled, Tracked};
use super::{BotError, Data};
use crate::matcher::{Match, Mode};
use crate::paste::Pasted;
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
    // Stopping: take no new events; the ones already running finish.
    let Some(_working) = data.drain.begin() else {
        return Ok(());
    };
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
        FullEvent::ReactionAdd { add_reaction } => on_reaction(ctx, data, add_reaction).await,
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
    let received = Instant::now();
    crate::metrics::message_seen();
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
    let own = match mode {
        Mode::Lookup => answer::strip_mention(&msg.content, bot_id(ctx)),
        Mode::Auto => msg.content.clone(),
    };
    let lang = here.language.for_text(&own);
    // Attachments are read in this message's own task: a slow one delays only this answer.
    let text = if msg.attachments.is_empty() {
        own
    } else {
        let pieces = data.attachments.read(&msg.attachments).await;
        Pasted::new(&own, &pieces).text().to_string()
    };
    let matcher = data.matcher();
    let thresholds = Thresholds {
        auto: here.auto_threshold,
        lookup: data.settings.lookup_confidence,
    };
    let said = match answer::diagnose(&matcher, &text, mode, here.channel(), lang, thresholds) {
        Diagnosis::Say(said) => said,
        Diagnosis::Silent {
            worth_review,
            maybe,
        } => {
            debug!(
                trigger = facts.id,
                worth_review, "no confident answer; staying silent"
            );
            crate::metrics::silent();
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
            if let (Some(candidate), true) = (maybe, here.offers_maybe()) {
                offer_maybe(ctx, data, msg, &facts, candidate, lang).await;
            }
            return;
        }
    };
    let trigger = Trigger {
        target: msg.into(),
        guild,
        thread: facts.thread_parent.is_some(),
        mode,
        received,
    };
    deliver(ctx, data, trigger, said, &here).await;
}

/// Reacts 💡 on a near miss and remembers it for the asker's click (see [`maybe`]).
async fn offer_maybe(
    ctx: &SerenityContext,
    data: &Data,
    msg: &Message,
    facts: &MessageFacts,
    candidate: Match,
    lang: Lang,
) {
    if let Err(e) = rest::react(&ctx.http, msg.channel_id, msg.id, maybe::EMOJI).await {
        warn!(trigger = facts.id, "could not offer a 💡: {e}");
        return;
    }
    debug!(trigger = facts.id, entry = %candidate.id, score = candidate.score, "offered a 💡");
    crate::metrics::maybe_offered();
    data.offers.offer(
        facts.id,
        Offer {
            guild: msg.guild_id.map(|g| g.get()),
            channel: facts.channel,
            thread_parent: facts.thread_parent,
            author: facts.author,
            candidate,
            lang,
            at: Instant::now(),
        },
    );
}

/// The asker took up a 💡 offer: the answer goes out like an auto answer (same cooldown,
/// per-user limit, buttons, tracking and counting). Anyone else's 💡, the bot's own, a
/// second click and a click on a message without an offer do nothing.
async fn on_reaction(ctx: &SerenityContext, data: &Data, r: &Reaction) {
    let serenity::ReactionType::Unicode(emoji) = &r.emoji else {
        return;
    };
    if emoji != maybe::EMOJI {
        return;
    }
    let Some(user) = r.user_id.map(|u| u.get()) else {
        return;
    };
    if user == bot_id(ctx) || r.member.as_ref().is_some_and(|m| m.user.bot) {
        return;
    }
    let Some(offer) = data.offers.take(r.message_id.get(), user, Instant::now()) else {
        debug!(message = %r.message_id, user, "💡 without an offer for this user");
        return;
    };
    // The settings may have changed since the offer: the channel removed, paused, 💡 off.
    let here = data
        .effective(offer.guild, offer.channel, offer.thread_parent)
        .await;
    if !here.offers_maybe() {
        debug!(message = %r.message_id, "💡 taken up, but offers are off here now");
        return;
    }
    let Some(said) = answer::for_match(data.matcher().knowledge(), &offer.candidate, offer.lang)
    else {
        debug!(entry = %offer.candidate.id, "💡 entry is gone after a reload");
        return;
    };
    let trigger = Trigger {
        target: rest::ReplyTarget {
            channel: r.channel_id,
            message: r.message_id,
            guild: r.guild_id,
            author: offer.author,
        },
        guild: offer.guild,
        thread: offer.thread_parent.is_some(),
        mode: Mode::Auto,
        received: Instant::now(),
    };
    if !deliver(ctx, data, trigger, said, &here).await {
        data.offers.restore(r.message_id.get(), offer);
    }
}

/// The message a reply is for, and how it was answered.
struct Trigger {
    target: rest::ReplyTarget,
    guild: Option<u64>,
    thread: bool,
    mode: Mode,
    /// When the event that asked for the reply arrived.
    received: Instant,
}

/// Sends `said` as the one reply to `trigger` under the reply policy (cooldown, once per
/// thread, per-user limit), then tracks and counts it. False when it could not be sent.
async fn deliver(
    ctx: &SerenityContext,
    data: &Data,
    trigger: Trigger,
    said: Said,
    here: &Effective,
) -> bool {
    let Trigger {
        target,
        guild,
        thread,
        mode,
        received,
    } = trigger;
    let id = target.message.get();
    let channel = target.channel.get();
    let scope = Scope {
        id: channel,
        thread,
    };
    match data.policy.admit(
        scope,
        said.entry_id.as_deref(),
        target.author,
        Instant::now(),
        here.cooldown,
    ) {
        Verdict::Reply => {}
        v @ (Verdict::Cooldown | Verdict::AnsweredInThread) => {
            debug!(trigger = id, entry = ?said.entry_id, verdict = ?v, "answered here recently");
            if let Some(emoji) = &data.settings.cooldown_reaction {
                if let Err(e) = rest::react(&ctx.http, target.channel, target.message, emoji).await
                {
                    warn!(trigger = id, "could not react: {e}");
                }
            }
            return true;
        }
        Verdict::UserLimited => {
            debug!(trigger = id, user = target.author, "per-user limit reached");
            return true;
        }
    }
    // One reply per message across processes and restarts: whoever claims it replies. A
    // store that cannot answer does not stop the answer (this process still never answers
    // a message twice itself).
    match data.store.claim_message(id, store::now()).await {
        Ok(true) => {}
        Ok(false) => {
            debug!(
                trigger = id,
                "claimed by another process or an earlier run; not answering"
            );
            return true;
        }
        Err(e) => debug!(
            trigger = id,
            "could not claim the message: {e}; answering anyway"
        ),
    }
    data.tracker.sending(id);
    let reply = match rest::send_reply(ctx, target, &said).await {
        Ok(r) => r,
        Err(e) => {
            if let Err(e) = data.store.release_claim(id).await {
                debug!(trigger = id, "could not release the claim: {e}");
            }
            data.tracker.abandon(id);
            if let Some(entry) = &said.entry_id {
                data.policy.release(scope, entry);
            }
            warn!(trigger = id, channel, "could not send the reply: {e}");
            return false;
        }
    };
    info!(trigger = id, reply = %reply.id, entry = ?said.entry_id, ?mode, "answered");
    crate::metrics::answered(said.entry_id.as_deref());
    crate::metrics::reply_latency(received.elapsed());
    if let Some(entry) = &said.entry_id {
        record_reply(data, reply.id.get(), guild, channel, entry);
    }
    let tracked = Tracked {
        guild,
        channel,
        reply_id: reply.id.get(),
        author: target.author,
        entry_id: said.entry_id,
        mode,
        at: Instant::now(),
    };
    match data.tracker.insert(id, tracked.clone()) {
        Settled::Kept => {}
        Settled::Deleted => {
            info!(
                trigger = id,
                "question deleted while answering; deleting the reply"
            );
            if let Err(e) = rest::delete(&ctx.http, target.channel, reply.id).await {
                warn!(reply = %reply.id, "could not delete the reply: {e}");
            }
        }
        Settled::Edited(text) => apply_edit(ctx, data, target.message, &text, tracked).await,
    }
    true
}

/// Notes a sent reply in the store, in the background: the reply is out already, and a
/// slow or broken database must not hold up the next message.
pub(super) fn record_reply(
    data: &Data,
    reply_id: u64,
    guild: Option<u64>,
    channel: u64,
    entry: &str,
) {
    let store = data.store.clone();
    let sent = SentReply {
        reply_id,
        guild_id: guild,
        channel_id: channel,
        entry_id: entry.to_string(),
        at: store::now(),
    };
    let working = data.drain.track();
    tokio::spawn(async move {
        let _working = working;
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
    let working = data.drain.track();
    tokio::spawn(async move {
        let _working = working;
        match store.log_review(&item, reply_id).await {
            Ok(added) => {
                if added {
                    crate::metrics::review_row();
                }
                debug!(guild, channel, kind = item.kind.as_str(), "review log")
            }
            Err(e) => warn!("could not write the review log: {e}"),
        }
    });
}

async fn on_edit(ctx: &SerenityContext, data: &Data, id: MessageId, content: &str) {
    // A 💡 was about the old text; the edited question is not re-offered.
    data.offers.forget(id.get());
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
        here.channel(),
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
    data.offers.forget(id.get());
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
                    if !matches!(recorded, Recorded::Unchanged) {
                        crate::metrics::vote(helpful);
                    }
                    Some(recorded)
                }
                Ok(Err(e)) => {
                    warn!(entry = %vote.entry_id, "could not save a vote: {e}");
                    None
                }
                Err(_) => {
                    crate::metrics::store_timeout();
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
