//! Knowledge hot reload: a valid change to the knowledge directory replaces the matcher in
//! one atomic swap (messages being answered finish with the old one, the next use the new);
//! a broken file keeps the old knowledge serving and reports every located problem.

use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

use super::Data;
use crate::matcher::Matcher;

/// Changes closer together than this are one reload (an editor writes a file in steps).
pub const DEBOUNCE: Duration = Duration::from_millis(400);

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// New knowledge is serving.
    Swapped {
        /// Entries now loaded.
        entries: usize,
    },
    /// The knowledge has problems; the old knowledge keeps serving.
    Rejected {
        /// `path:line:col: field: problem`, one per line.
        problems: Vec<String>,
    },
    /// The bot answers from the knowledge built into its binary: nothing to reload.
    Bundled,
}

/// Loads, validates (examples included, as `reqdoctor check` does) and compiles the
/// knowledge in `dir`.
pub fn compile(dir: &Path) -> Result<Matcher, Vec<String>> {
    let checked = crate::load::check_knowledge(Some(dir)).map_err(|e| vec![e.to_string()])?;
    match checked.matcher {
        Some(m) => Ok(m),
        None => Err(checked.problems.iter().map(ToString::to_string).collect()),
    }
}

/// Reloads the bot's knowledge directory now. Reloads never overlap.
pub async fn reload(data: &Data) -> Reloaded {
    let Some(dir) = data.knowledge_dir.clone() else {
        return Reloaded::Bundled;
    };
    let _one_at_a_time = data.reloading.lock().await;
    let threshold = data.settings.auto_confidence;
    let compiled = tokio::task::spawn_blocking(move || compile(&dir)).await;
    match compiled {
        Ok(Ok(m)) => {
            let entries = m.knowledge().entries().len();
            data.swap_matcher(m.with_auto_threshold(threshold));
            tracing::info!(entries, "knowledge reloaded");
            crate::metrics::reload(true);
            Reloaded::Swapped { entries }
        }
        Ok(Err(problems)) => {
            for p in &problems {
                tracing::warn!("knowledge reload rejected: {p}");
            }
            tracing::warn!(
                problems = problems.len(),
                "the previous knowledge keeps serving"
            );
            crate::metrics::reload(false);
            Reloaded::Rejected { problems }
        }
        Err(e) => {
            let problems = vec![format!("the knowledge loader failed: {e}")];
            tracing::error!("{}", problems[0]);
            crate::metrics::reload(false);
            Reloaded::Rejected { problems }
        }
    }
}

/// Watches the knowledge directory and reloads after each burst of changes. The watcher
/// lives as long as the returned value.
pub fn watch(data: &Data) -> Option<notify::RecommendedWatcher> {
    let dir: PathBuf = data.knowledge_dir.clone()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher =
        match notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
            Ok(e) if e.kind.is_access() => {}
            Ok(_) => {
                let _ = tx.send(());
            }
            Err(e) => tracing::warn!("knowledge watcher: {e}"),
        }) {
            Ok(w) => w,
            Err(e) => {
                tracing::warn!("cannot watch {}: {e}; use /reqdoctor reload", dir.display());
                return None;
            }
        };
    if let Err(e) = watcher.watch(&dir, RecursiveMode::Recursive) {
        tracing::warn!("cannot watch {}: {e}; use /reqdoctor reload", dir.display());
        return None;
    }
    tracing::info!(dir = %dir.display(), "watching the knowledge directory");
    let data = data.clone();
    tokio::spawn(async move {
        while rx.recv().await.is_some() {
            // Wait until the burst is over.
            loop {
                match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                    Ok(Some(())) => continue,
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            reload(&data).await;
        }
    });
    Some(watcher)
}
