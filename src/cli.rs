//! The command line: `ask`, `match`, `eval`, `check`, `list`.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::eval;
use crate::knowledge::{Knowledge, KnowledgeError};
use crate::matcher::{Matcher, MatcherError, Mode, DEFAULT_LOOKUP_CONFIDENCE};
use crate::reply::{self, Answer, Lang};

/// Answers Alipay my.request and WeChat wx.request network errors.
#[derive(Debug, Parser)]
#[command(name = "reqdoctor", version, about, long_about = None)]
pub struct Cli {
    /// Read knowledge from this directory instead of the copy built into the binary.
    #[arg(long, global = true, env = "REQDOCTOR_KNOWLEDGE", value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer one question or pasted error, offline.
    Ask {
        /// The message, e.g. "my.request 报错 error: 14".
        text: String,
        /// Reply language (default: the question's language).
        #[arg(long, value_enum)]
        lang: Option<Lang>,
        /// Print the answer as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Match stdin lines `{"text": ...}` and print one JSON result per line.
    Match {
        /// Read and write JSON lines (the only format for now).
        #[arg(long, required = true)]
        jsonl: bool,
        /// Answer as if asked directly (Lookup mode) instead of deciding whether to speak.
        #[arg(long)]
        lookup: bool,
    },
    /// Score the matcher on a labelled corpus (`{"text", "expect": [ids]}` per line).
    Eval {
        /// The corpus file.
        corpus: PathBuf,
        /// Evaluate Lookup mode instead of Auto mode.
        #[arg(long)]
        lookup: bool,
        /// Fail when top-1 accuracy is below this (0..1).
        #[arg(long, value_name = "A")]
        min_accuracy: Option<f64>,
        /// Fail when the false-reply rate is above this (0..1).
        #[arg(long = "max-false", value_name = "F")]
        max_false: Option<f64>,
        /// Print every miss, not only the first 50.
        #[arg(long)]
        all: bool,
    },
    /// Validate knowledge files; exit 2 on any problem.
    Check {
        /// Directory to check (default: the knowledge in use).
        dir: Option<PathBuf>,
    },
    /// List every entry.
    List {
        /// Print JSON lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Run the Discord bot (token from DISCORD_TOKEN; see the README).
    Run(crate::discord::RunArgs),
}

/// Errors the command line reports.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Knowledge could not be loaded.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// The matcher could not be built.
    #[error(transparent)]
    Matcher(#[from] MatcherError),
    /// Reading or writing failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
    let what = what.into();
    move |source| CliError::Io { what, source }
}

/// Loads knowledge from `dir`, or the bundled copy.
pub fn load_knowledge(dir: Option<&Path>) -> Result<Knowledge, KnowledgeError> {
    match dir {
        Some(d) => Knowledge::from_dir(d),
        None => Knowledge::bundled(),
    }
}

/// Loads knowledge and compiles a matcher.
pub fn load_matcher(dir: Option<&Path>) -> Result<Matcher, CliError> {
    let knowledge = Arc::new(load_knowledge(dir)?);
    Ok(Matcher::new(knowledge)?)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let dir = cli.knowledge.as_deref();
    match cli.command {
        Command::Ask { text, lang, json } => ask(&load_matcher(dir)?, &text, lang, json),
        Command::Match { jsonl: _, lookup } => match_lines(&load_matcher(dir)?, lookup),
        Command::Eval {
            corpus,
            lookup,
            min_accuracy,
            max_false,
            all,
        } => run_eval(
            &load_matcher(dir)?,
            &corpus,
            lookup,
            min_accuracy,
            max_false,
            all,
        ),
        Command::Check { dir: check_dir } => check(check_dir.as_deref().or(dir)),
        Command::List { json } => list(&load_knowledge(dir)?, json),
        Command::Run(args) => crate::discord::run_command(args, dir),
    }
}

fn ask(
    matcher: &Matcher,
    text: &str,
    lang: Option<Lang>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let lang = lang.unwrap_or_else(|| Lang::detect(text));
    let matches = matcher.find(text, Mode::Lookup);
    let knowledge = matcher.knowledge();
    let confident = matches
        .first()
        .is_some_and(|m| m.score >= DEFAULT_LOOKUP_CONFIDENCE);
    let mut out = std::io::stdout().lock();
    let answer = if confident {
        Answer::build(knowledge, &matches, lang)
    } else {
        None
    };
    match (answer, json) {
        (Some(a), false) => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            write!(out, "{}", a.to_terminal(color)).map_err(io("stdout"))?;
            Ok(ExitCode::SUCCESS)
        }
        (Some(a), true) => {
            writeln!(out, "{}", a.to_json()).map_err(io("stdout"))?;
            Ok(ExitCode::SUCCESS)
        }
        (None, false) => {
            writeln!(out, "{}", reply::no_match(knowledge, &matches, lang))
                .map_err(io("stdout"))?;
            Ok(ExitCode::from(1))
        }
        (None, true) => {
            let suggestions: Vec<_> = matches
                .iter()
                .map(|m| serde_json::json!({"id": m.id, "score": m.score}))
                .collect();
            writeln!(
                out,
                "{}",
                serde_json::json!({"id": null, "suggestions": suggestions})
            )
            .map_err(io("stdout"))?;
            Ok(ExitCode::from(1))
        }
    }
}

/// Input line of `match --jsonl`.
#[derive(serde::Deserialize)]
struct MatchInput {
    text: String,
}

fn match_lines(matcher: &Matcher, lookup: bool) -> Result<ExitCode, CliError> {
    let mode = if lookup { Mode::Lookup } else { Mode::Auto };
    let stdin = std::io::stdin().lock();
    let mut out = std::io::stdout().lock();
    let mut bad = 0usize;
    let mut buf = Vec::new();
    let mut reader = std::io::BufReader::new(stdin);
    let mut number = 0usize;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io("stdin"))?;
        if n == 0 {
            break;
        }
        number += 1;
        let line = String::from_utf8_lossy(&buf);
        let line = line.trim_end_matches(['\n', '\r']);
        let result = match serde_json::from_str::<MatchInput>(line) {
            Ok(input) => {
                let matches = matcher.find(&input.text, mode);
                let answers: Vec<&str> = matches.iter().map(|m| m.id.as_str()).collect();
                serde_json::json!({"answers": answers, "matches": matches})
            }
            Err(e) => {
                bad += 1;
                let message = format!(
                    "stdin:{number}:{}: expected {{\"text\": \"...\"}}: {e}",
                    e.column()
                );
                eprintln!("reqdoctor: {message}");
                serde_json::json!({"answers": [], "matches": [], "error": message})
            }
        };
        writeln!(out, "{result}").map_err(io("stdout"))?;
    }
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn run_eval(
    matcher: &Matcher,
    corpus: &Path,
    lookup: bool,
    min_accuracy: Option<f64>,
    max_false: Option<f64>,
    all: bool,
) -> Result<ExitCode, CliError> {
    let text = std::fs::read_to_string(corpus).map_err(io(corpus.display().to_string()))?;
    let (lines, bad) = eval::parse_corpus(&text);
    for b in &bad {
        eprintln!("{}:{}: {}", corpus.display(), b.line, b.message);
    }
    let mode = if lookup { Mode::Lookup } else { Mode::Auto };
    let report = eval::evaluate(matcher, &lines, mode);
    let mut out = std::io::stdout().lock();
    let shown = if all { usize::MAX } else { 50 };
    for m in report.misses.iter().take(shown) {
        let got = if m.got.is_empty() {
            "(silent)".to_string()
        } else {
            m.got
                .iter()
                .map(|(id, s)| format!("{id} {s:.2}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let expect = if m.expect.is_empty() {
            "(silent)".to_string()
        } else {
            m.expect.join(" | ")
        };
        writeln!(
            out,
            "MISS {}:{}: {}\n     expected {expect}\n     got      {got}",
            corpus.display(),
            m.line,
            reply::shorten(&m.text, 110)
        )
        .map_err(io("stdout"))?;
    }
    if report.misses.len() > shown {
        writeln!(
            out,
            "… and {} more misses (--all shows them)",
            report.misses.len() - shown
        )
        .map_err(io("stdout"))?;
    }
    writeln!(
        out,
        "mode: {}\ntop-1 accuracy: {:.2}% ({}/{})\nfalse replies: {:.2}% ({}/{})",
        if lookup { "lookup" } else { "auto" },
        report.accuracy() * 100.0,
        report.correct,
        report.positives,
        report.false_reply_rate() * 100.0,
        report.false_replies,
        report.negatives,
    )
    .map_err(io("stdout"))?;
    let mut failed = !bad.is_empty();
    if let Some(min) = min_accuracy {
        if report.accuracy() < min {
            writeln!(
                out,
                "FAIL: accuracy {:.4} is below {min}",
                report.accuracy()
            )
            .map_err(io("stdout"))?;
            failed = true;
        }
    }
    if let Some(max) = max_false {
        if report.false_reply_rate() > max {
            writeln!(
                out,
                "FAIL: false-reply rate {:.4} is above {max}",
                report.false_reply_rate()
            )
            .map_err(io("stdout"))?;
            failed = true;
        }
    }
    if !bad.is_empty() {
        writeln!(out, "FAIL: {} corpus line(s) could not be read", bad.len())
            .map_err(io("stdout"))?;
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn check(dir: Option<&Path>) -> Result<ExitCode, CliError> {
    let knowledge = match load_knowledge(dir) {
        Ok(k) => k,
        Err(KnowledgeError::Invalid(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!("{} problem(s)", problems.len());
            return Ok(ExitCode::from(2));
        }
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let examples: usize = knowledge.entries().iter().map(|e| e.examples.len()).sum();
    let matcher = Matcher::new(Arc::new(knowledge))?;
    let problems = matcher.check_examples();
    for p in &problems {
        println!("{p}");
    }
    if problems.is_empty() {
        println!(
            "ok: {} entries, {examples} examples match their entries",
            matcher.knowledge().entries().len()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("{} problem(s)", problems.len());
        Ok(ExitCode::from(2))
    }
}

fn list(knowledge: &Knowledge, json: bool) -> Result<ExitCode, CliError> {
    let mut out = std::io::stdout().lock();
    for e in knowledge.entries() {
        if json {
            let line = serde_json::json!({
                "id": e.id,
                "platform": e.platform.as_str(),
                "title": {"zh": e.title.zh, "en": e.title.en},
                "codes": e.all_codes().map(|c| c.to_string()).collect::<Vec<_>>(),
            });
            writeln!(out, "{line}").map_err(io("stdout"))?;
        } else {
            writeln!(out, "{:<42} {}  /  {}", e.id, e.title.en, e.title.zh)
                .map_err(io("stdout"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
