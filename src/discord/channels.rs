//! Which channels are threads, and their parents: from serenity's cache when it knows the
//! channel, else asked once over REST and remembered (bounded). A forum post is a thread
//! whose parent is a forum channel; its title is read with its opening message.

use std::collections::HashMap;
use std::sync::Mutex;

use poise::serenity_prelude as serenity;
use serenity::{ChannelId, ChannelType, GuildId};

use super::rest;

const CAPACITY: usize = 4096;

fn is_thread_kind(kind: ChannelType) -> bool {
    matches!(
        kind,
        ChannelType::PublicThread | ChannelType::PrivateThread | ChannelType::NewsThread
    )
}

/// Forum channels (15), and media channels (16, serenity has no name for them yet): their
/// threads are posts with a title.
fn is_forum_kind(kind: ChannelType) -> bool {
    matches!(kind, ChannelType::Forum | ChannelType::Unknown(16))
}

/// Channel id → parent id for threads, None for other channels; and which parents are
/// forums.
#[derive(Debug, Default)]
pub struct ChannelKinds {
    known: Mutex<HashMap<u64, Option<u64>>>,
    forums: Mutex<HashMap<u64, bool>>,
}

impl ChannelKinds {
    fn remember(&self, channel: u64, parent: Option<u64>) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= CAPACITY {
            known.clear();
        }
        known.insert(channel, parent);
    }

    /// The title of a forum post when `message` is its opening message (Discord gives that
    /// message the thread's own id), else None: later messages in the post, other threads
    /// and channels have no title to read. `channel`'s parent must have been looked up with
    /// [`ChannelKinds::thread_parent`].
    pub async fn forum_title(
        &self,
        ctx: &serenity::Context,
        guild: GuildId,
        channel: ChannelId,
        message: u64,
    ) -> Option<String> {
        if message != channel.get() {
            return None;
        }
        let parent = self.parent_of(channel.get())?;
        let known_forum = self
            .forums
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&parent)
            .copied();
        let (mut title, mut forum) = ctx
            .cache
            .guild(guild)
            .map(|g| {
                let title = g
                    .threads
                    .iter()
                    .find(|t| t.id == channel)
                    .map(|t| t.name.clone());
                let forum = g
                    .channels
                    .get(&ChannelId::new(parent))
                    .map(|c| is_forum_kind(c.kind));
                (title, forum)
            })
            .unwrap_or((None, None));
        forum = forum.or(known_forum);
        if forum.is_none() {
            forum = match rest::retry("get channel", || {
                ctx.http.get_channel(ChannelId::new(parent))
            })
            .await
            {
                Ok(serenity::Channel::Guild(c)) => Some(is_forum_kind(c.kind)),
                Ok(_) => Some(false),
                Err(e) => {
                    tracing::warn!(
                        channel = parent,
                        "could not look up the thread's parent: {e}"
                    );
                    return None;
                }
            };
        }
        let forum = forum?;
        {
            let mut forums = self.forums.lock().unwrap_or_else(|p| p.into_inner());
            if forums.len() >= CAPACITY {
                forums.clear();
            }
            forums.insert(parent, forum);
        }
        if !forum {
            return None;
        }
        if title.is_none() {
            title = match rest::retry("get channel", || ctx.http.get_channel(channel)).await {
                Ok(serenity::Channel::Guild(c)) => Some(c.name),
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(channel = %channel, "could not read the forum post's title: {e}");
                    None
                }
            };
        }
        title.filter(|t| !t.trim().is_empty())
    }

    /// Whether `channel` is known to be a thread.
    pub fn is_thread(&self, channel: u64) -> bool {
        self.parent_of(channel).is_some()
    }

    /// The parent of `channel` when it is known to be a thread.
    pub fn parent_of(&self, channel: u64) -> Option<u64> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.get(&channel).copied().flatten()
    }

    /// The parent of `channel` when it is a thread.
    pub async fn thread_parent(
        &self,
        ctx: &serenity::Context,
        guild: GuildId,
        channel: ChannelId,
    ) -> Option<u64> {
        if let Some(known) = self
            .known
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&channel.get())
        {
            return *known;
        }
        let cached = ctx.cache.guild(guild).and_then(|g| {
            if let Some(c) = g.channels.get(&channel) {
                return Some(if is_thread_kind(c.kind) {
                    c.parent_id.map(|p| p.get())
                } else {
                    None
                });
            }
            g.threads
                .iter()
                .find(|t| t.id == channel)
                .map(|t| t.parent_id.map(|p| p.get()))
        });
        let parent = match cached {
            Some(p) => p,
            None => match rest::retry("get channel", || ctx.http.get_channel(channel)).await {
                Ok(serenity::Channel::Guild(c)) if is_thread_kind(c.kind) => {
                    c.parent_id.map(|p| p.get())
                }
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!(channel = %channel, "could not look up the channel: {e}");
                    return None;
                }
            },
        };
        self.remember(channel.get(), parent);
        parent
    }
}
