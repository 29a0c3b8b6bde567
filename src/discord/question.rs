//! What a message is matched on: its own text (the bot's mention removed when it asked the
//! bot), a forum post's title before the post's opening message (the title is often the
//! question), its text attachments and (with OCR) its screenshots. New and edited messages
//! are read the same way.

use poise::serenity_prelude as serenity;
use serenity::{Attachment, ChannelId, Context, GuildId};

use super::{answer, Data};
use crate::matcher::Mode;
use crate::paste::Pasted;

/// A message as the matcher reads it.
pub struct Question {
    /// What the person wrote (a forum post's title first): the reply language follows it.
    pub own: String,
    /// `own` followed by the attachments' lines, each knowing where it came from.
    pub pasted: Pasted,
}

/// The parts of a message, new or edited, that make its question.
pub struct Parts<'a> {
    /// Its server (None in direct messages).
    pub guild: Option<GuildId>,
    /// Its channel or thread.
    pub channel: ChannelId,
    /// Its id.
    pub message: u64,
    /// Its text.
    pub content: &'a str,
    /// Its attachments.
    pub attachments: &'a [Attachment],
    /// How it is answered (Lookup: the bot's mention is removed).
    pub mode: Mode,
}

/// Reads a message's question. The thread parent of `parts.channel` must have been looked
/// up already ([`super::channels::ChannelKinds::thread_parent`]); attachments are fetched
/// in the caller's task, so a slow one delays only this message.
pub async fn read(ctx: &Context, data: &Data, parts: Parts<'_>) -> Question {
    let mut own = match parts.mode {
        Mode::Lookup => answer::strip_mention(parts.content, ctx.cache.current_user().id.get()),
        Mode::Auto => parts.content.to_string(),
    };
    if let Some(guild) = parts.guild {
        let title = data
            .channels
            .forum_title(ctx, guild, parts.channel, parts.message)
            .await;
        if let Some(title) = title {
            own = with_title(&title, &own);
        }
    }
    let pieces = if parts.attachments.is_empty() {
        Vec::new()
    } else {
        // Text files and screenshots at once; screenshots go last (see `crate::ocr::gate`).
        let (mut text, images) = tokio::join!(
            data.attachments.read(parts.attachments),
            data.images.read(parts.attachments)
        );
        text.extend(images);
        text
    };
    let pasted = Pasted::new(&own, &pieces);
    Question { own, pasted }
}

/// A forum post's title and its opening message as one text, title first, on one line: a
/// title and a one-line body are one question, not the several lines of a report from
/// elsewhere that the matcher holds to a code or an error string.
pub fn with_title(title: &str, body: &str) -> String {
    let (title, body) = (title.trim(), body.trim());
    match (title.is_empty(), body.is_empty()) {
        (true, _) => body.to_string(),
        (false, true) => title.to_string(),
        (false, false) => format!("{title} — {body}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_comes_first() {
        assert_eq!(
            with_title("my.request error: 14", "any idea?"),
            "my.request error: 14 — any idea?"
        );
        assert_eq!(with_title(" t ", ""), "t");
        assert_eq!(with_title("", "body"), "body");
    }
}
