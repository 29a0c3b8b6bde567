//! The bot under test: the real serenity + poise client in this process, on a real store,
//! against the fake Discord. Shared by the end-to-end test files.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use crate::common::db::TestDb;
use crate::fake_discord::{self, fixture, ids::*, message, sf, with, FakeDiscord, Recorded};
use reqdoctor::discord::{Bot, BotError, Settings, Setup, Stopper, Token};
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::Matcher;
use reqdoctor::store::Store;
use serde_json::{json, Value};
use tokio::task::JoinHandle;

/// A pasted fail object in a code block: alipay.error.14 in Auto mode.
pub const ERROR_14: &str =
    "my.request fails:\n```\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n```";
/// wechat.timeout in Auto mode (the sentinel that does get a reply).
pub const TIMEOUT: &str = "wx.request 一直报 {\"errMsg\":\"request:fail timeout\"}";
/// alipay.error.11 in Auto mode.
pub const ERROR_11: &str = "my.request 报错 error: 11 无权跨域调用";
/// Chatter: nothing to answer.
pub const CHATTER: &str = "anyone up for lunch? the build is green again";
/// Every test's upper bound.
pub const TEST_LIMIT: Duration = Duration::from_secs(10);

pub fn knowledge_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discord/knowledge")
}

pub fn mid(n: u64) -> u64 {
    1_700_000_000_000_000_000 + n
}

pub struct Running {
    pub fake: FakeDiscord,
    pub stopper: Stopper,
    pub store: Store,
    pub task: JoinHandle<Result<(), BotError>>,
    _db: Option<TestDb>,
}

pub async fn start_with(adjust: impl FnOnce(&mut Settings)) -> Running {
    let db = TestDb::sqlite();
    let mut running = start_on(&db, adjust).await;
    running._db = Some(db);
    running
}

/// A bot on an existing database (a restart keeps what the last run stored).
pub async fn start_on(db: &TestDb, adjust: impl FnOnce(&mut Settings)) -> Running {
    start_full(db.store().await, None, adjust).await
}

/// A bot on `store`, answering from (and watching) `knowledge` when given, else from the
/// fixture knowledge without reloads.
pub async fn start_full(
    store: Store,
    knowledge: Option<std::path::PathBuf>,
    adjust: impl FnOnce(&mut Settings),
) -> Running {
    let dir = knowledge.clone().unwrap_or_else(knowledge_dir);
    let knowledge_set = Knowledge::from_dir(&dir).expect("fixture knowledge");
    start_knowledge(store, knowledge_set, knowledge, adjust).await
}

/// A bot answering from the knowledge built into the binary (not watched), on a fresh
/// SQLite store. For behaviour that needs the real entries, such as channel kinds and 💡
/// offers; such tests check the matcher's verdict on their messages first, so a knowledge
/// change shows up as a clear fixture failure rather than a puzzling silence.
pub async fn start_bundled(adjust: impl FnOnce(&mut Settings)) -> Running {
    let db = TestDb::sqlite();
    let knowledge = Knowledge::bundled().expect("bundled knowledge");
    let mut running = start_knowledge(db.store().await, knowledge, None, adjust).await;
    running._db = Some(db);
    running
}

/// A bot on `store` answering from `knowledge_set`; `watch` is the directory to reload
/// from, if any.
pub async fn start_knowledge(
    store: Store,
    knowledge_set: Knowledge,
    watch: Option<std::path::PathBuf>,
    adjust: impl FnOnce(&mut Settings),
) -> Running {
    let knowledge = watch;
    let fake = FakeDiscord::start().await;
    let mut settings = Settings {
        discord_api: Some(fake.url()),
        autoreply_channels: [AUTO].into(),
        ..Settings::default()
    };
    adjust(&mut settings);
    let matcher = Matcher::new(Arc::new(knowledge_set))
        .unwrap()
        .with_auto_threshold(settings.auto_confidence);
    let setup = Setup {
        settings,
        matcher,
        store: store.clone(),
        knowledge_dir: knowledge,
    };
    let bot = Bot::connect(setup, &Token::new(fake_discord::TOKEN).unwrap())
        .await
        .expect("bot connects");
    let stopper = bot.stopper();
    let task = tokio::spawn(bot.run(std::future::pending()));
    fake.wait_ready().await;
    Running {
        fake,
        stopper,
        store,
        task,
        _db: None,
    }
}

/// A message by alice in the support channel with these attachments.
pub fn with_files(id: u64, content: &str, files: Vec<Value>) -> Value {
    with(
        message(id, content),
        &[("attachments", Value::Array(files))],
    )
}

/// A bot on the bundled knowledge whose CDN is the fake, with no cooldown or per-user
/// limit (several messages in the attachment tests get the same answer on purpose).
pub async fn start_cdn() -> Running {
    start_bundled(|s| {
        s.cdn_url = s.discord_api.clone();
        s.cooldown = Duration::ZERO;
        s.user_limit = 1000;
    })
    .await
}

pub async fn start() -> Running {
    start_with(|_| {}).await
}

impl Running {
    pub async fn stop(self) {
        self.stopper.stop().await;
        let result = tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("the bot stops within 5 s")
            .expect("the bot task does not panic");
        result.expect("a clean shutdown");
    }

    /// Sends `sentinel` (which must be answered) and returns every accepted message post
    /// once its reply is there.
    pub async fn posts_after_sentinel(&self, id: u64) -> Vec<Recorded> {
        self.fake.send_message(message(id, TIMEOUT));
        self.fake.reply_to(id).await;
        self.fake.message_posts()
    }

    /// Whether the fake accepted a reply to message `trigger`.
    pub fn replied_to(&self, trigger: u64) -> bool {
        self.fake
            .message_posts()
            .iter()
            .any(|p| p.reply_to() == Some(trigger))
    }

    /// Waits until `n` requests like [`Running::requests`] have arrived (a failing call's
    /// attempts), within `within`; returns them.
    pub async fn wait_requests(
        &self,
        method: &str,
        path_contains: &str,
        n: usize,
        within: Duration,
    ) -> Vec<Recorded> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let got = self.requests(method, path_contains);
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "{n} {method} {path_contains} within {within:?}, got {}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits for the bot to edit its reply `reply` in AUTO, checks that the edit shows
    /// `entry` and pings nobody, and returns it.
    pub async fn reply_edited(&self, reply: u64, entry: &str) -> Recorded {
        let patch = self
            .fake
            .wait_for("the reply's edit", Duration::from_secs(5), |r| {
                r.method == "PATCH"
            })
            .await;
        assert_eq!(
            patch.path,
            format!("/api/v10/channels/{AUTO}/messages/{reply}")
        );
        assert_eq!(
            patch.body["embeds"][0]["footer"]["text"],
            format!("{entry} · reqdoctor")
        );
        assert_no_pings(&patch.body);
        patch
    }

    /// Deletes question `question` as Discord would and checks that the bot deletes its
    /// reply `reply` in AUTO.
    pub async fn question_deleted(&self, question: u64, reply: u64) {
        self.fake.dispatch(
            "MESSAGE_DELETE",
            fixture("message_delete.json", &[("ID", sf(question))]),
        );
        let del = self
            .fake
            .wait_for("the reply's deletion", Duration::from_secs(5), |r| {
                r.method == "DELETE"
            })
            .await;
        assert_eq!(
            del.path,
            format!("/api/v10/channels/{AUTO}/messages/{reply}")
        );
    }

    pub fn requests(&self, method: &str, path_contains: &str) -> Vec<Recorded> {
        self.fake
            .requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.contains(path_contains))
            .collect()
    }
}

/// Runs a test body with the overall time limit.
pub async fn limited<F: std::future::Future<Output = ()>>(f: F) {
    tokio::time::timeout(TEST_LIMIT, f)
        .await
        .expect("test finished within its limit");
}

pub fn field<'a>(embed: &'a Value, name: &str) -> &'a str {
    embed["fields"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["name"] == name))
        .and_then(|f| f["value"].as_str())
        .unwrap_or_else(|| panic!("no field {name} in {embed:#}"))
}

pub fn assert_no_pings(body: &Value) {
    assert_eq!(
        body["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": [], "replied_user": false}),
        "allowed_mentions must be empty: {body:#}"
    );
}

pub fn assert_interaction_no_pings(body: &Value) {
    assert_eq!(
        body["data"]["allowed_mentions"],
        json!({"parse": [], "users": [], "roles": [], "replied_user": false}),
        "allowed_mentions must be empty: {body:#}"
    );
}

pub fn interaction(name: &str, fill: &[(&str, Value)], id: u64) -> Value {
    let mut fill = fill.to_vec();
    fill.push(("ID", sf(id)));
    fill.push(("TOKEN", json!(format!("itoken-{id}"))));
    fixture(name, &fill)
}

pub fn callback_path(id: u64) -> String {
    format!("/api/v10/interactions/{id}/itoken-{id}/callback")
}

pub fn button(custom_id: &str, reply: u64, id: u64, user: Option<(u64, &str)>) -> Value {
    let mut v = interaction(
        "interaction_button.json",
        &[("CUSTOM_ID", json!(custom_id)), ("MESSAGE", sf(reply))],
        id,
    );
    if let Some((uid, perms)) = user {
        v["member"]["user"]["id"] = sf(uid);
        v["member"]["permissions"] = json!(perms);
    }
    v
}
