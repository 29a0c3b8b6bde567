//! The built `reqdoctor run` binary as a separate process, driven the way an outside harness
//! would: environment variables, a config file, the fake Discord, and signals.

mod bot_process;
mod fake_discord;

use std::time::Duration;

use bot_process::Process;

use fake_discord::{ids::*, message, FakeDiscord, TOKEN};

const ERROR_14: &str =
    "my.request fails:\n```\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n```";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_through_the_api_override_and_stops_on_sigterm() {
    let fake = FakeDiscord::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bot.toml");
    std::fs::write(
        &config,
        format!("autoreply_channels = [\"{AUTO}\"]\ncooldown_secs = 60\n"),
    )
    .unwrap();
    let api = fake.url();
    let mut bot = Process::run(
        &api,
        &["--config", config.to_str().unwrap()],
        &[("RUST_LOG", "trace")],
    );
    fake.wait_ready().await;
    let startup: Vec<String> = fake
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        startup,
        [
            "GET /api/v10/users/@me".to_string(),
            "GET /api/v10/gateway".to_string(),
            // REQDOCTOR_SHARDS defaults to auto: Discord's recommended shard count.
            "GET /api/v10/gateway/bot".to_string(),
            format!("PUT /api/v10/applications/{BOT}/commands"),
        ]
    );
    fake.send_message(message(1_900_000_000_000_000_001, ERROR_14));
    let reply = fake.reply_to(1_900_000_000_000_000_001).await;
    assert_eq!(
        reply.body["embeds"][0]["footer"]["text"],
        "alipay.error.14 · reqdoctor"
    );
    assert_eq!(
        reply.body["allowed_mentions"],
        serde_json::json!({"parse": [], "users": [], "roles": [], "replied_user": false})
    );
    bot.signal("TERM");
    let (status, stderr) = bot.wait(Duration::from_secs(5)).await;
    assert!(
        status.success(),
        "graceful exit on SIGTERM: {status:?}\n{stderr}"
    );
    assert!(stderr.contains("shutting down"), "{stderr}");
    assert!(
        !stderr.contains(TOKEN),
        "the token must never be logged, even at trace level"
    );
    assert!(
        !stderr.contains("fake.token-for-tests-only"),
        "not even part of it"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no ANSI escapes when stderr is a pipe"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_are_one_object_per_line_without_the_token() {
    let fake = FakeDiscord::start().await;
    let api = fake.url();
    let mut bot = Process::answering(
        &api,
        &[],
        &[("REQDOCTOR_LOG_FORMAT", "json"), ("RUST_LOG", "trace")],
    );
    fake.wait_ready().await;
    fake.send_message(message(1_900_000_000_000_000_201, ERROR_14));
    fake.reply_to(1_900_000_000_000_000_201).await;
    let stderr = bot.terminate(Duration::from_secs(5)).await;
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 5, "{stderr}");
    for line in &lines {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not one JSON object per line ({e}): {line}"));
        assert!(v["level"].is_string() && v["fields"].is_object(), "{line}");
    }
    assert!(
        lines.iter().any(|l| l.contains("\"message\":\"answered\"")),
        "the answer is logged: {stderr}"
    );
    assert!(
        !stderr.contains("fake.token-for-tests-only"),
        "the token is never logged"
    );
    assert!(!stderr.contains('\u{1b}'), "no ANSI escapes");

    let (status, stderr) = Process::spawn(&["run"], &[("REQDOCTOR_LOG_FORMAT", "xml")])
        .wait(Duration::from_secs(5))
        .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("REQDOCTOR_LOG_FORMAT: `xml` is not text or json"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_answers_from_its_bundled_knowledge() {
    let fake = FakeDiscord::start().await;
    let api = fake.url();
    let mut bot = Process::answering_bundled(&api, &[], &[]);
    fake.wait_ready().await;
    fake.send_message(message(1_900_000_000_000_000_101, ERROR_14));
    let reply = fake.reply_to(1_900_000_000_000_000_101).await;
    assert_eq!(reply.status, 200, "within Discord's limits");
    assert_eq!(
        reply.body["embeds"][0]["footer"]["text"],
        "alipay.error.14 · reqdoctor"
    );
    bot.terminate(Duration::from_secs(5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_binary_cleanly() {
    let fake = FakeDiscord::start().await;
    let api = fake.url();
    let mut bot = Process::answering(&api, &["--guild", &GUILD.to_string()], &[]);
    fake.wait_ready().await;
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "PUT")
            .map(|r| r.path.clone())
            .collect::<Vec<_>>(),
        [format!(
            "/api/v10/applications/{BOT}/guilds/{GUILD}/commands"
        )],
        "--guild registers in one guild"
    );
    bot.signal("INT");
    let (status, stderr) = bot.wait(Duration::from_secs(5)).await;
    assert!(status.success(), "{status:?}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_is_a_clear_401_error_without_the_token() {
    let fake = FakeDiscord::start().await;
    let api = fake.url();
    let wrong = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.wrong.secret-value-123";
    let mut bot = Process::spawn(
        &["run"],
        &[
            ("DISCORD_TOKEN", wrong),
            ("REQDOCTOR_DISCORD_API", &api),
            ("RUST_LOG", "debug"),
        ],
    );
    let (status, stderr) = bot.wait(Duration::from_secs(5)).await;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "reqdoctor: Discord rejected the bot token (401 Unauthorized): check DISCORD_TOKEN"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("secret-value-123"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_message_content_intent_says_where_to_enable_it() {
    let fake = FakeDiscord::start().await;
    fake.close_on_identify(4014);
    let api = fake.url();
    let mut bot = Process::run(&api, &[], &[]);
    let (status, stderr) = bot.wait(Duration::from_secs(5)).await;
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("close code 4014"), "{stderr}");
    assert!(
        stderr.contains("Developer Portal → your application → Bot → Privileged Gateway Intents → Message Content Intent"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_errors_are_actionable() {
    let (status, stderr) = Process::spawn(&["run"], &[])
        .wait(Duration::from_secs(5))
        .await;
    assert_eq!(status.code(), Some(2));
    assert!(stderr.contains("DISCORD_TOKEN is not set"), "{stderr}");

    let (status, stderr) = Process::spawn(
        &["run", "--config", "/nonexistent/reqdoctor.toml"],
        &[("DISCORD_TOKEN", TOKEN)],
    )
    .wait(Duration::from_secs(5))
    .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("cannot read config file /nonexistent/reqdoctor.toml: "),
        "{stderr}"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bot.toml");
    std::fs::write(&config, "autoreply_channel = [1]\n").unwrap();
    let (status, stderr) = Process::spawn(
        &["run", "--config", config.to_str().unwrap()],
        &[("DISCORD_TOKEN", TOKEN)],
    )
    .wait(Duration::from_secs(5))
    .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("unknown field `autoreply_channel`"),
        "{stderr}"
    );

    let (status, stderr) = Process::spawn(
        &["run"],
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("REQDOCTOR_AUTOREPLY_CHANNELS", "help-channel"),
        ],
    )
    .wait(Duration::from_secs(5))
    .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("REQDOCTOR_AUTOREPLY_CHANNELS: `help-channel` is not a Discord id"),
        "{stderr}"
    );
    assert!(!stderr.contains(TOKEN));

    // A database this bot cannot use, and a PostgreSQL URL whose port is not a number:
    // named, with the password hidden.
    let (status, stderr) = Process::spawn(
        &["run"],
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("DATABASE_URL", "mysql://bot:pw@db/x"),
        ],
    )
    .wait(Duration::from_secs(5))
    .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("DATABASE_URL: `mysql://` is not a database this bot supports"),
        "{stderr}"
    );
    let (status, stderr) = Process::spawn(
        &["run"],
        &[
            ("DISCORD_TOKEN", TOKEN),
            ("DATABASE_URL", "postgres://bot:s3cret@db:port/x"),
        ],
    )
    .wait(Duration::from_secs(5))
    .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("reqdoctor: database postgres://bot:***@db:port/x: "),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret"), "{stderr}");

    // Nothing listens there: retried, then one clear line. (Port 1: a port bound and dropped
    // here was once taken by another test's fake Discord during the retries, which then
    // accepted the token.)
    let api = "http://127.0.0.1:1".to_string();
    let (status, stderr) = Process::run(&api, &[], &[])
        .wait(Duration::from_secs(5))
        .await;
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains(&format!("reqdoctor: cannot reach Discord's API at {api}: ")),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
}
