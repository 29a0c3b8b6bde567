//! Later edits through the fake Discord: an unanswered message whose edit adds the error is
//! answered once, within the edit window; and the reply ↔ question link lives in the store,
//! so a restarted bot still updates or deletes the reply when the question is edited or
//! deleted.

mod bot_harness;
mod common;
mod fake_discord;

use std::time::Duration;

use bot_harness::*;
use common::db::TestDb;
use fake_discord::{fixture, ids::*, message, sf, with};
use poise::serenity_prelude::Timestamp;
use serde_json::{json, Value};

/// Vague: not answered on its own.
const VAGUE: &str = "my request keeps failing, no idea why";

/// MESSAGE_UPDATE: alice's message `id`, posted `age_secs` ago, now reads `content`.
fn edited(id: u64, content: &str, age_secs: i64) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let posted = Timestamp::from_unix_timestamp(now - age_secs).unwrap();
    with(
        fixture(
            "message_update.json",
            &[("ID", sf(id)), ("CONTENT", json!(content))],
        ),
        &[("timestamp", json!(posted.to_string()))],
    )
}

/// Every accepted message post once an edit-path sentinel is answered: message `id` is sent
/// vague, then edited into an error. The edits dispatched before it go the same way (a
/// store look-up, then the matcher), so whatever they were going to post is there by then.
async fn posts_after_edit_sentinel(bot: &Running, id: u64) -> Vec<fake_discord::Recorded> {
    bot.fake.send_message(message(id, VAGUE));
    bot.fake.dispatch("MESSAGE_UPDATE", edited(id, TIMEOUT, 5));
    bot.fake.reply_to(id).await;
    bot.fake.message_posts()
}

fn replies_to(posts: &[fake_discord::Recorded], id: u64) -> usize {
    posts.iter().filter(|p| p.reply_to() == Some(id)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_that_adds_the_error_is_answered_once() {
    limited(async {
        // No cooldown: the two sentinels get the same answer.
        let bot = start_with(|s| s.cooldown = Duration::ZERO).await;
        bot.fake.send_message(message(mid(1), VAGUE));
        let posts = bot.posts_after_sentinel(mid(2)).await;
        assert_eq!(
            replies_to(&posts, mid(1)),
            0,
            "fixture: silent before the edit"
        );
        // The edit adds the error: one answer, to the edited message.
        bot.fake
            .dispatch("MESSAGE_UPDATE", edited(mid(1), ERROR_14, 30));
        let r = bot.fake.reply_to(mid(1)).await;
        assert_eq!(
            r.body["embeds"][0]["footer"]["text"],
            "alipay.error.14 · reqdoctor"
        );
        assert_no_pings(&r.body);
        let reply = r.created_id().unwrap();
        // A second edit updates that reply, as for any answered question; no second reply.
        bot.fake
            .dispatch("MESSAGE_UPDATE", edited(mid(1), ERROR_11, 40));
        bot.reply_edited(reply, "alipay.error.11").await;
        // The same edit delivered again (a replay) brings no second reply either.
        bot.fake
            .dispatch("MESSAGE_UPDATE", edited(mid(1), ERROR_11, 40));
        let posts = posts_after_edit_sentinel(&bot, mid(3)).await;
        assert_eq!(replies_to(&posts, mid(1)), 1);
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_outside_the_window_or_the_channels_are_not_answered() {
    limited(async {
        let bot = start_with(|s| s.edit_window = Duration::from_secs(300)).await;
        // Posted ten minutes ago: past the 300 s window.
        bot.fake.send_message(message(mid(10), VAGUE));
        bot.fake
            .dispatch("MESSAGE_UPDATE", edited(mid(10), ERROR_14, 600));
        // Not an auto-reply channel, and no mention of the bot.
        bot.fake.send_message(with(
            message(mid(11), VAGUE),
            &[("channel_id", sf(OTHER))],
        ));
        bot.fake.dispatch(
            "MESSAGE_UPDATE",
            with(edited(mid(11), ERROR_14, 10), &[("channel_id", sf(OTHER))]),
        );
        // Another bot's message.
        let other_bot = json!({"id": OTHER_BOT.to_string(), "username": "ci", "discriminator": "0", "avatar": null, "public_flags": 0, "bot": true});
        bot.fake.dispatch(
            "MESSAGE_UPDATE",
            with(edited(mid(12), ERROR_14, 10), &[("author", other_bot)]),
        );
        let posts = posts_after_edit_sentinel(&bot, mid(13)).await;
        for id in [mid(10), mid(11), mid(12)] {
            assert_eq!(replies_to(&posts, id), 0, "{id}");
        }
        assert_eq!(posts.len(), 1, "only the sentinel: {posts:#?}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletes_follow_the_reply_after_a_restart() {
    let db = TestDb::sqlite();
    let (edited_reply, deleted_reply) = limited_value(async {
        let bot = start_on(&db, |s| s.cooldown = Duration::ZERO).await;
        bot.fake.send_message(message(mid(20), ERROR_14));
        let a = bot.fake.reply_to(mid(20)).await.created_id().unwrap();
        bot.fake.send_message(message(mid(21), ERROR_11));
        let b = bot.fake.reply_to(mid(21)).await.created_id().unwrap();
        // Stopping waits for the store writes in flight (the links among them).
        bot.stop().await;
        (a, b)
    })
    .await;
    limited(async {
        // A new bot over the same database, with nothing in memory.
        let bot = start_on(&db, |s| s.cooldown = Duration::ZERO).await;
        bot.fake
            .dispatch("MESSAGE_UPDATE", edited(mid(20), ERROR_11, 20));
        bot.reply_edited(edited_reply, "alipay.error.11").await;
        bot.question_deleted(mid(21), deleted_reply).await;
        // Neither question was answered a second time.
        let posts = bot.posts_after_sentinel(mid(22)).await;
        assert_eq!(replies_to(&posts, mid(20)) + replies_to(&posts, mid(21)), 0);
        // Once the writes in flight are done: the deleted question's link is gone, and the
        // edited one shows its new entry.
        let store = bot.store.clone();
        bot.stop().await;
        assert!(store.reply_link(mid(21)).await.unwrap().is_none());
        let link = store.reply_link(mid(20)).await.unwrap().unwrap();
        assert_eq!(link.reply_id, edited_reply);
        assert_eq!(link.entry_id.as_deref(), Some("alipay.error.11"));
    })
    .await;
}

/// [`limited`] for a body that returns a value.
async fn limited_value<T, F: std::future::Future<Output = T>>(f: F) -> T {
    tokio::time::timeout(TEST_LIMIT, f)
        .await
        .expect("test finished within its limit")
}
