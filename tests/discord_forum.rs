//! Forum channels through the fake Discord: a forum (type 15) is a support or team channel
//! like any other, its posts (threads of type 11 under it) inherit that, and a new post is
//! read as its title and its opening message together, the title only once.

mod bot_harness;
mod common;
mod fake_discord;

use std::time::Duration;

use bot_harness::*;
use fake_discord::{fixture, ids::*, message, sf, with};
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::{Channel, Matcher};
use serde_json::{json, Value};

/// A forum channel configured as a support channel.
const FORUM: u64 = 1200000000000000030;
/// A forum channel nobody configured.
const FORUM_OFF: u64 = 1200000000000000031;
/// A forum channel the bot's cache has not seen (only `GET /channels/{id}` knows it).
const FORUM_UNCACHED: u64 = 1200000000000000032;
/// A forum channel configured as team chat.
const FORUM_TEAM: u64 = 1200000000000000033;

/// The error is in the title only.
const TITLE: &str = "my.request 报错 error: 11 无权跨域调用";
/// A vague opening message: nothing to answer on its own.
const VAGUE: &str = "今天早上开始就这样了，有人知道怎么回事吗？";

/// A forum channel object (type 15) of the test server.
fn forum(id: u64, name: &str) -> Value {
    json!({
        "id": sf(id), "type": 15, "guild_id": sf(GUILD), "name": name, "position": 3,
        "parent_id": null, "topic": null, "nsfw": false, "permission_overwrites": [],
        "rate_limit_per_user": 0, "flags": 0, "available_tags": [],
        "default_reaction_emoji": null, "default_sort_order": null, "default_forum_layout": 0,
        "last_message_id": null
    })
}

/// A forum post: a public thread (type 11) under `parent` titled `title`.
fn post(id: u64, parent: u64, title: &str) -> Value {
    json!({
        "id": sf(id), "type": 11, "guild_id": sf(GUILD), "parent_id": sf(parent),
        "owner_id": sf(ALICE), "name": title, "last_message_id": sf(id),
        "rate_limit_per_user": 0, "message_count": 0, "member_count": 1,
        "total_message_sent": 0, "flags": 0, "applied_tags": [],
        "thread_metadata": {
            "archived": false, "auto_archive_duration": 4320,
            "archive_timestamp": "2026-11-24T09:00:00.000000+00:00", "locked": false,
            "create_timestamp": "2026-11-24T09:00:00.000000+00:00"
        }
    })
}

/// A message by alice in the post `post` (its opening message when `id == post`).
fn in_post(id: u64, post: u64, text: &str) -> Value {
    with(
        message(id, text),
        &[("channel_id", sf(post)), ("channel_type", json!(11))],
    )
}

/// Announces a forum and a new post in it, as Discord does (CHANNEL_CREATE, THREAD_CREATE).
fn create_post(bot: &Running, forum_id: u64, post_id: u64, title: &str) {
    bot.fake
        .dispatch("CHANNEL_CREATE", forum(forum_id, "mini-program-forum"));
    let mut thread = post(post_id, forum_id, title);
    thread["newly_created"] = json!(true);
    bot.fake.dispatch("THREAD_CREATE", thread);
}

fn fixture_matcher() -> Matcher {
    Matcher::new(std::sync::Arc::new(
        Knowledge::from_dir(&knowledge_dir()).unwrap(),
    ))
    .unwrap()
}

/// The bot's replies and reactions to `id`, once the sentinel `sentinel` was answered (so
/// anything about `id`, which came first, has happened).
async fn outcome(bot: &Running, id: u64, sentinel: u64) -> (usize, usize) {
    let posts = bot.posts_after_sentinel(sentinel).await;
    let replies = posts.iter().filter(|p| p.reply_to() == Some(id)).count();
    let reactions = bot
        .fake
        .bot_reactions()
        .iter()
        .filter(|(m, _)| *m == id)
        .count();
    (replies, reactions)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_post_is_read_with_its_title_and_later_messages_without() {
    let m = fixture_matcher();
    assert!(
        m.assess(VAGUE, 0.75, Channel::Support).answers.is_empty(),
        "fixture: the opening message alone is not answered"
    );
    let both = format!("{TITLE} — {VAGUE}");
    let expected = m.assess(&both, 0.75, Channel::Support).answers[0]
        .id
        .clone();
    limited(async {
        let bot = start_with(|s| {
            s.autoreply_channels = [AUTO, FORUM].into();
        })
        .await;
        let p = mid(1);
        create_post(&bot, FORUM, p, TITLE);
        bot.fake.send_message(in_post(p, p, VAGUE));
        let r = bot.fake.reply_to(p).await;
        assert_eq!(r.path, format!("/api/v10/channels/{p}/messages"));
        assert_eq!(
            r.body["embeds"][0]["footer"]["text"],
            format!("{expected} · reqdoctor")
        );
        assert_no_pings(&r.body);
        // A later message in the post is read on its own: were the title read again, the
        // same entry would get the 👆 of "already answered in this thread".
        bot.fake.send_message(in_post(mid(2), p, VAGUE));
        assert_eq!(outcome(&bot, mid(2), mid(3)).await, (0, 0));
        // The post was in serenity's cache: no REST look-ups were needed.
        assert!(bot.requests("GET", "/channels/").is_empty());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_uncached_post_is_looked_up_and_an_unconfigured_forum_stays_silent() {
    limited(async {
        let bot = start_with(|s| {
            s.autoreply_channels = [AUTO, FORUM_UNCACHED].into();
        })
        .await;
        // Neither the forum nor the post was announced: both come from GET /channels/{id}.
        let p = mid(10);
        bot.fake.add_channel(forum(FORUM_UNCACHED, "help-forum"));
        bot.fake.add_channel(post(p, FORUM_UNCACHED, TITLE));
        bot.fake.send_message(in_post(p, p, VAGUE));
        let r = bot.fake.reply_to(p).await;
        assert_eq!(r.path, format!("/api/v10/channels/{p}/messages"));
        assert_eq!(
            bot.requests("GET", &format!("/channels/{FORUM_UNCACHED}"))
                .len(),
            1
        );
        // A forum nobody configured: silent, even with the error in the title.
        let off = mid(11);
        create_post(&bot, FORUM_OFF, off, TITLE);
        bot.fake.send_message(in_post(off, off, VAGUE));
        assert_eq!(outcome(&bot, off, mid(12)).await, (0, 0));
        bot.stop().await;
    })
    .await;
}

/// Answered in a support channel, silent in team chat (bundled knowledge).
const SUPPORT_ONLY: &str = "参数乱码";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_inherit_their_forums_kind() {
    let k = Knowledge::bundled().unwrap();
    let m = Matcher::new(std::sync::Arc::new(k)).unwrap();
    let titled = format!("{SUPPORT_ONLY} — {VAGUE}");
    assert!(
        !m.assess(&titled, 0.75, Channel::Support).answers.is_empty(),
        "fixture: answered in support"
    );
    assert!(
        m.assess(&titled, 0.75, Channel::Team).answers.is_empty(),
        "fixture: silent in team chat"
    );
    limited(async {
        let bot = start_bundled(|s| {
            s.autoreply_channels = [AUTO, FORUM].into();
            s.team_channels = [FORUM_TEAM].into();
            s.cooldown = Duration::ZERO;
        })
        .await;
        let team = mid(20);
        create_post(&bot, FORUM_TEAM, team, SUPPORT_ONLY);
        bot.fake.send_message(in_post(team, team, VAGUE));
        let support = mid(21);
        create_post(&bot, FORUM, support, SUPPORT_ONLY);
        bot.fake.send_message(in_post(support, support, VAGUE));
        bot.fake.reply_to(support).await;
        assert_eq!(outcome(&bot, team, mid(22)).await, (0, 0));
        bot.stop().await;
    })
    .await;
}

/// Manage Server and the @everyone permissions, as an interaction's `member.permissions`.
const ADMIN: &str = "277025475680";

/// `/reqdoctor settings channel-add channel:#FORUM` by a member with Manage Server, the forum
/// resolved (type 15) as Discord sends it.
fn channel_add_forum(id: u64, forum_id: u64) -> Value {
    let data = json!({
        "type": 1, "name": "reqdoctor", "id": "1500000000000000005", "guild_id": null,
        "options": [{"type": 2, "name": "settings", "options": [
            {"type": 1, "name": "channel-add", "options": [
                {"type": 7, "name": "channel", "value": sf(forum_id)}
            ]}
        ]}],
        "resolved": {"channels": {forum_id.to_string(): {
            "id": sf(forum_id), "name": "help-forum", "type": 15, "permissions": ADMIN,
            "parent_id": null, "thread_metadata": null
        }}}
    });
    fixture(
        "interaction_command.json",
        &[
            ("ID", sf(id)),
            ("TOKEN", json!(format!("itoken-{id}"))),
            ("USER", sf(MOD)),
            ("USERNAME", json!("mod")),
            ("PERMISSIONS", json!(ADMIN)),
            ("DATA", data),
        ],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forum_added_with_channel_add_answers_its_posts() {
    limited(async {
        let bot = start().await;
        // Not configured yet: silent.
        let before = mid(30);
        create_post(&bot, FORUM_OFF, before, TITLE);
        bot.fake.send_message(in_post(before, before, VAGUE));
        assert_eq!(outcome(&bot, before, mid(31)).await, (0, 0));
        bot.fake
            .dispatch("INTERACTION_CREATE", channel_add_forum(mid(32), FORUM_OFF));
        let ack = bot
            .fake
            .wait_for("the settings answer", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(32))
            })
            .await;
        let text = ack.body["data"]["content"].as_str().unwrap_or_default();
        assert!(text.starts_with("✅"), "{text}");
        // A new post in it now gets its answer.
        let after = mid(33);
        bot.fake
            .dispatch("THREAD_CREATE", post(after, FORUM_OFF, TITLE));
        bot.fake.send_message(in_post(after, after, VAGUE));
        let r = bot.fake.reply_to(after).await;
        assert_eq!(r.path, format!("/api/v10/channels/{after}/messages"));
        bot.stop().await;
    })
    .await;
}
