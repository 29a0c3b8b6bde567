//! Store speed on a real SQLite file (and on PostgreSQL when `REQDOCTOR_TEST_POSTGRES` names
//! a server): the calls the bot makes per message and per click. A settings read is what a
//! message waits for on a cache miss; votes and replies are written after the answer is out.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use reqdoctor::store::{Location, ReviewItem, ReviewKind, SentReply, SettingChange, Store, Vote};

const GUILD: u64 = 1_200_000_000_000_000_001;

fn bench_backend(c: &mut Criterion, name: &str, location: Location) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store = runtime.block_on(async {
        let store = Store::connect(&location).await.expect("store");
        store
            .change_settings(
                GUILD,
                &[
                    SettingChange::AddChannel(10),
                    SettingChange::AddChannel(11),
                    SettingChange::Cooldown(Duration::from_secs(300)),
                ],
                1,
            )
            .await
            .expect("settings");
        store
    });
    let mut g = c.benchmark_group(format!("store_{name}"));
    g.bench_function("guild_settings", |b| {
        b.to_async(&runtime)
            .iter(|| async { store.guild_settings(GUILD).await.expect("read") })
    });
    let mut n = 0u64;
    g.bench_function("record_vote", |b| {
        b.to_async(&runtime).iter(|| {
            n += 1;
            let vote = Vote {
                entry_id: "alipay.error.14".into(),
                reply_id: n,
                user_id: 7,
                helpful: n % 3 != 0,
            };
            let store = &store;
            async move { store.record_vote(&vote, 1).await.expect("vote") }
        })
    });
    let mut m = 0u64;
    g.bench_function("record_reply", |b| {
        b.to_async(&runtime).iter(|| {
            m += 1;
            let sent = SentReply {
                reply_id: m,
                guild_id: Some(GUILD),
                channel_id: 10,
                entry_id: "alipay.error.14".into(),
                at: 1,
            };
            let store = &store;
            async move { store.record_reply(&sent).await.expect("reply") }
        })
    });
    g.bench_function("log_review", |b| {
        b.to_async(&runtime).iter(|| {
            let item = ReviewItem {
                guild_id: GUILD,
                channel_id: 10,
                kind: ReviewKind::Unanswered,
                entry_id: None,
                text: "my.request 一直报错，不知道为什么".into(),
                at: 1,
            };
            let store = &store;
            async move { store.log_review(&item, None).await.expect("review") }
        })
    });
    g.finish();
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    bench_backend(c, "sqlite", Location::Sqlite(dir.path().join("bench.db")));
    if let Ok(admin) = std::env::var("REQDOCTOR_TEST_POSTGRES") {
        // A fresh database per run, so rows from earlier runs do not skew the numbers.
        let name = format!("reqdoctor_bench_{}", std::process::id());
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => return,
        };
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin).await.expect("admin");
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .expect("create");
        });
        bench_backend(c, "postgres", Location::Postgres(url));
        runtime.block_on(async {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
            }
        });
    } else {
        eprintln!("note: REQDOCTOR_TEST_POSTGRES is not set; PostgreSQL is not benchmarked");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
