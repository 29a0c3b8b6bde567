//! One automaton for every literal the knowledge names (phrases, keywords, context words),
//! with whole-word checks for ASCII terms and one-typo tolerance for long English words.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};

use crate::text::{is_word_byte, Folded};

/// Index of a distinct term in a [`TermIndex`].
pub type TermId = u32;

#[derive(Debug, Clone)]
struct Term {
    /// Whether the term's first byte is an ASCII word byte (needs a boundary before it).
    word_start: bool,
    /// Whether the term's last byte is an ASCII word byte (needs a boundary after it).
    word_end: bool,
    /// `word*`: any continuation is fine.
    prefix: bool,
    /// Whether a plural `s` may follow.
    plural: bool,
}

/// Collects terms before the automaton is built.
#[derive(Debug, Default)]
pub struct TermIndexBuilder {
    ids: HashMap<(String, bool), TermId>,
    texts: Vec<String>,
    terms: Vec<Term>,
}

impl TermIndexBuilder {
    /// Adds a term (folded; `word*` makes it a prefix) and returns its id; `None` for an empty term.
    pub fn add(&mut self, raw: &str) -> Option<TermId> {
        let raw = raw.trim();
        let (body, prefix) = match raw.strip_suffix('*') {
            Some(b) => (b, true),
            None => (raw, false),
        };
        let text = Folded::new(body).text.trim().to_string();
        if text.is_empty() {
            return None;
        }
        if let Some(&id) = self.ids.get(&(text.clone(), prefix)) {
            return Some(id);
        }
        let bytes = text.as_bytes();
        let last = *bytes.last().unwrap_or(&0);
        let term = Term {
            word_start: is_word_byte(bytes[0]),
            word_end: is_word_byte(last),
            prefix,
            plural: last.is_ascii_alphabetic(),
        };
        let id = self.texts.len() as TermId;
        self.ids.insert((text.clone(), prefix), id);
        self.texts.push(text);
        self.terms.push(term);
        Some(id)
    }

    /// Builds the automaton and the typo table.
    pub fn build(self) -> TermIndex {
        // A contiguous NFA, driven byte by byte in `scan`. A full DFA runs fewer instructions
        // per byte but takes 9 ms more to build, and its 4 MB table misses the cache: it was
        // no faster on long messages and 17 % slower on the corpus. For the same reason only
        // the first two levels are dense (measured: as fast as six, with a smaller table).
        let ac = NFA::builder()
            .match_kind(MatchKind::Standard)
            .dense_depth(2)
            .build(&self.texts)
            .expect("terms are plain strings of bounded size");
        let mut exact_words = HashSet::default();
        let mut fuzzy: HashMap<Box<str>, Vec<TermId>> = HashMap::default();
        let mut fuzzy_shapes = [0u32; 26];
        for (id, text) in self.texts.iter().enumerate() {
            if text.bytes().all(|b| b.is_ascii_alphabetic()) {
                exact_words.insert(text.clone().into_boxed_str());
                if text.len() >= FUZZY_MIN && !self.terms[id].prefix {
                    let id = id as TermId;
                    // A word can only be one typo away from a term that starts with the
                    // same letter and is at most one letter longer or shorter.
                    fuzzy_shapes[usize::from(text.as_bytes()[0] - b'a')] |=
                        0b111 << (text.len().min(FUZZY_MAX + 1) - 1);
                    fuzzy
                        .entry(text.clone().into_boxed_str())
                        .or_default()
                        .push(id);
                    for_each_deletion(text, &mut String::new(), |d| {
                        let list = fuzzy.entry(d.into()).or_default();
                        if !list.contains(&id) {
                            list.push(id);
                        }
                    });
                }
            }
        }
        TermIndex {
            ac,
            texts: self.texts,
            terms: self.terms,
            exact_words,
            fuzzy,
            fuzzy_shapes,
        }
    }
}

/// Words shorter than this are never matched with a typo.
const FUZZY_MIN: usize = 6;
/// Term occurrences looked at per message. A real question has a few dozen; only a pasted
/// wall of repeated text comes near this, and it has said everything long before.
const MAX_HITS: usize = 1024;
/// Typo checks per message: a question has far fewer long words; a pasted log has more
/// and gains nothing from them.
const FUZZY_WORDS_MAX: usize = 128;
/// Distinct words whose typo lookup is remembered per message.
const MEMO_MAX: usize = 32;
/// Words longer than this are never matched with a typo (no term is that long).
const FUZZY_MAX: usize = 24;

/// Calls `f` with every one-letter deletion of `word` (ASCII), built in `buf`.
fn for_each_deletion(word: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    for i in 0..word.len() {
        buf.clear();
        buf.push_str(&word[..i]);
        buf.push_str(&word[i + 1..]);
        f(buf);
    }
}

/// True when `a` and `b` differ by at most one insertion, deletion, substitution or swap.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    match long.len() - short.len() {
        0 => {
            let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diffs.as_slice() {
                [_] => true,
                [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
                _ => false,
            }
        }
        1 => {
            let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
            short[p..] == long[p + 1..]
        }
        _ => false,
    }
}

/// A compiled set of terms.
#[derive(Debug, Clone)]
pub struct TermIndex {
    ac: NFA,
    texts: Vec<String>,
    terms: Vec<Term>,
    exact_words: HashSet<Box<str>>,
    fuzzy: HashMap<Box<str>, Vec<TermId>>,
    /// Per first letter, bit `n` set when a word of `n` letters starting with it can be one
    /// typo away from a fuzzy term.
    fuzzy_shapes: [u32; 26],
}

/// How a term was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HitKind {
    /// The term itself.
    Exact,
    /// A word one typo away from the term.
    Typo,
}

impl TermIndex {
    /// The folded text of a term.
    pub fn text(&self, id: TermId) -> &str {
        &self.texts[id as usize]
    }

    /// Calls `hit` for every term occurrence in `folded` (whole words for ASCII terms), then
    /// for every long ASCII word that is one typo away from a term. Linear in the text.
    pub fn scan(&self, folded: &str, mut hit: impl FnMut(TermId, Range<usize>, HitKind)) {
        let bytes = folded.as_bytes();
        // Every occurrence of every term, by end position, as an overlapping search reports
        // them; stepping the automaton here saves an iterator round trip per occurrence.
        let ac = &self.ac;
        let mut sid = ac
            .start_state(Anchored::No)
            .expect("unanchored searches are supported");
        let mut hits = 0;
        'bytes: for (at, &byte) in bytes.iter().enumerate() {
            sid = ac.next_state(Anchored::No, sid, byte);
            if !ac.is_special(sid) || !ac.is_match(sid) {
                continue;
            }
            let e = at + 1;
            for k in 0..ac.match_len(sid) {
                if hits == MAX_HITS {
                    break 'bytes;
                }
                hits += 1;
                let pid = ac.match_pattern(sid, k);
                let id = pid.as_u32();
                let term = &self.terms[id as usize];
                let s = e - ac.pattern_len(pid);
                if term.word_start && s > 0 && is_word_byte(bytes[s - 1]) {
                    continue;
                }
                if term.word_end && !term.prefix && e < bytes.len() && is_word_byte(bytes[e]) {
                    let plural = term.plural
                        && bytes[e] == b's'
                        && (e + 1 == bytes.len() || !is_word_byte(bytes[e + 1]));
                    if !plural {
                        continue;
                    }
                }
                hit(id, s..e, HitKind::Exact);
            }
        }
        if self.fuzzy.is_empty() {
            return;
        }
        let mut i = 0;
        let mut words_checked = 0;
        let mut buf = String::with_capacity(FUZZY_MAX);
        let mut memo: Vec<(&str, Option<TermId>)> = Vec::new();
        while i < bytes.len() && words_checked < FUZZY_WORDS_MAX {
            if !bytes[i].is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            // Only whole words: skip tokens glued to digits or underscores.
            if (start > 0 && is_word_byte(bytes[start - 1]))
                || (i < bytes.len() && is_word_byte(bytes[i]))
            {
                continue;
            }
            let word = &folded[start..i];
            if word.len() < FUZZY_MIN || word.len() > FUZZY_MAX || self.exact_words.contains(word) {
                continue;
            }
            words_checked += 1;
            let plural_base = word
                .strip_suffix('s')
                .filter(|b| self.exact_words.contains(*b));
            if plural_base.is_some() {
                continue;
            }
            // No term of a length within one of this word starts with its letter.
            let first = word.as_bytes()[0].to_ascii_lowercase().wrapping_sub(b'a');
            let shapes = self.fuzzy_shapes.get(usize::from(first)).copied();
            if shapes.is_none_or(|s| s >> word.len() & 1 == 0) {
                continue;
            }
            // Pasted text repeats itself: a word already looked up has its answer.
            if let Some(&(_, found)) = memo.iter().find(|(w, _)| *w == word) {
                if let Some(id) = found {
                    hit(id, start..i, HitKind::Typo);
                }
                continue;
            }
            let mut found: Option<TermId> = None;
            let mut check = |key: &str| {
                if found.is_some() {
                    return;
                }
                if let Some(ids) = self.fuzzy.get(key) {
                    // Typos rarely hit the first letter; requiring it keeps "getting" from
                    // reading as "setting".
                    found = ids.iter().copied().find(|&id| {
                        let term = self.texts[id as usize].as_bytes();
                        term[0] == word.as_bytes()[0] && within_one_edit(term, word.as_bytes())
                    });
                }
            };
            check(word);
            for_each_deletion(word, &mut buf, &mut check);
            if memo.len() < MEMO_MAX {
                memo.push((word, found));
            }
            if let Some(id) = found {
                hit(id, start..i, HitKind::Typo);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(terms: &[&str]) -> TermIndex {
        let mut b = TermIndexBuilder::default();
        for t in terms {
            b.add(t);
        }
        b.build()
    }

    fn hits(ix: &TermIndex, text: &str) -> Vec<(String, HitKind)> {
        let f = Folded::new(text);
        let mut out = Vec::new();
        ix.scan(&f.text, |id, _, k| out.push((ix.text(id).to_string(), k)));
        out
    }

    #[test]
    fn ascii_terms_match_whole_words_and_plurals() {
        let ix = index(&["ip", "cookie", "custom*", "小程序"]);
        assert!(hits(&ix, "zip tip").is_empty());
        assert_eq!(hits(&ix, "IP 地址")[0].0, "ip");
        assert_eq!(hits(&ix, "cookies?")[0].0, "cookie");
        assert_eq!(hits(&ix, "a customized header")[0].0, "custom");
        assert_eq!(hits(&ix, "支付宝小程序里")[0].0, "小程序");
    }

    #[test]
    fn tolerates_one_typo_in_long_words() {
        let ix = index(&["referer", "certificate", "cookie", "setting", "abort"]);
        assert_eq!(
            hits(&ix, "refferer"),
            vec![("referer".into(), HitKind::Typo)]
        );
        assert_eq!(hits(&ix, "certifcate")[0].1, HitKind::Typo);
        assert_eq!(hits(&ix, "cookei")[0].0, "cookie");
        assert!(hits(&ix, "reference").is_empty());
        assert!(hits(&ix, "cook").is_empty());
        assert!(hits(&ix, "getting").is_empty(), "first letter differs");
        assert!(hits(&ix, "about").is_empty(), "too short for typos");
    }

    #[test]
    fn repeated_and_impossible_typos() {
        let ix = index(&["referer", "certificate", "timeout"]);
        // A word seen before gets the same answer every time it comes back.
        let h = hits(&ix, "refferer, refferer; certifcate refferer timout");
        let referer = h.iter().filter(|(t, _)| t == "referer").count();
        assert_eq!(referer, 3, "{h:?}");
        assert_eq!(h.len(), 5, "{h:?}");
        // No term starts with `x`, nor has a length within one of `referererer`.
        assert!(hits(&ix, "xeferer").is_empty());
        assert!(hits(&ix, "referererer").is_empty());
    }

    #[test]
    fn overlapping_terms_in_order_of_their_end() {
        let ix = index(&["request:fail", "fail", "request", "小程序", "程序"]);
        let h: Vec<String> = hits(&ix, "wx.request:fail 小程序")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(h, ["request", "request:fail", "fail", "小程序", "程序"]);
    }

    #[test]
    fn edit_distance_one() {
        assert!(within_one_edit(b"timeout", b"timout"));
        assert!(within_one_edit(b"cookie", b"cookei"));
        assert!(within_one_edit(b"header", b"haeder"));
        assert!(!within_one_edit(b"session", b"sessoin1"));
        assert!(!within_one_edit(b"abcd", b"xabcy"));
    }
}
