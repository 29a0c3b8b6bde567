//! End-to-end reply latency: from the fake Discord dispatching MESSAGE_CREATE on the gateway
//! to the fake receiving the reply's `POST /channels/{id}/messages`, through the real
//! serenity + poise client, the policy, the matcher and the embed.
//!
//! `cargo bench --bench reply_latency` sends 200 messages one at a time (after 20 to warm
//! up) and prints p50/p90/p99/max. Run without `--bench` (as `cargo test --all-targets`
//! does) it only sends a few, as a smoke test. Target: p99 under 5 ms.

#[path = "../tests/fake_discord/mod.rs"]
mod fake_discord;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_discord::{ids::AUTO, message, FakeDiscord};
use reqdoctor::discord::{Bot, Settings, Setup, Token};
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::Matcher;
use reqdoctor::store::{Location, Store};

const MESSAGES: [&str; 4] = [
    "my.request fails:\n```\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n```",
    "my.request 报错 error: 11 无权跨域调用",
    "wx.request 一直报 {\"errMsg\":\"request:fail timeout\"}",
    "支付宝小程序 my.request 可以自定义 referer 吗",
];

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (warmup, measured) = if full { (20, 200) } else { (2, 5) };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let fake = FakeDiscord::start().await;
        let settings = Settings {
            discord_api: Some(fake.url()),
            autoreply_channels: [AUTO].into(),
            // Every message is answered: no cooldown, no per-user limit.
            cooldown: Duration::ZERO,
            user_limit: 0,
            ..Settings::default()
        };
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/discord/knowledge");
        let knowledge = Knowledge::from_dir(&dir).expect("fixture knowledge");
        let matcher = Matcher::new(Arc::new(knowledge)).expect("matcher");
        let db_dir = tempfile::tempdir().expect("temp dir");
        let store = Store::connect(&Location::Sqlite(db_dir.path().join("bench.db")))
            .await
            .expect("store");
        let setup = Setup { settings, matcher, store, knowledge_dir: None };
        let bot = Bot::connect(setup, &Token::new(fake_discord::TOKEN).unwrap())
            .await
            .expect("bot connects");
        let stopper = bot.stopper();
        let task = tokio::spawn(bot.run(std::future::pending()));
        fake.wait_ready().await;

        let mut latencies = Vec::with_capacity(measured);
        for n in 0..(warmup + measured) {
            let id = 1_950_000_000_000_000_000 + n as u64;
            let text = MESSAGES[n % MESSAGES.len()];
            let event = message(id, text);
            let sent = Instant::now();
            fake.send_message(event);
            let reply = fake.reply_to(id).await;
            if n >= warmup {
                latencies.push(reply.at.saturating_duration_since(sent));
            }
        }
        stopper.stop().await;
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;

        latencies.sort();
        let mean = latencies.iter().sum::<Duration>() / latencies.len() as u32;
        println!(
            "reply latency over {} messages (dispatch → reply POST received): p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms, mean {:.2} ms",
            latencies.len(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.90).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().unwrap().as_secs_f64() * 1e3,
            mean.as_secs_f64() * 1e3,
        );
        if full && percentile(&latencies, 0.99) > Duration::from_millis(5) {
            println!("WARNING: p99 is above the 5 ms target");
        }
    });
}
