//! The command line: `ask`, `match`, `eval`, `check`, `list`, `report` and `run`.

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::eval;
use crate::knowledge::{Knowledge, Problem};
use crate::load::{check_knowledge, load_knowledge, load_matcher, LoadError};
use crate::matcher::{Channel, Evidence, Matcher, Mode, SignalSet, DEFAULT_LOOKUP_CONFIDENCE};
use crate::ocr;
use crate::paste::{self, Pasted};
use crate::reply::{self, Answer, Lang};
use crate::report::{Report, ReportInput};
use crate::store::{Confidence, Location, Store, StoreError, DEFAULT_SQLITE_PATH};

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
        /// The message, e.g. "my.request 报错 error: 14"; `-` reads it from standard input.
        text: Option<String>,
        /// Also read this text, .log, .json or .har file (at most 256 KB of it), or with the
        /// `ocr` feature a PNG, JPEG or WebP screenshot (at most 8 MB), matched together with
        /// TEXT; evidence names the file and line.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
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
        /// The kind of channel the messages were posted in: support (everything asked is
        /// about mini-program requests) or team (general chat, stricter). A line's own
        /// `"channel"` wins.
        #[arg(long, default_value = "support", value_name = "KIND")]
        channel: Channel,
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
        /// Fail when more than this many answers came from another platform's entry.
        #[arg(long = "max-confusion", value_name = "N")]
        max_confusion: Option<usize>,
        /// Print every miss, not only the first 50.
        #[arg(long)]
        all: bool,
        /// Score Auto mode at a server's confidence level instead of the default.
        #[arg(long, value_enum, default_value = "normal")]
        confidence: ConfidenceLevel,
        /// The channel kind of lines that do not say (`"channel": "team"` in a line wins).
        #[arg(long, default_value = "support", value_name = "KIND")]
        channel: Channel,
        /// Which signals score: both, or rules or similarity alone (to measure each).
        #[arg(long, value_enum, default_value = "combined")]
        signals: Signals,
    },
    /// Validate knowledge files and try every example; problems and the summary go to
    /// stdout; exit 2 on any problem.
    Check {
        /// Directory or one file to check (default: the knowledge in use).
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
    /// What the bot could not answer, how helpful its answers were, and replies per entry
    /// per day, from the bot's database.
    Report {
        /// How far back: `7d`, `24h`, `2w`, `90m` (minutes), or a number of days.
        #[arg(long, default_value = "7d", value_parser = parse_since, value_name = "AGE")]
        since: i64,
        /// table (terminal), json, or html (one self-contained page with a chart).
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
        /// The bot's database: a SQLite file or a postgres:// URL [default: DATABASE_URL,
        /// then REQDOCTOR_DATABASE, then reqdoctor.db].
        #[arg(long, value_name = "URL|FILE")]
        database: Option<String>,
        /// Write the report to this file instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// `/reqdoctor settings confidence` levels, for `eval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfidenceLevel {
    /// The default threshold plus 0.1.
    Strict,
    /// The default threshold.
    Normal,
    /// The default threshold minus 0.1.
    Eager,
}

impl From<ConfidenceLevel> for Confidence {
    fn from(c: ConfidenceLevel) -> Confidence {
        match c {
            ConfidenceLevel::Strict => Confidence::Strict,
            ConfidenceLevel::Normal => Confidence::Normal,
            ConfidenceLevel::Eager => Confidence::Eager,
        }
    }
}

/// `eval --signals`: which of the matcher's signals score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Signals {
    /// Rules and similarity together (what the bot uses).
    Combined,
    /// Codes, phrases, patterns and keyword groups alone.
    Rules,
    /// Similarity to the entries' wording alone.
    Similarity,
}

impl From<Signals> for SignalSet {
    fn from(s: Signals) -> SignalSet {
        match s {
            Signals::Combined => SignalSet::Combined,
            Signals::Rules => SignalSet::Rules,
            Signals::Similarity => SignalSet::Similarity,
        }
    }
}

/// The forms `reqdoctor report` can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Aligned text for a terminal.
    Table,
    /// One JSON document.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// `7d`, `24h`, `2w`, `90m` or a bare number of days, as seconds.
fn parse_since(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (number, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], s[i..].trim()),
        None => (s, "d"),
    };
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not an age such as 7d, 24h or 2w"))?;
    let unit_secs = match unit {
        "m" | "min" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        other => return Err(format!("`{other}` is not a unit: use m, h, d or w")),
    };
    n.checked_mul(unit_secs)
        .filter(|v| *v > 0 && *v <= 3650 * 86_400)
        .ok_or_else(|| format!("`{s}` is not between one minute and ten years"))
}

/// Errors the command line reports.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Knowledge could not be loaded or compiled.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The bot's database could not be read. Its message already names the cause, so it is
    /// not repeated as a source.
    #[error("{0}")]
    Store(StoreError),
    /// A pasted file could not be read as text.
    #[error(transparent)]
    Paste(#[from] crate::paste::PasteError),
    /// A screenshot could not be read.
    #[error(transparent)]
    Ocr(#[from] crate::ocr::OcrError),
    /// Reading or writing failed. The message names only what; the cause is the source, so
    /// an error chain (`{:#}`) shows it once.
    #[error("{what}")]
    Io {
        /// What was being read or written.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::Store(e)
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> CliError {
    let what = what.into();
    move |source| CliError::Io { what, source }
}

/// Runs a parsed command line. A reader that went away (`reqdoctor list | head -1`) ends the
/// run quietly with success, as other command-line tools do.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match run_command(cli) {
        Err(CliError::Io { source, .. }) if source.kind() == std::io::ErrorKind::BrokenPipe => {
            Ok(ExitCode::SUCCESS)
        }
        result => result,
    }
}

fn run_command(cli: Cli) -> Result<ExitCode, CliError> {
    let dir = cli.knowledge.as_deref();
    match cli.command {
        Command::Ask {
            text,
            file,
            lang,
            json,
        } => match ask_input(text.as_deref(), file.as_deref())? {
            Some(pasted) => ask(&load_matcher(dir)?, &pasted, lang, json),
            None => Ok(ExitCode::from(2)),
        },
        Command::Match {
            jsonl: _,
            lookup,
            channel,
        } => match_lines(&load_matcher(dir)?, lookup, channel),
        Command::Eval {
            corpus,
            lookup,
            min_accuracy,
            max_false,
            max_confusion,
            all,
            confidence,
            channel,
            signals,
        } => run_eval(
            &load_matcher(dir)?
                .with_auto_threshold(
                    Confidence::from(confidence).threshold(crate::matcher::DEFAULT_AUTO_THRESHOLD),
                )
                .with_signals(signals.into()),
            &corpus,
            EvalOptions {
                lookup,
                channel,
                min_accuracy,
                max_false,
                max_confusion,
                all,
            },
        ),
        Command::Check { dir: check_dir } => check(check_dir.as_deref().or(dir)),
        Command::List { json } => list(&load_knowledge(dir).map_err(LoadError::from)?, json),
        Command::Run(args) => Ok(crate::discord::run_command(args, dir)?),
        Command::Report {
            since,
            format,
            database,
            output,
        } => report(dir, since, format, database, output.as_deref()),
    }
}

/// Where `reqdoctor report` reads: `--database`, else `DATABASE_URL`, else
/// `REQDOCTOR_DATABASE`, else the bot's default file.
fn report_location(database: Option<String>) -> Location {
    let chosen = database
        .or_else(|| std::env::var(crate::discord::config::DATABASE_URL_ENV).ok())
        .or_else(|| std::env::var("REQDOCTOR_DATABASE").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SQLITE_PATH.to_string());
    Location::parse(&chosen)
}

fn report(
    dir: Option<&Path>,
    since_secs: i64,
    format: ReportFormat,
    database: Option<String>,
    output: Option<&Path>,
) -> Result<ExitCode, CliError> {
    let location = report_location(database);
    if let Location::Sqlite(path) = &location {
        // Reading must not create an empty database where the bot's is expected.
        if !path.exists() {
            eprintln!(
                "reqdoctor: no database at {}: pass --database (a SQLite file or postgres:// URL) or run the bot first",
                path.display()
            );
            return Ok(ExitCode::from(2));
        }
    }
    let until = crate::store::now() + 1;
    let since = until - 1 - since_secs;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(io("cannot start the async runtime"))?;
    let input = runtime.block_on(async {
        let store = Store::open_read_only(&location).await?;
        let input = ReportInput {
            since,
            until,
            review: store.review_since(since).await?,
            votes: store.votes_since(since).await?,
            replies: store.daily_replies_since(since).await?,
        };
        store.close().await;
        Ok::<_, StoreError>(input)
    })?;
    // Titles make the report readable; without valid knowledge it shows ids.
    let knowledge = load_knowledge(dir).ok();
    let titles = |id: &str| {
        knowledge
            .as_ref()
            .and_then(|k| k.get(id))
            .map(|e| e.title.en.clone())
    };
    let report = Report::build(input, &titles);
    let text = match format {
        ReportFormat::Table => report.to_table(),
        ReportFormat::Json => {
            let mut s = report.to_json().to_string();
            s.push('\n');
            s
        }
        ReportFormat::Html => report.to_html(),
    };
    match output {
        Some(path) => {
            std::fs::write(path, text).map_err(io(format!("cannot write {}", path.display())))?
        }
        None => std::io::stdout()
            .lock()
            .write_all(text.as_bytes())
            .map_err(io("cannot write to standard output"))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// The question of `ask`: TEXT (or standard input for `-`) and the `--file`, joined. None
/// (after saying why on stderr) when there is nothing to ask.
fn ask_input(text: Option<&str>, file: Option<&Path>) -> Result<Option<Pasted>, CliError> {
    let message = match text {
        Some("-") => {
            let (bytes, truncated) =
                paste::read_capped(std::io::stdin().lock()).map_err(io("stdin"))?;
            if truncated {
                eprintln!("reqdoctor: stdin: only the first 256 KB were read");
            }
            String::from_utf8_lossy(&bytes).into_owned()
        }
        Some(t) => t.to_string(),
        None => String::new(),
    };
    let mut pieces = Vec::new();
    if let Some(path) = file {
        let what = format!("cannot read {}", path.display());
        let f = std::fs::File::open(path).map_err(io(what.clone()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| path.display().to_string());
        if ocr::AVAILABLE && paste::Kind::from_name(&name) == Some(paste::Kind::Image) {
            let mut bytes = Vec::new();
            f.take(ocr::MAX_IMAGE_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
                .map_err(io(what))?;
            pieces.push(ocr::read_image(&name, &bytes)?.into_piece());
        } else {
            let (bytes, truncated) = paste::read_capped(f).map_err(io(what))?;
            if truncated {
                eprintln!("reqdoctor: {name}: only the first 256 KB were read");
            }
            pieces.push(paste::read_named(&name, &bytes, truncated)?);
        }
    }
    if message.trim().is_empty() && pieces.iter().all(|p| p.lines.is_empty()) {
        eprintln!("reqdoctor: nothing to ask: give TEXT, `-` for standard input, or --file PATH");
        return Ok(None);
    }
    Ok(Some(Pasted::new(&message, &pieces)))
}

/// The answer's JSON with each evidence naming the file and line it came from (`attachment`
/// and `line`, or `entry` for a HAR), when it came from a file.
fn locate_evidence(v: &mut serde_json::Value, evidence: &[Evidence], pasted: &Pasted) {
    let Some(items) = v["evidence"].as_array_mut() else {
        return;
    };
    for (item, e) in items.iter_mut().zip(evidence) {
        if let Some(locus) = pasted.locate_evidence(e) {
            item["attachment"] = locus.name.clone().into();
            match locus.position {
                paste::Position::Line(n) => item["line"] = n.into(),
                paste::Position::Entry(n) => item["entry"] = n.into(),
            }
        }
    }
}

fn ask(
    matcher: &Matcher,
    pasted: &Pasted,
    lang: Option<Lang>,
    json: bool,
) -> Result<ExitCode, CliError> {
    let text = pasted.text();
    let lang = lang.unwrap_or_else(|| Lang::detect(text));
    let lookup = crate::ocr::gate::lookup(matcher, pasted, DEFAULT_LOOKUP_CONFIDENCE);
    let matches = &lookup.matches;
    let knowledge = matcher.knowledge();
    let mut out = std::io::stdout().lock();
    if let Some(p) = lookup.uncovered_platform {
        if !json {
            writeln!(out, "{}", reply::uncovered_platform(p, lang)).map_err(io("stdout"))?;
        }
    }
    let answer = if lookup.answered {
        Answer::build(knowledge, matches, lang)
    } else {
        None
    };
    match (answer, json) {
        (Some(a), false) => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            write!(out, "{}", a.to_terminal(color)).map_err(io("stdout"))?;
            if let Some(locus) = a.evidence.first().and_then(|e| pasted.locate_evidence(e)) {
                writeln!(out, "(evidence found in {locus})").map_err(io("stdout"))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        (Some(a), true) => {
            let mut v = a.to_json();
            locate_evidence(&mut v, &a.evidence, pasted);
            if let Some(p) = lookup.uncovered_platform {
                v["uncovered_platform"] = p.as_str().into();
            }
            writeln!(out, "{v}").map_err(io("stdout"))?;
            Ok(ExitCode::SUCCESS)
        }
        (None, false) => {
            writeln!(out, "{}", reply::no_match(knowledge, matches, lang)).map_err(io("stdout"))?;
            Ok(ExitCode::from(1))
        }
        (None, true) => {
            let suggestions: Vec<_> = matches
                .iter()
                .map(|m| serde_json::json!({"id": m.id, "score": m.score}))
                .collect();
            let uncovered = lookup.uncovered_platform.map(|p| p.as_str());
            writeln!(
                out,
                "{}",
                serde_json::json!({"id": null, "suggestions": suggestions, "uncovered_platform": uncovered})
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
    /// The channel kind, when this line's differs from `--channel`.
    #[serde(default)]
    channel: Option<Channel>,
}

/// One line of `match --jsonl` (any bytes; invalid UTF-8 is replaced, the line end is
/// ignored) → its output object, or why the line is not `{"text": "..."}`. Public so the fuzz
/// target drives exactly what the command runs.
pub fn match_line(
    matcher: &Matcher,
    line: &[u8],
    lookup: bool,
    channel: Channel,
) -> Result<serde_json::Value, serde_json::Error> {
    let line = String::from_utf8_lossy(line);
    let line = line.trim_end_matches(['\n', '\r']);
    let input = serde_json::from_str::<MatchInput>(line)?;
    Ok(if lookup {
        let l = matcher.lookup(&input.text, DEFAULT_LOOKUP_CONFIDENCE);
        let answers: Vec<&str> = l.matches.iter().map(|m| m.id.as_str()).collect();
        let answered = l.answer().map(|m| m.id.as_str());
        let uncovered = l.uncovered_platform.map(|p| p.as_str());
        serde_json::json!({
            "answers": answers,
            "matches": l.matches,
            "answered": answered,
            "uncovered_platform": uncovered,
        })
    } else {
        let channel = input.channel.unwrap_or(channel);
        let matches = matcher.find_in(&input.text, Mode::Auto, channel);
        let answers: Vec<&str> = matches.iter().map(|m| m.id.as_str()).collect();
        serde_json::json!({"answers": answers, "matches": matches})
    })
}

fn match_lines(matcher: &Matcher, lookup: bool, channel: Channel) -> Result<ExitCode, CliError> {
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
        let result = match match_line(matcher, &buf, lookup, channel) {
            Ok(v) => v,
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

/// How `reqdoctor eval` scores and what it demands.
struct EvalOptions {
    lookup: bool,
    channel: Channel,
    min_accuracy: Option<f64>,
    max_false: Option<f64>,
    max_confusion: Option<usize>,
    all: bool,
}

fn run_eval(matcher: &Matcher, corpus: &Path, o: EvalOptions) -> Result<ExitCode, CliError> {
    let EvalOptions {
        lookup,
        channel,
        min_accuracy,
        max_false,
        max_confusion,
        all,
    } = o;
    let text = std::fs::read_to_string(corpus).map_err(io(corpus.display().to_string()))?;
    let (lines, bad) = eval::parse_corpus(&text);
    for b in &bad {
        eprintln!("{}:{}: {}", corpus.display(), b.line, b.message);
    }
    let mode = if lookup { Mode::Lookup } else { Mode::Auto };
    let report = eval::evaluate(matcher, &lines, mode, channel);
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
            "MISS {}:{} [{}]: {}\n     expected {expect}\n     got      {got}",
            corpus.display(),
            m.line,
            m.channel,
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
    let t = &report.total;
    writeln!(
        out,
        "mode: {}\ntop-1 accuracy: {:.2}% ({}/{})\nfalse replies: {:.2}% ({}/{})",
        if lookup { "lookup" } else { "auto" },
        t.accuracy() * 100.0,
        t.correct,
        t.positives,
        t.false_reply_rate() * 100.0,
        t.false_replies,
        t.negatives,
    )
    .map_err(io("stdout"))?;
    writeln!(
        out,
        "platform confusion: {} answer(s) came from another platform's entry",
        report.platform_confusion
    )
    .map_err(io("stdout"))?;
    if lookup {
        writeln!(
            out,
            "ranked first (answered or only suggested): {:.2}% ({}/{})",
            100.0 * report.ranked_first as f64 / t.positives.max(1) as f64,
            report.ranked_first,
            t.positives
        )
        .map_err(io("stdout"))?;
    } else {
        writeln!(
            out,
            "maybe (support, 💡 instead of silence): {} misses reached with the right entry, {} with a wrong one; {} must-stay-silent lines get a reaction (never a reply)",
            report.maybe_right, report.maybe_wrong, report.maybe_on_negatives
        )
        .map_err(io("stdout"))?;
        for kind in [Channel::Support, Channel::Team] {
            let c = &report.by_channel[kind as usize];
            if c.positives + c.negatives > 0 {
                writeln!(
                    out,
                    "  {kind}: top-1 {:.2}% ({}/{}), false replies {:.2}% ({}/{})",
                    c.accuracy() * 100.0,
                    c.correct,
                    c.positives,
                    c.false_reply_rate() * 100.0,
                    c.false_replies,
                    c.negatives
                )
                .map_err(io("stdout"))?;
            }
        }
    }
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
    if let Some(max) = max_confusion {
        if report.platform_confusion > max {
            writeln!(
                out,
                "FAIL: {} answer(s) from another platform's entry, more than {max}",
                report.platform_confusion
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

/// `reqdoctor check [DIR|FILE]`. Problems and the summary all go to stdout (the check's
/// report); exit 2 on any problem. Every problem is reported in one run, examples included
/// (tried on the entries without problems of their own). A FILE is checked among its
/// neighbours, so references to entries in other files resolve, and only its own problems
/// are shown.
fn check(path: Option<&Path>) -> Result<ExitCode, CliError> {
    let (dir, only) = match path {
        Some(p) if p.is_file() => {
            let parent = p.parent().filter(|d| !d.as_os_str().is_empty());
            (Some(parent.unwrap_or(Path::new("."))), p.file_name())
        }
        p => (p, None),
    };
    let checked = match check_knowledge(dir) {
        Ok(c) => c,
        Err(e) => {
            println!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let ours = |p: &&Problem| only.is_none_or(|name| Path::new(&p.file).file_name() == Some(name));
    let shown: Vec<&Problem> = checked.problems.iter().filter(ours).collect();
    for p in &shown {
        println!("{p}");
    }
    if !shown.is_empty() {
        println!("{} problem(s)", shown.len());
        return Ok(ExitCode::from(2));
    }
    if checked.problems.is_empty() {
        println!(
            "ok: {} entries, {} examples match their entries",
            checked.entries, checked.examples
        );
    } else {
        println!(
            "ok: no problems in this file ({} problem(s) in other files)",
            checked.problems.len()
        );
    }
    Ok(ExitCode::SUCCESS)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_since("7d"), Ok(7 * 86_400));
        assert_eq!(parse_since("24h"), Ok(86_400));
        assert_eq!(parse_since("2w"), Ok(14 * 86_400));
        assert_eq!(parse_since("90m"), Ok(5_400));
        assert_eq!(parse_since("3"), Ok(3 * 86_400));
        assert!(parse_since("0d").is_err());
        assert!(parse_since("7y").is_err());
        assert!(parse_since("soon").is_err());
    }
}
