//! The store against real databases: SQLite always, PostgreSQL when
//! `REQDOCTOR_TEST_POSTGRES` names a server (CI starts one). Every test body runs on both.

mod common;

use std::time::Duration;

use common::db::TestDb;
use reqdoctor::matcher::Channel;
use reqdoctor::store::{
    ChannelSetting, Confidence, Location, Recorded, ReplyLanguage, ReplyLink, ReviewItem,
    ReviewKind, SentReply, SettingChange, Store, StoreError, Tally, Vote, DAY,
};

const GUILD: u64 = 1_100_000_000_000_000_001;
const NOW: i64 = 1_790_000_000;

async fn settings_survive_a_restart(db: &TestDb) {
    let store = db.store().await;
    let fresh = store.guild_settings(GUILD).await.unwrap();
    assert!(fresh.channels.is_empty() && !fresh.paused && fresh.review_log && fresh.maybe);
    assert_eq!(fresh.cooldown, None);
    let after = store
        .change_settings(
            GUILD,
            &[
                SettingChange::AddChannel(7),
                SettingChange::AddChannel(8),
                SettingChange::RemoveChannel(9),
                SettingChange::Cooldown(Duration::from_secs(300)),
                SettingChange::Language(ReplyLanguage::Zh),
                SettingChange::Confidence(Confidence::Strict),
                SettingChange::Paused(true),
                SettingChange::ReviewLog(false),
                SettingChange::Maybe(false),
            ],
            NOW,
        )
        .await
        .unwrap();
    let on = ChannelSetting::On(Channel::Support);
    assert_eq!(
        after
            .channels
            .iter()
            .map(|(c, on)| (*c, *on))
            .collect::<Vec<_>>(),
        vec![(7, on), (8, on), (9, ChannelSetting::Off)]
    );
    store
        .change_settings(GUILD, &[SettingChange::RemoveChannel(8)], NOW)
        .await
        .unwrap();
    store.close().await;

    // A new process on the same database.
    let again = db.store().await;
    let s = again.guild_settings(GUILD).await.unwrap();
    assert_eq!(s.channels.get(&7), Some(&on));
    assert_eq!(s.channels.get(&8), Some(&ChannelSetting::Off));
    assert_eq!(s.cooldown, Some(Duration::from_secs(300)));
    assert_eq!(s.language, Some(ReplyLanguage::Zh));
    assert_eq!(s.confidence, Some(Confidence::Strict));
    assert!(s.paused && !s.review_log && !s.maybe);
    // Other servers are untouched.
    assert_eq!(
        again.guild_settings(GUILD + 1).await.unwrap(),
        Default::default()
    );
}
on_both_backends!(settings_survive_a_restart);

async fn channel_kinds_and_the_maybe_switch_survive_a_reopen(db: &TestDb) {
    let store = db.store().await;
    store
        .change_settings(
            GUILD,
            &[
                SettingChange::AddChannelAs(7, Channel::Team),
                SettingChange::AddChannelAs(8, Channel::Support),
                SettingChange::AddChannel(9),
                SettingChange::Maybe(false),
            ],
            NOW,
        )
        .await
        .unwrap();
    // Re-adding changes the kind; removing and re-adding without one makes it support.
    store
        .change_settings(
            GUILD,
            &[
                SettingChange::AddChannelAs(8, Channel::Team),
                SettingChange::RemoveChannel(9),
            ],
            NOW,
        )
        .await
        .unwrap();
    store.close().await;

    let again = db.store().await;
    let s = again.guild_settings(GUILD).await.unwrap();
    assert_eq!(s.channels.get(&7), Some(&ChannelSetting::On(Channel::Team)));
    assert_eq!(s.channels.get(&8), Some(&ChannelSetting::On(Channel::Team)));
    assert_eq!(s.channels.get(&9), Some(&ChannelSetting::Off));
    assert!(!s.maybe);
    let s = again
        .change_settings(
            GUILD,
            &[SettingChange::AddChannel(9), SettingChange::Maybe(true)],
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(
        s.channels.get(&9),
        Some(&ChannelSetting::On(Channel::Support))
    );
    assert!(s.maybe);
}
on_both_backends!(channel_kinds_and_the_maybe_switch_survive_a_reopen);

/// A database written before channel kinds existed: its channels become support channels
/// and its servers keep 💡 on.
async fn rows_from_before_0002_become_support_channels(db: &TestDb) {
    use sqlx::migrate::Migrator;
    let old = tempfile::tempdir().unwrap();
    let flavour = match db.location {
        Location::Sqlite(_) => "sqlite",
        Location::Postgres(_) => "postgres",
    };
    let first = format!(
        "{}/migrations/{flavour}/0001_init.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::copy(&first, old.path().join("0001_init.sql")).unwrap();
    let migrator = Migrator::new(old.path()).await.unwrap();
    let insert = [
        "INSERT INTO guild_settings (guild_id, paused, review_log, updated_at) VALUES (5, 0, 1, 1)",
        "INSERT INTO guild_channels (guild_id, channel_id, enabled) VALUES (5, 70, 1)",
        "INSERT INTO guild_channels (guild_id, channel_id, enabled) VALUES (5, 71, 0)",
    ];
    match &db.location {
        Location::Sqlite(path) => {
            let pool = sqlx::SqlitePool::connect_with(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true),
            )
            .await
            .unwrap();
            migrator.run(&pool).await.unwrap();
            for q in insert {
                sqlx::query(q).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        Location::Postgres(url) => {
            let pool = sqlx::PgPool::connect(url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            for q in insert {
                sqlx::query(q).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
    let store = db.store().await;
    let s = store.guild_settings(5).await.unwrap();
    assert_eq!(
        s.channels.get(&70),
        Some(&ChannelSetting::On(Channel::Support))
    );
    assert_eq!(s.channels.get(&71), Some(&ChannelSetting::Off));
    assert!(s.maybe);
    store.close().await;
}
on_both_backends!(rows_from_before_0002_become_support_channels);

async fn two_processes_see_each_others_changes(db: &TestDb) {
    let a = db.store().await;
    let b = db.store().await;
    a.change_settings(GUILD, &[SettingChange::Paused(true)], NOW)
        .await
        .unwrap();
    assert!(b.guild_settings(GUILD).await.unwrap().paused);
    b.change_settings(GUILD, &[SettingChange::Paused(false)], NOW + 1)
        .await
        .unwrap();
    assert!(!a.guild_settings(GUILD).await.unwrap().paused);
}
on_both_backends!(two_processes_see_each_others_changes);

fn vote(reply: u64, user: u64, helpful: bool) -> Vote {
    Vote {
        entry_id: "alipay.error.14".into(),
        reply_id: reply,
        user_id: user,
        helpful,
    }
}

async fn one_vote_per_user_per_reply(db: &TestDb) {
    let store = db.store().await;
    let (r, t) = store.record_vote(&vote(1, 10, true), NOW).await.unwrap();
    assert_eq!(
        (r, t),
        (
            Recorded::New,
            Tally {
                helpful: 1,
                not_helpful: 0
            }
        )
    );
    let (r, _) = store.record_vote(&vote(1, 10, true), NOW).await.unwrap();
    assert_eq!(r, Recorded::Unchanged);
    let (r, t) = store.record_vote(&vote(1, 11, false), NOW).await.unwrap();
    assert_eq!(
        (r, t),
        (
            Recorded::New,
            Tally {
                helpful: 1,
                not_helpful: 1
            }
        )
    );
    // A second click changes the vote instead of adding one.
    let (r, t) = store.record_vote(&vote(1, 10, false), NOW).await.unwrap();
    assert_eq!(
        (r, t),
        (
            Recorded::Changed,
            Tally {
                helpful: 0,
                not_helpful: 2
            }
        )
    );
    // The same person on another reply is another vote.
    store.record_vote(&vote(2, 10, true), NOW).await.unwrap();
    store.close().await;

    let again = db.store().await;
    assert_eq!(
        again.tally("alipay.error.14").await.unwrap(),
        Tally {
            helpful: 1,
            not_helpful: 2
        }
    );
    assert_eq!(
        again.tally("wechat.errmsg.timeout").await.unwrap(),
        Tally::default()
    );
    let per_entry = again.votes_since(NOW - DAY).await.unwrap();
    assert_eq!(per_entry.len(), 1);
    assert_eq!(
        per_entry[0].tally,
        Tally {
            helpful: 1,
            not_helpful: 2
        }
    );
    assert!(again.votes_since(NOW + 1).await.unwrap().is_empty());
}
on_both_backends!(one_vote_per_user_per_reply);

fn review(text: &str, kind: ReviewKind, at: i64) -> ReviewItem {
    ReviewItem {
        guild_id: GUILD,
        channel_id: 5,
        kind,
        entry_id: (kind == ReviewKind::Downvoted).then(|| "alipay.error.14".to_string()),
        text: text.to_string(),
        at,
    }
}

async fn review_log_keeps_30_days_of_clipped_text(db: &TestDb) {
    let store = db.store().await;
    let long = "我的 my.request 一直报错".repeat(60);
    assert!(store
        .log_review(&review(&long, ReviewKind::Unanswered, NOW - 40 * DAY), None)
        .await
        .unwrap());
    assert!(store
        .log_review(
            &review("wx.request 报错 -1", ReviewKind::Unanswered, NOW),
            None
        )
        .await
        .unwrap());
    assert!(store
        .log_review(
            &review("error 14 again", ReviewKind::Downvoted, NOW),
            Some(77)
        )
        .await
        .unwrap());
    // A second 👎 on the same reply is not a second row.
    assert!(!store
        .log_review(
            &review("error 14 again", ReviewKind::Downvoted, NOW),
            Some(77)
        )
        .await
        .unwrap());
    let all = store.review_since(0).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].text.chars().count(), 500, "oldest first, clipped");
    assert_eq!(all[2].kind, ReviewKind::Downvoted);
    assert_eq!(all[2].entry_id.as_deref(), Some("alipay.error.14"));

    assert_eq!(store.purge_review(NOW - 30 * DAY).await.unwrap(), 1);
    assert_eq!(store.review_since(0).await.unwrap().len(), 2);
    assert_eq!(store.forget_review(GUILD + 1).await.unwrap(), 0);
    assert_eq!(store.forget_review(GUILD).await.unwrap(), 2);
    assert!(store.review_since(0).await.unwrap().is_empty());
}
on_both_backends!(review_log_keeps_30_days_of_clipped_text);

async fn replies_per_entry_per_day(db: &TestDb) {
    let store = db.store().await;
    let day0 = (NOW / DAY) * DAY;
    for (i, (entry, at)) in [
        ("alipay.error.14", day0 + 10),
        ("alipay.error.14", day0 + 20),
        ("alipay.error.14", day0 + DAY + 5),
        ("wechat.errmsg.timeout", day0 + DAY + 6),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .record_reply(&SentReply {
                reply_id: 900 + i as u64,
                guild_id: Some(GUILD),
                channel_id: 5,
                entry_id: entry.into(),
                at,
            })
            .await
            .unwrap();
    }
    // An edited reply that now shows another entry is counted once, for the new entry.
    store
        .record_reply(&SentReply {
            reply_id: 901,
            guild_id: Some(GUILD),
            channel_id: 5,
            entry_id: "wechat.errmsg.timeout".into(),
            at: day0 + 20,
        })
        .await
        .unwrap();
    let days = store.daily_replies_since(day0).await.unwrap();
    let got: Vec<(String, i64, u64)> = days
        .into_iter()
        .map(|d| (d.entry_id, d.day - day0 / DAY, d.replies))
        .collect();
    assert_eq!(
        got,
        vec![
            ("alipay.error.14".to_string(), 0, 1),
            ("wechat.errmsg.timeout".to_string(), 0, 1),
            ("alipay.error.14".to_string(), 1, 1),
            ("wechat.errmsg.timeout".to_string(), 1, 1),
        ]
    );
}
on_both_backends!(replies_per_entry_per_day);

async fn reply_links_survive_a_reopen_and_go_with_either_message(db: &TestDb) {
    let store = db.store().await;
    let link = |question: u64, reply: u64, entry: Option<&str>, at: i64| ReplyLink {
        question_id: question,
        reply_id: reply,
        guild_id: Some(GUILD),
        channel_id: 5,
        entry_id: entry.map(Into::into),
        lookup: entry.is_none(),
        at,
    };
    store
        .link_reply(&link(1, 11, Some("alipay.error.14"), NOW))
        .await
        .unwrap();
    store.link_reply(&link(2, 12, None, NOW)).await.unwrap();
    store
        .link_reply(&link(3, 13, Some("http.500"), NOW - 3 * DAY))
        .await
        .unwrap();
    // Discord ids use all 64 bits.
    let big = u64::MAX - 7;
    store
        .link_reply(&link(big, big - 1, None, NOW))
        .await
        .unwrap();
    store.close().await;

    let store = db.store().await;
    assert_eq!(
        store.reply_link(1).await.unwrap(),
        Some(link(1, 11, Some("alipay.error.14"), NOW))
    );
    assert_eq!(
        store.reply_link(2).await.unwrap(),
        Some(link(2, 12, None, NOW))
    );
    assert_eq!(
        store.reply_link(big).await.unwrap().unwrap().reply_id,
        big - 1
    );
    assert_eq!(store.reply_link(99).await.unwrap(), None);
    // An edit that changes the entry keeps the link and its time.
    store
        .relink_entry(1, Some("alipay.error.11"))
        .await
        .unwrap();
    assert_eq!(
        store.reply_link(1).await.unwrap(),
        Some(link(1, 11, Some("alipay.error.11"), NOW))
    );
    // Deleting the question hands back its link; deleting a reply forgets its link.
    assert_eq!(
        store.forget_message(1).await.unwrap(),
        Some(link(1, 11, Some("alipay.error.11"), NOW))
    );
    assert_eq!(store.reply_link(1).await.unwrap(), None);
    assert_eq!(store.forget_message(12).await.unwrap(), None);
    assert_eq!(store.reply_link(2).await.unwrap(), None);
    // Old links are purged with the message claims.
    assert_eq!(store.purge_links(NOW - 2 * DAY).await.unwrap(), 1);
    assert_eq!(store.reply_link(3).await.unwrap(), None);
}
on_both_backends!(reply_links_survive_a_reopen_and_go_with_either_message);

#[tokio::test]
async fn an_unreachable_database_is_an_error_not_a_hang() {
    // Nothing listens on port 9 of localhost.
    let store = Store::open(&Location::Postgres(
        "postgres://bot:hunter2@127.0.0.1:9/reqdoctor".into(),
    ))
    .unwrap()
    .with_op_timeout(Duration::from_millis(500));
    let started = std::time::Instant::now();
    let e = store.migrate().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(matches!(
        store.guild_settings(GUILD).await,
        Err(StoreError::NotReady(_))
    ));
}

#[tokio::test]
async fn a_locked_sqlite_file_fails_fast_and_recovers() {
    use sqlx::Executor;
    let db = TestDb::sqlite();
    let store = db
        .store()
        .await
        .with_op_timeout(Duration::from_millis(1500));
    store
        .change_settings(GUILD, &[SettingChange::Paused(true)], NOW)
        .await
        .unwrap();
    // Another process holds the write lock.
    let mut other = db.hold_write_lock(false).await;
    let started = std::time::Instant::now();
    let e = store
        .change_settings(GUILD, &[SettingChange::ReviewLog(false)], NOW)
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5), "{e}");
    // Readers still see the last committed state while the writer holds its lock.
    assert!(store.guild_settings(GUILD).await.unwrap().paused);
    other.execute("ROLLBACK").await.unwrap();
    let s = store
        .change_settings(GUILD, &[SettingChange::ReviewLog(false)], NOW)
        .await
        .unwrap();
    assert!(s.paused && !s.review_log);
}

/// The crash test's child: writes channel n and cooldown n in one transaction, forever,
/// printing each committed n. Does nothing unless the parent started it.
#[tokio::test]
async fn crash_child() {
    let Ok(url) = std::env::var("REQDOCTOR_CRASH_CHILD_DB") else {
        return;
    };
    let store = Store::connect(&Location::parse(&url)).await.unwrap();
    for n in 1u64.. {
        store
            .change_settings(
                GUILD,
                &[
                    SettingChange::AddChannel(n),
                    SettingChange::Cooldown(Duration::from_secs(n)),
                ],
                NOW,
            )
            .await
            .unwrap();
        println!("committed {n}");
    }
}

async fn a_crash_mid_write_loses_nothing_committed(db: &TestDb) {
    use std::io::BufRead;
    db.store().await.close().await;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
        .env("REQDOCTOR_CRASH_CHILD_DB", db.url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut last = 0u64;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(n) = line.strip_prefix("committed ") {
            last = n.trim().parse().unwrap();
            if last >= 25 {
                break;
            }
        }
    }
    // SIGKILL: no destructors, no rollback, possibly in the middle of a transaction.
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(last >= 25, "the child never got going");

    let store = db.store().await;
    let s = store.guild_settings(GUILD).await.unwrap();
    let top = *s.channels.keys().max().unwrap();
    assert!(top >= last, "a committed write was lost: {top} < {last}");
    assert_eq!(
        s.cooldown,
        Some(Duration::from_secs(top)),
        "channel and cooldown were written in one transaction"
    );
    assert_eq!(s.channels.len() as u64, top, "no gaps");
}
on_both_backends!(a_crash_mid_write_loses_nothing_committed);

/// A PostgreSQL test that cannot run is listed as ignored (with the reason) by `cargo test`,
/// not as `ok`: build.rs marks them when no server is named, unless CI requires one.
#[test]
fn postgres_tests_are_marked_ignored_exactly_when_no_server_is_named() {
    let named = std::env::var("REQDOCTOR_TEST_POSTGRES").is_ok_and(|v| !v.trim().is_empty());
    let required = std::env::var("REQDOCTOR_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    assert_eq!(cfg!(reqdoctor_no_postgres), !named && !required);
}
