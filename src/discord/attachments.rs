//! Text attachments of a message (`message.txt`, `.txt`, `.log`, `.json`, `.har`), fetched
//! with a timeout and a size cap and read by [`crate::paste`]. Each fetch runs inside the
//! message's own task, so a slow URL delays only its own message.

use std::time::Duration;

use poise::serenity_prelude::Attachment;
use tracing::debug;

use crate::paste::{self, Kind, Piece, MAX_READ_BYTES};

/// At most this many attachments of one message are read.
pub const MAX_ATTACHMENTS: usize = 3;
/// Each fetch, headers and body, must finish within this.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Where Discord serves attachments; [`Fetcher`] rewrites these to `cdn_url` when set.
pub const CDN_BASES: [&str; 2] = ["https://cdn.discordapp.com", "https://media.discordapp.net"];

/// Fetches attachments from Discord's CDN (or the configured stand-in) and nowhere else.
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    cdn: Option<String>,
    api: Option<String>,
}

impl Fetcher {
    /// A fetcher for the CDN override `cdn` and the REST base `api` (both from the settings).
    pub fn new(cdn: Option<String>, api: Option<String>) -> Fetcher {
        let client = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Fetcher { client, cdn, api }
    }

    /// The URL to fetch for an attachment URL: Discord's CDN (rewritten to the override when
    /// there is one), or a URL under the override or the REST base. None for any other host.
    pub fn resolve(&self, url: &str) -> Option<String> {
        for base in CDN_BASES {
            if let Some(rest) = url.strip_prefix(base).filter(|r| r.starts_with('/')) {
                return Some(match &self.cdn {
                    Some(cdn) => format!("{cdn}{rest}"),
                    None => url.to_string(),
                });
            }
        }
        let under = |base: &Option<String>| {
            base.as_deref()
                .is_some_and(|b| url.strip_prefix(b).is_some_and(|r| r.starts_with('/')))
        };
        (under(&self.cdn) || under(&self.api)).then(|| url.to_string())
    }

    /// The body of `url`, at most `cap` bytes of it (streamed; the rest is never read), and
    /// whether there was more.
    pub(super) async fn fetch(&self, url: &str, cap: usize) -> Result<(Vec<u8>, bool), String> {
        let get = async {
            let mut res = self
                .client
                .get(url)
                .send()
                .await
                .map_err(|e| e.to_string())?;
            if !res.status().is_success() {
                return Err(format!("HTTP {}", res.status().as_u16()));
            }
            let mut body = Vec::new();
            while let Some(chunk) = res.chunk().await.map_err(|e| e.to_string())? {
                body.extend_from_slice(&chunk);
                if body.len() > cap {
                    body.truncate(cap);
                    return Ok((body, true));
                }
            }
            Ok((body, false))
        };
        tokio::time::timeout(FETCH_TIMEOUT, get)
            .await
            .map_err(|_| format!("no answer within {FETCH_TIMEOUT:?}"))?
    }

    /// The readable text attachments of a message, at most [`MAX_ATTACHMENTS`], fetched at
    /// once; those that fail (timeout, 404, binary content, another host) are skipped.
    pub async fn read(&self, attachments: &[Attachment]) -> Vec<Piece> {
        let wanted: Vec<&Attachment> = attachments
            .iter()
            .filter(|a| readable(a).is_some())
            .take(MAX_ATTACHMENTS)
            .collect();
        let mut set = tokio::task::JoinSet::new();
        for (i, a) in wanted.into_iter().enumerate() {
            let Some(url) = self.resolve(&a.url) else {
                debug!(attachment = %a.filename, "attachment not on Discord's CDN; skipped");
                continue;
            };
            let (this, name, kind) = (self.clone(), a.filename.clone(), readable(a));
            set.spawn(async move {
                let got = match this.fetch(&url, MAX_READ_BYTES).await {
                    Ok((bytes, cut)) => paste::read(&name, kind.unwrap_or(Kind::Text), &bytes, cut)
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(format!("{name}: {e}")),
                };
                (i, got)
            });
        }
        let mut pieces = Vec::new();
        while let Some(done) = set.join_next().await {
            match done {
                Ok((i, Ok(p))) => pieces.push((i, p)),
                Ok((_, Err(e))) => debug!("attachment skipped: {e}"),
                Err(e) => debug!("attachment task failed: {e}"),
            }
        }
        pieces.sort_by_key(|(i, _)| *i);
        pieces.into_iter().map(|(_, p)| p).collect()
    }
}

/// How an attachment is read, by its extension and its content type (when Discord gives
/// one): text kinds only, never images here.
pub fn readable(a: &Attachment) -> Option<Kind> {
    let kind = Kind::from_name(&a.filename).filter(|k| *k != Kind::Image)?;
    let ok = match a.content_type.as_deref().map(str::to_ascii_lowercase) {
        None => true,
        Some(t) => {
            t.starts_with("text/")
                || t.starts_with("application/json")
                || t.starts_with("application/har")
                || (kind == Kind::Har && t.starts_with("application/octet-stream"))
        }
    };
    ok.then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(name: &str, content_type: Option<&str>) -> Attachment {
        serde_json::from_value(serde_json::json!({
            "id": "1", "filename": name, "size": 10,
            "url": "https://cdn.discordapp.com/attachments/1/2/x",
            "proxy_url": "https://media.discordapp.net/attachments/1/2/x",
            "content_type": content_type,
        }))
        .unwrap()
    }

    #[test]
    fn readable_by_extension_and_content_type() {
        let t = Some("text/plain; charset=utf-8");
        assert_eq!(readable(&attachment("message.txt", t)), Some(Kind::Text));
        assert_eq!(
            readable(&attachment("a.json", Some("application/json"))),
            Some(Kind::Text)
        );
        assert_eq!(
            readable(&attachment("n.har", Some("application/octet-stream"))),
            Some(Kind::Har)
        );
        assert_eq!(readable(&attachment("a.log", None)), Some(Kind::Text));
        assert_eq!(readable(&attachment("a.txt", Some("image/png"))), None);
        assert_eq!(
            readable(&attachment("a.log", Some("application/octet-stream"))),
            None
        );
        assert_eq!(readable(&attachment("shot.png", Some("image/png"))), None);
        assert_eq!(readable(&attachment("a.exe", t)), None);
    }

    #[test]
    fn only_discord_hosts_or_the_configured_bases_are_fetched() {
        let f = Fetcher::new(
            Some("http://127.0.0.1:9".into()),
            Some("http://127.0.0.1:8".into()),
        );
        assert_eq!(
            f.resolve("https://cdn.discordapp.com/attachments/1/2/m.txt")
                .as_deref(),
            Some("http://127.0.0.1:9/attachments/1/2/m.txt")
        );
        assert_eq!(
            f.resolve("https://media.discordapp.net/attachments/1/2/m.txt")
                .as_deref(),
            Some("http://127.0.0.1:9/attachments/1/2/m.txt")
        );
        assert!(f.resolve("http://127.0.0.1:8/x").is_some());
        assert!(f.resolve("https://evil.example/m.txt").is_none());
        assert!(f
            .resolve("https://cdn.discordapp.com.evil.example/m.txt")
            .is_none());
        assert!(f.resolve("http://127.0.0.1:99/x").is_none());
        let plain = Fetcher::new(None, None);
        assert_eq!(
            plain.resolve("https://cdn.discordapp.com/a/b").as_deref(),
            Some("https://cdn.discordapp.com/a/b")
        );
        assert!(plain.resolve("http://127.0.0.1:9/a").is_none());
    }
}
