//! `/metrics` (Prometheus text format) and `/healthz` on `REQDOCTOR_METRICS_ADDR`: a tiny
//! HTTP server beside the bot, so an orchestrator can scrape it and restart a stuck process.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use poise::serenity_prelude as serenity;

use super::shards::Shards;
use crate::store::Store;

/// How long `/healthz` waits for the store.
const STORE_PING_LIMIT: Duration = Duration::from_secs(1);

/// What the endpoints look at.
#[derive(Clone)]
struct Probe {
    manager: Arc<serenity::ShardManager>,
    shards: Shards,
    store: Store,
}

impl Probe {
    /// (connected, expected) shards of this process. With `auto` the count is known once
    /// serenity has asked Discord, so every shard it set up must be connected.
    async fn shards(&self) -> (usize, usize) {
        let runners = self.manager.runners.lock().await;
        let connected = runners
            .values()
            .filter(|r| r.stage == serenity::ConnectionStage::Connected)
            .count();
        let expected = match self.shards.local_count() {
            Some(n) => n as usize,
            None => runners.len().max(1),
        };
        (connected, expected)
    }
}

/// Binds `addr` now (so a busy port is a start-up error) and serves until the process ends.
pub async fn start(
    addr: std::net::SocketAddr,
    manager: Arc<serenity::ShardManager>,
    shards: Shards,
    store: Store,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let app = Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(Probe {
            manager,
            shards,
            store,
        });
    tracing::info!(%addr, "serving /metrics and /healthz");
    Ok(tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!("metrics server stopped: {e}");
        }
    }))
}

async fn metrics(State(probe): State<Probe>) -> impl IntoResponse {
    crate::metrics::shards_connected(probe.shards().await.0);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        crate::metrics::render(),
    )
}

async fn healthz(State(probe): State<Probe>) -> (StatusCode, String) {
    let (connected, expected) = probe.shards().await;
    crate::metrics::shards_connected(connected);
    let mut problems = Vec::new();
    if connected < expected {
        problems.push(format!(
            "{connected} of {expected} gateway shards connected"
        ));
    }
    match tokio::time::timeout(STORE_PING_LIMIT, probe.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => problems.push(format!("store: {e}")),
        Err(_) => {
            crate::metrics::store_timeout();
            problems.push(format!("store: no answer within {STORE_PING_LIMIT:?}"));
        }
    }
    if problems.is_empty() {
        (
            StatusCode::OK,
            format!("ok: {connected} of {expected} shards connected, store answers\n"),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unhealthy: {}\n", problems.join("; ")),
        )
    }
}
