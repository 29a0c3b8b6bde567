//! Codes written in free text: `error: 14`, `错误码 14`, `statusCode: 500`, `返回 401`,
//! `403 Forbidden`, `errno 600002`, `net::ERR_FAILED`, `cronet_error_code:-202`.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::LazyLock;

use regex_automata::hybrid;
use regex_automata::nfa::thompson::{self, WhichCaptures};
use regex_automata::{Anchored, Input, MatchKind};

use crate::knowledge::Code;
use crate::text::is_word_byte;

/// How a code was written, which says how sure we are that it is one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CodeForm {
    /// A bare number, only considered when someone asked the bot directly.
    Bare,
    /// `error 14`, `报错 14`, `error: 14 on android`: probably a code, needs context.
    Loose,
    /// `error: 14`, `错误码 14`, `statusCode: 500`, `403 Forbidden`, `errno 600002`.
    Explicit,
    /// A field of a pasted fail object.
    FailObject,
}

/// A code found in the folded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundCode {
    /// The code.
    pub code: Code,
    /// How it was written.
    pub form: CodeForm,
    /// The range it covers in the folded text.
    pub span: Range<usize>,
}

/// Matches of one recogniser looked at per message: the first few occurrences of a code
/// say everything, and a pasted log repeating it thousands of times must stay cheap.
const MAX_MATCHES: usize = 24;

/// Which key introduced a number, read backwards from the number: the reverse of
/// `KEY SEPARATOR -?DIGITS`, where `KEY` is `error`, `错误码`, `statusCode`, `返回了`, `got an
/// http status`... The text is folded, so every space is one ` ` (`\x20`).
const KEYED: &str = r#"(?x)
    (?:
        (?:(?-u:\b)err_?no)
      | (?:(?-u:\b)err(?:or)?[\x20_]?code)
      | (?:(?-u:\b)(?:status[\x20_]?code|http[\x20_]?status(?:[\x20_]?code)?|status|http)|http状态码|状态码|响应码|返回码)
      | (?:错误码|错误代码|错误号|报错码)
      | (?:(?-u:\b)(?:error|err)|报错|错误|报)
      | (?:返回了?|(?-u:\b)(?:returns?|returned|returning|get|got|getting|gets|gives?|giving|throws?|responds?\x20with|responded\x20with)(?:\x20(?:an?|the|http|status|back))*)
    )
    ["']?\x20?(?:[:=]|是|为|了)?\x20?["']?\x20?
    -?[0-9]{1,7}"#;

/// HTTP reason phrases after a status (`403 Forbidden`), folded.
const REASONS: &[&str] = &[
    "bad request",
    "unauthorized",
    "unauthorised",
    "forbidden",
    "not found",
    "request entity too large",
    "payload too large",
    "content too large",
    "internal server error",
    "bad gateway",
    "service unavailable",
    "gateway timeout",
    "gateway time-out",
];

/// The keyed-code recogniser as a reverse lazy DFA, anchored where a number ends. The
/// recognisers are fixed, not knowledge, so this is compiled once per process (≈ 0.1 ms; a
/// fully built DFA took 2 ms) and a knowledge reload never pays for it again.
static KEYED_REVERSE: LazyLock<hybrid::dfa::DFA> = LazyLock::new(|| {
    hybrid::dfa::DFA::builder()
        .configure(
            hybrid::dfa::Config::new()
                .match_kind(MatchKind::All)
                // A small automaton that never fills its cache; never give up on it.
                .minimum_cache_clear_count(None),
        )
        .thompson(
            thompson::Config::new()
                .reverse(true)
                .which_captures(WhichCaptures::None),
        )
        .build(KEYED)
        .expect("static regex")
});

thread_local! {
    /// The lazy DFA's states, built as messages need them, one set per thread.
    static KEYED_CACHE: RefCell<hybrid::dfa::Cache> =
        RefCell::new(KEYED_REVERSE.create_cache());
}

/// The code recognisers. They are process-wide statics, so this is only a handle.
#[derive(Debug, Clone, Copy, Default)]
pub struct CodeScanner;

/// Which kind of key introduced a number, from the text before it (`"errorCode": `, `返回了 `).
fn classify_key(k: &str) -> Key {
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| k.starts_with(p));
    if starts(&["errno", "err_no"]) {
        Key::Errno
    } else if starts(&[
        "errcode",
        "err code",
        "err_code",
        "errorcode",
        "error code",
        "error_code",
    ]) {
        Key::ErrCode
    } else if starts(&["status", "http", "状态码", "响应码", "返回码"]) {
        Key::Status
    } else if starts(&["错误码", "错误代码", "错误号", "报错码"]) {
        Key::ErrorStrong
    } else if starts(&["error", "err", "报错", "错误", "报"]) {
        Key::Error
    } else {
        Key::Returned
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Errno,
    ErrCode,
    Status,
    ErrorStrong,
    Error,
    Returned,
}

impl CodeScanner {
    /// The process-wide recognisers (compiled on first use).
    pub fn new() -> Self {
        CodeScanner
    }

    /// Every code written in `text` (folded), with how it was written. `net_names` resolves
    /// `net::ERR_NAME` to its number.
    ///
    /// Every recogniser but the `net::ERR_NAME` one ends in or starts at a run of digits, so
    /// one pass visits the digit runs and looks around each: backwards for a key (`error:`,
    /// `返回`, `errcode: -`), forwards for a reason phrase or `:net::`. The text between two
    /// runs is read at most once per direction, so the pass is linear, and a message without
    /// digits costs one byte scan.
    pub fn scan(
        &self,
        text: &str,
        net_names: impl Fn(&str) -> Option<i32>,
        out: &mut Vec<FoundCode>,
    ) {
        let b = text.as_bytes();
        let (mut keyed, mut reasons, mut numbers) = (0, 0, 0);
        let mut reason_codes = Vec::new();
        let mut net_numbers = Vec::new();
        let mut at = 0;
        while keyed + reasons + numbers < 3 * MAX_MATCHES {
            let Some(d) = next_digit(b, at) else {
                break;
            };
            let e = d + b[d..].iter().take_while(|c| c.is_ascii_digit()).count();
            at = e;
            // `error: 14`: as a forward regex would see it, the number is at most 7 digits.
            if keyed < MAX_MATCHES {
                let end = e.min(d + 7);
                if let Some(start) = self.key_start(text, end) {
                    keyed += 1;
                    out.extend(keyed_code(text, start, end));
                }
            }
            // `403 Forbidden`: a three-digit status standing alone before a reason phrase.
            if reasons < MAX_MATCHES
                && e - d == 3
                && (b'1'..=b'5').contains(&b[d])
                && (d == 0 || !is_word_byte(b[d - 1]))
            {
                let rest = &text[e..];
                let rest = rest.strip_prefix(' ').unwrap_or(rest);
                if let Some(reason) = REASONS.iter().find(|r| rest.starts_with(*r)) {
                    reasons += 1;
                    let n = text[d..e].parse::<u16>().expect("three ascii digits");
                    reason_codes.push(FoundCode {
                        code: Code::Http(n),
                        form: CodeForm::Explicit,
                        span: d..text.len() - rest.len() + reason.len(),
                    });
                }
            }
            // `errcode: -2`, `cronet_error_code:-202`, `-2:net::ERR_FAILED`.
            if numbers < MAX_MATCHES && d > 0 && b[d - 1] == b'-' {
                if let Some(found) = net_number(text, d, e) {
                    numbers += 1;
                    net_numbers.push(found);
                }
            }
        }
        out.append(&mut reason_codes);
        for span in net_names_in(text).take(MAX_MATCHES) {
            if let Some(n) = net_names(&text[span.start + "err_".len()..span.end]) {
                out.push(FoundCode {
                    code: Code::Net(n),
                    form: CodeForm::Explicit,
                    span,
                });
            }
        }
        out.append(&mut net_numbers);
    }

    /// Where the key of a number ending at `end` starts, if the number has one.
    fn key_start(&self, text: &str, end: usize) -> Option<usize> {
        let input = Input::new(text).range(..end).anchored(Anchored::Yes);
        // An error here would mean the automaton gave up, which a lazy DFA without Unicode
        // word boundaries and without a cache-clear limit never does; reading it as "no
        // key" keeps the scan total.
        let m = KEYED_CACHE
            .with_borrow_mut(|cache| KEYED_REVERSE.try_search_rev(cache, &input))
            .ok()
            .flatten()?;
        Some(m.offset())
    }

    /// Standalone numbers, for direct questions such as `/ask 14` or `@bot 600002`.
    pub fn bare_numbers(&self, text: &str, limit: usize, out: &mut Vec<(i64, Range<usize>)>) {
        let b = text.as_bytes();
        let mut at = 0;
        while out.len() < limit {
            let Some(d) = next_digit(b, at) else {
                break;
            };
            let e = d + b[d..].iter().take_while(|c| c.is_ascii_digit()).count();
            at = e;
            // At most six digits, with an optional sign, not glued to a word, a version, an
            // amount or a path on either side.
            let start = if d > 0 && b[d - 1] == b'-' { d - 1 } else { d };
            let glued_before = text[..start].chars().next_back().is_some_and(|c| {
                matches!(c, '0'..='9' | 'a'..='z' | '_' | '.' | ':' | '#' | '$' | '¥' | '￥' | '+' | '/' | '-')
            });
            let glued_after = b
                .get(e)
                .is_some_and(|c| matches!(c, b'a'..=b'z' | b'_' | b'.' | b':' | b'%'));
            if e - d > 6 || glued_before || glued_after {
                continue;
            }
            if let Some(n) = bare_code(text, start, e) {
                out.push((n, start..e));
            }
        }
    }
}

/// Words that follow a status, not a count: "413 from nginx", "500 on every request",
/// "502 error" (but "500 users", "300 ms").
const STATUS_FOLLOWERS: &[&str] = &[
    "from",
    "on",
    "when",
    "with",
    "after",
    "since",
    "while",
    "because",
    "but",
    "error",
    "errors",
    "status",
    "response",
    "responses",
    "back",
    "again",
];

/// The number `text[start..end]` when it reads as a code on its own: not followed by a
/// unit, a count or a word ("500 users", "500 个用户" are quantities).
fn bare_code(text: &str, start: usize, end: usize) -> Option<i64> {
    let followed_by_word = text[end..].strip_prefix(' ').is_some_and(|rest| {
        let word = rest
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        !word.is_empty() && !STATUS_FOLLOWERS.contains(&word)
    });
    if !stands_alone(text, end) || followed_by_word {
        return None;
    }
    text[start..end].parse().ok()
}

/// The code a keyed match `text[start..end]` (`error: 14`, `"errno":600002`) stands for.
fn keyed_code(text: &str, start: usize, end: usize) -> Option<FoundCode> {
    let matched = &text[start..end];
    let digits = matched
        .bytes()
        .rev()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let mut num_start = matched.len() - digits;
    if matched[..num_start].ends_with('-') {
        num_start -= 1;
    }
    let n = matched[num_start..].parse::<i64>().ok()?;
    if !stands_alone(text, end) {
        return None;
    }
    let head = matched[..num_start].trim_start_matches(['"', '\'']);
    let key = classify_key(head);
    let key_len = head
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ' ' || c == '.'))
        .unwrap_or(head.len());
    let sep = head[key_len..].contains([':', '=', '是', '为', '了']);
    let span = start..end;
    let found = |code, form| FoundCode {
        code,
        form,
        span: span.clone(),
    };
    let http = |n: i64| (100..=999).contains(&n).then_some(Code::Http(n as u16));
    match key {
        Key::Errno if n >= 0 => Some(found(Code::Errno(n as u32), CodeForm::Explicit)),
        Key::ErrCode if n < 0 => Some(found(Code::Net(n as i32), CodeForm::Explicit)),
        Key::ErrCode if n < 100 => Some(found(Code::AlipayError(n as u32), CodeForm::Explicit)),
        Key::ErrCode => None,
        Key::Status => http(n).map(|c| found(c, CodeForm::Explicit)),
        Key::Returned => http(n).map(|c| found(c, CodeForm::Explicit)),
        Key::ErrorStrong | Key::Error => {
            // `error: 14` with a separator is a code even when words follow
            // (`error:14 on android`); `error 14` needs context.
            let form = if key == Key::ErrorStrong || sep {
                CodeForm::Explicit
            } else {
                CodeForm::Loose
            };
            if (0..100).contains(&n) {
                Some(found(Code::AlipayError(n as u32), form))
            } else if (100..=599).contains(&n) {
                http(n).map(|c| found(c, CodeForm::Loose))
            } else if (600_000..=606_999).contains(&n) {
                // "报 600001": a WeChat network errno written after an error word.
                Some(found(Code::Errno(n as u32), CodeForm::Loose))
            } else if n < 0 {
                Some(found(Code::Net(n as i32), CodeForm::Loose))
            } else {
                None
            }
        }
        Key::Errno => None,
    }
}

/// A Chromium network error number at the digit run `d..e` (after a `-`):
/// `errcode: -2` or `cronet_error_code:-202` (the key wins, as it starts first), else
/// `-2:net::` (at most three digits in each form).
fn net_number(text: &str, d: usize, e: usize) -> Option<FoundCode> {
    let digits = (e - d).min(3);
    let n = -text[d..d + digits].parse::<i32>().expect("ascii digits");
    let found = |span| FoundCode {
        code: Code::Net(n),
        form: CodeForm::Explicit,
        span,
    };
    // Backwards from the `-`: ` ?: ?` and then the key.
    let before = &text[..d - 1];
    let before = before.strip_suffix(' ').unwrap_or(before);
    if let Some(before) = before.strip_suffix(':') {
        let before = before.strip_suffix(' ').unwrap_or(before);
        let key_start = if before.ends_with("cronet_error_code") {
            Some(before.len() - "cronet_error_code".len())
        } else if before.ends_with("errcode") {
            let s = before.len() - "errcode".len();
            (s == 0 || !is_word_byte(text.as_bytes()[s - 1])).then_some(s)
        } else {
            None
        };
        if let Some(s) = key_start {
            return Some(found(s..d + digits));
        }
    }
    // Forwards: ` ?: ?net::`.
    if e - d > 3 {
        return None;
    }
    let rest = &text[e..];
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    let rest = rest.strip_prefix(':')?;
    let rest = rest.strip_prefix(' ').unwrap_or(rest);
    rest.starts_with("net::")
        .then(|| found(d - 1..text.len() - rest.len() + "net::".len()))
}

/// Spans of `net::ERR_NAME` names (folded: `err_name`) in `text`, as the regex
/// `(?-u:\b)err_[a-z_]{3,40}` finds them, without its per-match restart cost.
fn net_names_in(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    memchr::memmem::find_iter(bytes, b"err_").filter_map(move |start| {
        if start < at {
            return None; // Inside the previous name (`err_err_abc`).
        }
        let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
        let after = start + "err_".len();
        let run = bytes[after..]
            .iter()
            .take(40)
            .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
            .count();
        if (start == 0 || !word(&bytes[start - 1])) && run >= 3 {
            at = after + run;
            return Some(start..at);
        }
        None
    })
}

/// The first ASCII digit at or after `at`. Sixteen bytes at a time, a test the compiler
/// turns into vector instructions: most of a message has no digits.
fn next_digit(b: &[u8], mut at: usize) -> Option<usize> {
    const CHUNK: usize = 16;
    while let Some(chunk) = b.get(at..at + CHUNK) {
        if chunk.iter().fold(false, |any, c| any | c.is_ascii_digit()) {
            break;
        }
        at += CHUNK;
    }
    b.get(at..)?
        .iter()
        .position(u8::is_ascii_digit)
        .map(|i| at + i)
}

/// Measure words after which a number is a count, not a code (`报错 14 个`, `14 次`).
const MEASURE_WORDS: &[&str] = &[
    "个", "次", "条", "号", "点", "分", "天", "人", "行", "秒", "处", "项", "%", "年", "月", "日",
    "小时", "位", "多", "万", "千", "毫秒", "元", "块",
];

fn starts_with_measure(s: &str) -> bool {
    // Every measure word but `%` starts with a non-ASCII byte.
    s.as_bytes()
        .first()
        .is_some_and(|&b| b >= 0x80 || b == b'%')
        && MEASURE_WORDS.iter().any(|m| s.starts_with(m))
}

/// Whether the number ending at `end` can be a code, judged by what follows: not more
/// digits, a decimal or a time, a unit, or a count (`14 个`, `2 files`, `5000ms`).
fn stands_alone(text: &str, end: usize) -> bool {
    let rest = &text[end..];
    let mut chars = rest.chars();
    let Some(c) = chars.next() else {
        return true;
    };
    let next = chars.next();
    match c {
        '0'..='9' | 'a'..='z' | '_' => false,
        '.' | ':' | '/' if next.is_some_and(|n| n.is_ascii_digit()) => false,
        _ if starts_with_measure(rest) => false,
        ' ' => {
            let after = &rest[1..];
            if starts_with_measure(after) {
                return false;
            }
            let letters = after.bytes().take_while(u8::is_ascii_alphabetic).count();
            !matches!(
                &after[..letters],
                "ms" | "s"
                    | "sec"
                    | "secs"
                    | "seconds"
                    | "px"
                    | "kb"
                    | "mb"
                    | "min"
                    | "mins"
                    | "minutes"
                    | "hours"
                    | "days"
                    | "am"
                    | "pm"
                    | "errors"
                    | "warnings"
                    | "tests"
                    | "files"
                    | "times"
                    | "items"
                    | "users"
                    | "people"
                    | "lines"
                    | "commits"
                    | "tickets"
                    | "issues"
            )
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Folded;
    use regex::Regex;

    fn codes(s: &str) -> Vec<(Code, CodeForm)> {
        let f = Folded::new(s);
        let mut out = Vec::new();
        CodeScanner::new().scan(&f.text, |n| (n == "failed").then_some(-2), &mut out);
        out.into_iter().map(|c| (c.code, c.form)).collect()
    }

    #[test]
    fn alipay_codes_in_every_spelling() {
        for s in [
            "error: 14",
            "error:14",
            "error=14",
            "\"error\":14",
            "错误码 14",
            "错误码14",
            "ERROR：１４",
            "错误码：１４",
        ] {
            assert_eq!(
                codes(s),
                vec![(Code::AlipayError(14), CodeForm::Explicit)],
                "{s}"
            );
        }
        assert_eq!(
            codes("error: 14 on android"),
            vec![(Code::AlipayError(14), CodeForm::Explicit)]
        );
        for s in ["error 14", "报错 14", "报错14", "报 14 了"] {
            assert_eq!(
                codes(s),
                vec![(Code::AlipayError(14), CodeForm::Loose)],
                "{s}"
            );
        }
    }

    #[test]
    fn numbers_that_are_not_codes() {
        for s in [
            "error: 2 files changed",
            "报错 14 个",
            "报错 14:30",
            "error 1.5",
            "error: 14ms",
            "version 2.10.4",
            "make: *** [all] Error 2a",
            "报错 3 次",
            "报 500 多个",
        ] {
            assert!(codes(s).is_empty(), "{s}: {:?}", codes(s));
        }
    }

    #[test]
    fn http_statuses_only_as_statuses() {
        assert_eq!(
            codes("statusCode: 500"),
            vec![(Code::Http(500), CodeForm::Explicit)]
        );
        assert_eq!(
            codes("返回 401"),
            vec![(Code::Http(401), CodeForm::Explicit)]
        );
        assert_eq!(codes("got a 403 Forbidden")[0].0, Code::Http(403));
        assert_eq!(codes("HTTP 500")[0], (Code::Http(500), CodeForm::Explicit));
        assert_eq!(
            codes("statusCode: 500 小程序接口报错了")[0].0,
            Code::Http(500)
        );
        assert_eq!(codes("why do I get 401 from my api")[0].0, Code::Http(401));
        assert_eq!(codes("HTTP响应码：571")[0].0, Code::Http(571));
        assert!(codes("we have 500 users and 401 tickets").is_empty());
    }

    #[test]
    fn wechat_errno_and_net_errors() {
        assert_eq!(codes("errno: 600002")[0].0, Code::Errno(600002));
        assert_eq!(
            codes("小程序请求偶尔报 600001")[0],
            (Code::Errno(600001), CodeForm::Loose)
        );
        assert_eq!(codes("\"errno\":600003")[0].0, Code::Errno(600003));
        let c = codes("request:fail -2:net::ERR_FAILED");
        assert!(c.contains(&(Code::Net(-2), CodeForm::Explicit)));
        assert!(codes("cronet_error_code:-202").contains(&(Code::Net(-202), CodeForm::Explicit)));
    }

    #[test]
    fn net_names_as_the_regex_finds_them() {
        let re = Regex::new(r"(?-u:\b)err_[a-z_]{3,40}").unwrap();
        for s in [
            "net::err_failed -2:net::err_name_not_resolved",
            "xerr_failed err_ab err_abc err_err_abc 错err_timed_out",
            "err_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_b err_",
            "_err_abc 9err_abc .err_abc err_a1bc err__",
        ] {
            let ours: Vec<_> = net_names_in(s).collect();
            let theirs: Vec<_> = re.find_iter(s).map(|m| m.range()).collect();
            assert_eq!(ours, theirs, "{s}");
        }
    }

    /// The recognisers as forward regexes, as they were written before the digit-run pass:
    /// the pass must find exactly what they find, in the same order.
    fn oracle_scan(text: &str, net_names: impl Fn(&str) -> Option<i32>) -> Vec<FoundCode> {
        let keyed = Regex::new(&KEYED.replace(r"\x20", r"\s")).unwrap();
        let reason = Regex::new(
            r"(?x)(?-u:\b)[1-5][0-9]{2}\s?(?:bad\srequest|unauthori[sz]ed|forbidden|not\sfound|request\sentity\stoo\slarge|payload\stoo\slarge|content\stoo\slarge|internal\sserver\serror|bad\sgateway|service\sunavailable|gateway\stime-?out)",
        )
        .unwrap();
        let net_number = Regex::new(
            r"(?:-[0-9]{1,3}\s?:\s?net::|cronet_error_code\s?:\s?-[0-9]{1,3}|(?-u:\b)errcode\s?:\s?-[0-9]{1,3})",
        )
        .unwrap();
        let mut out = Vec::new();
        for m in keyed.find_iter(text).take(MAX_MATCHES) {
            out.extend(keyed_code(text, m.start(), m.end()));
        }
        for m in reason.find_iter(text).take(MAX_MATCHES) {
            out.push(FoundCode {
                code: Code::Http(m.as_str()[..3].parse().unwrap()),
                form: CodeForm::Explicit,
                span: m.range(),
            });
        }
        for span in Regex::new(r"(?-u:\b)err_[a-z_]{3,40}")
            .unwrap()
            .find_iter(text)
            .take(MAX_MATCHES)
        {
            if let Some(n) = net_names(&text[span.start() + 4..span.end()]) {
                out.push(FoundCode {
                    code: Code::Net(n),
                    form: CodeForm::Explicit,
                    span: span.range(),
                });
            }
        }
        for m in net_number.find_iter(text).take(MAX_MATCHES) {
            let s = m.as_str();
            let rest = &s[s.find('-').unwrap()..];
            let n = &rest[..1 + rest[1..].bytes().take_while(u8::is_ascii_digit).count()];
            out.push(FoundCode {
                code: Code::Net(n.parse().unwrap()),
                form: CodeForm::Explicit,
                span: m.range(),
            });
        }
        out
    }

    /// Pieces that make recognisers fire, half-fire and collide.
    const PIECES: &[&str] = &[
        "error",
        "err",
        "errno",
        "err_no",
        "errcode",
        "error_code",
        "status",
        "statusCode",
        "http",
        "HTTP status",
        "got",
        "got an",
        "the",
        "returned",
        "responds with",
        "返回",
        "返回了",
        "报错",
        "报",
        "错误码",
        "状态码",
        "是",
        "为",
        "了",
        ":",
        "=",
        "：",
        "\"",
        "'",
        " ",
        "  ",
        "-",
        "--",
        "14",
        "１４",
        "2",
        "500",
        "401",
        "403",
        "571",
        "600002",
        "12345678",
        "5000",
        "forbidden",
        "Forbidden",
        "bad request",
        "gateway time-out",
        "not found",
        "net::",
        "net::ERR_FAILED",
        ":net::",
        "cronet_error_code",
        "x",
        "_",
        "a",
        ".",
        "个",
        "ms",
        "\n",
        "{",
        "}",
        "`",
    ];

    proptest::proptest! {
        #[test]
        fn digit_run_pass_finds_what_the_regexes_find(
            picks in proptest::collection::vec(0..PIECES.len(), 0..24)
        ) {
            let raw: String = picks.iter().map(|&i| PIECES[i]).collect();
            let folded = Folded::new(&raw);
            let names = |n: &str| (n == "failed").then_some(-2);
            let mut ours = Vec::new();
            CodeScanner::new().scan(&folded.text, names, &mut ours);
            proptest::prop_assert_eq!(ours, oracle_scan(&folded.text, names), "{:?}", folded.text);
        }
    }

    #[test]
    fn digit_run_pass_on_the_corpora() {
        let scanner = CodeScanner::new();
        let names = |n: &str| (n == "failed" || n == "timed_out").then_some(-2);
        for corpus in ["auto", "lookup", "holdout"] {
            let path = format!("{}/tests/corpus/{corpus}.jsonl", env!("CARGO_MANIFEST_DIR"));
            for line in std::fs::read_to_string(path).unwrap().lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let f = Folded::new(v["text"].as_str().unwrap());
                let mut ours = Vec::new();
                scanner.scan(&f.text, names, &mut ours);
                assert_eq!(ours, oracle_scan(&f.text, names), "{}", f.text);
                let mut bare = Vec::new();
                scanner.bare_numbers(&f.text, 8, &mut bare);
                assert_eq!(bare, oracle_bare(&f.text, 8), "{}", f.text);
            }
        }
    }

    /// `bare_numbers` as it was written with a regex: the digit-run version must agree.
    fn oracle_bare(text: &str, limit: usize) -> Vec<(i64, Range<usize>)> {
        let bare =
            Regex::new(r"(?:^|[^0-9a-z_.:#$¥￥+/-])-?[0-9]{1,6}(?:$|[^0-9a-z_.:%])").unwrap();
        let mut out = Vec::new();
        let mut at = 0;
        while at < text.len() && out.len() < limit {
            let Some(whole) = bare.find_at(text, at) else {
                break;
            };
            let matched = whole.as_str();
            let first = matched.find(|c: char| c.is_ascii_digit()).unwrap();
            let start = if matched[..first].ends_with('-') {
                first - 1
            } else {
                first
            };
            let len = matched[first..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let (s, e) = (whole.start() + start, whole.start() + first + len);
            // Where the regex put the number is what is under test; what it means is shared.
            out.extend(bare_code(text, s, e).map(|n| (n, s..e)));
            at = e;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn bare_numbers_as_the_regex_finds_them(
            picks in proptest::collection::vec(0..BARE_PIECES.len(), 0..16)
        ) {
            let raw: String = picks.iter().map(|&i| BARE_PIECES[i]).collect();
            let text = Folded::new(&raw).text;
            let mut ours = Vec::new();
            CodeScanner::new().bare_numbers(&text, 8, &mut ours);
            proptest::prop_assert_eq!(ours, oracle_bare(&text, 8), "{:?}", text);
        }
    }

    const BARE_PIECES: &[&str] = &[
        "14", "-", "1234567", "123456", "500", " ", "a", "x", "_", ".", ":", "#", "$", "¥", "￥",
        "+", "/", "%", "个", "中", "users", " users", "ms", "(", ")", ",", "-2", "\n", "v",
    ];

    #[test]
    fn bare_numbers() {
        let mut out = Vec::new();
        CodeScanner::new().bare_numbers("14", 8, &mut out);
        assert_eq!(out[0].0, 14);
        out.clear();
        CodeScanner::new().bare_numbers("-202 和 600002", 8, &mut out);
        assert_eq!(
            out.iter().map(|x| x.0).collect::<Vec<_>>(),
            vec![-202, 600002]
        );
    }
}
