//! Pasted content (a text, log, JSON or HAR file) turned into text the matcher can read,
//! with provenance: every line of the combined text knows which file and line it came from,
//! so evidence can name the attachment and the line. No Discord types here: the CLI's
//! `ask --file` and the bot read files the same way.

use std::fmt;
use std::io::Read;

use serde_json::Value;

use crate::matcher::{Evidence, MAX_INPUT_BYTES};

/// At most this much of one file is read: a pasted log is the start of a conversation,
/// not a data set, and a huge file must never cost more than a small one.
pub const MAX_READ_BYTES: usize = 256 * 1024;

/// How many bytes of a failed HAR entry's response body go into its evidence line.
const BODY_SNIPPET_CHARS: usize = 300;

/// Words that make a line of a long log worth keeping when it does not fit whole.
const MARKERS: &[&str] = &[
    "error",
    "err",
    "fail",
    "exception",
    "timeout",
    "status",
    "errno",
    "errmsg",
    "http",
    "报错",
    "失败",
    "错误",
    "超时",
    "异常",
];

/// How a file is read, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Plain text: `.txt`, `.log`, `.json` (and Discord's `message.txt`).
    Text,
    /// A HAR export of the developer tools' network panel: failed requests are evidence.
    Har,
    /// A screenshot (PNG, JPEG, WebP): only readable with OCR.
    Image,
}

impl Kind {
    /// The kind for a file name, by its extension; None for anything else.
    pub fn from_name(name: &str) -> Option<Kind> {
        let ext = name.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "txt" | "log" | "json" => Some(Kind::Text),
            "har" => Some(Kind::Har),
            "png" | "jpg" | "jpeg" | "webp" => Some(Kind::Image),
            _ => None,
        }
    }
}

/// Why a pasted file was skipped. Each names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasteError {
    /// The file is not text (a NUL byte or mostly control bytes).
    #[error("{name}: skipped: binary content (byte {offset} is not text); only text, .log, .json and .har files are read")]
    Binary {
        /// The file.
        name: String,
        /// The first byte that gave it away.
        offset: usize,
    },
    /// Not a file kind that can be read.
    #[error("{name}: skipped: not a .txt, .log, .json or .har file")]
    Unsupported {
        /// The file.
        name: String,
    },
    /// An image, and this build has no OCR.
    #[error("{name}: images are read only by a build with the `ocr` feature (cargo build --features ocr)")]
    ImageNeedsOcr {
        /// The file.
        name: String,
    },
}

/// Where a line of the combined text came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Position {
    /// A line of a text file, from 1.
    Line(usize),
    /// A HAR entry (`log.entries[n]`, from 0).
    Entry(usize),
}

/// A file and a place in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locus {
    /// The file name, e.g. `message.txt`.
    pub name: String,
    /// The line or HAR entry.
    pub position: Position,
}

impl fmt::Display for Locus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Position::Line(n) => write!(f, "{} line {n}", self.name),
            Position::Entry(n) => write!(f, "{} entry {n}", self.name),
        }
    }
}

/// How a piece's text was obtained, which says how far it can be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Source {
    /// Text someone pasted or attached: their own words and logs.
    #[default]
    Text,
    /// Text read from a screenshot by OCR: noisy, and not a question (see
    /// [`crate::ocr::gate`]).
    Ocr,
}

/// One readable file: its lines worth matching, each with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The file name.
    pub name: String,
    /// Lines with their positions, in file order.
    pub lines: Vec<(Position, String)>,
    /// Whether the file was longer than [`MAX_READ_BYTES`] and only its start was read.
    pub truncated: bool,
    /// Where the text came from.
    pub source: Source,
}

/// Reads at most [`MAX_READ_BYTES`] from `r`, and says whether there was more.
pub fn read_capped(r: impl Read) -> std::io::Result<(Vec<u8>, bool)> {
    let mut buf = Vec::new();
    r.take(MAX_READ_BYTES as u64 + 1).read_to_end(&mut buf)?;
    let truncated = buf.len() > MAX_READ_BYTES;
    buf.truncate(MAX_READ_BYTES);
    Ok((buf, truncated))
}

/// The offset of the first byte showing `bytes` are not text: a NUL, or (in a sample of the
/// start) more than one in ten bytes being control characters other than tab and newlines.
pub fn binary_at(bytes: &[u8]) -> Option<usize> {
    if let Some(i) = memchr::memchr(0, bytes) {
        return Some(i);
    }
    let sample = &bytes[..bytes.len().min(8192)];
    let control = |b: &u8| *b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c);
    let n = sample.iter().filter(|b| control(b)).count();
    if n * 10 > sample.len() {
        return sample.iter().position(control);
    }
    None
}

/// Reads the file `name` (its content `bytes`, already capped) as `kind`.
pub fn read(name: &str, kind: Kind, bytes: &[u8], truncated: bool) -> Result<Piece, PasteError> {
    if kind == Kind::Image {
        return Err(PasteError::ImageNeedsOcr { name: name.into() });
    }
    if let Some(offset) = binary_at(bytes) {
        return Err(PasteError::Binary {
            name: name.into(),
            offset,
        });
    }
    let text = String::from_utf8_lossy(bytes);
    let har = match kind {
        Kind::Har => har_lines(&text),
        _ => None,
    };
    // A HAR cut at the cap is no longer JSON: its text is still worth reading.
    let lines = har.unwrap_or_else(|| {
        text.lines()
            .enumerate()
            .map(|(i, l)| (Position::Line(i + 1), l.to_string()))
            .collect()
    });
    Ok(Piece {
        name: name.into(),
        lines,
        truncated,
        source: Source::Text,
    })
}

/// Reads the file `name` whose kind follows from its name.
pub fn read_named(name: &str, bytes: &[u8], truncated: bool) -> Result<Piece, PasteError> {
    let kind =
        Kind::from_name(name).ok_or_else(|| PasteError::Unsupported { name: name.into() })?;
    read(name, kind, bytes, truncated)
}

/// The evidence lines of a HAR: one line per failed entry (status >= 400, status 0, or an
/// `_error`), with method, URL, status, status text, the error and a response body snippet.
/// None when the text is not HAR JSON.
fn har_lines(text: &str) -> Option<Vec<(Position, String)>> {
    let v: Value = serde_json::from_str(text).ok()?;
    let entries = v.get("log")?.get("entries")?.as_array()?;
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let req = &e["request"];
        let res = &e["response"];
        let status = res["status"].as_i64().unwrap_or(0);
        let error = res["_error"]
            .as_str()
            .or_else(|| e["_error"].as_str())
            .filter(|s| !s.is_empty());
        if status > 0 && status < 400 && error.is_none() {
            continue;
        }
        let mut line = format!(
            "{} {}",
            req["method"].as_str().unwrap_or("GET"),
            req["url"].as_str().unwrap_or("")
        );
        if status > 0 {
            // Written as the response record it is, so that the matcher reads it as one (a
            // status a request got, not a number someone mentioned).
            line.push_str(&format!(" {{statusCode: {status}}}"));
            if let Some(t) = res["statusText"].as_str().filter(|t| !t.is_empty()) {
                line.push(' ');
                line.push_str(t);
            }
        }
        if let Some(err) = error {
            line.push_str(&format!(" _error: {err}"));
        }
        if let Some(body) = res["content"]["text"].as_str().filter(|b| !b.is_empty()) {
            let snippet: String = body
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .chars()
                .take(BODY_SNIPPET_CHARS)
                .collect();
            line.push_str(&format!(" response: {snippet}"));
        }
        out.push((Position::Entry(i), line));
    }
    Some(out)
}

/// A line of the combined text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
    locus: Locus,
    source: Source,
}

/// The message's own text and its files, joined for the matcher, with provenance.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pasted {
    text: String,
    spans: Vec<Span>,
    /// The same without the OCR'd pieces, when there are any.
    plain: Option<Box<Pasted>>,
}

impl Pasted {
    /// The message text followed by the files' lines. When everything does not fit in what
    /// the matcher reads ([`MAX_INPUT_BYTES`]), each file keeps its share, its error-looking
    /// lines first, so an error deep in a long log is still seen.
    pub fn new(message: &str, pieces: &[Piece]) -> Pasted {
        let plain = pieces.iter().any(|p| p.source == Source::Ocr).then(|| {
            let text: Vec<Piece> = pieces
                .iter()
                .filter(|p| p.source != Source::Ocr)
                .cloned()
                .collect();
            Box::new(Pasted::new(message, &text))
        });
        let mut text = message.to_string();
        let mut spans = Vec::new();
        let room = MAX_INPUT_BYTES.saturating_sub(message.len());
        let share = room / pieces.len().max(1);
        for p in pieces {
            let kept = condense(&p.lines, share.saturating_sub(2));
            if kept.is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            for (n, (pos, line)) in kept.into_iter().enumerate() {
                if n > 0 {
                    text.push('\n');
                }
                let start = text.len();
                text.push_str(line);
                spans.push(Span {
                    start,
                    end: text.len(),
                    locus: Locus {
                        name: p.name.clone(),
                        position: pos.clone(),
                    },
                    source: p.source,
                });
            }
        }
        Pasted { text, spans, plain }
    }

    /// The message and its text files without what OCR read (itself when nothing was).
    pub fn without_ocr(&self) -> &Pasted {
        self.plain.as_deref().unwrap_or(self)
    }

    /// Whether any line came from OCR.
    pub fn has_ocr(&self) -> bool {
        self.plain.is_some()
    }

    /// Whether a piece of evidence lies in a line read by OCR.
    pub fn from_ocr(&self, e: &Evidence) -> bool {
        if e.end == 0 && e.start == 0 {
            return false;
        }
        let i = self.spans.partition_point(|s| s.end < e.start);
        self.spans
            .get(i)
            .is_some_and(|s| s.start <= e.start && e.start <= s.end && s.source == Source::Ocr)
    }

    /// The text to match.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where the byte at `offset` of [`Pasted::text`] came from (None: the message itself).
    pub fn locate(&self, offset: usize) -> Option<&Locus> {
        let i = self.spans.partition_point(|s| s.end < offset);
        self.spans
            .get(i)
            .filter(|s| s.start <= offset && offset <= s.end)
            .map(|s| &s.locus)
    }

    /// Where a piece of evidence came from (None: the message itself, or no text span).
    pub fn locate_evidence(&self, e: &Evidence) -> Option<&Locus> {
        if e.end == 0 && e.start == 0 {
            return None;
        }
        self.locate(e.start)
    }
}

/// The lines to keep within `budget` bytes: all when they fit, else error-looking lines
/// first (in file order), then the others from the top while room is left.
fn condense(lines: &[(Position, String)], budget: usize) -> Vec<&(Position, String)> {
    let total: usize = lines.iter().map(|(_, l)| l.len() + 1).sum();
    if total <= budget {
        return lines.iter().collect();
    }
    let marked = |l: &str| {
        let lower = l.to_lowercase();
        MARKERS.iter().any(|m| lower.contains(m))
    };
    let mut keep = vec![false; lines.len()];
    let mut used = 0;
    for pass in [true, false] {
        for (i, (_, l)) in lines.iter().enumerate() {
            if keep[i] || marked(l) != pass || used + l.len() + 1 > budget {
                continue;
            }
            keep[i] = true;
            used += l.len() + 1;
        }
    }
    lines
        .iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(l, _)| l)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension() {
        assert_eq!(Kind::from_name("message.txt"), Some(Kind::Text));
        assert_eq!(Kind::from_name("APP.LOG"), Some(Kind::Text));
        assert_eq!(Kind::from_name("x.json"), Some(Kind::Text));
        assert_eq!(Kind::from_name("net.har"), Some(Kind::Har));
        assert_eq!(Kind::from_name("shot.PNG"), Some(Kind::Image));
        assert_eq!(Kind::from_name("a.exe"), None);
        assert_eq!(Kind::from_name("README"), None);
    }

    #[test]
    fn text_lines_keep_their_numbers() {
        let p = read_named("app.log", b"start\nmy.request error: 14\n", false).unwrap();
        let pasted = Pasted::new("help", &[p]);
        assert_eq!(pasted.text(), "help\n\nstart\nmy.request error: 14");
        let at = pasted.text().find("error").unwrap();
        assert_eq!(pasted.locate(at).unwrap().to_string(), "app.log line 2");
        assert_eq!(pasted.locate(1), None, "the message itself has no file");
    }

    #[test]
    fn binary_is_skipped_with_a_reason() {
        let e = read_named("message.txt", b"abc\0def", false).unwrap_err();
        assert_eq!(
            e,
            PasteError::Binary {
                name: "message.txt".into(),
                offset: 3
            }
        );
        let noise: Vec<u8> = (0..200u8).map(|i| i % 8 + 1).collect();
        assert!(matches!(
            read_named("x.log", &noise, false),
            Err(PasteError::Binary { .. })
        ));
        // Invalid UTF-8 alone is text, read lossily.
        let p = read_named("x.txt", b"caf\xe9 error", false).unwrap();
        assert_eq!(p.lines[0].1, "caf\u{fffd} error");
    }

    #[test]
    fn images_need_ocr_and_others_are_unsupported() {
        assert!(matches!(
            read_named("shot.png", b"\x89PNG", false),
            Err(PasteError::ImageNeedsOcr { .. })
        ));
        assert!(read_named("a.zip", b"PK", false)
            .unwrap_err()
            .to_string()
            .contains("a.zip: skipped"));
    }

    #[test]
    fn har_failed_entries_become_evidence_lines() {
        let har = serde_json::json!({"log": {"entries": [
            {"request": {"method": "GET", "url": "https://a.example/ok"}, "response": {"status": 200, "statusText": "OK"}},
            {"request": {"method": "POST", "url": "https://a.example/login"}, "response": {"status": 401, "statusText": "Unauthorized", "content": {"text": "{\"msg\":\n \"token expired\"}"}}},
            {"request": {"method": "GET", "url": "https://b.example/x"}, "response": {"status": 0, "statusText": "", "_error": "net::ERR_NAME_NOT_RESOLVED"}}
        ]}});
        let p = read_named("net.har", har.to_string().as_bytes(), false).unwrap();
        assert_eq!(
            p.lines,
            vec![
                (
                    Position::Entry(1),
                    "POST https://a.example/login {statusCode: 401} Unauthorized response: {\"msg\": \"token expired\"}".to_string()
                ),
                (
                    Position::Entry(2),
                    "GET https://b.example/x _error: net::ERR_NAME_NOT_RESOLVED".to_string()
                ),
            ]
        );
        let pasted = Pasted::new("", &[p]);
        let at = pasted.text().find("ERR_NAME").unwrap();
        assert_eq!(pasted.locate(at).unwrap().to_string(), "net.har entry 2");
    }

    #[test]
    fn a_cut_har_is_read_as_text() {
        let p = read_named(
            "net.har",
            b"{\"log\": {\"entries\": [ {\"status\": 500",
            true,
        )
        .unwrap();
        assert!(p.truncated);
        assert_eq!(p.lines[0].0, Position::Line(1));
    }

    #[test]
    fn reading_is_capped() {
        let big = vec![b'a'; MAX_READ_BYTES + 10];
        let (bytes, truncated) = read_capped(&big[..]).unwrap();
        assert_eq!(bytes.len(), MAX_READ_BYTES);
        assert!(truncated);
        let (bytes, truncated) = read_capped(&b"short"[..]).unwrap();
        assert_eq!((bytes.len(), truncated), (5, false));
    }

    #[test]
    fn a_long_log_keeps_its_error_lines() {
        let mut log = String::new();
        for i in 0..20_000 {
            log.push_str(&format!("info {i} all good here\n"));
        }
        log.push_str("request:fail errcode 14 deep in the log\n");
        let p = read_named("big.log", log.as_bytes(), false).unwrap();
        let pasted = Pasted::new("see log", &[p]);
        assert!(pasted.text().len() <= MAX_INPUT_BYTES);
        let at = pasted.text().find("deep in the log").unwrap();
        assert_eq!(pasted.locate(at).unwrap().to_string(), "big.log line 20001");
    }
}
