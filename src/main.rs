//! `reqdoctor`: the command-line entry point.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

/// The environment variable that picks the log format: `text` (default) or `json`.
const LOG_FORMAT_ENV: &str = "REQDOCTOR_LOG_FORMAT";

fn main() -> ExitCode {
    let json = match std::env::var(LOG_FORMAT_ENV).ok().as_deref().map(str::trim) {
        None | Some("" | "text") => false,
        Some("json") => true,
        Some(other) => {
            eprintln!("reqdoctor: {LOG_FORMAT_ENV}: `{other}` is not text or json");
            return ExitCode::from(2);
        }
    };
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colour only for a person at a terminal, never in a file or a log collector.
        .with_ansi(std::io::stderr().is_terminal());
    if json {
        // One JSON object per line.
        logs.json().init();
    } else {
        logs.init();
    }
    let cli = reqdoctor::cli::Cli::parse();
    match reqdoctor::cli::run(cli).map_err(anyhow::Error::from) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("reqdoctor: {e:#}");
            ExitCode::from(2)
        }
    }
}
