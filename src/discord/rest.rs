//! Discord REST calls the bot makes, each retried with a bounded backoff on 429 and 5xx, and
//! each with `allowed_mentions` empty.
//!
//! Against Discord itself serenity's own ratelimiter waits out 429s (it reads `retry_after`
//! and the rate-limit headers) before this layer sees them. With `REQDOCTOR_DISCORD_API`
//! the ratelimiter is off (serenity cannot use it through a proxy) and serenity's error type
//! does not carry `retry_after`, so the calls go through [`super::relay`], which waits out
//! the 429's `retry_after` (up to a cap) before handing it back here. The backoff below then
//! adds 0.1 s, 0.2 s, 0.4 s, 0.8 s, at most five attempts in all.

use std::future::Future;
use std::time::Duration;

use poise::serenity_prelude as serenity;
use serenity::{
    CacheHttp, ChannelId, CreateAllowedMentions, CreateMessage, EditMessage, MessageId,
};

use super::answer::Said;
use super::buttons;

/// Attempts per call, the first included.
pub const MAX_ATTEMPTS: u32 = 5;
/// The first wait; doubled after every failure.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Mentions nobody: no `@everyone`, roles or users, and no ping of the replied-to user.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .replied_user(false)
}

/// Whether an error is worth another attempt: Discord's 429 and 5xx, timeouts and lost
/// connections.
pub fn is_transient(e: &serenity::Error) -> bool {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.as_u16() == 429 || r.status_code.is_server_error()
        }
        serenity::Error::Http(serenity::HttpError::Request(r)) => r.is_timeout() || r.is_connect(),
        _ => false,
    }
}

/// Runs `op` until it succeeds, fails for good, or has been tried [`MAX_ATTEMPTS`] times.
pub async fn retry<T, F, Fut>(what: &str, op: F) -> Result<T, serenity::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, serenity::Error>>,
{
    let mut op = op;
    retry_with(what, FIRST_BACKOFF, is_transient, || {
        let call = op();
        async move {
            let result = call.await;
            if let Err(e) = &result {
                crate::metrics::rest_error(status_of(e));
            }
            result
        }
    })
    .await
}

/// The HTTP status of a failed call (0: no response, or not an HTTP error).
fn status_of(e: &serenity::Error) -> u16 {
    match e {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)) => {
            r.status_code.as_u16()
        }
        _ => 0,
    }
}

/// An error and its sources, innermost last, without repeats: why a call could not reach
/// the API, in one line.
pub fn causes(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// [`retry`] with the first wait and the test for transient errors given.
pub async fn retry_with<T, E, F, Fut>(
    what: &str,
    first_backoff: Duration,
    transient: impl Fn(&E) -> bool,
    mut op: F,
) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut wait = first_backoff;
    let mut attempt = 1;
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e) if attempt < MAX_ATTEMPTS && transient(&e) => {
                tracing::warn!(
                    what,
                    attempt,
                    wait_ms = wait.as_millis() as u64,
                    "{what} failed: {e}; retrying"
                );
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The message a reply answers: enough to reply to it without the message itself (a 💡
/// click brings only ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyTarget {
    /// Where the message is (channel or thread).
    pub channel: ChannelId,
    /// The message.
    pub message: MessageId,
    /// Its server (None in direct messages).
    pub guild: Option<serenity::GuildId>,
    /// Who wrote it (the only one the Delete button obeys besides moderators).
    pub author: u64,
}

impl From<&serenity::Message> for ReplyTarget {
    fn from(m: &serenity::Message) -> Self {
        ReplyTarget {
            channel: m.channel_id,
            message: m.id,
            guild: m.guild_id,
            author: m.author.id.get(),
        }
    }
}

/// Replies to `trigger` with one embed and the buttons. The trigger's id is the nonce, with
/// `enforce_nonce`, so a retry after a lost response cannot post the reply twice.
pub async fn send_reply(
    cache_http: impl CacheHttp + Copy,
    trigger: impl Into<ReplyTarget>,
    said: &Said,
) -> Result<serenity::Message, serenity::Error> {
    let trigger: ReplyTarget = trigger.into();
    let mut reference = serenity::MessageReference::from((trigger.channel, trigger.message));
    reference.guild_id = trigger.guild;
    let builder = CreateMessage::new()
        .embed(said.embed.to_builder())
        .components(buttons::row(
            said.entry_id.as_deref(),
            Some(trigger.author),
            said.lang,
        ))
        .reference_message(reference)
        .allowed_mentions(no_mentions())
        .nonce(serenity::Nonce::String(trigger.message.to_string()))
        .enforce_nonce(true);
    retry("send reply", || {
        trigger.channel.send_message(cache_http, builder.clone())
    })
    .await
}

/// Replaces the embed and buttons of an earlier reply.
pub async fn edit_reply(
    http: &serenity::Http,
    channel: ChannelId,
    reply: MessageId,
    asker: u64,
    said: &Said,
) -> Result<serenity::Message, serenity::Error> {
    let builder = EditMessage::new()
        .embed(said.embed.to_builder())
        .components(buttons::row(
            said.entry_id.as_deref(),
            Some(asker),
            said.lang,
        ))
        .allowed_mentions(no_mentions());
    retry("edit reply", || {
        channel.edit_message(http, reply, builder.clone())
    })
    .await
}

/// Deletes a message; an already deleted one counts as done.
pub async fn delete(
    http: &serenity::Http,
    channel: ChannelId,
    message: MessageId,
) -> Result<(), serenity::Error> {
    match retry("delete reply", || {
        http.delete_message(channel, message, None)
    })
    .await
    {
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(r)))
            if r.status_code.as_u16() == 404 =>
        {
            Ok(())
        }
        other => other,
    }
}

/// Adds a reaction from the bot.
pub async fn react(
    http: &serenity::Http,
    channel: ChannelId,
    message: MessageId,
    emoji: &str,
) -> Result<(), serenity::Error> {
    let reaction = serenity::ReactionType::Unicode(emoji.to_string());
    retry("react", || {
        http.create_reaction(channel, message, &reaction)
    })
    .await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;

    /// A stand-in for an HTTP status error (serenity's is not constructible outside it).
    #[derive(Debug)]
    struct Status(u16);

    impl std::fmt::Display for Status {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "HTTP {}", self.0)
        }
    }

    fn transient(s: &Status) -> bool {
        s.0 == 429 || s.0 >= 500
    }

    #[test]
    fn no_mentions_serializes_empty() {
        let json = serde_json::to_value(no_mentions()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"parse": [], "users": [], "roles": [], "replied_user": false})
        );
    }

    #[tokio::test]
    async fn retries_transient_errors_then_gives_up() {
        let ms = Duration::from_millis(1);
        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry_with("t", ms, transient, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Status(500))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), MAX_ATTEMPTS);

        let calls = AtomicU32::new(0);
        let r = retry_with("t", ms, transient, || async {
            if calls.fetch_add(1, Ordering::SeqCst) < 2 {
                Err(Status(429))
            } else {
                Ok(7)
            }
        })
        .await;
        assert_eq!(r.unwrap(), 7);
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let r: Result<(), _> = retry_with("t", ms, transient, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(Status(403))
        })
        .await;
        assert!(r.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "4xx other than 429 is final"
        );
    }
}
