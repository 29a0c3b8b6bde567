//! Scoring the matcher against a labelled corpus.
//!
//! A corpus line is `{"text": "...", "expect": ["id", ...]}`. `expect` lists the acceptable
//! top answers (an id ending in `*` is a prefix); an empty list means the bot must stay silent.

use serde::Deserialize;

use crate::matcher::{Matcher, Mode};

/// One labelled message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Labelled {
    /// The message.
    pub text: String,
    /// Acceptable top answers; empty = silence.
    pub expect: Vec<String>,
    /// Free-form note for humans.
    #[serde(default)]
    pub note: Option<String>,
}

/// A corpus line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a JSONL corpus; blank lines are skipped, broken lines reported, none lost silently.
pub fn parse_corpus(text: &str) -> (Vec<(usize, Labelled)>, Vec<BadLine>) {
    let mut good = Vec::new();
    let mut bad = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Labelled>(line) {
            Ok(l) => good.push((i + 1, l)),
            Err(e) => bad.push(BadLine {
                line: i + 1,
                message: format!("column {}: {e}", e.column()),
            }),
        }
    }
    (good, bad)
}

/// Whether `id` is acceptable for `expect`.
pub fn accepts(expect: &[String], id: &str) -> bool {
    expect.iter().any(|e| match e.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => e == id,
    })
}

/// One line the matcher got wrong.
#[derive(Debug, Clone)]
pub struct Miss {
    /// Corpus line number.
    pub line: usize,
    /// The message.
    pub text: String,
    /// What was expected.
    pub expect: Vec<String>,
    /// What the matcher answered (ids with scores), best first.
    pub got: Vec<(String, f32)>,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Lines that expect an answer.
    pub positives: usize,
    /// Of those, lines whose top answer is acceptable.
    pub correct: usize,
    /// Lines that expect silence.
    pub negatives: usize,
    /// Of those, lines that got an answer anyway.
    pub false_replies: usize,
    /// Every wrong line.
    pub misses: Vec<Miss>,
}

impl Report {
    /// Top-1 accuracy over lines that expect an answer.
    pub fn accuracy(&self) -> f64 {
        if self.positives == 0 {
            1.0
        } else {
            self.correct as f64 / self.positives as f64
        }
    }

    /// Share of must-stay-silent lines that got an answer.
    pub fn false_reply_rate(&self) -> f64 {
        if self.negatives == 0 {
            0.0
        } else {
            self.false_replies as f64 / self.negatives as f64
        }
    }
}

/// Runs every labelled line through the matcher.
pub fn evaluate(matcher: &Matcher, lines: &[(usize, Labelled)], mode: Mode) -> Report {
    let mut report = Report::default();
    for (line, l) in lines {
        let got = matcher.find(&l.text, mode);
        let ok = if l.expect.is_empty() {
            report.negatives += 1;
            let silent = got.is_empty();
            if !silent {
                report.false_replies += 1;
            }
            silent
        } else {
            report.positives += 1;
            let right = got.first().is_some_and(|m| accepts(&l.expect, &m.id));
            if right {
                report.correct += 1;
            }
            right
        };
        if !ok {
            report.misses.push(Miss {
                line: *line,
                text: l.text.clone(),
                expect: l.expect.clone(),
                got: got.iter().map(|m| (m.id.clone(), m.score)).collect(),
            });
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_expectations() {
        let e = vec!["wechat.*".to_string(), "http.500".to_string()];
        assert!(accepts(&e, "wechat.timeout"));
        assert!(accepts(&e, "http.500"));
        assert!(!accepts(&e, "http.401"));
    }

    #[test]
    fn bad_lines_are_located_not_fatal() {
        let (good, bad) =
            parse_corpus("{\"text\":\"a\",\"expect\":[]}\nnot json\n\n{\"text\":1}\n");
        assert_eq!(good.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![2, 4]);
    }
}
