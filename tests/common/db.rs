//! Real databases for tests: a SQLite file in a temp dir, and a fresh database on the
//! PostgreSQL server named by `REQDOCTOR_TEST_POSTGRES` (an admin URL, e.g.
//! `postgres://reqdoctor:reqdoctor@127.0.0.1:5432/postgres`). Without that variable the
//! Postgres half of a test is skipped with a note, unless `REQDOCTOR_REQUIRE_POSTGRES=1`
//! (CI sets it), which turns the skip into a failure.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use reqdoctor::store::{Location, Store};
use sqlx::Connection;

/// One test's database.
pub struct TestDb {
    /// Where it is.
    pub location: Location,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    /// A new SQLite file.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("reqdoctor.db");
        TestDb {
            location: Location::Sqlite(path),
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new, empty PostgreSQL database, or None (with a note) when no server is configured.
    pub async fn postgres() -> Option<TestDb> {
        let admin = match std::env::var("REQDOCTOR_TEST_POSTGRES") {
            Ok(url) if !url.trim().is_empty() => url,
            _ => {
                if std::env::var("REQDOCTOR_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                    panic!("REQDOCTOR_REQUIRE_POSTGRES=1 but REQDOCTOR_TEST_POSTGRES is not set");
                }
                eprintln!("note: REQDOCTOR_TEST_POSTGRES is not set; skipping the PostgreSQL half of this test");
                return None;
            }
        };
        let name = format!(
            "reqdoctor_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"));
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        conn.close().await.ok();
        let url = match admin.rfind('/') {
            Some(i) if admin[..i].contains("://") && i > admin.find("://").unwrap() + 2 => {
                let query = admin[i..].find('?').map(|q| &admin[i + q..]).unwrap_or("");
                format!("{}/{name}{query}", &admin[..i])
            }
            _ => format!("{admin}/{name}"),
        };
        Some(TestDb {
            location: Location::Postgres(url),
            _dir: None,
            postgres: Some((admin, name)),
        })
    }

    /// A migrated store on this database (a new "process").
    pub async fn store(&self) -> Store {
        Store::connect(&self.location).await.expect("open store")
    }

    /// Drops a PostgreSQL test database (SQLite files go with their temp dir).
    pub async fn finish(self) {
        if let Some((admin, name)) = &self.postgres {
            if let Ok(mut conn) = sqlx::PgConnection::connect(admin).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn)
                    .await;
                conn.close().await.ok();
            }
        }
    }

    /// Another process's connection holding this SQLite file's write lock, with an
    /// uncommitted change of `paused` to `paused`, until it rolls back or is dropped.
    pub async fn hold_write_lock(&self, paused: bool) -> sqlx::SqliteConnection {
        use sqlx::Executor;
        let Location::Sqlite(path) = &self.location else {
            panic!("only a SQLite file has a write lock to hold");
        };
        let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("second connection");
        other.execute("BEGIN IMMEDIATE").await.expect("write lock");
        sqlx::query("UPDATE guild_settings SET paused = $1")
            .bind(i64::from(paused))
            .execute(&mut other)
            .await
            .expect("uncommitted write");
        other
    }

    /// The location as a string for `DATABASE_URL` / `--database`.
    pub fn url(&self) -> String {
        match &self.location {
            Location::Sqlite(p) => p.display().to_string(),
            Location::Postgres(u) => u.clone(),
        }
    }
}

/// Runs one async test body against SQLite and against PostgreSQL.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = $crate::common::db::TestDb::sqlite();
                super::$name(&db).await;
                db.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                reqdoctor_no_postgres,
                ignore = "REQDOCTOR_TEST_POSTGRES is not set: PostgreSQL not tested"
            )]
            async fn postgres() {
                if let Some(db) = $crate::common::db::TestDb::postgres().await {
                    super::$name(&db).await;
                    db.finish().await;
                }
            }
        }
    };
}
