//! A relay on 127.0.0.1 in front of `REQDOCTOR_DISCORD_API` that waits out a 429 for as long
//! as the answer asks.
//!
//! With a custom API base serenity's ratelimiter is off (it ignores the base, serenity#1739)
//! and serenity's error type keeps neither the 429's body nor its headers, so
//! [`super::rest::retry`] alone could only guess. serenity therefore sends its REST calls
//! here, and the relay forwards each one unchanged to the API. When the answer is a 429 the
//! relay reads how long to wait ([`retry_after`]), waits that long, and only then hands the
//! 429 back; the caller's retry then goes again once the limit has passed, and it alone
//! counts the attempts. A wait over the cap (`max_retry_after_secs`, 30 s by default) is
//! not waited: the 429 goes back at once with a warning, so a call asked to wait an hour
//! fails after its bounded attempts instead of holding a reply for an hour.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

/// The largest request body forwarded (Discord's own upload limit for bots is 25 MB).
const MAX_BODY: usize = 32 * 1024 * 1024;

/// The running relay; it stops when dropped.
pub struct Relay {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    /// The base URL to give serenity instead of the API's (`http://127.0.0.1:PORT`).
    pub fn base(&self) -> &str {
        &self.base
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct Upstream {
    base: String,
    cap: Duration,
    client: reqwest::Client,
}

/// Starts a relay to `upstream` (a base URL without the trailing `/`) that waits at most
/// `cap` for a 429.
pub async fn start(upstream: &str, cap: Duration) -> std::io::Result<Relay> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(std::io::Error::other)?;
    let upstream = Arc::new(Upstream {
        base: upstream.trim_end_matches('/').to_string(),
        cap,
        client,
    });
    let app = Router::new().fallback(forward).with_state(upstream);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("Discord API relay stopped: {e}");
        }
    });
    Ok(Relay {
        base: format!("http://{addr}"),
        task,
    })
}

async fn forward(State(up): State<Arc<Upstream>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers;
    headers.remove(header::HOST);
    headers.remove(header::CONTENT_LENGTH);
    let sent = up
        .client
        .request(parts.method, format!("{}{path}", up.base))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(a) => a,
        // serenity sees a 502 (transient, retried) naming the cause.
        Err(e) => {
            return (
                StatusCode::BAD_GATEWAY,
                format!("cannot reach {}: {}", up.base, super::rest::causes(&e)),
            )
                .into_response()
        }
    };
    let status = answer.status();
    let headers = answer.headers().clone();
    let body = answer.bytes().await.unwrap_or_default();
    if status == StatusCode::TOO_MANY_REQUESTS {
        let path = redacted(path);
        match retry_after(&body, &headers) {
            Some(wait) if wait <= up.cap => {
                tracing::debug!(path, wait_ms = wait.as_millis() as u64, "429: waiting");
                tokio::time::sleep(wait).await;
            }
            Some(wait) => tracing::warn!(
                path,
                retry_after_secs = wait.as_secs_f64(),
                cap_secs = up.cap.as_secs_f64(),
                "429 asks for a wait over the cap; not waiting"
            ),
            None => {}
        }
    }
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    for (k, v) in &headers {
        if k != header::CONTENT_LENGTH && k != header::TRANSFER_ENCODING {
            response.headers_mut().append(k, v.clone());
        }
    }
    response
}

/// `path` for the log: interaction and webhook tokens (any segment longer than a snowflake)
/// become `***`, and the query goes.
fn redacted(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|seg| if seg.len() > 24 { "***" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// How long a 429 asks to wait: the body's `retry_after`, else the `Retry-After` header,
/// else `X-RateLimit-Reset-After`, each in seconds (fractions allowed). None when none of
/// them is a finite, non-negative number.
pub fn retry_after(body: &[u8], headers: &HeaderMap) -> Option<Duration> {
    let from_body = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("retry_after").and_then(serde_json::Value::as_f64));
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    [
        from_body,
        header("retry-after"),
        header("x-ratelimit-reset-after"),
    ]
    .into_iter()
    .flatten()
    .find(|s| s.is_finite() && *s >= 0.0)
    .and_then(|s| Duration::try_from_secs_f64(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn tokens_in_paths_are_not_logged() {
        let token = "aW50ZXJhY3Rpb246MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODk";
        assert_eq!(
            redacted(&format!(
                "/api/v10/interactions/1400000000000000001/{token}/callback?x=1"
            )),
            "/api/v10/interactions/1400000000000000001/***/callback"
        );
    }

    #[test]
    fn body_then_retry_after_then_reset_after() {
        let both = headers(&[("retry-after", "2"), ("x-ratelimit-reset-after", "3.5")]);
        assert_eq!(
            retry_after(br#"{"retry_after": 0.25, "global": false}"#, &both),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            retry_after(b"not json", &both),
            Some(Duration::from_secs(2))
        );
        let reset = headers(&[("x-ratelimit-reset-after", "3.5")]);
        assert_eq!(
            retry_after(b"{}", &reset),
            Some(Duration::from_millis(3500))
        );
        assert_eq!(retry_after(b"{}", &HeaderMap::new()), None);
        let bad = headers(&[("retry-after", "soon")]);
        assert_eq!(retry_after(br#"{"retry_after": -1}"#, &bad), None);
        assert_eq!(
            retry_after(br#"{"retry_after": 1e300}"#, &HeaderMap::new()),
            None,
            "too large for a Duration"
        );
    }
}
