//! Sending the one reply to a question, and keeping it in step with the question: the
//! reply policy and the message claim before it is sent, the reply ↔ question link (in
//! memory and in the store) after, and re-answering when the question is edited.

use std::time::{Duration, Instant};

use poise::serenity_prelude as serenity;
use serenity::{Context as SerenityContext, GuildId, MessageId};
use tracing::{debug, info, warn};

use super::answer::{self, Diagnosis, Said, Thresholds};
use super::guilds::Effective;
use super::policy::{Scope, Verdict};
use super::question::{self, Parts};
use super::rest;
use super::tracker::{Edit, Settled, Tracked};
use super::Data;
use crate::matcher::Mode;
use crate::store::{self, ReplyLink, SentReply};

/// The bot's own user id.
pub(super) fn bot_id(ctx: &SerenityContext) -> u64 {
    ctx.cache.current_user().id.get()
}

/// The message a reply is for, and how it was answered.
pub(super) struct Trigger {
    /// The message.
    pub target: rest::ReplyTarget,
    /// Its server.
    pub guild: Option<u64>,
    /// Whether it is in a thread.
    pub thread: bool,
    /// How it is answered.
    pub mode: Mode,
    /// When the event that asked for the reply arrived.
    pub received: Instant,
}

/// Sends `said` as the one reply to `trigger` under the reply policy (cooldown, once per
/// thread, per-user limit, one claim per message across processes), then tracks it (in
/// memory and in the store) and counts it. False when it could not be sent.
pub(super) async fn deliver(
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
    let settled = data.tracker.insert(id, tracked.clone());
    if settled != Settled::Deleted {
        link(data, id, &tracked);
    }
    match settled {
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
        Settled::Edited(edit) => apply_edit(ctx, data, target.message, &edit, tracked).await,
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

/// Notes in the store, in the background, which reply answered `question`, so that an
/// edit or deletion after a restart (or in another process) still reaches it.
pub(super) fn link(data: &Data, question: u64, t: &Tracked) {
    let store = data.store.clone();
    let link = ReplyLink {
        question_id: question,
        reply_id: t.reply_id,
        guild_id: t.guild,
        channel_id: t.channel,
        entry_id: t.entry_id.clone(),
        lookup: t.mode == Mode::Lookup,
        at: store::now(),
    };
    let working = data.drain.track();
    tokio::spawn(async move {
        let _working = working;
        if let Err(e) = store.link_reply(&link).await {
            warn!(trigger = question, "could not store the reply link: {e}");
        }
    });
}

/// Notes in the store, in the background, the entry an edited question's reply now shows.
fn relink(data: &Data, question: u64, entry: Option<String>) {
    let store = data.store.clone();
    let working = data.drain.track();
    tokio::spawn(async move {
        let _working = working;
        if let Err(e) = store.relink_entry(question, entry.as_deref()).await {
            warn!(trigger = question, "could not update the reply link: {e}");
        }
    });
}

/// Forgets, in the background, every stored link `message` is part of (question or reply).
pub(super) fn forget(data: &Data, message: u64) {
    let store = data.store.clone();
    let working = data.drain.track();
    tokio::spawn(async move {
        let _working = working;
        if let Err(e) = store.forget_message(message).await {
            debug!(message, "could not forget the reply link: {e}");
        }
    });
}

/// A reply known only to the store (after a restart), as the tracker holds it. `author` is
/// the asker from the edit event (the store keeps no user ids; 0 when unknown, then only
/// moderators may use the Delete button of an updated reply).
pub(super) fn tracked_from(link: &ReplyLink, author: u64) -> Tracked {
    let age = Duration::from_secs(store::now().saturating_sub(link.at).max(0) as u64);
    let now = Instant::now();
    Tracked {
        guild: link.guild_id,
        channel: link.channel_id,
        reply_id: link.reply_id,
        author,
        entry_id: link.entry_id.clone(),
        mode: if link.lookup {
            Mode::Lookup
        } else {
            Mode::Auto
        },
        // Callers check the edit window on the stored time first; a machine up for less
        // than `age` cannot go back that far.
        at: now.checked_sub(age).unwrap_or(now),
    }
}

/// Re-answers an edited question: same entry, nothing to do; another entry, the reply is
/// edited; nothing any more, the reply is deleted. Only within the edit window.
pub(super) async fn apply_edit(
    ctx: &SerenityContext,
    data: &Data,
    id: MessageId,
    edit: &Edit,
    t: Tracked,
) {
    if t.at.elapsed() > data.settings.edit_window {
        return;
    }
    let guild = t.guild;
    let channel = serenity::ChannelId::new(t.channel);
    let parent = match guild {
        Some(g) => {
            data.channels
                .thread_parent(ctx, GuildId::new(g), channel)
                .await
        }
        None => None,
    };
    let thread = parent.is_some();
    let here = data.effective(guild, t.channel, parent).await;
    let q = question::read(
        ctx,
        data,
        Parts {
            guild: guild.map(GuildId::new),
            channel,
            message: id.get(),
            content: &edit.content,
            attachments: &edit.attachments,
            mode: t.mode,
        },
    )
    .await;
    let lang = here.language.for_text(&q.own);
    let reply = MessageId::new(t.reply_id);
    let thresholds = Thresholds {
        auto: here.auto_threshold,
        lookup: data.settings.lookup_confidence,
    };
    match answer::diagnose_pasted(
        &data.matcher(),
        &q.pasted,
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
                    relink(data, id.get(), said.entry_id.clone());
                    data.tracker
                        .update(id.get(), |t| t.entry_id = said.entry_id);
                }
                Err(e) => warn!(reply = t.reply_id, "could not update the reply: {e}"),
            }
        }
        Diagnosis::Silent { .. } => {
            data.tracker.trigger_deleted(id.get());
            forget(data, id.get());
            match rest::delete(&ctx.http, channel, reply).await {
                Ok(()) => {
                    info!(trigger = %id, reply = t.reply_id, "question edited into something else; reply deleted")
                }
                Err(e) => warn!(reply = t.reply_id, "could not delete the reply: {e}"),
            }
        }
    }
}
