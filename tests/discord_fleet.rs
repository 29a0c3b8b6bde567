//! The bot as a fleet: several `reqdoctor run` processes splitting the gateway shards, as
//! Discord routes each server's events to shard `(guild_id >> 22) % total`.

mod bot_process;
mod common;
mod fake_discord;

use std::collections::HashMap;
use std::time::Duration;

use bot_process::Process;
use fake_discord::{guild, ids::*, in_guild, message, move_to_guild, FakeDiscord, TOKEN};

const ERROR_14: &str =
    "my.request fails:\n```\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n```";

/// Servers the bot is in: two per shard of four.
const GUILDS: u64 = 8;

fn spawn(fake: &FakeDiscord, tag: &str, shards: &str, channels: &str) -> Process {
    spawn_with(fake, tag, shards, channels, &[])
}

fn spawn_with(
    fake: &FakeDiscord,
    tag: &str,
    shards: &str,
    channels: &str,
    more: &[(&str, &str)],
) -> Process {
    let api = fake.url_for(tag);
    let mut env = vec![
        ("REQDOCTOR_SHARDS", shards),
        ("REQDOCTOR_AUTOREPLY_CHANNELS", channels),
        ("REQDOCTOR_COOLDOWN_SECS", "0"),
        ("REQDOCTOR_USER_LIMIT", "0"),
    ];
    env.extend_from_slice(more);
    Process::run(&api, &[], &env)
}

/// The store both processes share, as in production: a fresh PostgreSQL database when
/// `REQDOCTOR_TEST_POSTGRES` names a server, else one SQLite file.
async fn shared_store() -> common::db::TestDb {
    match common::db::TestDb::postgres().await {
        Some(db) => db,
        None => common::db::TestDb::sqlite(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_split_four_shards_and_answer_each_message_once_from_its_owner() {
    let fake = FakeDiscord::start().await;
    fake.set_guilds(GUILDS);
    let channels: Vec<String> = (0..GUILDS).map(|k| in_guild(k, AUTO).to_string()).collect();
    let channels = channels.join(",");
    let db = shared_store().await;
    let url = db.url();
    let shared = [("DATABASE_URL", url.as_str())];
    let mut a = spawn_with(&fake, "a", "0-1/4", &channels, &shared);
    let mut b = spawn_with(&fake, "b", "2-3/4", &channels, &shared);
    // serenity starts a process's shards 5 s apart.
    fake.wait_identified(4, Duration::from_secs(20)).await;
    let mut identified = fake.identified();
    identified.sort();
    let tag = |t: &str| Some(t.to_string());
    assert_eq!(
        identified,
        [
            (tag("a"), 0, 4),
            (tag("a"), 1, 4),
            (tag("b"), 2, 4),
            (tag("b"), 3, 4)
        ],
        "each process identifies its own shard range"
    );
    // Both processes have registered their commands (their event handlers run).
    fake.wait_for("two registrations", Duration::from_secs(5), |_| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.contains("/commands"))
            .count()
            == 2
    })
    .await;

    let mut owner = HashMap::new();
    for round in 0..3 {
        for k in 0..GUILDS {
            let id = 1_910_000_000_000_000_000 + round * 100 + k;
            let mut m = message(id, ERROR_14);
            move_to_guild(&mut m, k);
            assert_eq!(m["guild_id"], guild(k).to_string());
            fake.send_message(m);
            let shard = (guild(k) >> 22) % 4;
            owner.insert(id, if shard < 2 { "a" } else { "b" });
        }
    }
    for id in owner.keys() {
        fake.wait_for(&format!("a reply to {id}"), Duration::from_secs(10), |r| {
            r.is_message_post() && r.reply_to() == Some(*id)
        })
        .await;
    }
    // Late duplicates would arrive within moments; give them the chance to.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let posts = fake.message_posts();
    assert_eq!(posts.len(), owner.len(), "one reply per message, no more");
    for p in &posts {
        let trigger = p.reply_to().expect("a reply");
        assert_eq!(
            p.client.as_deref(),
            Some(owner[&trigger]),
            "message {trigger} answered by the process that owns its server's shard"
        );
    }
    // Each process answered the servers of its own shards: both did some work.
    assert!(posts.iter().any(|p| p.client.as_deref() == Some("a")));
    assert!(posts.iter().any(|p| p.client.as_deref() == Some("b")));

    for p in [&mut a, &mut b] {
        p.terminate(Duration::from_secs(10)).await;
    }
    // Both claimed their messages in the one store: a third process could claim none.
    let store = db.store().await;
    for id in owner.keys() {
        assert!(
            !store
                .claim_message(*id, reqdoctor::store::now())
                .await
                .unwrap(),
            "message {id} was claimed in the shared store"
        );
    }
    store.close().await;
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_runs_discords_recommended_shard_count_in_one_process() {
    let fake = FakeDiscord::start().await;
    fake.recommend_shards(2);
    fake.set_guilds(2);
    let channels = format!("{},{}", in_guild(0, AUTO), in_guild(1, AUTO));
    let mut bot = spawn(&fake, "solo", "auto", &channels);
    fake.wait_identified(2, Duration::from_secs(20)).await;
    let mut identified = fake.identified();
    identified.sort();
    let solo = Some("solo".to_string());
    assert_eq!(identified, [(solo.clone(), 0, 2), (solo, 1, 2)]);
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == "/api/v10/gateway/bot"));
    bot.terminate(Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_shard_range_is_a_located_error() {
    let (status, stderr) = Process::spawn(
        &["run"],
        &[("DISCORD_TOKEN", TOKEN), ("REQDOCTOR_SHARDS", "2-4/4")],
    )
    .wait(Duration::from_secs(5))
    .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains(
            "REQDOCTOR_SHARDS: `2-4/4`: shard ids go from 0 to TOTAL-1 (3), so LAST cannot be 4"
        ),
        "{stderr}"
    );
}

/// A free port on 127.0.0.1.
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().to_string()
}

async fn get(url: &str) -> (u16, String) {
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(url).await {
            return (r.status().as_u16(), r.text().await.unwrap_or_default());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing serves {url}");
}

/// The value of one sample line of the text format.
fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_health_are_served_while_the_bot_answers() {
    let fake = FakeDiscord::start().await;
    let addr = free_addr();
    let api = fake.url();
    let mut bot = Process::answering(&api, &[], &[("REQDOCTOR_METRICS_ADDR", &addr)]);
    fake.wait_ready().await;
    fake.send_message(message(1_920_000_000_000_000_001, ERROR_14));
    fake.reply_to(1_920_000_000_000_000_001).await;
    fake.send_message(message(1_920_000_000_000_000_002, "anyone up for lunch?"));
    fake.fail_next("POST", "/messages", 503, 1);
    fake.send_message(message(
        1_920_000_000_000_000_003,
        ERROR_14.replace("14", "11").as_str(),
    ));
    // A sentinel: once it is answered, the messages before it have been handled.
    fake.send_message(message(
        1_920_000_000_000_000_004,
        "wx.request 一直报 {\"errMsg\":\"request:fail timeout\"}",
    ));
    fake.reply_to(1_920_000_000_000_000_004).await;

    let (status, text) = get(&format!("http://{addr}/metrics")).await;
    assert_eq!(status, 200);
    assert!(
        sample(&text, "reqdoctor_messages_seen_total") >= 4.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "reqdoctor_answers_total{entry=\"alipay.error.14\"}"),
        1.0
    );
    assert!(sample(&text, "reqdoctor_silent_total") >= 1.0, "{text}");
    assert_eq!(
        sample(&text, "reqdoctor_rest_errors_total{status=\"503\"}"),
        1.0
    );
    assert!(sample(&text, "reqdoctor_reply_latency_seconds_count") >= 2.0);
    assert_eq!(sample(&text, "reqdoctor_shards_connected"), 1.0);
    assert_eq!(sample(&text, "reqdoctor_store_timeouts_total"), 0.0);
    let (status, body) = get(&format!("http://{addr}/healthz")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "ok: 1 of 1 shards connected, store answers\n")
    );
    bot.terminate(Duration::from_secs(10)).await;

    // A store that cannot answer: 503 with the reason.
    let fake = FakeDiscord::start().await;
    let addr = free_addr();
    let api = fake.url();
    let mut bot = Process::run(
        &api,
        &[],
        &[
            ("REQDOCTOR_METRICS_ADDR", &addr),
            ("REQDOCTOR_DATABASE", "/nonexistent-dir/reqdoctor.db"),
        ],
    );
    fake.wait_ready().await;
    let (status, body) = get(&format!("http://{addr}/healthz")).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.starts_with("unhealthy: store: database sqlite:/nonexistent-dir/reqdoctor.db"),
        "{body}"
    );
    bot.terminate(Duration::from_secs(10)).await;
}

/// Polls `/metrics` until `name` reaches `at_least`; returns the text of that scrape.
async fn wait_metric(addr: &str, name: &str, at_least: f64) -> String {
    let mut text = String::new();
    for _ in 0..400 {
        text = get(&format!("http://{addr}/metrics")).await.1;
        let value = text
            .lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
            .and_then(|v| v.trim().parse::<f64>().ok());
        if value.is_some_and(|v| v >= at_least) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{name} never reached {at_least}:\n{text}");
}

/// A copy of the bundled knowledge in a directory the bot watches.
fn knowledge_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge");
    for f in std::fs::read_dir(from).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), dir.path().join(f.file_name())).unwrap();
    }
    dir
}

/// A feedback button click on the bot's reply `reply`, by `user`.
fn vote_click(custom_id: &str, reply: u64, id: u64, user: u64) -> serde_json::Value {
    let mut v = fake_discord::fixture(
        "interaction_button.json",
        &[
            ("CUSTOM_ID", serde_json::json!(custom_id)),
            ("MESSAGE", fake_discord::sf(reply)),
            ("ID", fake_discord::sf(id)),
            ("TOKEN", serde_json::json!(format!("itoken-{id}"))),
        ],
    );
    v["member"]["user"]["id"] = fake_discord::sf(user);
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_counter_moves_while_the_fake_drives_the_bot() {
    let fake = FakeDiscord::start().await;
    let knowledge = knowledge_copy();
    let addr = free_addr();
    let api = fake.url();
    let channels = AUTO.to_string();
    let mut bot = Process::spawn_bundled(
        &["run"],
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("REQDOCTOR_DISCORD_API", &api),
            ("REQDOCTOR_AUTOREPLY_CHANNELS", &channels),
            ("REQDOCTOR_METRICS_ADDR", &addr),
            ("REQDOCTOR_KNOWLEDGE", knowledge.path().to_str().unwrap()),
        ],
    );
    fake.wait_ready().await;
    // An answer, then 👍 from its asker and 👎 from someone else.
    fake.send_message(message(1_960_000_000_000_000_001, ERROR_14));
    let reply = fake
        .reply_to(1_960_000_000_000_000_001)
        .await
        .created_id()
        .unwrap();
    for (id, custom, user) in [
        (
            1_960_000_000_000_000_011,
            "reqdoctor:up:alipay.error.14",
            ALICE,
        ),
        (
            1_960_000_000_000_000_012,
            "reqdoctor:down:alipay.error.14",
            BOB,
        ),
    ] {
        fake.dispatch("INTERACTION_CREATE", vote_click(custom, reply, id, user));
        fake.wait_for("vote ack", Duration::from_secs(5), |r| {
            r.path == format!("/api/v10/interactions/{id}/itoken-{id}/callback")
        })
        .await;
    }
    // A near miss in a support channel gets a 💡.
    fake.send_message(message(1_960_000_000_000_000_002, "接口 Forbidden"));
    fake.wait_for("a 💡", Duration::from_secs(5), |r| {
        r.method == "PUT" && r.path.contains("/reactions/")
    })
    .await;
    // A request-error question nothing answers goes to the review log.
    fake.send_message(message(
        1_960_000_000_000_000_003,
        "my.request 一直报错，不知道为什么",
    ));
    // A good knowledge change, then a broken file.
    let wechat = knowledge.path().join("wechat.toml");
    let mut text = std::fs::read_to_string(&wechat).unwrap();
    text.push_str("\n# touched by the test\n");
    std::fs::write(&wechat, text).unwrap();
    wait_metric(&addr, "reqdoctor_reloads_total{outcome=\"ok\"}", 1.0).await;
    std::fs::write(knowledge.path().join("broken.toml"), "[[entry]\nid = \n").unwrap();
    wait_metric(&addr, "reqdoctor_reloads_total{outcome=\"failed\"}", 1.0).await;

    let text = wait_metric(&addr, "reqdoctor_review_log_rows_total", 1.0).await;
    assert!(
        sample(&text, "reqdoctor_messages_seen_total") >= 3.0,
        "{text}"
    );
    assert_eq!(
        sample(&text, "reqdoctor_answers_total{entry=\"alipay.error.14\"}"),
        1.0
    );
    assert!(sample(&text, "reqdoctor_silent_total") >= 2.0, "{text}");
    assert_eq!(sample(&text, "reqdoctor_maybe_reactions_total"), 1.0);
    assert_eq!(sample(&text, "reqdoctor_votes_total{vote=\"up\"}"), 1.0);
    assert_eq!(sample(&text, "reqdoctor_votes_total{vote=\"down\"}"), 1.0);
    // The 👎 with its question is logged too.
    assert!(sample(&text, "reqdoctor_review_log_rows_total") >= 1.0);
    assert_eq!(sample(&text, "reqdoctor_reply_latency_seconds_count"), 1.0);
    assert_eq!(sample(&text, "reqdoctor_store_timeouts_total"), 0.0);
    bot.signal("TERM");
    let (status, stderr) = bot.wait(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_is_503_with_the_reason_until_every_shard_is_connected() {
    let fake = FakeDiscord::start().await;
    fake.set_guilds(2);
    let addr = free_addr();
    let api = fake.url();
    let mut bot = Process::spawn(
        &["run"],
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("REQDOCTOR_DISCORD_API", &api),
            ("REQDOCTOR_SHARDS", "2"),
            ("REQDOCTOR_METRICS_ADDR", &addr),
        ],
    );
    // serenity starts the second shard 5 s after the first: one is connected, one is not.
    fake.wait_identified(1, Duration::from_secs(20)).await;
    let (status, body) = get(&format!("http://{addr}/healthz")).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body.starts_with("unhealthy: ") && body.contains(" of 2 gateway shards connected"),
        "{body}"
    );
    assert_eq!(fake.identified().len(), 1, "still one shard: {body}");
    fake.wait_identified(2, Duration::from_secs(20)).await;
    let mut last = (0, String::new());
    for _ in 0..200 {
        last = get(&format!("http://{addr}/healthz")).await;
        if last.0 == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        (last.0, last.1.as_str()),
        (200, "ok: 2 of 2 shards connected, store answers\n")
    );
    let text = get(&format!("http://{addr}/metrics")).await.1;
    assert_eq!(sample(&text, "reqdoctor_shards_connected"), 2.0);
    bot.signal("TERM");
    let (status, stderr) = bot.wait(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_never_answers_counts_timeouts_and_the_bot_still_answers() {
    // A "PostgreSQL server" that accepts connections and never says a word.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "postgres://bot:hunter2@{}/reqdoctor",
        silent.local_addr().unwrap()
    );
    let fake = FakeDiscord::start().await;
    let addr = free_addr();
    let api = fake.url();
    let channels = AUTO.to_string();
    let mut bot = Process::spawn(
        &["run"],
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("REQDOCTOR_DISCORD_API", &api),
            ("REQDOCTOR_AUTOREPLY_CHANNELS", &channels),
            ("REQDOCTOR_METRICS_ADDR", &addr),
            ("DATABASE_URL", &url),
        ],
    );
    let text = wait_metric(&addr, "reqdoctor_store_timeouts_total", 1.0).await;
    assert!(sample(&text, "reqdoctor_store_timeouts_total") >= 1.0);
    fake.wait_ready().await;
    fake.send_message(message(1_970_000_000_000_000_001, ERROR_14));
    fake.reply_to(1_970_000_000_000_000_001).await;
    let (status, body) = get(&format!("http://{addr}/healthz")).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.starts_with("unhealthy: store: "), "{body}");
    assert!(!body.contains("hunter2"), "{body}");
    bot.signal("TERM");
    let (status, stderr) = bot.wait(Duration::from_secs(10)).await;
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    drop(silent);
}

/// A bot on the SQLite file `db`, answering every message in AUTO (no cooldown, no limit).
fn spawn_on(fake: &FakeDiscord, db: &std::path::Path) -> Process {
    let api = fake.url();
    Process::answering(
        &api,
        &[],
        &[
            ("REQDOCTOR_DATABASE", db.to_str().unwrap()),
            ("REQDOCTOR_COOLDOWN_SECS", "0"),
            ("REQDOCTOR_USER_LIMIT", "0"),
        ],
    )
}

/// Waits until the bot has registered its commands `n` times (one per process start).
async fn wait_registrations(fake: &FakeDiscord, n: usize) {
    fake.wait_for("command registration", Duration::from_secs(10), |_| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "PUT" && r.path.contains("/commands"))
            .count()
            >= n
    })
    .await;
}

/// The message ids claimed in the SQLite file `db`.
async fn claims(db: &std::path::Path) -> Vec<u64> {
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let rows: Vec<(i64,)> = sqlx::query_as("SELECT message_id FROM message_claims")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    rows.into_iter().map(|(id,)| id as u64).collect()
}

fn answers(fake: &FakeDiscord, trigger: u64) -> usize {
    fake.message_posts()
        .iter()
        .filter(|p| p.reply_to() == Some(trigger))
        .count()
}

const SENTINEL: &str = "wx.request 一直报 {\"errMsg\":\"request:fail timeout\"}";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_between_claim_and_post_leaves_the_message_unanswered() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("claims.db");
    let mut first = spawn_on(&fake, &db);
    wait_registrations(&fake, 1).await;
    // Discord fails every post: the bot has claimed the message and is retrying the post.
    fake.fail_next("POST", "/messages", 500, 1000);
    let question = 1_930_000_000_000_000_001;
    fake.send_message(message(question, ERROR_14));
    fake.wait_for("a failed post", Duration::from_secs(5), |r| {
        r.method == "POST" && r.path.ends_with("/messages") && r.status == 500
    })
    .await;
    first.signal("KILL");
    first.wait(Duration::from_secs(5)).await;
    fake.clear_failures();
    assert_eq!(claims(&db).await, [question], "claimed before the post");

    // The next process gets the message again (a gateway replay) and sees the claim.
    let mut second = spawn_on(&fake, &db);
    wait_registrations(&fake, 2).await;
    fake.send_message(message(question, ERROR_14));
    let sentinel = 1_930_000_000_000_000_002;
    fake.send_message(message(sentinel, SENTINEL));
    fake.reply_to(sentinel).await;
    assert_eq!(
        answers(&fake, question),
        0,
        "at most once: the message stays unanswered rather than risk a second reply"
    );
    second.terminate(Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_stream_answers_no_message_twice() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("claims.db");
    let mut first = spawn_on(&fake, &db);
    wait_registrations(&fake, 1).await;
    let stream: Vec<u64> = (0..40).map(|i| 1_940_000_000_000_000_000 + i).collect();
    for id in &stream {
        fake.send_message(message(*id, ERROR_14));
    }
    // Kill it once some answers are out and others are not.
    fake.wait_for("ten replies", Duration::from_secs(10), |_| {
        fake.message_posts().len() >= 10
    })
    .await;
    first.signal("KILL");
    first.wait(Duration::from_secs(5)).await;

    // The next process gets the whole stream again (at-least-once delivery).
    let mut second = spawn_on(&fake, &db);
    wait_registrations(&fake, 2).await;
    for id in &stream {
        fake.send_message(message(*id, ERROR_14));
    }
    let sentinel = 1_940_000_000_000_000_100;
    fake.send_message(message(sentinel, SENTINEL));
    fake.reply_to(sentinel).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let claimed = claims(&db).await;
    let mut unanswered = Vec::new();
    for id in &stream {
        let n = answers(&fake, *id);
        assert!(n <= 1, "message {id} answered {n} times");
        assert!(claimed.contains(id), "message {id} was claimed");
        if n == 0 {
            unanswered.push(*id);
        }
    }
    // Only what the killed process had claimed and not yet posted can stay unanswered.
    assert!(
        unanswered.len() < stream.len() - 10,
        "the second process answered the rest: {unanswered:?}"
    );
    second.terminate(Duration::from_secs(10)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_reply_in_flight_then_exits_0() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("drain.db");
    let mut bot = spawn_on(&fake, &db);
    wait_registrations(&fake, 1).await;
    fake.hold_posts();
    let question = 1_950_000_000_000_000_001;
    fake.send_message(message(question, ERROR_14));
    fake.wait_held(1, Duration::from_secs(5)).await;
    bot.signal("TERM");
    // The reply is still on its way: the process waits for it instead of exiting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    if bot.exited() {
        let (status, stderr) = bot.wait(Duration::from_secs(1)).await;
        panic!("exited with a reply in flight: {status:?}\n{stderr}");
    }
    fake.release_posts();
    let (status, stderr) = bot.wait(Duration::from_secs(12)).await;
    assert!(status.success(), "{status:?}\n{stderr}");
    assert_eq!(answers(&fake, question), 1, "the reply in flight went out");
    // Its store write finished too: the reply is recorded.
    use sqlx::Connection;
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    let (replies,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM replies")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        replies, 1,
        "the reply's store write finished before the exit"
    );
}
