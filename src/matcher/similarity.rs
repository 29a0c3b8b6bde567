//! How close a message is to each entry in words, learned from the knowledge itself.
//!
//! Rules (codes, phrases, keyword groups) are precise but only fire on the wording their
//! author thought of. A paraphrase that shares no keyword group with its entry still shares
//! words with the entry's title, examples and cause. This is BM25 over one document per
//! entry, with the idf taken from the entries: a word every entry uses says nothing, a word
//! only one entry uses says a lot. English is split into words (dotted API names such as
//! `wx.request` stay whole and also give their last part); Chinese, which has no spaces, into
//! overlapping character pairs (bigrams), so `白名单` gives `白名` and `名单`.
//! Bigrams were measured against jieba-rs word segmentation (with and without HMM, and words
//! plus bigrams) on every corpus (JIEBA.md, issue 10): no variant was clearly better in the
//! combined matcher (±2 right answers and false replies out of about 2000 and 1000), while
//! jieba's dictionary takes about 95 ms to load and adds about 3 MB to the binary.
//!
//! The score of an entry is the share of the message's informative weight that the entry
//! covers, in 0..=1. Words the knowledge never uses count against every entry, so a message
//! about lunch covers nothing even when it shares a stop word with an entry.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet, FxHasher};
use std::hash::Hasher;
use std::ops::Range;
use std::sync::LazyLock;

use crate::knowledge::Knowledge;
use crate::text::{is_cjk, Folded};

/// BM25's term-frequency saturation.
const K1: f32 = 1.2;
/// BM25's length normalisation.
const B: f32 = 0.75;
/// Distinct words of a message looked at: the question is in the first few hundred, and a
/// pasted log must not cost more than a bounded number of look-ups.
const MAX_QUERY_TOKENS: usize = 160;
/// The weight a word the knowledge never uses carries against every entry, as a share of
/// the largest idf: an unknown word is weaker evidence of "off topic" than a rare known word
/// is of "this entry" (names, domains and variable names are unknown too).
const UNKNOWN_WEIGHT: f32 = 0.3;

/// How much each part of an entry counts towards its document.
const TITLE: f32 = 2.0;
const EXAMPLE: f32 = 1.0;
const PHRASE: f32 = 1.0;
const KEYWORD: f32 = 0.5;
const CAUSE: f32 = 0.6;
const FIX: f32 = 0.3;
const TABLE_MESSAGE: f32 = 0.5;

/// English words that carry no meaning for the question.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "is", "are", "was", "were", "be", "been", "to", "of", "in", "on", "at",
    "for", "and", "or", "but", "it", "its", "this", "that", "these", "those", "i", "me", "we",
    "you", "my", "our", "your", "he", "she", "they", "them", "with", "from", "by", "as", "so",
    "if", "then", "do", "does", "did", "have", "has", "had", "not", "no", "any", "some", "there",
    "here", "just", "also", "all", "am", "can", "get", "got", "what", "how", "why", "when",
    "which", "who", "will", "would", "should", "could", "im", "ive", "dont", "doesnt", "s", "t",
    "hi", "hello", "hey", "thanks", "pls", "please", "anyone", "know", "help", "still", "again",
];

/// Words that say which platform a message is about, not what it asks: they still count
/// towards the likeness, but not towards the words a message needs before its wording alone
/// may answer ("快手小程序的支付怎么接入" has one word about requests: none).
const PLATFORM_WORDS: &[&str] = &[
    "支付宝",
    "alipay",
    "微信",
    "wechat",
    "weixin",
    "钉钉",
    "dingtalk",
    "抖音",
    "douyin",
    "字节跳动",
    "bytedance",
    "头条",
    "toutiao",
    "百度",
    "baidu",
    "智能小程序",
    "qq",
    "快手",
    "kuaishou",
    "小红书",
    "飞书",
    "小程序",
    "mini",
    "program",
    "programs",
    "miniprogram",
    "miniapp",
];

/// The token hashes of [`PLATFORM_WORDS`].
static PLATFORM_TOKENS: LazyLock<HashSet<u64>> = LazyLock::new(|| {
    let mut set = HashSet::default();
    for w in PLATFORM_WORDS {
        tokens(&Folded::new(w).text, |t| {
            set.insert(t);
        });
    }
    set
});

/// A compiled word index over every entry of one knowledge base.
#[derive(Debug, Clone, Default)]
pub struct SimilarityIndex {
    /// Token hash → term.
    term_of: HashMap<u64, u32>,
    /// Per term: (entry, BM25 weight of the term in that entry's document).
    postings: Vec<Vec<(u32, f32)>>,
    /// Per term: its idf.
    idf: Vec<f32>,
    /// The idf given to a word the knowledge never uses.
    unknown_idf: f32,
    entries: usize,
}

/// Per-entry similarity of one message, with the two best for margin checks.
#[derive(Debug, Clone, Default)]
pub struct Similarity {
    /// Per entry (knowledge order), 0..=1.
    pub per_entry: Vec<f32>,
    /// How many distinct informative words of the message the knowledge knows.
    pub known_words: usize,
}

impl Similarity {
    /// The best entry and its score, and the runner-up's score.
    pub fn best(&self) -> Option<(u32, f32, f32)> {
        let mut best: Option<(u32, f32)> = None;
        let mut second = 0.0f32;
        for (i, &s) in self.per_entry.iter().enumerate() {
            match best {
                Some((_, b)) if s <= b => second = second.max(s),
                _ => {
                    if let Some((_, b)) = best {
                        second = second.max(b);
                    }
                    best = Some((i as u32, s));
                }
            }
        }
        best.filter(|b| b.1 > 0.0).map(|(i, s)| (i, s, second))
    }
}

impl SimilarityIndex {
    /// Builds the index from every entry's title, examples, phrases, keywords, cause, fix and
    /// table messages. Costs well under a millisecond for a few hundred entries.
    pub fn new(knowledge: &Knowledge) -> Self {
        let entries = knowledge.entries();
        // Per entry: token → weighted frequency.
        let mut docs: Vec<HashMap<u64, f32>> = Vec::with_capacity(entries.len());
        let mut lengths = Vec::with_capacity(entries.len());
        for e in entries {
            let mut doc: HashMap<u64, f32> = HashMap::default();
            let mut add = |text: &str, weight: f32| {
                tokens(&Folded::new(text).text, |t| {
                    *doc.entry(t).or_insert(0.0) += weight;
                });
            };
            add(&e.title.zh, TITLE);
            add(&e.title.en, TITLE);
            for ex in &e.examples {
                add(&ex.text, EXAMPLE);
            }
            for p in &e.phrases {
                add(p, PHRASE);
            }
            for group in &e.keywords {
                for term in group {
                    add(term.trim_end_matches('*'), KEYWORD);
                }
            }
            add(&e.cause.zh, CAUSE);
            add(&e.cause.en, CAUSE);
            for step in e.fix.zh.iter().chain(&e.fix.en) {
                add(step, FIX);
            }
            for row in &e.table {
                add(&row.message, TABLE_MESSAGE);
            }
            lengths.push(doc.values().sum::<f32>());
            docs.push(doc);
        }
        let n = entries.len().max(1) as f32;
        let avg_len = (lengths.iter().sum::<f32>() / n).max(1.0);
        let mut term_of: HashMap<u64, u32> = HashMap::default();
        let mut postings: Vec<Vec<(u32, f32)>> = Vec::new();
        for (entry, doc) in docs.iter().enumerate() {
            let norm = K1 * (1.0 - B + B * lengths[entry] / avg_len);
            let mut tokens: Vec<(&u64, &f32)> = doc.iter().collect();
            tokens.sort_unstable_by_key(|(t, _)| **t);
            for (&t, &tf) in tokens {
                let id = *term_of.entry(t).or_insert_with(|| {
                    postings.push(Vec::new());
                    (postings.len() - 1) as u32
                });
                postings[id as usize].push((entry as u32, tf * (K1 + 1.0) / (tf + norm)));
            }
        }
        let idf: Vec<f32> = postings
            .iter()
            .map(|p| {
                let df = p.len() as f32;
                ((n - df + 0.5) / (df + 0.5) + 1.0).ln()
            })
            .collect();
        for (list, &w) in postings.iter_mut().zip(&idf) {
            for (_, tf) in list.iter_mut() {
                *tf *= w;
            }
        }
        let max_idf = idf.iter().copied().fold(0.0, f32::max);
        SimilarityIndex {
            term_of,
            postings,
            idf,
            unknown_idf: UNKNOWN_WEIGHT * max_idf,
            entries: entries.len(),
        }
    }

    /// Scores `folded` (text already folded) against every entry, leaving out the byte
    /// ranges in `skip` (code fences: a program's words are not a question).
    pub fn score(&self, folded: &str, skip: &[Range<usize>]) -> Similarity {
        let mut per_entry = vec![0.0f32; self.entries];
        let mut seen: Vec<u64> = Vec::with_capacity(64);
        let mut total = 0.0f32;
        let mut known_words = 0;
        let mut at = 0;
        let mut prose = Vec::with_capacity(skip.len() + 1);
        for r in skip {
            prose.push(&folded[at.min(r.start)..r.start]);
            at = at.max(r.end);
        }
        prose.push(&folded[at.min(folded.len())..]);
        let mut each = |t: u64| {
            if seen.len() >= MAX_QUERY_TOKENS || seen.contains(&t) {
                return;
            }
            seen.push(t);
            match self.term_of.get(&t) {
                Some(&id) => {
                    let idf = self.idf[id as usize];
                    total += idf * (K1 + 1.0);
                    if idf > 0.5 && !PLATFORM_TOKENS.contains(&t) {
                        known_words += 1;
                    }
                    for &(entry, w) in &self.postings[id as usize] {
                        per_entry[entry as usize] += w;
                    }
                }
                None => total += self.unknown_idf * (K1 + 1.0),
            }
        };
        for part in prose {
            tokens(part, &mut each);
        }
        if total > 0.0 {
            for s in &mut per_entry {
                *s = (*s / total).min(1.0);
            }
        }
        Similarity {
            per_entry,
            known_words,
        }
    }
}

/// Calls `f` with the hash of every token of `folded`: English words (plural and `-ing`/`-ed`
/// endings stripped, stop words and pure numbers dropped), dotted names whole and by their
/// last part, and Chinese character pairs.
pub(crate) fn tokens(folded: &str, mut f: impl FnMut(u64)) {
    let bytes = folded.as_bytes();
    let mut i = 0;
    let mut prev_cjk: Option<char> = None;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            prev_cjk = None;
            let start = i;
            let mut last_part = i;
            while i < bytes.len() {
                if bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' {
                    i += 1;
                } else if bytes[i] == b'.'
                    && bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic())
                    && i > start
                {
                    i += 1;
                    last_part = i;
                } else {
                    break;
                }
            }
            let whole = &folded[start..i];
            if last_part > start {
                f(hash(whole.as_bytes()));
                word(&folded[last_part..i], &mut f);
            } else {
                word(whole, &mut f);
            }
            continue;
        }
        if b < 0x80 {
            prev_cjk = None;
            i += 1;
            continue;
        }
        let c = folded[i..].chars().next().unwrap_or(' ');
        let len = c.len_utf8();
        if is_cjk(c) {
            if let Some(p) = prev_cjk {
                let mut buf = [0u8; 8];
                let a = p.encode_utf8(&mut buf[..4]).len();
                let b = c.encode_utf8(&mut buf[a..]).len();
                f(hash(&buf[..a + b]));
            }
            prev_cjk = Some(c);
        } else {
            prev_cjk = None;
        }
        i += len;
    }
}

/// The hashes of [`STOP_WORDS`]: one look-up per word instead of a comparison per stop word
/// (a pasted log has thousands of words).
static STOP_HASHES: LazyLock<HashSet<u64>> =
    LazyLock::new(|| STOP_WORDS.iter().map(|w| hash(w.as_bytes())).collect());

/// One English word: dropped when it means nothing, else its stem.
fn word(w: &str, f: &mut impl FnMut(u64)) {
    if w.bytes().all(|b| b.is_ascii_digit()) {
        return;
    }
    let whole = hash(w.as_bytes());
    if STOP_HASHES.contains(&whole) {
        return;
    }
    let stemmed = stem(w);
    f(if stemmed.len() == w.len() {
        whole
    } else {
        hash(stemmed.as_bytes())
    });
}

/// A crude English stem, the same on both sides: `requests`, `requesting` and `requested`
/// are `request`; `timeouts` is `timeout`.
fn stem(w: &str) -> &str {
    let n = w.len();
    if n > 5 && w.ends_with("ing") {
        &w[..n - 3]
    } else if n > 4 && w.ends_with("ed") {
        &w[..n - 2]
    } else if n > 3 && w.ends_with('s') && !w.ends_with("ss") {
        &w[..n - 1]
    } else {
        w
    }
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = FxHasher::default();
    h.write(bytes);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn all(text: &str) -> Vec<u64> {
        let mut v = Vec::new();
        tokens(&Folded::new(text).text, |t| v.push(t));
        v
    }

    #[test]
    fn english_words_are_stemmed_and_stop_words_dropped() {
        assert_eq!(all("requests"), all("request"));
        assert_eq!(all("Requesting"), all("requested"));
        assert_eq!(all("the 404 is my problem"), all("problem"));
        assert_eq!(all("class"), vec![hash(b"class")]);
    }

    #[test]
    fn dotted_names_stay_whole_and_give_their_last_part() {
        assert_eq!(
            all("wx.request"),
            vec![hash(b"wx.request"), hash(b"request")]
        );
        // A sentence's full stop is not a dotted name.
        assert_eq!(all("failed. Then"), all("failed then"));
    }

    #[test]
    fn chinese_becomes_character_pairs() {
        assert_eq!(
            all("白名单"),
            vec![hash("白名".as_bytes()), hash("名单".as_bytes())]
        );
        // A pair never spans a non-Chinese character.
        assert_eq!(all("白 名"), Vec::<u64>::new());
    }

    #[test]
    fn paraphrase_without_keywords_finds_its_entry() {
        let k = Arc::new(Knowledge::bundled().unwrap());
        let index = SimilarityIndex::new(&k);
        let top = |q: &str| {
            let s = index.score(&Folded::new(q).text, &[]);
            let (i, score, _) = s.best().unwrap();
            (k.entries()[i as usize].id.clone(), score)
        };
        let (id, _) = top("can I change the referer header the server sees");
        assert!(id.ends_with("referer"), "{id}");
        let (_, lunch) = top("where are we going for lunch today");
        let (_, referer) = top("can I change the referer header the server sees");
        assert!(lunch < referer / 2.0, "{lunch} vs {referer}");
    }

    #[test]
    fn code_fences_are_not_read() {
        let k = Knowledge::bundled().unwrap();
        let index = SimilarityIndex::new(&k);
        let text = Folded::new("```\nwhy can't I set a custom referer header?\n```").text;
        let fence = 0..text.len();
        assert!(index.score(&text, &[fence]).best().is_none());
    }

    #[test]
    fn bounded_on_huge_input() {
        let k = Knowledge::bundled().unwrap();
        let index = SimilarityIndex::new(&k);
        let text = "word".repeat(10_000) + &" 请求超时".repeat(5_000);
        let s = index.score(&Folded::new(&text).text, &[]);
        assert!(s.per_entry.iter().all(|v| (0.0..=1.0).contains(v)));
    }
}
