//! Question fingerprints: what is left of a chat message once the parts that differ between
//! two people asking the same thing are folded away.
//!
//! Two people hitting the same error write `my.request 报错 error 14`, `My.Request报错：１４`
//! and paste their own URLs, request ids and timestamps. The fingerprint folds case and
//! full-width forms ([`Folded`]), drops punctuation and spacing, and masks what is unique to
//! one person (URL paths, UUIDs, long hex or digit runs, dates and times). Error codes are
//! what the knowledge files are keyed on, so short numbers and codes such as `14`, `600002`
//! or `N22106` are kept, and kept apart: [`Fingerprint::codes`] must match exactly before two
//! questions can share a group.

use std::sync::LazyLock;

use regex::Regex;

use crate::text::{is_cjk, Folded};

/// Longest digit run kept as a code (`600002`); longer ones are ids or timestamps.
const MAX_CODE_DIGITS: usize = 6;

/// Shortest run of hex characters (with a digit among them) treated as an id, not a word.
const MIN_HEX_ID: usize = 8;

/// Shortest mixed letters-and-digits token treated as an id rather than a code.
const MIN_MIXED_ID: usize = 12;

/// The parts of a question that decide which group it joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    /// Distinct tokens: ASCII (and other alphabetic) words, kept codes, mask words, and
    /// bigrams of CJK runs. Sorted.
    pub tokens: Vec<String>,
    /// Distinct numbers and codes (tokens with a digit that were not masked). Sorted.
    pub codes: Vec<String>,
}

/// `(pattern, replacement)` pairs applied to the folded text before tokenising, most
/// specific first.
static MASKS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        // Keep the host (it says which API), mask the path, query and port.
        (r"(?:https?|wss?)://([a-z0-9.\-]+)\S*", " url $1 "),
        (
            r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            " uuid ",
        ),
        (
            r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:t\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?z?)?\b",
            " date ",
        ),
        (r"\b\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?\b", " time "),
        (r"\b\d{1,3}(?:\.\d{1,3}){3}\b", " ip "),
    ]
    .into_iter()
    .filter_map(|(p, r)| Regex::new(p).ok().map(|re| (re, r)))
    .collect()
});

impl Fingerprint {
    /// The fingerprint of one question. Linear in its length (at most 500 characters).
    pub fn of(text: &str) -> Fingerprint {
        let mut folded = space_cjk(&Folded::new(text).text);
        for (re, with) in MASKS.iter() {
            if re.is_match(&folded) {
                folded = re.replace_all(&folded, *with).into_owned();
            }
        }
        let mut tokens = Vec::new();
        let mut codes = Vec::new();
        let mut cjk_run: Vec<char> = Vec::new();
        let mut word = String::new();
        for c in folded.chars().chain(std::iter::once(' ')) {
            if is_cjk(c) {
                flush_word(&mut word, &mut tokens, &mut codes);
                cjk_run.push(c);
            } else if c.is_alphanumeric() {
                flush_cjk(&mut cjk_run, &mut tokens);
                word.push(c);
            } else {
                flush_word(&mut word, &mut tokens, &mut codes);
                flush_cjk(&mut cjk_run, &mut tokens);
            }
        }
        tokens.sort_unstable();
        tokens.dedup();
        codes.sort_unstable();
        codes.dedup();
        Fingerprint { tokens, codes }
    }
}

/// `text` with a space wherever CJK and other characters meet, so that `\b` in [`MASKS`]
/// sees `错误码14` as two words, as a reader does.
fn space_cjk(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut prev: Option<bool> = None;
    for c in text.chars() {
        let cjk = is_cjk(c);
        if prev.is_some_and(|p| p != cjk) && !c.is_whitespace() {
            out.push(' ');
        }
        prev = (!c.is_whitespace()).then_some(cjk);
        out.push(c);
    }
    out
}

/// Ends an alphanumeric run: keeps it as a word or code, or masks it as an id.
fn flush_word(word: &mut String, tokens: &mut Vec<String>, codes: &mut Vec<String>) {
    if word.is_empty() {
        return;
    }
    let w = std::mem::take(word);
    let has_digit = w.bytes().any(|b| b.is_ascii_digit());
    if !has_digit {
        tokens.push(w);
        return;
    }
    let all_digits = w.bytes().all(|b| b.is_ascii_digit());
    let hex = w.bytes().all(|b| b.is_ascii_hexdigit());
    let masked = if all_digits {
        (w.len() > MAX_CODE_DIGITS).then_some("<num>")
    } else if hex && w.len() >= MIN_HEX_ID {
        Some("<hex>")
    } else if w.len() >= MIN_MIXED_ID {
        Some("<id>")
    } else {
        None
    };
    match masked {
        Some(m) => tokens.push(m.to_string()),
        None => {
            codes.push(w.clone());
            tokens.push(w);
        }
    }
}

/// Ends a CJK run: its character bigrams (a lone character stands for itself).
fn flush_cjk(run: &mut Vec<char>, tokens: &mut Vec<String>) {
    match run.len() {
        0 => {}
        1 => tokens.push(run[0].to_string()),
        _ => tokens.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
    }
    run.clear();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<String> {
        Fingerprint::of(text).tokens
    }

    #[test]
    fn folds_case_width_and_punctuation() {
        assert_eq!(
            Fingerprint::of("My.Request  ERROR：１４!!"),
            Fingerprint::of("my.request error 14")
        );
    }

    #[test]
    fn keeps_codes_and_masks_ids() {
        let f = Fingerprint::of(
            "error 14, 600002 and N22106 for request 0b1a2c3d4e5f6789 at 1714555800123",
        );
        assert_eq!(f.codes, ["14", "600002", "n22106"]);
        assert!(f.tokens.contains(&"<hex>".to_string()));
        assert!(f.tokens.contains(&"<num>".to_string()));
        assert!(!f.tokens.iter().any(|t| t.contains("1714")));
    }

    #[test]
    fn masks_urls_uuids_dates_and_times() {
        let a = Fingerprint::of(
            "GET https://api.shop.cn/v1/orders/77?id=3 failed 2024-05-01 10:22:01 \
             trace 123e4567-e89b-12d3-a456-426614174000",
        );
        let b = Fingerprint::of(
            "get https://api.shop.cn/cart failed 2024/6/3 9:05 trace \
             00000000-0000-0000-0000-000000000000",
        );
        assert_eq!(a, b);
        assert_eq!(
            Fingerprint::of("日期2024-05-01T10:22:01Z报错"),
            Fingerprint::of("日期 2024-06-02 报错")
        );
        assert!(a.codes.is_empty(), "{:?}", a.codes);
        assert!(a.tokens.contains(&"shop".to_string()));
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        assert_eq!(tokens("报错了"), ["报错", "错了"]);
        assert_eq!(tokens("错 14"), ["14", "错"]);
    }

    #[test]
    fn empty_text_has_no_tokens() {
        assert!(tokens("").is_empty());
        assert!(tokens("?!…").is_empty());
    }
}
