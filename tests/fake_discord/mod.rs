//! A fake Discord on 127.0.0.1: REST over plain HTTP and a websocket gateway, enough for the
//! real serenity client to connect, receive events and answer them.
//!
//! It records every REST request for assertions, can fail the next matching requests with
//! 429 or 500, can close the gateway with any close code, replays events on RESUME, and
//! checks message bodies against Discord's own limits (HTTP 400, code 50035), so a test
//! fails where Discord would.
//!
//! Sharding as Discord does it: the fake learns the `shard` field of each IDENTIFY, answers
//! `GET /gateway/bot` with a recommended count, sends each shard the GUILD_CREATE of its own
//! servers and routes each event to shard `(guild_id >> 22) % total` (direct messages to
//! shard 0). Several bot processes can connect at once; give each a client tag with
//! [`FakeDiscord::url_for`] to see which process made which request.
//!
//! Payloads come from `tests/fixtures/discord/*.json`, shaped as Discord sends them.
//! Placeholders `"{{NAME}}"` (whole strings or object keys) are filled by [`fixture`].

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

/// The bot token the fake accepts.
pub const TOKEN: &str = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.fake.token-for-tests-only";

/// Ids used by the fixtures.
pub mod ids {
    /// The bot user and its application.
    pub const BOT: u64 = 1100000000000000001;
    /// The guild.
    pub const GUILD: u64 = 1200000000000000001;
    /// #mini-program-help, the auto-reply channel.
    pub const AUTO: u64 = 1200000000000000010;
    /// #general, not an auto-reply channel.
    pub const OTHER: u64 = 1200000000000000011;
    /// A thread under AUTO that GUILD_CREATE lists.
    pub const THREAD: u64 = 1200000000000000020;
    /// A thread under AUTO only `GET /channels/{id}` knows.
    pub const THREAD_UNCACHED: u64 = 1200000000000000021;
    /// The DM channel with alice.
    pub const DM: u64 = 1300000000000000001;
    /// The asker.
    pub const ALICE: u64 = 1400000000000000001;
    /// Another member.
    pub const BOB: u64 = 1400000000000000002;
    /// A member with Manage Messages.
    pub const MOD: u64 = 1400000000000000003;
    /// Another bot.
    pub const OTHER_BOT: u64 = 1400000000000000009;
}

/// Manage Messages and the @everyone permissions, as an interaction's `member.permissions`.
pub const MOD_PERMISSIONS: &str = "277025483840";

/// One REST request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// HTTP method.
    pub method: String,
    /// Path without the query, e.g. `/api/v10/channels/1/messages`.
    pub path: String,
    /// JSON body (Null when empty or not JSON).
    pub body: Value,
    /// The status the fake answered.
    pub status: u16,
    /// The JSON the fake answered (Null for 204).
    pub response: Value,
    /// When it arrived (before the fake did anything with it).
    pub at: Instant,
    /// The client tag of the URL it came through ([`FakeDiscord::url_for`]).
    pub client: Option<String>,
}

impl Recorded {
    /// A `POST /channels/{c}/messages` that the fake accepted.
    pub fn is_message_post(&self) -> bool {
        self.method == "POST"
            && self.path.ends_with("/messages")
            && self.path.contains("/channels/")
            && self.status == 200
    }

    /// The id of the message the fake created or edited.
    pub fn created_id(&self) -> Option<u64> {
        self.response["id"].as_str().and_then(|s| s.parse().ok())
    }

    /// The replied-to message id of a message post.
    pub fn reply_to(&self) -> Option<u64> {
        self.body["message_reference"]["message_id"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| self.body["message_reference"]["message_id"].as_u64())
    }
}

enum WsCmd {
    Frame(String),
    Close(u16),
}

/// One shard's gateway session.
#[derive(Default)]
struct Shard {
    /// The open connection's sender, with its connection number.
    current: Option<(u64, mpsc::UnboundedSender<WsCmd>)>,
    seq: u64,
    /// Dispatch frames of the current session, by sequence.
    history: Vec<(u64, String)>,
    /// The session number (`fake-session-N`).
    session: u64,
}

#[derive(Default)]
struct Gateway {
    /// Sessions by shard id.
    shards: HashMap<u32, Shard>,
    /// The shard count the bot identified with (0: not yet, taken as 1).
    total: u32,
    /// The last session number given out.
    session: u64,
    /// (client tag, shard, total) of every IDENTIFY.
    identified: Vec<(Option<String>, u32, u32)>,
    /// The servers the bot is in, as indexes for [`guild`] (empty: just `GUILD`).
    guilds: Vec<u64>,
    /// What `GET /gateway/bot` recommends (0: 1).
    recommended: u32,
    /// On RESUME, also replay this many events the client already had.
    replay_overlap: usize,
    /// Close with this code on IDENTIFY.
    identify_close: Option<u16>,
    identifies: u64,
    resumes: u64,
    connections: u64,
}

struct Failure {
    method: String,
    path_contains: String,
    status: u16,
    remaining: u32,
    /// A 429's `retry_after` in seconds (body) and `Retry-After` header.
    retry_after: f64,
}

struct Inner {
    addr: SocketAddr,
    requests: Mutex<Vec<Recorded>>,
    notify: Notify,
    gateway: Mutex<Gateway>,
    failures: Mutex<Vec<Failure>>,
    next_id: AtomicU64,
    /// (channel, nonce) → message, for `enforce_nonce`.
    nonces: Mutex<HashMap<(String, String), Value>>,
    /// While true, message posts wait before they are answered.
    hold: tokio::sync::watch::Sender<bool>,
    /// Message posts that arrived while held.
    held: AtomicU64,
    /// Attachment path → what the fake CDN serves there.
    files: Mutex<HashMap<String, Served>>,
    /// Receivers of every request recorded from their subscription on.
    subscribers: Mutex<Vec<mpsc::UnboundedSender<Recorded>>>,
    /// Channel id → what `GET /channels/{id}` answers (besides `THREAD_UNCACHED`).
    channels: Mutex<HashMap<String, Value>>,
}

/// The server with index `k`: `GUILD` for 0, and for others an id `k << 22` higher, so that
/// `(id >> 22) % total` walks through the shards as `k` grows.
pub fn guild(k: u64) -> u64 {
    ids::GUILD + (k << 22)
}

/// The id in server `k` of what is `id` in server 0 (its channels, threads and roles).
pub fn in_guild(k: u64, id: u64) -> u64 {
    id + (k << 22)
}

/// Moves a payload written for server 0 into server `k`: every id of server 0's range
/// (the server, its roles, channels and threads) is shifted; users and messages stay.
pub fn move_to_guild(v: &mut Value, k: u64) {
    match v {
        Value::String(s) => {
            if let Ok(id) = s.parse::<u64>() {
                if (ids::GUILD..ids::GUILD + 1000).contains(&id) {
                    *s = in_guild(k, id).to_string();
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| move_to_guild(i, k)),
        Value::Object(map) => map.values_mut().for_each(|i| move_to_guild(i, k)),
        _ => {}
    }
}

/// The shard Discord sends an event to: the server's, or shard 0 without a server.
fn shard_of(d: &Value, total: u32) -> u32 {
    let guild = d["guild_id"]
        .as_str()
        .and_then(|g| g.parse::<u64>().ok())
        .unwrap_or(0);
    ((guild >> 22) % u64::from(total.max(1))) as u32
}

/// A file on the fake CDN: its status, body, and a wait before the answer.
#[derive(Debug, Clone)]
pub struct Served {
    /// HTTP status.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
    /// How long to wait before answering.
    pub delay: Duration,
}

/// A running fake Discord.
#[derive(Clone)]
pub struct FakeDiscord {
    inner: Arc<Inner>,
}

/// Reads a fixture (once; later calls copy it from memory) and fills its placeholders.
pub fn fixture(name: &str, fill: &[(&str, Value)]) -> Value {
    static CACHE: OnceLock<Mutex<HashMap<String, Value>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let cached = cache.lock().unwrap().get(name).cloned();
    let mut v = match cached {
        Some(v) => v,
        None => {
            let path = format!(
                "{}/tests/fixtures/discord/{name}",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
            let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
            cache.lock().unwrap().insert(name.to_string(), v.clone());
            v
        }
    };
    fill_placeholders(&mut v, fill);
    v
}

fn fill_placeholders(v: &mut Value, fill: &[(&str, Value)]) {
    match v {
        Value::String(s) if s.starts_with("{{") && s.ends_with("}}") => {
            let key = &s[2..s.len() - 2];
            if let Some((_, value)) = fill.iter().find(|(k, _)| *k == key) {
                *v = value.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| fill_placeholders(i, fill)),
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for k in keys {
                let mut child = map.remove(&k).unwrap_or(Value::Null);
                fill_placeholders(&mut child, fill);
                let new_key = match k.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) {
                    Some(name) => fill
                        .iter()
                        .find(|(n, _)| *n == name)
                        .and_then(|(_, v)| v.as_str().map(str::to_string))
                        .unwrap_or(k),
                    None => k,
                };
                map.insert(new_key, child);
            }
        }
        _ => {}
    }
}

/// A snowflake as Discord writes it: a string.
pub fn sf(id: u64) -> Value {
    Value::String(id.to_string())
}

/// A MESSAGE_CREATE `d` in the auto-reply channel by alice; change fields with [`with`].
pub fn message(id: u64, content: &str) -> Value {
    fixture(
        "message_create.json",
        &[("ID", sf(id)), ("CONTENT", json!(content))],
    )
}

/// A DM from alice.
pub fn dm(id: u64, content: &str) -> Value {
    fixture(
        "message_create_dm.json",
        &[("ID", sf(id)), ("CONTENT", json!(content))],
    )
}

/// A MESSAGE_REACTION_ADD `d`: `user` added `emoji` to `message` (written by alice) in
/// `channel`, with the member object Discord sends in a server.
pub fn reaction_add(message: u64, channel: u64, user: u64, emoji: &str) -> Value {
    let m = fixture(
        "message_create.json",
        &[("ID", sf(message)), ("CONTENT", json!(""))],
    );
    let mut member = m["member"].clone();
    let mut who = if user == ids::BOT {
        fixture("user_me.json", &[])
    } else {
        m["author"].clone()
    };
    who["id"] = sf(user);
    if user != ids::BOT {
        who["username"] = json!(format!("user{user}"));
    }
    member["user"] = who;
    json!({
        "user_id": sf(user),
        "channel_id": sf(channel),
        "message_id": sf(message),
        "guild_id": sf(ids::GUILD),
        "member": member,
        "emoji": {"id": null, "name": emoji},
        "message_author_id": sf(ids::ALICE),
        "burst": false,
        "burst_colors": [],
        "type": 0
    })
}

/// Decodes the `%XX` escapes of a URL path segment (an emoji in a reaction path).
pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `v` with top-level fields replaced.
pub fn with(mut v: Value, fields: &[(&str, Value)]) -> Value {
    for (k, x) in fields {
        v[*k] = x.clone();
    }
    v
}

/// What the fake answers: a status, a JSON body (Null: none) and extra headers.
struct Out {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
}

fn discord_error(status: u16, code: u64, message: &str) -> Out {
    Out {
        status,
        body: json!({"message": message, "code": code}),
        headers: Vec::new(),
    }
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

/// Discord's checks on a message body: content 2,000; embed title 256, description 4,096,
/// 25 fields of name 256 and value 1,024, footer 2,048, 6,000 in all; 10 embeds.
fn check_limits(body: &Value) -> Result<(), String> {
    if chars(&body["content"]) > 2000 {
        return Err("content: Must be 2000 or fewer in length.".into());
    }
    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if embeds.len() > 10 {
        return Err("embeds: Must be 10 or fewer in length.".into());
    }
    for (i, e) in embeds.iter().enumerate() {
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        let checks = [
            ("title", chars(&e["title"]), 256),
            ("description", chars(&e["description"]), 4096),
            ("footer.text", chars(&e["footer"]["text"]), 2048),
            ("fields", fields.len(), 25),
        ];
        for (what, n, max) in checks {
            if n > max {
                return Err(format!(
                    "embeds.{i}.{what}: Must be {max} or fewer in length."
                ));
            }
        }
        let mut total = chars(&e["title"]) + chars(&e["description"]) + chars(&e["footer"]["text"]);
        for (j, f) in fields.iter().enumerate() {
            if chars(&f["name"]) > 256 || chars(&f["name"]) == 0 {
                return Err(format!(
                    "embeds.{i}.fields.{j}.name: Must be between 1 and 256 in length."
                ));
            }
            if chars(&f["value"]) > 1024 || chars(&f["value"]) == 0 {
                return Err(format!(
                    "embeds.{i}.fields.{j}.value: Must be between 1 and 1024 in length."
                ));
            }
            total += chars(&f["name"]) + chars(&f["value"]);
        }
        if total > 6000 {
            return Err(format!(
                "embeds.{i}: Embed size exceeds maximum size of 6000"
            ));
        }
    }
    Ok(())
}

impl FakeDiscord {
    /// Starts on 127.0.0.1 with a free port.
    pub async fn start() -> FakeDiscord {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let inner = Arc::new(Inner {
            addr,
            requests: Mutex::new(Vec::new()),
            notify: Notify::new(),
            gateway: Mutex::new(Gateway::default()),
            failures: Mutex::new(Vec::new()),
            next_id: AtomicU64::new(1_600_000_000_000_000_001),
            nonces: Mutex::new(HashMap::new()),
            hold: tokio::sync::watch::channel(false).0,
            held: AtomicU64::new(0),
            files: Mutex::new(HashMap::new()),
            subscribers: Mutex::new(Vec::new()),
            channels: Mutex::new(HashMap::new()),
        });
        let fake = FakeDiscord { inner };
        let app = Router::new()
            .route("/gw", get(gateway))
            .route("/c/{tag}/gw", get(tagged_gateway))
            .route("/attachments/{*path}", get(cdn))
            .fallback(rest)
            .with_state(fake.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        fake
    }

    /// The REST base URL to give the bot (`REQDOCTOR_DISCORD_API`).
    pub fn url(&self) -> String {
        format!("http://{}", self.inner.addr)
    }

    /// The REST base URL for one of several bot processes: its requests and gateway
    /// sessions carry `tag`.
    pub fn url_for(&self, tag: &str) -> String {
        format!("http://{}/c/{tag}", self.inner.addr)
    }

    fn gateway_url(&self, tag: Option<&str>) -> String {
        match tag {
            Some(t) => format!("ws://{}/c/{t}/gw", self.inner.addr),
            None => format!("ws://{}/gw", self.inner.addr),
        }
    }

    /// The bot is in servers `0..n` ([`guild`]); each shard gets the GUILD_CREATE of its own.
    pub fn set_guilds(&self, n: u64) {
        self.inner.gateway.lock().unwrap().guilds = (0..n).collect();
    }

    /// `GET /gateway/bot` recommends `n` shards.
    pub fn recommend_shards(&self, n: u32) {
        self.inner.gateway.lock().unwrap().recommended = n;
    }

    /// (client tag, shard, total) of every IDENTIFY so far.
    pub fn identified(&self) -> Vec<(Option<String>, u32, u32)> {
        self.inner.gateway.lock().unwrap().identified.clone()
    }

    /// Waits until `n` IDENTIFYs have been answered (serenity starts the shards of one
    /// process 5 s apart).
    pub async fn wait_identified(&self, n: usize, within: Duration) {
        let deadline = Instant::now() + within;
        while self.identified().len() < n {
            assert!(
                Instant::now() < deadline,
                "only {:?} IDENTIFYs within {within:?}",
                self.identified()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// From now on message posts wait until [`FakeDiscord::release_posts`].
    pub fn hold_posts(&self) {
        self.inner.hold.send_replace(true);
    }

    /// Lets held message posts through.
    pub fn release_posts(&self) {
        self.inner.hold.send_replace(false);
    }

    /// Waits until `n` message posts are being held.
    pub async fn wait_held(&self, n: u64, within: Duration) {
        let deadline = Instant::now() + within;
        while self.inner.held.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "no held post within {within:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Serves `served` at `https://cdn.discordapp.com/attachments/{path}` (as the bot sees it
    /// with `cdn_url` set to [`FakeDiscord::url`]); returns that Discord URL.
    pub fn serve(&self, path: &str, served: Served) -> String {
        self.inner
            .files
            .lock()
            .unwrap()
            .insert(format!("/attachments/{path}"), served);
        format!("https://cdn.discordapp.com/attachments/{path}")
    }

    /// Makes `GET /channels/{id}` answer `channel` (a channel object with its `id`), as for
    /// a channel or thread the bot's cache has not seen.
    pub fn add_channel(&self, channel: Value) {
        let id = channel["id"].as_str().expect("a channel id").to_string();
        self.inner.channels.lock().unwrap().insert(id, channel);
    }

    /// A fresh snowflake.
    pub fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::SeqCst)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        method: &Method,
        path: &str,
        body: Value,
        status: u16,
        response: Value,
        at: Instant,
        client: Option<String>,
    ) {
        let r = Recorded {
            method: method.to_string(),
            path: path.to_string(),
            body,
            status,
            response,
            at,
            client,
        };
        self.inner
            .subscribers
            .lock()
            .unwrap()
            .retain(|tx| tx.send(r.clone()).is_ok());
        self.inner.requests.lock().unwrap().push(r);
        self.inner.notify.notify_waiters();
    }

    /// Every REST request from now on, as it is recorded: for a long run, which would
    /// spend its time copying [`FakeDiscord::requests`] if it polled it.
    pub fn subscribe(&self) -> mpsc::UnboundedReceiver<Recorded> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner.subscribers.lock().unwrap().push(tx);
        rx
    }

    /// Every REST request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.requests.lock().unwrap().clone()
    }

    /// Accepted message posts (replies) so far.
    pub fn message_posts(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(Recorded::is_message_post)
            .collect()
    }

    /// Waits until a request satisfies `pred`, or panics after `within`.
    pub async fn wait_for(
        &self,
        what: &str,
        within: Duration,
        pred: impl Fn(&Recorded) -> bool,
    ) -> Recorded {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let notified = self.inner.notify.notified();
            if let Some(r) = self.requests().into_iter().find(|r| pred(r)) {
                return r;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let seen: Vec<String> = self
                    .requests()
                    .iter()
                    .map(|r| format!("{} {} -> {}", r.method, r.path, r.status))
                    .collect();
                panic!(
                    "timed out after {within:?} waiting for {what}; requests so far:\n{}",
                    seen.join("\n")
                );
            }
        }
    }

    /// Waits for the accepted reply to message `trigger`.
    pub async fn reply_to(&self, trigger: u64) -> Recorded {
        self.wait_for(
            &format!("a reply to {trigger}"),
            Duration::from_secs(5),
            |r| r.is_message_post() && r.reply_to() == Some(trigger),
        )
        .await
    }

    /// Waits until the bot has registered its commands (poise's setup is done, so events
    /// are handled from now on).
    pub async fn wait_ready(&self) {
        self.wait_for("command registration", Duration::from_secs(5), |r| {
            r.method == "PUT" && r.path.contains("/commands")
        })
        .await;
    }

    /// Drops every pending injected failure.
    pub fn clear_failures(&self) {
        self.inner.failures.lock().unwrap().clear();
    }

    /// Fails the next `times` requests whose method is `method` and whose path contains
    /// `path_contains` with `status` (a 429 asks for a 0.05 s wait).
    pub fn fail_next(&self, method: &str, path_contains: &str, status: u16, times: u32) {
        self.inner.failures.lock().unwrap().push(Failure {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            status,
            remaining: times,
            retry_after: 0.05,
        });
    }

    /// Answers the next `times` requests like [`FakeDiscord::fail_next`] with a 429 whose
    /// body and headers ask for a wait of `retry_after` seconds.
    pub fn rate_limit_next(&self, method: &str, path_contains: &str, retry_after: f64, times: u32) {
        self.inner.failures.lock().unwrap().push(Failure {
            method: method.to_string(),
            path_contains: path_contains.to_string(),
            status: 429,
            remaining: times,
            retry_after,
        });
    }

    fn take_failure(&self, method: &Method, path: &str) -> Option<(u16, f64)> {
        let mut failures = self.inner.failures.lock().unwrap();
        let f = failures.iter_mut().find(|f| {
            f.remaining > 0 && f.method == method.as_str() && path.contains(&f.path_contains)
        })?;
        f.remaining -= 1;
        Some((f.status, f.retry_after))
    }

    /// Sends a dispatch event (`op 0`) to the shard of its server; kept for replay on
    /// RESUME.
    pub fn dispatch(&self, t: &str, d: Value) -> u64 {
        let mut gw = self.inner.gateway.lock().unwrap();
        let shard = shard_of(&d, gw.total);
        let sh = gw.shards.entry(shard).or_default();
        sh.seq += 1;
        let seq = sh.seq;
        let frame = json!({"op": 0, "s": seq, "t": t, "d": d}).to_string();
        sh.history.push((seq, frame.clone()));
        if let Some((_, tx)) = &sh.current {
            let _ = tx.send(WsCmd::Frame(frame));
        }
        seq
    }

    /// Sends MESSAGE_CREATE.
    pub fn send_message(&self, d: Value) -> u64 {
        self.dispatch("MESSAGE_CREATE", d)
    }

    /// Sends MESSAGE_REACTION_ADD: `user` reacted `emoji` on `message` in `channel`.
    pub fn add_reaction(&self, message: u64, channel: u64, user: u64, emoji: &str) -> u64 {
        self.dispatch(
            "MESSAGE_REACTION_ADD",
            reaction_add(message, channel, user, emoji),
        )
    }

    /// The bot's accepted reactions so far, as (message id, emoji).
    pub fn bot_reactions(&self) -> Vec<(u64, String)> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "PUT" && r.path.contains("/reactions/") && r.status == 204)
            .filter_map(|r| {
                let seg: Vec<&str> = r.path.split('/').collect();
                // /api/v10/channels/{c}/messages/{m}/reactions/{emoji}/@me
                let m = seg.get(6)?.parse().ok()?;
                Some((m, percent_decode(seg.get(8)?)))
            })
            .collect()
    }

    /// Closes every shard's gateway connection with `code` (the bot reconnects and resumes
    /// for 4000).
    pub fn close_gateway(&self, code: u16) {
        let mut gw = self.inner.gateway.lock().unwrap();
        for sh in gw.shards.values_mut() {
            if let Some((_, tx)) = sh.current.take() {
                let _ = tx.send(WsCmd::Close(code));
            }
        }
    }

    /// Closes every IDENTIFY with `code` (4004 bad token, 4014 disallowed intents).
    pub fn close_on_identify(&self, code: u16) {
        self.inner.gateway.lock().unwrap().identify_close = Some(code);
    }

    /// On RESUME, replay `n` events the bot already received too (at-least-once delivery).
    pub fn replay_overlap(&self, n: usize) {
        self.inner.gateway.lock().unwrap().replay_overlap = n;
    }

    /// (IDENTIFYs, RESUMEs, connections) so far.
    pub fn gateway_counts(&self) -> (u64, u64, u64) {
        let gw = self.inner.gateway.lock().unwrap();
        (gw.identifies, gw.resumes, gw.connections)
    }

    /// Waits until the bot has resumed `n` times.
    pub async fn wait_resumes(&self, n: u64, within: Duration) {
        let deadline = Instant::now() + within;
        while self.gateway_counts().1 < n {
            assert!(Instant::now() < deadline, "no RESUME within {within:?}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// A message the fake returns for a post to `channel`.
    fn created_message(&self, channel: &str, body: &Value) -> Value {
        let id = self.next_id();
        let mut m = fixture(
            "message_create.json",
            &[("ID", sf(id)), ("CONTENT", body["content"].clone())],
        );
        if m["content"].is_null() {
            m["content"] = json!("");
        }
        let obj = m.as_object_mut().unwrap();
        obj.remove("member");
        obj.remove("nonce");
        m["channel_id"] = json!(channel);
        m["author"] = fixture("user_me.json", &[]);
        let mut embeds = body["embeds"].as_array().cloned().unwrap_or_default();
        for e in &mut embeds {
            e["type"] = json!("rich");
        }
        m["embeds"] = Value::Array(embeds);
        m["components"] = body["components"].clone();
        if m["components"].is_null() {
            m["components"] = json!([]);
        }
        if body["message_reference"].is_object() {
            m["type"] = json!(19);
            m["message_reference"] = body["message_reference"].clone();
        }
        m
    }
}

async fn rest(
    State(fake): State<FakeDiscord>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let (client, path) = match uri
        .path()
        .strip_prefix("/c/")
        .and_then(|r| r.split_once('/'))
    {
        Some((tag, rest)) => (Some(tag.to_string()), format!("/{rest}")),
        None => (None, uri.path().to_string()),
    };
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if method == Method::POST && path.ends_with("/messages") && *fake.inner.hold.borrow() {
        let mut held = fake.inner.hold.subscribe();
        fake.inner.held.fetch_add(1, Ordering::SeqCst);
        while *held.borrow_and_update() {
            if held.changed().await.is_err() {
                break;
            }
        }
    }
    let out = route(&fake, &method, &path, &headers, &body, client.as_deref());
    fake.record(
        &method,
        &path,
        body,
        out.status,
        out.body.clone(),
        at,
        client,
    );
    let status = StatusCode::from_u16(out.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = if out.body.is_null() {
        status.into_response()
    } else {
        (status, axum::Json(out.body)).into_response()
    };
    for (k, v) in out.headers {
        response.headers_mut().insert(k, v.parse().unwrap());
    }
    response
}

fn route(
    fake: &FakeDiscord,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    client: Option<&str>,
) -> Out {
    let Some(rest) = path.strip_prefix("/api/v10") else {
        return discord_error(404, 0, "404: Not Found");
    };
    let seg: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let authorized = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bot {TOKEN}"));
    // Interaction callbacks and webhooks authenticate with the interaction token instead.
    let needs_auth = !matches!(
        seg.first(),
        Some(&"gateway") | Some(&"interactions") | Some(&"webhooks")
    );
    if needs_auth && !authorized {
        return discord_error(401, 0, "401: Unauthorized");
    }
    if let Some((status, retry_after)) = fake.take_failure(method, path) {
        return match status {
            429 => Out {
                status: 429,
                body: json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false}),
                headers: vec![
                    ("retry-after", retry_after.ceil().to_string()),
                    ("x-ratelimit-limit", "5".into()),
                    ("x-ratelimit-remaining", "0".into()),
                    ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                    ("x-ratelimit-bucket", "fake-bucket".into()),
                    ("x-ratelimit-scope", "user".into()),
                ],
            },
            s => discord_error(s, 0, &format!("{s}: Internal Server Error")),
        };
    }
    let ok = |body: Value| Out {
        status: 200,
        body,
        headers: Vec::new(),
    };
    let no_content = || Out {
        status: 204,
        body: Value::Null,
        headers: Vec::new(),
    };
    match (method.as_str(), seg.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({"url": fake.gateway_url(client)})),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": fake.gateway_url(client),
            "shards": fake.inner.gateway.lock().unwrap().recommended.max(1),
            "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14400000, "max_concurrency": 1}
        })),
        ("GET", ["users", "@me"]) => ok(fixture("user_me.json", &[])),
        ("PUT", ["applications", app, "commands"]) => ok(commands(body, app, None)),
        ("PUT", ["applications", app, "guilds", guild, "commands"]) => {
            ok(commands(body, app, Some(guild)))
        }
        ("GET", ["channels", id]) => {
            let added = fake.inner.channels.lock().unwrap().get(*id).cloned();
            if *id == ids::THREAD_UNCACHED.to_string() {
                ok(fixture("channel_thread.json", &[]))
            } else if let Some(channel) = added {
                ok(channel)
            } else {
                discord_error(404, 10003, "Unknown Channel")
            }
        }
        ("POST", ["channels", channel, "messages"]) => {
            if let Err(e) = check_limits(body) {
                return Out {
                    status: 400,
                    body: json!({"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": e}]}}),
                    headers: Vec::new(),
                };
            }
            let nonce = match &body["nonce"] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            if let (Some(nonce), true) = (&nonce, body["enforce_nonce"] == json!(true)) {
                let key = (channel.to_string(), nonce.clone());
                if let Some(existing) = fake.inner.nonces.lock().unwrap().get(&key) {
                    return ok(existing.clone());
                }
            }
            let m = fake.created_message(channel, body);
            if let Some(nonce) = nonce {
                fake.inner
                    .nonces
                    .lock()
                    .unwrap()
                    .insert((channel.to_string(), nonce), m.clone());
            }
            ok(m)
        }
        ("PATCH", ["channels", channel, "messages", id]) => {
            let mut m = fake.created_message(channel, body);
            m["id"] = json!(id);
            m["edited_timestamp"] = json!("2026-11-24T09:02:00.000000+00:00");
            ok(m)
        }
        ("DELETE", ["channels", _, "messages", _]) => no_content(),
        ("PUT", ["channels", channel, "messages", message, "reactions", emoji, "@me"]) => {
            // Discord tells every client about the bot's own reaction too.
            if let (Ok(c), Ok(m)) = (channel.parse::<u64>(), message.parse::<u64>()) {
                fake.add_reaction(m, c, ids::BOT, &percent_decode(emoji));
            }
            no_content()
        }
        ("POST", ["interactions", _, _, "callback"]) => no_content(),
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) | ("POST", ["webhooks", _, _]) => {
            ok(fake.created_message(&ids::AUTO.to_string(), body))
        }
        _ => discord_error(404, 0, "404: Not Found"),
    }
}

/// The answer to a bulk overwrite of application commands: the commands with ids.
fn commands(body: &Value, app: &str, guild: Option<&str>) -> Value {
    let list = body.as_array().cloned().unwrap_or_default();
    Value::Array(
        list.into_iter()
            .enumerate()
            .map(|(i, c)| {
                let mut out = json!({
                    "id": (1_500_000_000_000_000_001u64 + i as u64).to_string(),
                    "application_id": app,
                    "version": "1500000000000000100",
                    "default_member_permissions": null,
                    "type": c.get("type").cloned().unwrap_or(json!(1)),
                    "name": c["name"],
                    "name_localizations": null,
                    "description": c.get("description").cloned().unwrap_or(json!("")),
                    "description_localizations": null,
                    "dm_permission": true,
                    "contexts": null,
                    "integration_types": [0],
                    "nsfw": false,
                    "options": c.get("options").cloned().unwrap_or(json!([])),
                });
                if let Some(g) = guild {
                    out["guild_id"] = json!(g);
                }
                out
            })
            .collect(),
    )
}

/// The fake CDN: serves what [`FakeDiscord::serve`] registered (404 for anything else) and
/// records each GET like a REST call.
async fn cdn(State(fake): State<FakeDiscord>, uri: Uri) -> Response {
    let at = Instant::now();
    let path = uri.path().to_string();
    let served = fake.inner.files.lock().unwrap().get(&path).cloned();
    let served = served.unwrap_or(Served {
        status: 404,
        body: b"404: Not Found".to_vec(),
        delay: Duration::ZERO,
    });
    fake.record(
        &Method::GET,
        &path,
        Value::Null,
        served.status,
        Value::Null,
        at,
        None,
    );
    tokio::time::sleep(served.delay).await;
    let status = StatusCode::from_u16(served.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, served.body).into_response()
}

/// An attachment object as Discord sends it in a message.
pub fn attachment(id: u64, filename: &str, content_type: &str, url: &str, size: usize) -> Value {
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url.replace("https://cdn.discordapp.com", "https://media.discordapp.net"),
        "content_type": content_type,
    })
}

async fn gateway(State(fake): State<FakeDiscord>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| session(fake, socket, None))
}

async fn tagged_gateway(
    State(fake): State<FakeDiscord>,
    axum::extract::Path(tag): axum::extract::Path<String>,
    ws: WebSocketUpgrade,
) -> Response {
    ws.on_upgrade(move |socket| session(fake, socket, Some(tag)))
}

async fn session(fake: FakeDiscord, mut socket: WebSocket, tag: Option<String>) {
    let (tx, mut rx) = mpsc::unbounded_channel::<WsCmd>();
    let conn = {
        let mut gw = fake.inner.gateway.lock().unwrap();
        gw.connections += 1;
        gw.connections
    };
    let hello = json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": 41250, "_trace": ["[\"gateway-prd-fake\",{\"micros\":0.0}]"]}});
    if socket
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    Some(Ok(WsMessage::Text(t))) => t.to_string(),
                    Some(Ok(WsMessage::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                    _ => break,
                };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                for out in on_client_frame(&fake, conn, tag.as_deref(), &tx, &frame) {
                    match out {
                        WsCmd::Frame(f) => {
                            if socket.send(WsMessage::Text(f.into())).await.is_err() {
                                break;
                            }
                        }
                        WsCmd::Close(code) => {
                            let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: "closed by the fake".into() }))).await;
                            return;
                        }
                    }
                }
            }
            cmd = rx.recv() => match cmd {
                Some(WsCmd::Frame(f)) => {
                    if socket.send(WsMessage::Text(f.into())).await.is_err() {
                        break;
                    }
                }
                Some(WsCmd::Close(code)) => {
                    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: "closed by the fake".into() }))).await;
                    break;
                }
                None => break,
            }
        }
    }
    let mut gw = fake.inner.gateway.lock().unwrap();
    for sh in gw.shards.values_mut() {
        if sh.current.as_ref().is_some_and(|(c, _)| *c == conn) {
            sh.current = None;
        }
    }
}

/// Reacts to one client frame; returns frames to send on this connection, in order.
fn on_client_frame(
    fake: &FakeDiscord,
    conn: u64,
    tag: Option<&str>,
    tx: &mpsc::UnboundedSender<WsCmd>,
    frame: &Value,
) -> Vec<WsCmd> {
    let mut guard = fake.inner.gateway.lock().unwrap();
    let gw = &mut *guard;
    match frame["op"].as_u64() {
        // Heartbeat → ACK.
        Some(1) => vec![WsCmd::Frame(
            json!({"op": 11, "s": null, "t": null, "d": null}).to_string(),
        )],
        // IDENTIFY → READY + the GUILD_CREATE of this shard's servers (a new session).
        Some(2) => {
            gw.identifies += 1;
            let token = frame["d"]["token"].as_str().unwrap_or("");
            if token.strip_prefix("Bot ").unwrap_or(token) != TOKEN {
                return vec![WsCmd::Close(4004)];
            }
            if let Some(code) = gw.identify_close {
                return vec![WsCmd::Close(code)];
            }
            let id = frame["d"]["shard"][0].as_u64().unwrap_or(0) as u32;
            let total = frame["d"]["shard"][1].as_u64().unwrap_or(1).max(1) as u32;
            if id >= total {
                // Discord: 4010 Invalid shard.
                return vec![WsCmd::Close(4010)];
            }
            gw.total = total;
            gw.identified.push((tag.map(str::to_string), id, total));
            gw.session += 1;
            let session = gw.session;
            let guilds: Vec<u64> = if gw.guilds.is_empty() {
                vec![0]
            } else {
                gw.guilds.clone()
            };
            let mine: Vec<u64> = guilds
                .into_iter()
                .filter(|k| ((guild(*k) >> 22) % u64::from(total)) as u32 == id)
                .collect();
            let sh = gw.shards.entry(id).or_default();
            sh.session = session;
            sh.seq = 0;
            sh.history.clear();
            sh.current = Some((conn, tx.clone()));
            let mut ready = fixture(
                "ready.json",
                &[
                    ("SESSION", json!(format!("fake-session-{session}"))),
                    ("GATEWAY", json!(fake.gateway_url(tag))),
                ],
            );
            ready["shard"] = json!([id, total]);
            ready["guilds"] = mine
                .iter()
                .map(|k| json!({"id": sf(guild(*k)), "unavailable": true}))
                .collect();
            let mut events = vec![("READY", ready)];
            for k in &mine {
                let mut g = fixture("guild_create.json", &[]);
                move_to_guild(&mut g, *k);
                events.push(("GUILD_CREATE", g));
            }
            let mut out = Vec::new();
            for (t, d) in events {
                sh.seq += 1;
                let f = json!({"op": 0, "s": sh.seq, "t": t, "d": d}).to_string();
                sh.history.push((sh.seq, f.clone()));
                out.push(WsCmd::Frame(f));
            }
            out
        }
        // RESUME → missed events of that session (plus any configured overlap), then RESUMED.
        Some(6) => {
            gw.resumes += 1;
            let session = frame["d"]["session_id"]
                .as_str()
                .and_then(|s| s.strip_prefix("fake-session-"))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            let overlap = gw.replay_overlap;
            let id = gw
                .shards
                .iter()
                .find(|(_, sh)| sh.session == session)
                .map_or(0, |(id, _)| *id);
            let sh = gw.shards.entry(id).or_default();
            sh.current = Some((conn, tx.clone()));
            let from = frame["d"]["seq"].as_u64().unwrap_or(0);
            let already = sh.history.iter().filter(|(s, _)| *s <= from).count();
            let start = already.saturating_sub(overlap);
            let mut out: Vec<WsCmd> = sh.history[start..]
                .iter()
                .map(|(_, f)| WsCmd::Frame(f.clone()))
                .collect();
            sh.seq += 1;
            out.push(WsCmd::Frame(
                json!({"op": 0, "s": sh.seq, "t": "RESUMED", "d": {"_trace": ["fake"]}})
                    .to_string(),
            ));
            out
        }
        _ => Vec::new(),
    }
}
