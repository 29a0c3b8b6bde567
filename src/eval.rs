//! Scoring the matcher against a labelled corpus.
//!
//! A corpus line is `{"text": "...", "expect": ["id", ...]}`, optionally with `"channel":
//! "support" | "team"`. `expect` lists the acceptable top answers (an id ending in `*` is a
//! prefix); an empty list means the bot must stay silent.
//!
//! Lookup mode counts what a user is shown: a line is right when the matcher *answers* with
//! an acceptable entry, not when one merely ranks first among suggestions.

use serde::Deserialize;

use crate::knowledge::{Knowledge, Platform};
use crate::matcher::{Channel, Matcher, Mode, DEFAULT_LOOKUP_CONFIDENCE};

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
    /// The kind of channel it was posted in (default: the run's `--channel`).
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Where a real message came from (an issue URL), for humans.
    #[serde(default)]
    pub source: Option<String>,
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
    /// The channel kind it was scored in.
    pub channel: Channel,
    /// What was expected.
    pub expect: Vec<String>,
    /// What the matcher answered (ids with scores), best first.
    pub got: Vec<(String, f32)>,
}

/// Counts for one channel kind (or all of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// Lines that expect an answer.
    pub positives: usize,
    /// Of those, lines answered with an acceptable entry.
    pub correct: usize,
    /// Lines that expect silence.
    pub negatives: usize,
    /// Of those, lines that got an answer anyway.
    pub false_replies: usize,
}

impl Tally {
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

/// The outcome of an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every line.
    pub total: Tally,
    /// Lookup mode: lines whose first candidate is acceptable, answered or not.
    pub ranked_first: usize,
    /// Per channel kind (Auto mode): support, then team.
    pub by_channel: [Tally; 2],
    /// Auto mode, support channels: unanswered lines whose 💡 "maybe" names an acceptable
    /// entry (the asker gets the right answer by reacting).
    pub maybe_right: usize,
    /// ...unanswered lines that get a 💡 naming a wrong entry.
    pub maybe_wrong: usize,
    /// ...must-stay-silent lines that get a 💡 (a reaction, never a reply).
    pub maybe_on_negatives: usize,
    /// Answers that came from another platform's entry: the line expects an entry of one
    /// platform (a WeChat question) and got a platform-specific entry that speaks for none of
    /// its platforms (an Alipay or Douyin one). Already wrong by id; counted apart because
    /// it misleads worse than a near miss.
    pub platform_confusion: usize,
    /// Every wrong line.
    pub misses: Vec<Miss>,
}

impl Report {
    /// Top-1 accuracy over lines that expect an answer.
    pub fn accuracy(&self) -> f64 {
        self.total.accuracy()
    }

    /// Share of must-stay-silent lines that got an answer.
    pub fn false_reply_rate(&self) -> f64 {
        self.total.false_reply_rate()
    }
}

/// Runs every labelled line through the matcher; lines without a channel are scored as
/// posted in `channel`.
pub fn evaluate(
    matcher: &Matcher,
    lines: &[(usize, Labelled)],
    mode: Mode,
    channel: Channel,
) -> Report {
    let mut report = Report::default();
    let knowledge = matcher.knowledge();
    for (line, l) in lines {
        let channel = l.channel.unwrap_or(channel);
        let (got, answer) = match mode {
            Mode::Auto => {
                let a = matcher.assess(&l.text, matcher.auto_threshold(), channel);
                let first = a.answers.first().map(|m| m.id.clone());
                if let (None, Some(maybe), Channel::Support) = (&first, &a.maybe, channel) {
                    if l.expect.is_empty() {
                        report.maybe_on_negatives += 1;
                    } else if accepts(&l.expect, &maybe.id) {
                        report.maybe_right += 1;
                    } else {
                        report.maybe_wrong += 1;
                    }
                }
                (a.answers, first)
            }
            Mode::Lookup => {
                let lookup = matcher.lookup(&l.text, DEFAULT_LOOKUP_CONFIDENCE);
                let answer = lookup.answer().map(|m| m.id.clone());
                (lookup.matches, answer)
            }
        };
        let mut line_tally = Tally::default();
        let ok = if l.expect.is_empty() {
            line_tally.negatives = 1;
            line_tally.false_replies = usize::from(answer.is_some());
            answer.is_none()
        } else {
            line_tally.positives = 1;
            if got.first().is_some_and(|m| accepts(&l.expect, &m.id)) {
                report.ranked_first += 1;
            }
            let right = answer.as_ref().is_some_and(|id| accepts(&l.expect, id));
            if !right
                && answer
                    .as_ref()
                    .is_some_and(|id| confuses(knowledge, &l.expect, id))
            {
                report.platform_confusion += 1;
            }
            line_tally.correct = usize::from(right);
            right
        };
        for t in [&mut report.total, &mut report.by_channel[channel as usize]] {
            t.positives += line_tally.positives;
            t.correct += line_tally.correct;
            t.negatives += line_tally.negatives;
            t.false_replies += line_tally.false_replies;
        }
        if !ok {
            report.misses.push(Miss {
                line: *line,
                text: l.text.clone(),
                channel,
                expect: l.expect.clone(),
                got: got.iter().map(|m| (m.id.clone(), m.score)).collect(),
            });
        }
    }
    report
}

/// The platforms an entry speaks for, or `None` when it speaks for all (http, general) or
/// does not exist.
fn entry_platforms<'k>(knowledge: &'k Knowledge, id: &str) -> Option<&'k [Platform]> {
    knowledge
        .entries()
        .iter()
        .find(|e| e.id == id)
        .filter(|e| !e.platform.is_neutral())
        .map(|e| e.platforms.as_slice())
}

/// Whether answering `got` to a line expecting `expect` is platform confusion: every
/// acceptable entry is platform-specific, and `got` is a platform-specific entry that speaks
/// for none of their platforms.
pub fn confuses(knowledge: &Knowledge, expect: &[String], got: &str) -> bool {
    let Some(got) = entry_platforms(knowledge, got) else {
        return false;
    };
    let mut wanted: Vec<Platform> = Vec::new();
    for e in knowledge
        .entries()
        .iter()
        .filter(|e| accepts(expect, &e.id))
    {
        if e.platform.is_neutral() {
            return false;
        }
        wanted.extend(e.platforms.iter().copied());
    }
    !wanted.is_empty() && !got.iter().any(|p| wanted.contains(p))
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
    fn another_platforms_entry_is_confusion() {
        let k = Knowledge::bundled().unwrap();
        let want = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // A WeChat question answered by Alipay's or Douyin's entry.
        assert!(confuses(
            &k,
            &want(&["wechat.faq.referer"]),
            "alipay.faq.referer"
        ));
        assert!(confuses(
            &k,
            &want(&["wechat.*"]),
            "douyin.faq.request-limits"
        ));
        // The same platform, a neutral answer or a neutral expectation is not confusion.
        assert!(!confuses(
            &k,
            &want(&["wechat.faq.referer"]),
            "wechat.timeout"
        ));
        assert!(!confuses(&k, &want(&["wechat.faq.referer"]), "http.500"));
        assert!(!confuses(&k, &want(&["http.500"]), "alipay.error.19"));
        assert!(!confuses(&k, &want(&["wechat.timeout"]), "no.such-entry"));
    }

    #[test]
    fn bad_lines_are_located_not_fatal() {
        let (good, bad) =
            parse_corpus("{\"text\":\"a\",\"expect\":[]}\nnot json\n\n{\"text\":1}\n");
        assert_eq!(good.len(), 1);
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), vec![2, 4]);
    }
}
