//! Screenshots attached to a message (PNG, JPEG, WebP, at most 8 MB), read by OCR in a
//! build with the `ocr` feature; without it the bot leaves images alone.
//!
//! OCR never runs on a gateway task: each image is read on a blocking thread, at most
//! [`Reader::jobs`] at once, and the message waits for it at most [`OCR_TIMEOUT`]. A slow,
//! huge or strange image delays only its own message, and costs at most one job's CPU.

use std::sync::Arc;
use std::time::Duration;

use poise::serenity_prelude::Attachment;
use tokio::sync::Semaphore;
use tracing::debug;

use super::attachments::Fetcher;
use crate::ocr::{self, MAX_IMAGE_BYTES};
use crate::paste::{Kind, Piece};

/// At most this many images of one message are read.
pub const MAX_IMAGES: usize = 2;
/// How long a message waits for its images' OCR, queueing included; the answer then goes
/// out from the rest of the message.
pub const OCR_TIMEOUT: Duration = Duration::from_secs(20);

/// Whether an attachment is a screenshot to read: a PNG, JPEG or WebP by its name *and* by
/// its content type (when Discord gives one), within [`MAX_IMAGE_BYTES`] as Discord reports
/// its size. The bytes are checked again once fetched.
pub fn is_image(a: &Attachment) -> bool {
    let named = Kind::from_name(&a.filename) == Some(Kind::Image);
    let typed = a.content_type.as_deref().is_none_or(|t| {
        let t = t.to_ascii_lowercase();
        ["image/png", "image/jpeg", "image/jpg", "image/webp"]
            .iter()
            .any(|k| t.starts_with(k))
    });
    named && typed && (a.size as usize) <= MAX_IMAGE_BYTES
}

/// How many OCR jobs run at once by default: half the cores, at least one, so OCR never
/// takes every core from the gateway and the matcher.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get() / 2)
        .unwrap_or(1)
        .clamp(1, 4)
}

/// In a build with OCR, starts a Tesseract engine in the background, so that the first
/// screenshot does not pay for it and a missing language pack shows in the log at start.
pub fn warm_up() {
    if !ocr::AVAILABLE {
        return;
    }
    tokio::task::spawn_blocking(|| match ocr::start_engine() {
        Ok(()) => tracing::info!(
            languages = ocr::LANGUAGES,
            jobs = default_jobs(),
            "OCR ready"
        ),
        Err(e) => tracing::warn!("screenshots will not be read: {e}"),
    });
}

/// Reads messages' screenshots with OCR, a bounded number at a time.
#[derive(Debug, Clone)]
pub struct Reader {
    fetcher: Fetcher,
    jobs: Arc<Semaphore>,
    max_jobs: usize,
}

impl Reader {
    /// A reader fetching through `fetcher` and running at most `jobs` OCR jobs at once.
    pub fn new(fetcher: Fetcher, jobs: usize) -> Reader {
        let jobs = jobs.max(1);
        Reader {
            fetcher,
            jobs: Arc::new(Semaphore::new(jobs)),
            max_jobs: jobs,
        }
    }

    /// How many OCR jobs may run at once.
    pub fn jobs(&self) -> usize {
        self.max_jobs
    }

    /// The text of a message's screenshots, at most [`MAX_IMAGES`], read at once; those that
    /// fail (timeout, too large, not an image, another host) are skipped. Empty in a build
    /// without OCR.
    pub async fn read(&self, attachments: &[Attachment]) -> Vec<Piece> {
        if !ocr::AVAILABLE {
            return Vec::new();
        }
        let mut set = tokio::task::JoinSet::new();
        for (i, a) in attachments
            .iter()
            .filter(|a| is_image(a))
            .take(MAX_IMAGES)
            .enumerate()
        {
            let Some(url) = self.fetcher.resolve(&a.url) else {
                debug!(attachment = %a.filename, "image not on Discord's CDN; skipped");
                continue;
            };
            let (this, name) = (self.clone(), a.filename.clone());
            set.spawn(async move { (i, this.read_one(&name, &url).await) });
        }
        let mut pieces = Vec::new();
        while let Some(done) = set.join_next().await {
            match done {
                Ok((i, Ok(p))) => pieces.push((i, p)),
                Ok((_, Err(e))) => debug!("image skipped: {e}"),
                Err(e) => debug!("image task failed: {e}"),
            }
        }
        pieces.sort_by_key(|(i, _)| *i);
        pieces.into_iter().map(|(_, p)| p).collect()
    }

    async fn read_one(&self, name: &str, url: &str) -> Result<Piece, String> {
        let (bytes, cut) = self
            .fetcher
            .fetch(url, MAX_IMAGE_BYTES)
            .await
            .map_err(|e| format!("{name}: {e}"))?;
        if cut {
            return Err(format!("{name}: over {MAX_IMAGE_BYTES} bytes"));
        }
        let deadline = tokio::time::Instant::now() + OCR_TIMEOUT;
        let permit = tokio::time::timeout_at(deadline, self.jobs.clone().acquire_owned())
            .await
            .map_err(|_| format!("{name}: no OCR job free within {OCR_TIMEOUT:?}"))?
            .map_err(|e| e.to_string())?;
        let owned = name.to_string();
        // The permit goes with the job: a job the message stopped waiting for still counts
        // until Tesseract is done, so the bound holds.
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let started = std::time::Instant::now();
            let read = ocr::read_image(&owned, &bytes);
            debug!(image = %owned, took = ?started.elapsed(), ok = read.is_ok(), "OCR");
            read
        });
        let reading = tokio::time::timeout_at(deadline, job)
            .await
            .map_err(|_| format!("{name}: OCR took longer than {OCR_TIMEOUT:?}"))?
            .map_err(|e| format!("{name}: OCR job failed: {e}"))?
            .map_err(|e| e.to_string())?;
        Ok(reading.into_piece())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(name: &str, content_type: Option<&str>, size: usize) -> Attachment {
        serde_json::from_value(serde_json::json!({
            "id": "1", "filename": name, "size": size,
            "url": "https://cdn.discordapp.com/attachments/1/2/x",
            "proxy_url": "https://media.discordapp.net/attachments/1/2/x",
            "content_type": content_type,
        }))
        .unwrap()
    }

    #[test]
    fn images_by_name_content_type_and_size() {
        assert!(is_image(&attachment("shot.png", Some("image/png"), 1000)));
        assert!(is_image(&attachment("a.JPG", Some("image/jpeg"), 1000)));
        assert!(is_image(&attachment("a.webp", Some("image/webp"), 1000)));
        assert!(is_image(&attachment("a.png", None, 1000)));
        assert!(!is_image(&attachment("a.png", Some("text/plain"), 1000)));
        assert!(!is_image(&attachment("a.gif", Some("image/gif"), 1000)));
        assert!(!is_image(&attachment("a.txt", Some("image/png"), 1000)));
        assert!(!is_image(&attachment(
            "big.png",
            Some("image/png"),
            MAX_IMAGE_BYTES + 1
        )));
    }

    #[test]
    fn at_least_one_job() {
        assert!(default_jobs() >= 1);
        let r = Reader::new(Fetcher::new(None, None), 0);
        assert_eq!(r.jobs(), 1);
    }
}
