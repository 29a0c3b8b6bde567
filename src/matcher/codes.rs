//! Codes written in free text: `error: 14`, `错误码 14`, `statusCode: 500`, `返回 401`,
//! `403 Forbidden`, `errno 600002`, `net::ERR_FAILED`, `cronet_error_code:-202`.

use std::ops::Range;

use regex::Regex;

use crate::knowledge::Code;

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

/// Compiled code recognisers.
#[derive(Debug, Clone)]
pub struct CodeScanner {
    keyed: Regex,
    reason: Regex,
    net_number: Regex,
    bare: Regex,
}

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

impl Default for CodeScanner {
    fn default() -> Self {
        Self::new()
    }
}

impl CodeScanner {
    /// Compiles the recognisers (once, at load).
    pub fn new() -> Self {
        let keyed = Regex::new(
            r#"(?x)
            (?:
                (?:(?-u:\b)err_?no)
              | (?:(?-u:\b)err(?:or)?[\s_]?code)
              | (?:(?-u:\b)(?:status[\s_]?code|http[\s_]?status(?:[\s_]?code)?|status|http)|http状态码|状态码|响应码|返回码)
              | (?:错误码|错误代码|错误号|报错码)
              | (?:(?-u:\b)(?:error|err)|报错|错误|报)
              | (?:返回了?|(?-u:\b)(?:returns?|returned|returning|get|got|getting|gets|gives?|giving|throws?|responds?\swith|responded\swith)(?:\s(?:an?|the|http|status|back))*)
            )
            ["']?\s?(?:[:=]|是|为|了)?\s?["']?\s?
            (?P<num>-?[0-9]{1,7})"#,
        )
        .expect("static regex");
        let reason = Regex::new(
            r"(?x)(?-u:\b)[1-5][0-9]{2}\s?(?:bad\srequest|unauthori[sz]ed|forbidden|not\sfound|request\sentity\stoo\slarge|payload\stoo\slarge|content\stoo\slarge|internal\sserver\serror|bad\sgateway|service\sunavailable|gateway\stime-?out)",
        )
        .expect("static regex");
        let net_number = Regex::new(
            r"(?:-[0-9]{1,3}\s?:\s?net::|cronet_error_code\s?:\s?-[0-9]{1,3}|(?-u:\b)errcode\s?:\s?-[0-9]{1,3})",
        )
        .expect("static regex");
        let bare = Regex::new(r"(?:^|[^0-9a-z_.:#$¥￥+/-])-?[0-9]{1,6}(?:$|[^0-9a-z_.:%])")
            .expect("static regex");
        CodeScanner {
            keyed,
            reason,
            net_number,
            bare,
        }
    }

    /// Every code written in `text` (folded), with how it was written. `net_names` resolves
    /// `net::ERR_NAME` to its number.
    pub fn scan(
        &self,
        text: &str,
        net_names: impl Fn(&str) -> Option<i32>,
        out: &mut Vec<FoundCode>,
    ) {
        // Every recogniser but `net_name` needs an ASCII digit; most messages have none.
        let digits = text.bytes().any(|b| b.is_ascii_digit());
        // `find_iter` plus a look at the matched text is several times cheaper than
        // capture groups, and a hostile message can hold thousands of matches.
        let keyed = digits.then(|| self.keyed.find_iter(text));
        for whole in keyed.into_iter().flatten().take(MAX_MATCHES) {
            let matched = whole.as_str();
            let digits = matched
                .bytes()
                .rev()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let mut num_start = matched.len() - digits;
            if matched[..num_start].ends_with('-') {
                num_start -= 1;
            }
            let num_end = whole.end();
            let Ok(n) = matched[num_start..].parse::<i64>() else {
                continue;
            };
            if !stands_alone(text, num_end) {
                continue;
            }
            let head = matched[..num_start].trim_start_matches(['"', '\'']);
            let key = classify_key(head);
            let key_len = head
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ' ' || c == '.'))
                .unwrap_or(head.len());
            let between = &head[key_len..];
            let sep = between.contains([':', '=', '是', '为', '了']);
            let num = whole.start() + num_start..num_end;
            let span = whole.start()..num.end;
            let found = |code, form| FoundCode {
                code,
                form,
                span: span.clone(),
            };
            let http = |n: i64| (100..=999).contains(&n).then_some(Code::Http(n as u16));
            let item = match key {
                Key::Errno if n >= 0 => Some(found(Code::Errno(n as u32), CodeForm::Explicit)),
                Key::ErrCode if n < 0 => Some(found(Code::Net(n as i32), CodeForm::Explicit)),
                Key::ErrCode if n < 100 => {
                    Some(found(Code::AlipayError(n as u32), CodeForm::Explicit))
                }
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
            };
            out.extend(item);
        }
        // As above: plain matches, the parts read off the matched text.
        let reasons = digits.then(|| self.reason.find_iter(text));
        for m in reasons.into_iter().flatten().take(MAX_MATCHES) {
            if let Ok(n) = m.as_str()[..3].parse::<u16>() {
                out.push(FoundCode {
                    code: Code::Http(n),
                    form: CodeForm::Explicit,
                    span: m.range(),
                });
            }
        }
        for span in net_names_in(text).take(MAX_MATCHES) {
            if let Some(n) = net_names(&text[span.start + "err_".len()..span.end]) {
                out.push(FoundCode {
                    code: Code::Net(n),
                    form: CodeForm::Explicit,
                    span,
                });
            }
        }
        let numbers = digits.then(|| self.net_number.find_iter(text));
        for m in numbers.into_iter().flatten().take(MAX_MATCHES) {
            let matched = m.as_str();
            let number = matched
                .find('-')
                .map(|i| &matched[i..])
                .map(|rest| &rest[..1 + rest[1..].bytes().take_while(u8::is_ascii_digit).count()]);
            if let Some(n) = number.and_then(|n| n.parse::<i32>().ok()) {
                out.push(FoundCode {
                    code: Code::Net(n),
                    form: CodeForm::Explicit,
                    span: m.range(),
                });
            }
        }
    }

    /// Standalone numbers, for direct questions such as `/ask 14` or `@bot 600002`.
    pub fn bare_numbers(&self, text: &str, limit: usize, out: &mut Vec<(i64, Range<usize>)>) {
        let mut at = 0;
        while at < text.len() && out.len() < limit {
            let Some(whole) = self.bare.find_at(text, at) else {
                break;
            };
            // The match includes one character of context on each side; the number is the
            // run of digits (with its sign) inside it.
            let matched = whole.as_str();
            let Some(first) = matched.find(|c: char| c.is_ascii_digit()) else {
                break;
            };
            let start = if matched[..first].ends_with('-') {
                first - 1
            } else {
                first
            };
            let len = matched[first..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let m = NumberAt {
                text: &matched[start..first + len],
                at: whole.start() + start,
            };
            // A number followed by a word or a count is a quantity, not a code
            // ("500 users", "500 个用户").
            let followed_by_word = text[m.end()..]
                .strip_prefix(' ')
                .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_alphabetic()));
            if stands_alone(text, m.end()) && !followed_by_word {
                if let Ok(n) = m.as_str().parse::<i64>() {
                    out.push((n, m.range()));
                }
            }
            at = m.end();
        }
    }
}

/// Spans of `net::ERR_NAME` names (folded: `err_name`) in `text`, as the regex
/// `(?-u:\b)err_[a-z_]{3,40}` finds them, without its per-match restart cost.
fn net_names_in(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut at = 0;
    std::iter::from_fn(move || {
        while let Some(i) = text.get(at..).and_then(|rest| rest.find("err_")) {
            let start = at + i;
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
            at = start + 1;
        }
        at = text.len();
        None
    })
}

/// A number found in text: its digits and where they start.
struct NumberAt<'t> {
    text: &'t str,
    at: usize,
}

impl NumberAt<'_> {
    fn end(&self) -> usize {
        self.at + self.text.len()
    }

    fn range(&self) -> Range<usize> {
        self.at..self.end()
    }

    fn as_str(&self) -> &str {
        self.text
    }
}

/// Measure words after which a number is a count, not a code (`报错 14 个`, `14 次`).
const MEASURE_WORDS: &[&str] = &[
    "个", "次", "条", "号", "点", "分", "天", "人", "行", "秒", "处", "项", "%", "年", "月", "日",
    "小时", "位", "多", "万", "千", "毫秒", "元", "块",
];

fn starts_with_measure(s: &str) -> bool {
    MEASURE_WORDS.iter().any(|m| s.starts_with(m))
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
            let word: String = after
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            !matches!(
                word.as_str(),
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
