//! Which channels are threads, and their parents: from serenity's cache when it knows the
//! channel, else asked once over REST and remembered (bounded).

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

/// Channel id → parent id for threads, None for other channels.
#[derive(Debug, Default)]
pub struct ChannelKinds {
    known: Mutex<HashMap<u64, Option<u64>>>,
}

impl ChannelKinds {
    fn remember(&self, channel: u64, parent: Option<u64>) {
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        if known.len() >= CAPACITY {
            known.clear();
        }
        known.insert(channel, parent);
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
