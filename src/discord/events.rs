//! Gateway events: new messages (maybe answer, or offer a near miss with a 💡), edits and
//! deletions of questions (update or delete the answer), the asker's 💡 click, and clicks on
//! the answer's buttons.

use std::time::Instant;

use poise::serenity_prelude as serenity;
use serenity::{
    ComponentInteraction, Context as SerenityContext, CreateInteractionResponse,
    CreateInteractionResponseMessage, FullEvent, Message, MessageType, Reaction,
};
use tracing::{debug, info, warn};

use super::answer::{self, Diagnosis, Thresholds};
use super::buttons::Action;
use super::deliver::{bot_id, deliver, Trigger};
use super::maybe::{self, Offer};
use super::policy::{MessageFacts, Route};
use super::question::{self, Parts};
use super::rest;
use super::{edits, BotError, Data};

/// Kept here for the commands, which note their replies the same way.
pub(super) use super::deliver::record_reply;
use crate::matcher::{Match, Mode};
use crate::reply::Lang;
use crate::store::{self, Recorded, ReviewItem, ReviewKind, Vote};

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
        FullEvent::MessageUpdate { event, .. } => edits::on_edit(ctx, data, event).await,
        FullEvent::MessageDelete {
            deleted_message_id, ..
        } => edits::on_delete(ctx, data, *deleted_message_id).await,
        FullEvent::MessageDeleteBulk {
            multiple_deleted_messages_ids,
            ..
        } => {
            for id in multiple_deleted_messages_ids {
                edits::on_delete(ctx, data, *id).await;
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
    // Attachments are read in this message's own task: a slow one delays only this answer.
    let question = question::read(
        ctx,
        data,
        Parts {
            guild: msg.guild_id,
            channel: msg.channel_id,
            message: facts.id,
            content: &msg.content,
            attachments: &msg.attachments,
            mode,
        },
    )
    .await;
    let lang = here.language.for_text(&question.own);
    let text = question.pasted.text();
    let matcher = data.matcher();
    let thresholds = Thresholds {
        auto: here.auto_threshold,
        lookup: data.settings.lookup_confidence,
    };
    let diagnosis = answer::diagnose_pasted(
        &matcher,
        &question.pasted,
        mode,
        here.channel(),
        lang,
        thresholds,
    );
    let said = match diagnosis {
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
                    text,
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
            super::deliver::forget(data, c.message.id.get());
            match rest::delete(&ctx.http, c.channel_id, c.message.id).await {
                Ok(()) => {
                    info!(reply = %c.message.id, by = %c.user.id, "reply deleted with its button")
                }
                Err(e) => warn!(reply = %c.message.id, "could not delete the reply: {e}"),
            }
        }
    }
}
