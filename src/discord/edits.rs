//! Edited and deleted questions. An answered question's edit updates or deletes its reply
//! (within the edit window); an unanswered question whose edit adds the error gets its one
//! answer, within the same window counted from when it was posted; a deleted question takes
//! its reply with it. Replies are found in this process's tracker, else in the store, so
//! all of this holds after a restart.

use std::time::Instant;

use poise::serenity_prelude as serenity;
use serenity::{Context as SerenityContext, MessageId, MessageType, MessageUpdateEvent};
use tracing::{debug, info, warn};

use super::answer::{self, Diagnosis, Thresholds};
use super::deliver::{self, bot_id, deliver, Trigger};
use super::policy::{MessageFacts, Route};
use super::question::{self, Parts};
use super::rest;
use super::tracker::{Edit, Edited};
use super::Data;
use crate::store;

/// A message was edited. Events without new text (embeds unfurled) change nothing.
pub async fn on_edit(ctx: &SerenityContext, data: &Data, ev: &MessageUpdateEvent) {
    let Some(content) = &ev.content else {
        return;
    };
    let id = ev.id;
    // A 💡 was about the old text; the edited question is not re-offered.
    data.offers.forget(id.get());
    let edit = Edit {
        content: content.clone(),
        attachments: ev.attachments.clone().unwrap_or_default(),
    };
    match data.tracker.edited(id.get(), &edit) {
        Edited::Reply(t) => deliver::apply_edit(ctx, data, id, &edit, t).await,
        Edited::InFlight => {}
        Edited::Unknown => {
            // Bots' messages (the bot's own replies among them) are never questions.
            if ev.author.as_ref().is_some_and(|a| a.bot) {
                return;
            }
            match data.store.reply_link(id.get()).await {
                Ok(Some(link)) => {
                    let age = store::now().saturating_sub(link.at);
                    if age > data.settings.edit_window.as_secs() as i64 {
                        debug!(trigger = %id, "edited after the edit window; reply kept");
                        return;
                    }
                    let author = ev.author.as_ref().map_or(0, |a| a.id.get());
                    let t = deliver::tracked_from(&link, author);
                    data.tracker.insert(id.get(), t.clone());
                    deliver::apply_edit(ctx, data, id, &edit, t).await;
                }
                Ok(None) => answer_edit(ctx, data, ev, &edit).await,
                Err(e) => {
                    debug!(trigger = %id, "could not look up the reply of an edited message: {e}")
                }
            }
        }
    }
}

/// When an unanswered message was posted, in Unix seconds: the event's timestamp, else the
/// time in its id.
fn posted_at(ev: &MessageUpdateEvent) -> i64 {
    ev.timestamp
        .unwrap_or_else(|| ev.id.created_at())
        .unix_timestamp()
}

/// An edit of a message that got no answer: answered like a new message when the edit
/// makes it answerable (one reply, under the message claim, the reply policy and the edit
/// window counted from when it was posted). A message that stays unanswerable is left
/// alone: no review log row and no 💡 a second time.
async fn answer_edit(ctx: &SerenityContext, data: &Data, ev: &MessageUpdateEvent, edit: &Edit) {
    let received = Instant::now();
    let Some(author) = &ev.author else {
        debug!(trigger = %ev.id, "edit without its author; not answered");
        return;
    };
    let age = store::now().saturating_sub(posted_at(ev));
    if age > data.settings.edit_window.as_secs() as i64 {
        debug!(trigger = %ev.id, age, "edited after the edit window; not answered");
        return;
    }
    let me = bot_id(ctx);
    let mut facts = MessageFacts {
        id: ev.id.get(),
        channel: ev.channel_id.get(),
        thread_parent: None,
        is_dm: ev.guild_id.is_none(),
        author: author.id.get(),
        author_is_bot: author.bot,
        is_webhook: matches!(ev.webhook_id, Some(Some(_))),
        is_system: author.system
            || ev
                .kind
                .is_some_and(|k| !matches!(k, MessageType::Regular | MessageType::InlineReply)),
        is_self: author.id.get() == me,
        mentions_bot: answer::mentions(&edit.content, me),
    };
    if let (Some(guild), false) = (ev.guild_id, facts.is_self || facts.author_is_bot) {
        facts.thread_parent = data.channels.thread_parent(ctx, guild, ev.channel_id).await;
    }
    let guild = ev.guild_id.map(|g| g.get());
    let here = data
        .effective(guild, facts.channel, facts.thread_parent)
        .await;
    let Route::Answer(mode) = data.policy.route(&facts, here.autoreply()) else {
        return;
    };
    let q = question::read(
        ctx,
        data,
        Parts {
            guild: ev.guild_id,
            channel: ev.channel_id,
            message: facts.id,
            content: &edit.content,
            attachments: &edit.attachments,
            mode,
        },
    )
    .await;
    let lang = here.language.for_text(&q.own);
    let thresholds = Thresholds {
        auto: here.auto_threshold,
        lookup: data.settings.lookup_confidence,
    };
    let said = match answer::diagnose_pasted(
        &data.matcher(),
        &q.pasted,
        mode,
        here.channel(),
        lang,
        thresholds,
    ) {
        Diagnosis::Say(said) => said,
        Diagnosis::Silent { .. } => {
            debug!(trigger = facts.id, "edited, still no confident answer");
            return;
        }
    };
    info!(
        trigger = facts.id,
        "an unanswered message was edited into a question"
    );
    let trigger = Trigger {
        target: rest::ReplyTarget {
            channel: ev.channel_id,
            message: ev.id,
            guild: ev.guild_id,
            author: facts.author,
        },
        guild,
        thread: facts.thread_parent.is_some(),
        mode,
        received,
    };
    deliver(ctx, data, trigger, said, &here).await;
}

/// A message was deleted: when it was a question, its reply goes too; when it was a reply,
/// its link is forgotten.
pub async fn on_delete(ctx: &SerenityContext, data: &Data, id: MessageId) {
    data.offers.forget(id.get());
    data.tracker.reply_deleted(id.get());
    let reply = match data.tracker.trigger_deleted(id.get()) {
        Some(t) => {
            deliver::forget(data, id.get());
            Some((t.channel, t.reply_id))
        }
        None => match data.store.forget_message(id.get()).await {
            Ok(link) => link.map(|l| (l.channel_id, l.reply_id)),
            Err(e) => {
                debug!(message = %id, "could not look up the reply of a deleted message: {e}");
                None
            }
        },
    };
    let Some((channel, reply)) = reply else {
        return;
    };
    match rest::delete(
        &ctx.http,
        serenity::ChannelId::new(channel),
        MessageId::new(reply),
    )
    .await
    {
        Ok(()) => info!(trigger = %id, reply, "question deleted; reply deleted"),
        Err(e) => warn!(reply, "could not delete the reply: {e}"),
    }
}
