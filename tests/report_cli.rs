//! `reqdoctor report` as a user runs it: the built binary reading a database the bot wrote,
//! on SQLite and on PostgreSQL.

mod common;

use std::process::Command;

use common::db::TestDb;
use reqdoctor::store::{now, ReviewItem, ReviewKind, SentReply, Vote, DAY};
use serde_json::Value;

const GUILD: u64 = 1_200_000_000_000_000_001;

/// A week of bot life: replies, votes and review-log rows, written through the store.
async fn fill(db: &TestDb) {
    let store = db.store().await;
    let t = now();
    for (i, (entry, age_days)) in [
        ("alipay.error.14", 0),
        ("alipay.error.14", 1),
        ("alipay.error.14", 2),
        ("wechat.fail.domain-list", 1),
        ("alipay.error.14", 40),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .record_reply(&SentReply {
                reply_id: 10 + i as u64,
                guild_id: Some(GUILD),
                channel_id: 5,
                entry_id: entry.into(),
                at: t - age_days * DAY,
            })
            .await
            .unwrap();
    }
    for (user, entry, helpful) in [
        (1, "alipay.error.14", true),
        (2, "alipay.error.14", true),
        (3, "wechat.fail.domain-list", false),
    ] {
        let vote = Vote {
            entry_id: entry.into(),
            reply_id: 10,
            user_id: user,
            helpful,
        };
        store.record_vote(&vote, t).await.unwrap();
    }
    for (text, kind, entry) in [
        (
            "my.request 报错 error: 99 怎么办",
            ReviewKind::Unanswered,
            None,
        ),
        (
            "my.request 报错 error：99 怎么办？",
            ReviewKind::Unanswered,
            None,
        ),
        (
            "my.request 报错 error 99 怎么办",
            ReviewKind::Unanswered,
            None,
        ),
        (
            "wx.request fails with errno 123456 on iOS",
            ReviewKind::Unanswered,
            None,
        ),
        (
            "request:fail url not in domain list but it is listed",
            ReviewKind::Downvoted,
            Some("wechat.fail.domain-list"),
        ),
    ] {
        let item = ReviewItem {
            guild_id: GUILD,
            channel_id: 5,
            kind,
            entry_id: entry.map(String::from),
            text: text.into(),
            at: t - DAY,
        };
        store.log_review(&item, None).await.unwrap();
    }
    store.close().await;
}

fn report(db: &TestDb, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_reqdoctor"))
        .arg("report")
        .args(["--database", &db.url()])
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("REQDOCTOR_DATABASE")
        .output()
        .expect("run reqdoctor report")
}

async fn reports_what_the_bot_wrote(db: &TestDb) {
    fill(db).await;
    let out = report(db, &["--since", "7d", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    // The 40-day-old reply is outside the week.
    assert_eq!(json["totals"]["replies"], 4, "{json:#}");
    // The three spellings of the same error 99 question are one group.
    let top = &json["unanswered"][0];
    assert_eq!(top["count"], 3, "{json:#}");
    assert!(top["text"].as_str().unwrap().contains("99"));
    assert_eq!(json["unanswered"].as_array().unwrap().len(), 2);
    // The worst helpful ratio first, with the question people voted 👎 on.
    let worst = &json["worst_helpful"][0];
    assert_eq!(worst["entry_id"], "wechat.fail.domain-list");
    assert_eq!(worst["not_helpful"], 1);
    assert!(worst["samples"][0]
        .as_str()
        .unwrap()
        .contains("url not in domain list"));
    // Titles come from the bundled knowledge.
    assert_ne!(worst["title"], "wechat.fail.domain-list");

    let table = report(db, &[]);
    assert!(table.status.success());
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(text.contains("error: 99"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let html = report(
        db,
        &[
            "--since",
            "30d",
            "--format",
            "html",
            "-o",
            page.to_str().unwrap(),
        ],
    );
    assert!(html.status.success());
    let page = std::fs::read_to_string(page).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>") || page.starts_with("<!doctype html>"));
    assert!(page.contains("<svg"), "a chart");
}
on_both_backends!(reports_what_the_bot_wrote);

#[test]
fn a_missing_database_is_a_clear_error_and_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.db");
    let out = Command::new(env!("CARGO_BIN_EXE_reqdoctor"))
        .args(["report", "--database", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no database at"), "{err}");
    assert!(!path.exists());
}

#[test]
fn a_bad_age_is_rejected_by_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_reqdoctor"))
        .args(["report", "--since", "7y"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--since"), "{err}");
}

/// `report` reads and never writes: a file without the bot's tables is reported as such and
/// left as it was (it used to be migrated), and a `sqlite://…?mode=ro` URL names the file
/// before the `?` (it used to be "no database at …?mode=ro").
#[test]
fn a_database_without_tables_is_reported_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let plain = path.to_str().unwrap().to_string();
    for database in [plain.clone(), format!("sqlite://{plain}?mode=ro")] {
        let out = Command::new(env!("CARGO_BIN_EXE_reqdoctor"))
            .args(["report", "--database", &database])
            .env_remove("DATABASE_URL")
            .env_remove("REQDOCTOR_DATABASE")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{database}: {err}");
        assert!(err.contains("has no reqdoctor tables"), "{database}: {err}");
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0, "{database}");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

/// An unreachable PostgreSQL names the cause once (it used to be "pool timed out" three
/// times). Nothing listens on port 1.
#[test]
fn an_unreachable_postgres_names_the_cause() {
    let out = Command::new(env!("CARGO_BIN_EXE_reqdoctor"))
        .args([
            "report",
            "--database",
            "postgres://bot:s3cret@127.0.0.1:1/x",
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.matches("Connection refused").count(), 1, "{err}");
    assert!(!err.contains("timed out"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}
