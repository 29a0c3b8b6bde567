//! `/reqdoctor` end to end: server settings, votes, the review log and knowledge reloads,
//! through the fake Discord, on a real store. Restarts reuse the same database, the way a
//! redeployed bot does.

mod bot_harness;
mod common;
mod fake_discord;

use std::time::Duration;

use bot_harness::*;
use common::db::TestDb;
use fake_discord::{fixture, ids::*, message, sf, with, Recorded};
use reqdoctor::matcher::{Channel, Matcher};
use reqdoctor::store::{ChannelSetting, Location, ReplyLanguage, ReviewKind, Store, Tally};
use serde_json::{json, Value};

/// A member's permissions in the fixture guild: no Manage Server.
const MEMBER: &str = "277025475648";
/// The same plus Manage Server (1 << 5).
const ADMIN: &str = "277025475680";
/// Someone with Manage Server.
const ADMIN_USER: u64 = MOD;

/// A `/reqdoctor …` interaction by `user` with `perms`.
fn command(id: u64, user: u64, perms: &str, data: Value) -> Value {
    fixture(
        "interaction_command.json",
        &[
            ("ID", sf(id)),
            ("TOKEN", json!(format!("itoken-{id}"))),
            ("USER", sf(user)),
            ("USERNAME", json!(format!("user{user}"))),
            ("PERMISSIONS", json!(perms)),
            ("DATA", data),
        ],
    )
}

/// `/reqdoctor settings SUB [options]`.
fn settings(sub: &str, options: Value) -> Value {
    json!({
        "type": 1, "name": "reqdoctor", "id": "1500000000000000005", "guild_id": null,
        "options": [{"type": 2, "name": "settings", "options": [
            {"type": 1, "name": sub, "options": options}
        ]}]
    })
}

/// `/reqdoctor settings SUB channel:#CHANNEL`, with the channel resolved as Discord sends it.
fn settings_channel(sub: &str, channel: u64) -> Value {
    let mut data = settings(
        sub,
        json!([{"type": 7, "name": "channel", "value": sf(channel)}]),
    );
    data["resolved"] = json!({"channels": {channel.to_string(): {
        "id": sf(channel), "name": "general", "type": 0, "permissions": MEMBER,
        "parent_id": null, "thread_metadata": null
    }}});
    data
}

/// `/reqdoctor settings channel-add channel:#CHANNEL kind:KIND` (0 support, 1 team).
fn channel_add_as(channel: u64, kind: u64) -> Value {
    let mut data = settings_channel("channel-add", channel);
    data["options"][0]["options"][0]["options"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": 4, "name": "kind", "value": kind}));
    data
}

/// `/reqdoctor settings maybe on|off`.
fn maybe_switch(on: bool) -> Value {
    settings(
        "maybe",
        json!([{"type": 4, "name": "state", "value": if on { 0 } else { 1 }}]),
    )
}

/// The bundled knowledge's matcher, to check fixtures before a test relies on them.
fn bundled_matcher() -> Matcher {
    let k = reqdoctor::knowledge::Knowledge::bundled().unwrap();
    Matcher::new(std::sync::Arc::new(k)).unwrap()
}

/// `/reqdoctor reload`.
fn reload() -> Value {
    json!({
        "type": 1, "name": "reqdoctor", "id": "1500000000000000005", "guild_id": null,
        "options": [{"type": 1, "name": "reload", "options": []}]
    })
}

/// Sends an interaction and returns its (ephemeral) response body's `data`.
/// How the store now lists `channel` for the test server.
async fn stored_channel(bot: &Running, channel: u64) -> Option<ChannelSetting> {
    bot.store
        .guild_settings(GUILD)
        .await
        .unwrap()
        .channels
        .get(&channel)
        .copied()
}

async fn respond(bot: &Running, interaction: Value) -> Value {
    let id: u64 = interaction["id"].as_str().unwrap().parse().unwrap();
    bot.fake.dispatch("INTERACTION_CREATE", interaction);
    let r = bot
        .fake
        .wait_for("interaction response", Duration::from_secs(5), |r| {
            r.path == callback_path(id)
        })
        .await;
    assert_eq!(r.body["type"], 4, "{:#}", r.body);
    let data = r.body["data"].clone();
    assert_eq!(data["flags"], 64, "ephemeral: {data:#}");
    assert_eq!(
        data["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": [], "replied_user": false})
    );
    data
}

/// A deferred interaction's follow-up message.
async fn follow_up(bot: &Running, interaction: Value) -> Value {
    let id: u64 = interaction["id"].as_str().unwrap().parse().unwrap();
    bot.fake.dispatch("INTERACTION_CREATE", interaction);
    let token = format!("itoken-{id}");
    let r = bot
        .fake
        .wait_for("follow-up", Duration::from_secs(10), |r| {
            r.path.contains("/webhooks/") && r.path.contains(&token)
        })
        .await;
    r.body
}

fn in_channel(id: u64, channel: u64, text: &str) -> Value {
    with(message(id, text), &[("channel_id", sf(channel))])
}

/// Asserts `silent` gets no reply: `answered` (which must be answered) is sent after it,
/// and its reply is the only one.
async fn assert_silent_then_answered(bot: &Running, silent: Value, answered: Value) -> Recorded {
    let before = bot.fake.message_posts().len();
    let silent_id: u64 = silent["id"].as_str().unwrap().parse().unwrap();
    let answered_id: u64 = answered["id"].as_str().unwrap().parse().unwrap();
    bot.fake.send_message(silent);
    bot.fake.send_message(answered);
    let reply = bot.fake.reply_to(answered_id).await;
    let posts = bot.fake.message_posts();
    assert_eq!(posts.len(), before + 1, "only one reply: {posts:#?}");
    assert_ne!(posts.last().unwrap().reply_to(), Some(silent_id));
    reply
}

fn mention(text: &str) -> String {
    format!("<@{BOT}> {text}")
}

fn title(r: &Recorded) -> String {
    r.body["embeds"][0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_managers_change_settings_and_the_next_message_follows() {
    limited(async {
        let bot = start().await;
        // A member without Manage Server is refused; nothing changes.
        let refused = respond(
            &bot,
            command(
                mid(300),
                BOB,
                MEMBER,
                settings_channel("channel-add", OTHER),
            ),
        )
        .await;
        assert!(
            refused["content"]
                .as_str()
                .unwrap()
                .contains("Manage Server"),
            "{refused:#}"
        );
        assert!(bot
            .store
            .guild_settings(GUILD)
            .await
            .unwrap()
            .channels
            .is_empty());
        assert_silent_then_answered(
            &bot,
            in_channel(mid(301), OTHER, ERROR_14),
            message(mid(302), TIMEOUT),
        )
        .await;

        // An admin adds #general: confirmed ephemerally, in force for the next message.
        let ok = respond(
            &bot,
            command(
                mid(303),
                ADMIN_USER,
                ADMIN,
                settings_channel("channel-add", OTHER),
            ),
        )
        .await;
        let text = ok["content"].as_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "✅ reqdoctor now answers unprompted in <#{OTHER}> (support channel)."
            )),
            "{text}"
        );
        assert!(text.contains("**Auto-reply channels:**"), "{text}");
        bot.fake.send_message(in_channel(mid(304), OTHER, ERROR_14));
        let reply = bot.fake.reply_to(mid(304)).await;
        assert!(title(&reply).starts_with("error 14"), "{:#}", reply.body);
        assert_eq!(
            stored_channel(&bot, OTHER).await,
            Some(ChannelSetting::On(Channel::Support))
        );

        // Removing the config file's channel silences it, threads included.
        respond(
            &bot,
            command(
                mid(305),
                ADMIN_USER,
                ADMIN,
                settings_channel("channel-remove", AUTO),
            ),
        )
        .await;
        assert_silent_then_answered(
            &bot,
            message(mid(306), ERROR_11),
            in_channel(mid(307), OTHER, TIMEOUT),
        )
        .await;
        assert_silent_then_answered(
            &bot,
            in_channel(mid(308), THREAD, ERROR_11),
            message(mid(309), &mention("my.request error 11")),
        )
        .await;

        // `show` lists what is in force.
        let shown = respond(
            &bot,
            command(mid(310), ADMIN_USER, ADMIN, settings("show", json!([]))),
        )
        .await;
        let text = shown["content"].as_str().unwrap();
        assert!(text.contains(&format!("<#{OTHER}> (support)")), "{text}");
        assert!(
            text.contains(&format!("**Switched off here:** <#{AUTO}>")),
            "{text}"
        );
        assert!(text.contains("**Cooldown:** 10 min (default)"), "{text}");
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume_apply_to_the_next_message() {
    limited(async {
        let bot = start().await;
        let paused = respond(
            &bot,
            command(mid(320), ADMIN_USER, ADMIN, settings("pause", json!([]))),
        )
        .await;
        assert!(paused["content"].as_str().unwrap().contains("paused"));
        // Paused: no unprompted answer; a mention is still answered.
        assert_silent_then_answered(
            &bot,
            message(mid(321), ERROR_14),
            message(mid(322), &mention("my.request error 11")),
        )
        .await;
        respond(
            &bot,
            command(mid(323), ADMIN_USER, ADMIN, settings("resume", json!([]))),
        )
        .await;
        bot.fake.send_message(message(mid(324), ERROR_14));
        bot.fake.reply_to(mid(324)).await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confidence_and_cooldown_are_stored_and_shown() {
    limited(async {
        let bot = start().await;
        respond(
            &bot,
            command(
                mid(330),
                ADMIN_USER,
                ADMIN,
                settings(
                    "confidence",
                    json!([{"type": 4, "name": "level", "value": 0}]),
                ),
            ),
        )
        .await;
        let done = respond(
            &bot,
            command(
                mid(331),
                ADMIN_USER,
                ADMIN,
                settings(
                    "cooldown",
                    json!([{"type": 4, "name": "minutes", "value": 0}]),
                ),
            ),
        )
        .await;
        let text = done["content"].as_str().unwrap();
        assert!(
            text.contains("**Confidence:** strict (answers from score 0.85)"),
            "{text}"
        );
        assert!(text.contains("**Cooldown:** 0 min\n"), "{text}");
        // Cooldown 0: the same answer twice in a row is sent twice (no 👆 reaction).
        bot.fake.send_message(message(mid(332), ERROR_14));
        bot.fake.reply_to(mid(332)).await;
        bot.fake.send_message(message(mid(333), ERROR_14));
        bot.fake.reply_to(mid(333)).await;
        assert!(bot.requests("PUT", "/reactions/").is_empty());
        bot.stop().await;
    })
    .await;
}

async fn settings_and_votes_survive_a_restart(db: &TestDb) {
    let bot = start_on(db, |_| {}).await;
    respond(
        &bot,
        command(
            mid(340),
            ADMIN_USER,
            ADMIN,
            settings_channel("channel-remove", AUTO),
        ),
    )
    .await;
    respond(
        &bot,
        command(
            mid(341),
            ADMIN_USER,
            ADMIN,
            settings(
                "language",
                json!([{"type": 4, "name": "language", "value": 1}]),
            ),
        ),
    )
    .await;
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        button("reqdoctor:down:alipay.error.14", mid(342), mid(343), None),
    );
    bot.fake
        .wait_for("vote ack", Duration::from_secs(5), |r| {
            r.path == callback_path(mid(343))
        })
        .await;
    bot.stop().await;

    // A new process on the same database.
    let bot = start_on(db, |_| {}).await;
    assert_eq!(
        bot.store.guild_settings(GUILD).await.unwrap().language,
        Some(ReplyLanguage::Zh)
    );
    let reply = assert_silent_then_answered(
        &bot,
        message(mid(344), ERROR_14),
        message(mid(345), &mention("my.request error 11")),
    )
    .await;
    assert!(
        title(&reply).contains("无权跨域"),
        "Chinese, as set: {}",
        title(&reply)
    );
    // The same vote again is recognised as already counted.
    bot.fake.dispatch(
        "INTERACTION_CREATE",
        button("reqdoctor:down:alipay.error.14", mid(342), mid(346), None),
    );
    let ack = bot
        .fake
        .wait_for("vote ack", Duration::from_secs(5), |r| {
            r.path == callback_path(mid(346))
        })
        .await;
    assert_eq!(
        ack.body["data"]["content"],
        "Your vote was already counted."
    );
    assert_eq!(
        bot.store.tally("alipay.error.14").await.unwrap(),
        Tally {
            helpful: 0,
            not_helpful: 1
        }
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_keeps_state_on_sqlite() {
    limited(async {
        let db = TestDb::sqlite();
        settings_and_votes_survive_a_restart(&db).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    reqdoctor_no_postgres,
    ignore = "REQDOCTOR_TEST_POSTGRES is not set: PostgreSQL not tested"
)]
async fn restart_keeps_state_on_postgres() {
    limited(async {
        if let Some(db) = TestDb::postgres().await {
            settings_and_votes_survive_a_restart(&db).await;
            db.finish().await;
        }
    })
    .await;
}

/// Polls the review log until `n` rows are there.
async fn review_rows(store: &Store, n: usize) -> Vec<reqdoctor::store::ReviewItem> {
    for _ in 0..150 {
        let rows = store.review_since(0).await.unwrap();
        if rows.len() >= n {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    store.review_since(0).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unanswered_questions_and_downvotes_reach_the_review_log() {
    limited(async {
        let bot = start().await;
        // Looks like a request error, but nothing answers it; and plain chatter.
        assert_silent_then_answered(
            &bot,
            message(mid(350), "my.request 一直报错，不知道为什么"),
            message(mid(351), TIMEOUT),
        )
        .await;
        assert_silent_then_answered(
            &bot,
            message(mid(352), CHATTER),
            message(mid(353), ERROR_11),
        )
        .await;
        // 👎 on a reply to a question.
        let mut down = button("reqdoctor:down:wechat.timeout", mid(354), mid(355), None);
        down["message"]["referenced_message"] = message(mid(351), TIMEOUT);
        bot.fake.dispatch("INTERACTION_CREATE", down);
        bot.fake
            .wait_for("vote ack", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(355))
            })
            .await;

        let rows = review_rows(&bot.store, 2).await;
        assert_eq!(rows.len(), 2, "{rows:#?}");
        assert_eq!(rows[0].kind, ReviewKind::Unanswered);
        assert_eq!(rows[0].text, "my.request 一直报错，不知道为什么");
        assert_eq!((rows[0].guild_id, rows[0].channel_id), (GUILD, AUTO));
        assert_eq!(rows[1].kind, ReviewKind::Downvoted);
        assert_eq!(rows[1].entry_id.as_deref(), Some("wechat.timeout"));
        assert_eq!(rows[1].text, TIMEOUT);

        // A server that turns the log off: its rows go, and nothing new is logged.
        let off = respond(
            &bot,
            command(
                mid(356),
                ADMIN_USER,
                ADMIN,
                settings(
                    "review-log",
                    json!([{"type": 5, "name": "enabled", "value": false}]),
                ),
            ),
        )
        .await;
        assert!(off["content"].as_str().unwrap().contains("Review log off"));
        assert_silent_then_answered(
            &bot,
            message(mid(357), "wx.request failed again, no idea why"),
            message(mid(358), ERROR_14),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(bot.store.review_since(0).await.unwrap().is_empty());
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_reload_keeps_answers_and_a_good_one_swaps_them() {
    limited(async {
        let dir = tempfile::tempdir().unwrap();
        for f in ["entries.toml", "vocabulary.toml"] {
            std::fs::copy(knowledge_dir().join(f), dir.path().join(f)).unwrap();
        }
        let db = TestDb::sqlite();
        let bot = start_full(db.store().await, Some(dir.path().to_path_buf()), |s| {
            s.cooldown = Duration::ZERO;
            s.user_limit = 0;
        })
        .await;
        bot.fake.send_message(message(mid(360), ERROR_14));
        let before = title(&bot.fake.reply_to(mid(360)).await);

        // Break the file: a member without Manage Server may not reload; an admin learns
        // where the problem is, and the answers stay as they were.
        let entries = dir.path().join("entries.toml");
        let good = std::fs::read_to_string(&entries).unwrap();
        std::fs::write(
            &entries,
            good.replace("platform = \"alipay\"", "platform = \"alipya\""),
        )
        .unwrap();
        let refused = respond(&bot, command(mid(361), BOB, MEMBER, reload())).await;
        assert!(refused["content"]
            .as_str()
            .unwrap()
            .contains("Manage Server"));
        let report = follow_up(&bot, command(mid(362), ADMIN_USER, ADMIN, reload())).await;
        let text = report["content"].as_str().unwrap();
        assert!(
            text.starts_with("❌ The knowledge was not reloaded"),
            "{text}"
        );
        assert!(
            text.contains("entries.toml:7:12: entry[0].platform:"),
            "{text}"
        );
        assert_eq!(report["flags"], 64);
        bot.fake.send_message(message(mid(363), ERROR_14));
        assert_eq!(title(&bot.fake.reply_to(mid(363)).await), before);

        // A good edit is picked up by the watcher, no command needed.
        let renamed = good.replace(
            "en = \"error 14: the response could not be decoded\"",
            "en = \"error 14: the response is not what dataType says\"",
        );
        assert_ne!(renamed, good);
        std::fs::write(&entries, renamed).unwrap();
        let mut n = 364;
        loop {
            bot.fake.send_message(message(mid(n), ERROR_14));
            let t = title(&bot.fake.reply_to(mid(n)).await);
            if t == "error 14: the response is not what dataType says" {
                break;
            }
            assert_eq!(t, before, "either the old answer or the new one");
            n += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_database_still_answers_with_defaults() {
    limited(async {
        // Nothing listens on port 9: migrations fail and are retried in the background.
        let store = Store::open(&Location::Postgres(
            "postgres://bot:hunter2@127.0.0.1:9/reqdoctor".into(),
        ))
        .unwrap();
        let bot = start_full(store, None, |_| {}).await;
        bot.fake.send_message(message(mid(370), ERROR_14));
        bot.fake.reply_to(mid(370)).await;
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button("reqdoctor:up:alipay.error.14", mid(371), mid(372), None),
        );
        let ack = bot
            .fake
            .wait_for("vote ack", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(372))
            })
            .await;
        assert!(ack.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("could not be saved"));
        let shown = respond(
            &bot,
            command(mid(373), ADMIN_USER, ADMIN, settings("show", json!([]))),
        )
        .await;
        assert!(shown["content"]
            .as_str()
            .unwrap()
            .contains("database is unavailable"));
        let failed = respond(
            &bot,
            command(mid(374), ADMIN_USER, ADMIN, settings("pause", json!([]))),
        )
        .await;
        assert!(failed["content"]
            .as_str()
            .unwrap()
            .contains("nothing changed"));
        // Still answering, still with the defaults.
        bot.fake.send_message(message(mid(375), ERROR_11));
        bot.fake.reply_to(mid(375)).await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_still_answers() {
    use sqlx::Executor;
    limited(async {
        let db = TestDb::sqlite();
        let bot = start_on(&db, |_| {}).await;
        // Another process holds the write lock for the whole test.
        let mut other = db.hold_write_lock(true).await;

        bot.fake.send_message(message(mid(380), ERROR_14));
        bot.fake.reply_to(mid(380)).await;
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button("reqdoctor:up:alipay.error.14", mid(381), mid(382), None),
        );
        let ack = bot
            .fake
            .wait_for("vote ack", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(382))
            })
            .await;
        assert!(ack.body["data"]["content"]
            .as_str()
            .unwrap()
            .contains("could not be saved"));
        bot.fake.send_message(message(mid(383), ERROR_11));
        bot.fake.reply_to(mid(383)).await;

        // Once the lock is gone, votes are saved again.
        other.execute("ROLLBACK").await.unwrap();
        bot.fake.dispatch(
            "INTERACTION_CREATE",
            button("reqdoctor:up:alipay.error.14", mid(381), mid(384), None),
        );
        let ack = bot
            .fake
            .wait_for("vote ack", Duration::from_secs(5), |r| {
                r.path == callback_path(mid(384))
            })
            .await;
        assert_eq!(ack.body["data"]["content"], "Thanks for the feedback!");
        bot.stop().await;
    })
    .await;
}

/// Answered in a support channel, silent in team chat (bundled knowledge).
const SUPPORT_ONLY: &str = "参数乱码";
/// A near miss in a support channel: no answer, a 💡 candidate (bundled knowledge).
const NEAR_MISS: &str = "接口 Forbidden";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_add_with_kind_team_makes_the_channel_strict() {
    let m = bundled_matcher();
    let support = m.assess(SUPPORT_ONLY, 0.75, Channel::Support);
    assert!(!support.answers.is_empty(), "fixture: answered in support");
    assert!(
        m.assess(SUPPORT_ONLY, 0.75, Channel::Team)
            .answers
            .is_empty(),
        "fixture: silent in team chat"
    );
    limited(async {
        let bot = start_bundled(|_| {}).await;
        let ok = respond(
            &bot,
            command(mid(900), ADMIN_USER, ADMIN, channel_add_as(OTHER, 1)),
        )
        .await;
        let text = ok["content"].as_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "✅ reqdoctor now answers unprompted in <#{OTHER}> (team channel)."
            )),
            "{text}"
        );
        assert!(text.contains(&format!("<#{OTHER}> (team)")), "{text}");
        assert!(
            text.contains(&format!("<#{AUTO}> (support, config file)")),
            "{text}"
        );
        assert_eq!(
            stored_channel(&bot, OTHER).await,
            Some(ChannelSetting::On(Channel::Team))
        );
        // Team chat: silent on what only a support channel answers; the support channel
        // answers it.
        let reply = assert_silent_then_answered(
            &bot,
            in_channel(mid(901), OTHER, SUPPORT_ONLY),
            message(mid(902), SUPPORT_ONLY),
        )
        .await;
        let entry = &support.answers[0].id;
        assert_eq!(
            reply.body["embeds"][0]["footer"]["text"],
            format!("{entry} · reqdoctor")
        );
        // Without a kind, channel-add makes a support channel again.
        respond(
            &bot,
            command(
                mid(903),
                ADMIN_USER,
                ADMIN,
                settings_channel("channel-add", OTHER),
            ),
        )
        .await;
        bot.fake
            .send_message(in_channel(mid(904), OTHER, SUPPORT_ONLY));
        bot.fake.reply_to(mid(904)).await;
        bot.stop().await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn maybe_off_means_no_bulb_and_on_brings_it_back() {
    let m = bundled_matcher();
    let a = m.assess(NEAR_MISS, 0.75, Channel::Support);
    assert!(
        a.answers.is_empty() && a.maybe.is_some(),
        "fixture: a near miss"
    );
    assert!(!m.assess(TIMEOUT, 0.75, Channel::Support).answers.is_empty());
    limited(async {
        let bot = start_bundled(|_| {}).await;
        let shown = respond(
            &bot,
            command(mid(910), ADMIN_USER, ADMIN, settings("show", json!([]))),
        )
        .await;
        assert!(
            shown["content"]
                .as_str()
                .unwrap()
                .contains("**💡 for near misses:** on"),
            "{shown:#}"
        );
        let off = respond(
            &bot,
            command(mid(911), ADMIN_USER, ADMIN, maybe_switch(false)),
        )
        .await;
        let text = off["content"].as_str().unwrap();
        assert!(text.starts_with("✅ 💡 off"), "{text}");
        assert!(text.contains("**💡 for near misses:** off"), "{text}");
        assert!(!bot.store.guild_settings(GUILD).await.unwrap().maybe);
        // Off: no reaction, no reply (the sentinel is answered after it).
        assert_silent_then_answered(
            &bot,
            message(mid(912), NEAR_MISS),
            message(mid(913), TIMEOUT),
        )
        .await;
        assert!(
            bot.fake.bot_reactions().iter().all(|(m, _)| *m != mid(912)),
            "{:?}",
            bot.fake.bot_reactions()
        );
        // Refused for members without Manage Server.
        let refused = respond(&bot, command(mid(914), BOB, MEMBER, maybe_switch(true))).await;
        assert!(refused["content"]
            .as_str()
            .unwrap()
            .contains("Manage Server"));
        assert!(!bot.store.guild_settings(GUILD).await.unwrap().maybe);
        respond(
            &bot,
            command(mid(915), ADMIN_USER, ADMIN, maybe_switch(true)),
        )
        .await;
        bot.fake.send_message(message(mid(916), NEAR_MISS));
        bot.fake
            .wait_for("a 💡 on the near miss", Duration::from_secs(5), |r| {
                r.method == "PUT"
                    && r.path
                        .contains(&format!("/messages/{}/reactions/", mid(916)))
            })
            .await;
        assert!(bot
            .fake
            .bot_reactions()
            .contains(&(mid(916), "💡".to_string())));
        bot.stop().await;
    })
    .await;
}
