//! Soak: many messages through the fake Discord into two `reqdoctor run` processes that
//! split four shards (`0-1/4` and `2-3/4`), as the fleet runs in production.
//!
//! `cargo bench --bench soak` sends `SOAK_MESSAGES` messages (default 100,000) over eight
//! servers, at most `WINDOW` unanswered at a time, and prints replies per second, p50/p99
//! reply latency (dispatch → the reply's POST arriving), each process's RSS at the start and
//! the end, and how many messages were answered twice (must be 0). `SOAK_DATABASE_URL`
//! (PostgreSQL) puts both processes on one store. Run without `--bench`
//! (as `cargo test --all-targets` does) it sends 40, as a smoke test.

#[path = "../tests/bot_process/mod.rs"]
mod bot_process;
#[path = "../tests/fake_discord/mod.rs"]
mod fake_discord;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bot_process::Process;
use fake_discord::{ids::AUTO, in_guild, message, move_to_guild, FakeDiscord, TOKEN};

const GUILDS: u64 = 8;
/// Messages in flight at most: a steady load rather than one burst.
const WINDOW: usize = 200;
const ERROR_14: &str =
    "my.request fails:\n```\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n```";

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let total: u64 = if full {
        std::env::var("SOAK_MESSAGES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    } else {
        40
    };
    let fake = FakeDiscord::start().await;
    fake.set_guilds(GUILDS);
    let channels: Vec<String> = (0..GUILDS).map(|k| in_guild(k, AUTO).to_string()).collect();
    let channels = channels.join(",");
    // `SOAK_DATABASE_URL` (a PostgreSQL URL) puts both processes on one store, as in
    // production; without it each has its own SQLite file.
    let shared = std::env::var("SOAK_DATABASE_URL").ok();
    let procs: Vec<Process> = [("a", "0-1/4"), ("b", "2-3/4")]
        .iter()
        .map(|(tag, shards)| {
            let api = fake.url_for(tag);
            let mut env = vec![
                ("DISCORD_TOKEN", TOKEN),
                ("REQDOCTOR_DISCORD_API", api.as_str()),
                ("REQDOCTOR_SHARDS", shards),
                ("REQDOCTOR_AUTOREPLY_CHANNELS", channels.as_str()),
                ("REQDOCTOR_COOLDOWN_SECS", "0"),
                ("REQDOCTOR_USER_LIMIT", "0"),
                ("REQDOCTOR_REVIEW_LOG", "off"),
            ];
            if let Some(url) = &shared {
                env.push(("DATABASE_URL", url.as_str()));
            }
            Process::spawn_bundled(&["run"], &env)
        })
        .collect();
    fake.wait_identified(4, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_start: Vec<u64> = procs.iter().map(|p| rss_kib(p.id())).collect();

    // Replies arrive on a channel from the fake as it records them: the bench waits for
    // them instead of polling (copying the fake's whole request list every few
    // milliseconds would cost more than the bot's work as the list grows).
    let mut posts = fake.subscribe();
    let mut sent: HashMap<u64, Instant> = HashMap::with_capacity(total as usize);
    let mut latencies = Vec::with_capacity(total as usize);
    let mut answers: HashMap<u64, u32> = HashMap::with_capacity(total as usize);
    let count = |r: &fake_discord::Recorded,
                 answers: &mut HashMap<u64, u32>,
                 latencies: &mut Vec<Duration>,
                 sent: &HashMap<u64, Instant>| {
        if let (true, Some(trigger)) = (r.is_message_post(), r.reply_to()) {
            let n = answers.entry(trigger).or_default();
            *n += 1;
            if *n == 1 {
                if let Some(at) = sent.get(&trigger) {
                    latencies.push(r.at.saturating_duration_since(*at));
                }
            }
        }
    };
    let started = Instant::now();
    let mut next = 0u64;
    while (latencies.len() as u64) < total {
        while next < total && sent.len() - latencies.len() < WINDOW {
            let id = 1_990_000_000_000_000_000 + next;
            let mut m = message(id, ERROR_14);
            move_to_guild(&mut m, next % GUILDS);
            sent.insert(id, Instant::now());
            fake.send_message(m);
            next += 1;
        }
        match tokio::time::timeout(Duration::from_secs(30), posts.recv()).await {
            Ok(Some(r)) => count(&r, &mut answers, &mut latencies, &sent),
            Ok(None) => break,
            Err(_) => {
                eprintln!(
                    "soak: no request for 30 s; stopping at {} answers",
                    latencies.len()
                );
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    // Late duplicates would arrive within moments; give them the chance to.
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(r) = posts.try_recv() {
        count(&r, &mut answers, &mut latencies, &sent);
    }
    let rss_end: Vec<u64> = procs.iter().map(|p| rss_kib(p.id())).collect();
    latencies.sort();
    let twice = answers.values().filter(|n| **n > 1).count();
    println!(
        "soak: {} messages over 4 shards in 2 processes: {} answered in {:.1} s = {:.0} replies/s; \
         latency p50 {:.2} ms, p99 {:.2} ms; RSS start {:?} KiB, end {:?} KiB; answered twice: {twice}",
        total,
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        rss_start,
        rss_end,
    );
    assert_eq!(twice, 0, "no message is answered twice");
    assert_eq!(latencies.len() as u64, total, "every message answered");
    for p in &procs {
        p.signal("TERM");
    }
}
