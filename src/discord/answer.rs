//! From a question to what the bot should say: the matcher's verdict turned into an embed
//! and buttons, with no Discord I/O, so it is tested like any function.

use std::str::FromStr;

use crate::knowledge::{Code, Knowledge};
use crate::matcher::{Channel, CodeForm, Evidence, EvidenceKind, Match, Matcher, Mode};
use crate::paste::Pasted;
use crate::reply::{Answer, Lang};

use super::embed::{self, EmbedModel};

/// What the bot should say about one question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// The embed.
    pub embed: EmbedModel,
    /// The entry answered (None for "nothing matched" and help).
    pub entry_id: Option<String>,
    /// The reply language.
    pub lang: Lang,
}

/// The outcome of diagnosing a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Diagnosis {
    /// Auto mode: not confident, say nothing.
    Silent {
        /// It still looks like a request-error question: worth the review log.
        worth_review: bool,
        /// The best candidate just below the threshold ([`crate::matcher::MAYBE_BAND`]), which a
        /// support channel may offer with a 💡 instead of an answer.
        maybe: Option<Match>,
    },
    /// Say this.
    Say(Said),
}

impl Diagnosis {
    /// The entry answered, if any.
    pub fn entry_id(&self) -> Option<&str> {
        match self {
            Diagnosis::Say(s) => s.entry_id.as_deref(),
            Diagnosis::Silent { .. } => None,
        }
    }
}

/// The scores from which the bot answers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// `Auto` mode: answer unprompted from this score (the server's confidence level).
    pub auto: f32,
    /// `Lookup` mode: an answer from this score, suggestions below it.
    pub lookup: f32,
}

/// Diagnoses `text` in `mode`. In `Auto` mode anything at or above `thresholds.auto` is
/// confident; in `Lookup` mode an answer needs `thresholds.lookup`, else the reply says
/// honestly that nothing matched.
pub fn diagnose(
    matcher: &Matcher,
    text: &str,
    mode: Mode,
    channel: Channel,
    lang: Lang,
    thresholds: Thresholds,
) -> Diagnosis {
    diagnose_in(matcher, text, None, mode, channel, lang, thresholds)
}

/// [`diagnose`] for a message with pasted files: when the evidence comes from a file, the
/// answer's evidence names the file and its line (or HAR entry).
pub fn diagnose_pasted(
    matcher: &Matcher,
    pasted: &Pasted,
    mode: Mode,
    channel: Channel,
    lang: Lang,
    thresholds: Thresholds,
) -> Diagnosis {
    let text = pasted.text();
    diagnose_in(matcher, text, Some(pasted), mode, channel, lang, thresholds)
}

fn diagnose_in(
    matcher: &Matcher,
    text: &str,
    pasted: Option<&Pasted>,
    mode: Mode,
    channel: Channel,
    lang: Lang,
    thresholds: Thresholds,
) -> Diagnosis {
    let knowledge = matcher.knowledge();
    if mode == Mode::Lookup && text.trim().is_empty() {
        return Diagnosis::Say(Said {
            embed: embed::help(lang),
            entry_id: None,
            lang,
        });
    }
    let mut answered = false;
    let mut uncovered = None;
    // Text read from screenshots answers only on strong evidence (see [`crate::ocr::gate`]).
    let (matches, worth_review, maybe) = match mode {
        Mode::Auto => {
            let a = match pasted {
                Some(p) => crate::ocr::gate::assess(matcher, p, thresholds.auto, channel),
                None => matcher.assess(text, thresholds.auto, channel),
            };
            (a.answers, a.looks_like_request_error, a.maybe)
        }
        Mode::Lookup => {
            let l = match pasted {
                Some(p) => crate::ocr::gate::lookup(matcher, p, thresholds.lookup),
                None => matcher.lookup(text, thresholds.lookup),
            };
            answered = l.answered;
            uncovered = l.uncovered_platform;
            (l.matches, false, None)
        }
    };
    let confident = match mode {
        Mode::Auto => !matches.is_empty(),
        Mode::Lookup => answered,
    };
    // A platform the knowledge does not cover is said first, so that another platform's
    // facts are never passed off as its own.
    let noting_uncovered = |mut said: Said| {
        if let Some(p) = uncovered {
            said.embed.description = format!(
                "{}\n\n{}",
                crate::reply::uncovered_platform(p, lang),
                said.embed.description
            );
            said.embed = said.embed.fit();
        }
        Diagnosis::Say(said)
    };
    if confident {
        if let Some(said) = answer_located(knowledge, &matches, lang, pasted) {
            return noting_uncovered(said);
        }
    }
    match mode {
        Mode::Auto => Diagnosis::Silent {
            worth_review,
            maybe,
        },
        Mode::Lookup => noting_uncovered(Said {
            embed: embed::no_match(knowledge, &matches, lang),
            entry_id: None,
            lang,
        }),
    }
}

fn answer(knowledge: &Knowledge, matches: &[Match], lang: Lang) -> Option<Said> {
    answer_located(knowledge, matches, lang, None)
}

fn answer_located(
    knowledge: &Knowledge,
    matches: &[Match],
    lang: Lang,
    pasted: Option<&Pasted>,
) -> Option<Said> {
    let a = Answer::build(knowledge, matches, lang)?;
    let source = pasted.and_then(|p| a.evidence.first().and_then(|e| p.locate_evidence(e)));
    Some(Said {
        embed: embed::answer_from(&a, source),
        entry_id: Some(a.entry.id.clone()),
        lang,
    })
}

/// The answer for one candidate the matcher found (a 💡 offer the asker took up), with the
/// evidence the matcher saw. None when the entry is gone (knowledge reloaded meanwhile).
pub fn for_match(knowledge: &Knowledge, m: &Match, lang: Lang) -> Option<Said> {
    answer(knowledge, std::slice::from_ref(m), lang)
}

/// The answer for one entry id, as `/ask <id>` gives it.
pub fn by_id(knowledge: &Knowledge, id: &str, lang: Lang) -> Option<Said> {
    let id = id.trim();
    knowledge.get(id)?;
    let m = Match {
        id: id.to_string(),
        score: 1.0,
        evidence: vec![Evidence {
            kind: EvidenceKind::EntryId,
            text: id.to_string(),
            start: 0,
            end: id.len(),
            in_fail_object: false,
            in_code_block: false,
        }],
    };
    answer(knowledge, &[m], lang)
}

/// Reads a code as typed in `/code`: `error:14`, `error 14`, `errno 600002`, `http:401`,
/// `HTTP 500`, `net:-2`.
pub fn parse_code(s: &str) -> Option<Code> {
    let s = s.trim().to_ascii_lowercase();
    let s = s.replace([' ', '='], ":").replace("::", ":");
    if let Ok(c) = Code::from_str(&s) {
        return Some(c);
    }
    // A bare number: an errno when it has six digits, an HTTP status when it has three.
    let n: i64 = s.parse().ok()?;
    match n {
        100..=999 => Some(Code::Http(n as u16)),
        100_000..=999_999 => Some(Code::Errno(n as u32)),
        -999..=-1 => Some(Code::Net(n as i32)),
        0..=99 => Some(Code::AlipayError(n as u32)),
        _ => None,
    }
}

/// The answer for a code, with its table row when the entry has one.
pub fn by_code(knowledge: &Knowledge, code: Code, typed: &str, lang: Lang) -> Option<Said> {
    let entry = knowledge
        .entries()
        .iter()
        .find(|e| e.all_codes().any(|c| c == code))?;
    let m = Match {
        id: entry.id.clone(),
        score: 1.0,
        evidence: vec![Evidence {
            kind: EvidenceKind::Code {
                code,
                form: CodeForm::Explicit,
            },
            text: typed.trim().to_string(),
            start: 0,
            end: typed.trim().len(),
            in_fail_object: false,
            in_code_block: false,
        }],
    };
    answer(knowledge, &[m], lang)
}

/// Removes `<@id>` and `<@!id>` mentions of the bot from `text`.
pub fn strip_mention(text: &str, bot_id: u64) -> String {
    let a = format!("<@{bot_id}>");
    let b = format!("<@!{bot_id}>");
    text.replace(&a, " ").replace(&b, " ").trim().to_string()
}

/// Whether `text` mentions the bot with `<@id>` or `<@!id>`.
pub fn mentions(text: &str, bot_id: u64) -> bool {
    text.contains(&format!("<@{bot_id}>")) || text.contains(&format!("<@!{bot_id}>"))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::discord::testing::knowledge;

    fn matcher() -> Matcher {
        Matcher::new(Arc::new(knowledge())).unwrap()
    }

    const T: Thresholds = Thresholds {
        auto: crate::matcher::DEFAULT_AUTO_THRESHOLD,
        lookup: 0.45,
    };

    #[test]
    fn auto_mode_is_silent_on_chatter() {
        let m = matcher();
        assert_eq!(
            diagnose(
                &m,
                "anyone up for lunch?",
                Mode::Auto,
                Channel::Support,
                Lang::En,
                T
            ),
            Diagnosis::Silent {
                worth_review: false,
                maybe: None
            }
        );
        let d = diagnose(
            &m,
            "{error: 14, errorMessage: \"JSON parse data error\"}",
            Mode::Auto,
            Channel::Support,
            Lang::En,
            T,
        );
        assert_eq!(d.entry_id(), Some("alipay.error.14"));
        // Stricter than the best score: silent, but worth a look.
        let strict = Thresholds { auto: 1.01, ..T };
        assert!(matches!(
            diagnose(
                &m,
                "my.request 报错 error: 14",
                Mode::Auto,
                Channel::Support,
                Lang::En,
                strict
            ),
            Diagnosis::Silent {
                worth_review: true,
                ..
            }
        ));
    }

    #[test]
    fn lookup_mode_says_when_nothing_matches() {
        let m = matcher();
        let Diagnosis::Say(s) = diagnose(
            &m,
            "anyone up for lunch?",
            Mode::Lookup,
            Channel::Support,
            Lang::En,
            T,
        ) else {
            panic!("lookup always says something")
        };
        assert_eq!(s.entry_id, None);
        assert_eq!(s.embed.title, "No confident match");
        let Diagnosis::Say(s) = diagnose(&m, "  ", Mode::Lookup, Channel::Support, Lang::Zh, T)
        else {
            panic!()
        };
        assert_eq!(s.embed.title, "如何向 reqdoctor 提问");
    }

    #[test]
    fn by_id_and_by_code() {
        let k = knowledge();
        assert_eq!(
            by_id(&k, " alipay.error.11 ", Lang::En)
                .unwrap()
                .entry_id
                .as_deref(),
            Some("alipay.error.11")
        );
        assert!(by_id(&k, "nope", Lang::En).is_none());
        let c = parse_code("Error 14").unwrap();
        assert_eq!(c, Code::AlipayError(14));
        let s = by_code(&k, c, "Error 14", Lang::En).unwrap();
        assert_eq!(s.entry_id.as_deref(), Some("alipay.error.14"));
        assert_eq!(parse_code("http=401"), Some(Code::Http(401)));
        assert_eq!(parse_code("600002"), Some(Code::Errno(600002)));
        assert_eq!(parse_code("net:-2"), Some(Code::Net(-2)));
        assert_eq!(parse_code("what"), None);
    }

    /// The evidence names the attachment and its line when the error came from a file, and
    /// stays as it was when it came from the message itself.
    #[test]
    fn evidence_names_the_attachment_and_line() {
        let m = matcher();
        let log = b"app started\nloading user\nmy.request failed: {error: 14, errorMessage: \"JSON parse data error\"}\n";
        let piece = crate::paste::read_named("message.txt", log, false).unwrap();
        let pasted = Pasted::new("see the log", &[piece]);
        // The answer to `pasted` in `lang`, and its evidence field (named `field`).
        let answered = |pasted: &Pasted, lang: Lang, field: &str| {
            let Diagnosis::Say(s) =
                diagnose_pasted(&m, pasted, Mode::Auto, Channel::Support, lang, T)
            else {
                panic!("the pasted error is answered")
            };
            let evidence = s
                .embed
                .fields
                .iter()
                .find(|f| f.name == field)
                .unwrap()
                .value
                .clone();
            (s, evidence)
        };
        let (s, evidence) = answered(&pasted, Lang::En, "Evidence");
        assert_eq!(s.entry_id.as_deref(), Some("alipay.error.14"));
        assert!(evidence.ends_with("(`message.txt` line 3)"), "{evidence}");
        insta::assert_snapshot!(serde_json::to_string_pretty(&s.embed).unwrap());
        let (_, evidence) = answered(&pasted, Lang::Zh, "依据");
        assert!(
            evidence.ends_with("（`message.txt` 第 3 行）"),
            "{evidence}"
        );
        // The same error in the message itself names no file.
        let own = Pasted::new(
            "my.request failed: {error: 14, errorMessage: \"JSON parse data error\"}",
            &[],
        );
        let (_, evidence) = answered(&own, Lang::En, "Evidence");
        assert!(!evidence.contains("line"), "{evidence}");
    }

    #[test]
    fn mentions_are_found_and_stripped() {
        assert!(mentions("hi <@42> help", 42));
        assert!(mentions("<@!42>", 42));
        assert!(!mentions("<@421>", 42));
        assert_eq!(strip_mention("<@42> error 14 <@!42>", 42), "error 14");
    }

    #[test]
    fn a_lookup_on_an_uncovered_platform_says_so() {
        let m = Matcher::new(Arc::new(Knowledge::bundled().unwrap())).unwrap();
        let Diagnosis::Say(said) = diagnose(
            &m,
            "小红书小程序 xhs.request 请求超时怎么办",
            Mode::Lookup,
            Channel::Support,
            Lang::Zh,
            T,
        ) else {
            panic!("Lookup always says something");
        };
        assert!(
            said.embed.description.starts_with("知识库里还没有"),
            "{}",
            said.embed.description
        );
        let Diagnosis::Say(said) = diagnose(
            &m,
            "wx.request 请求超时怎么办",
            Mode::Lookup,
            Channel::Support,
            Lang::Zh,
            T,
        ) else {
            panic!("Lookup always says something");
        };
        assert!(!said.embed.description.contains("知识库里还没有"));
    }
}
