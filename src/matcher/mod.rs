//! Text in, ranked answers with evidence out.
//!
//! Everything is compiled once from the knowledge: one Aho-Corasick automaton for every
//! literal (phrases, keywords, context words), a `RegexSet` for patterns, and the code
//! recognisers. A message is folded once and scanned a constant number of times, so time is
//! linear in its length. Nothing here knows about Discord or terminals.

mod address;
mod channel;
mod codes;
mod counterpart;
mod fail_object;
mod fences;
mod form;
mod framework;
mod platform;
mod similarity;
mod terms;

use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;
use std::sync::Arc;

use regex::{Regex, RegexSet};
use serde::Serialize;

pub use channel::Channel;
pub use codes::CodeForm;
pub use fail_object::{FailObject, FieldKey, FieldValue};
pub use platform::{Fit, Platforms};
pub use similarity::{Similarity, SimilarityIndex};

use crate::knowledge::{Code, Knowledge, Platform, Problem};
use crate::text::{code_fences, inside, Folded};
use codes::{CodeScanner, FoundCode};
use terms::{HitKind, TermId, TermIndex, TermIndexBuilder};

/// Messages longer than this are only read up to here (Discord's own limit is 4,000
/// characters; this keeps a pasted megabyte from costing more than a few milliseconds).
pub const MAX_INPUT_BYTES: usize = 64 * 1024;

/// Why the matcher is being asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The bot is deciding whether to speak unprompted: answer only when sure.
    Auto,
    /// Someone asked the bot directly: always give the best candidates.
    Lookup,
}

/// What triggered a match.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EvidenceKind {
    /// A typed code (`error:14`, `errno:600002`, `http:401`, `net:-2`).
    Code {
        /// The code, as `kind:number`.
        #[serde(serialize_with = "display")]
        code: Code,
        /// How it was written.
        #[serde(serialize_with = "debug_lower")]
        form: CodeForm,
    },
    /// A literal phrase of the entry.
    Phrase,
    /// A regex pattern of the entry.
    Pattern,
    /// The entry's keyword groups.
    Keywords {
        /// How many groups were present.
        groups_hit: usize,
        /// How many groups the entry has.
        groups: usize,
    },
    /// The message names the entry id.
    EntryId,
    /// The message shares the entry's wording (see [`SimilarityIndex`]).
    Similarity {
        /// The similarity, 0..=1.
        #[serde(serialize_with = "rounded")]
        score: f32,
    },
}

fn rounded<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((f64::from(*v) * 1000.0).round() / 1000.0)
}

fn display<S: serde::Serializer>(c: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(c)
}

fn debug_lower<S: serde::Serializer>(f: &CodeForm, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match f {
        CodeForm::Bare => "bare",
        CodeForm::Loose => "loose",
        CodeForm::Explicit => "explicit",
        CodeForm::FailObject => "fail_object",
    })
}

/// One reason a message matched an entry, located in the original message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// What kind of signal it was.
    #[serde(flatten)]
    pub kind: EvidenceKind,
    /// The matched text, as written in the message.
    pub text: String,
    /// Byte range in the original message.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// Whether it sits inside a pasted fail object.
    pub in_fail_object: bool,
    /// Whether it sits inside a ``` code block.
    pub in_code_block: bool,
}

/// One candidate answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    /// Entry id.
    pub id: String,
    /// Confidence in 0..=1.
    pub score: f32,
    /// Why, strongest first.
    pub evidence: Vec<Evidence>,
}

impl Match {
    /// How much the message is worded like this entry (0 when it is not at all).
    pub fn similarity(&self) -> f32 {
        self.evidence
            .iter()
            .find_map(|e| match e.kind {
                EvidenceKind::Similarity { score } => Some(score),
                _ => None,
            })
            .unwrap_or(0.0)
    }
}

/// Errors building a matcher from knowledge.
#[derive(Debug, thiserror::Error)]
pub enum MatcherError {
    /// A pattern did not compile (knowledge validation normally catches this first).
    #[error("pattern of `{id}` does not compile: {source}")]
    Pattern {
        /// Entry id.
        id: String,
        /// Regex error.
        source: regex::Error,
    },
}

/// Score at or above which `Auto` mode speaks (the "normal" confidence).
pub const DEFAULT_AUTO_THRESHOLD: f32 = 0.75;
/// Lookup score from which a direct question gets an answer rather than suggestions.
pub const DEFAULT_LOOKUP_CONFIDENCE: f32 = 0.45;
/// Candidates below this are not shown even in `Lookup` mode.
const LOOKUP_FLOOR: f32 = 0.12;
/// How many candidates `Lookup` returns at most.
const LOOKUP_MAX: usize = 5;
/// How many answers `Auto` returns at most (the best plus "also see").
const AUTO_MAX: usize = 3;
/// Evidence kept per candidate; a message repeating `error: 14` a thousand times needs one.
const MAX_EVIDENCE: usize = 8;
/// Keyword occurrences kept per candidate (groups are still counted beyond it).
const MAX_KEYWORD_TERMS: usize = 12;
/// Keyword groups an entry may have (validation rejects more).
const MAX_GROUPS: usize = crate::knowledge::MAX_KEYWORD_GROUPS;

/// Keyword occurrences of one candidate, stored inline: a common word such as "request"
/// touches dozens of entries, and none of them should cost an allocation.
#[derive(Debug, Clone, Default)]
struct KeywordHits {
    len: u8,
    hits: [(u32, u32, TermId); MAX_KEYWORD_TERMS],
}

impl KeywordHits {
    fn push(&mut self, r: Range<usize>, id: TermId) {
        if usize::from(self.len) < MAX_KEYWORD_TERMS {
            self.hits[usize::from(self.len)] = (r.start as u32, r.end as u32, id);
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = (Range<usize>, TermId)> + '_ {
        self.hits[..usize::from(self.len)]
            .iter()
            .map(|&(s, e, id)| (s as usize..e as usize, id))
    }

    fn first(&self) -> Option<(Range<usize>, TermId)> {
        self.iter().next()
    }
}

#[derive(Debug, Clone, Copy)]
enum Role {
    ContextStrong,
    MiniProgram,
    Elsewhere,
    /// An `elsewhere` phrase that denies a mini-program word it contains.
    Denial,
    ContextWeak,
    Question,
    Resolved,
    ErrorWord,
    Platform(Platform),
    Keyword {
        entry: u32,
        group: u8,
    },
    Phrase {
        entry: u32,
    },
}

/// An `Auto`-mode verdict plus what the bot needs to know about a message it stays silent on.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    /// Answers above the threshold, best first (empty: stay silent).
    pub answers: Vec<Match>,
    /// The message names a request API, an error word or an error code and is not someone
    /// saying it is solved or talking to another person: worth a human look when unanswered.
    pub looks_like_request_error: bool,
    /// When nothing is confident: the best candidate within [`MAYBE_BAND`] below the
    /// threshold. In a support channel the bot offers it with a 💡 reaction instead of
    /// answering, and posts it only if the asker asks for it.
    pub maybe: Option<Match>,
}

/// How far below the Auto threshold a candidate may score and still be offered as a
/// "maybe" (the distance between the normal and the eager confidence levels).
pub const MAYBE_BAND: f32 = 0.1;

/// Which signals score a message: both (the default), or one alone, to measure what each
/// contributes (`reqdoctor eval --signals`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignalSet {
    /// Rules and similarity combined.
    #[default]
    Combined,
    /// Codes, phrases, patterns and keyword groups only.
    Rules,
    /// Similarity to the entries' wording only (codes and error strings still gate nothing).
    Similarity,
}

/// A compiled matcher over one knowledge base.
#[derive(Debug, Clone)]
pub struct Matcher {
    knowledge: Arc<Knowledge>,
    similarity: SimilarityIndex,
    signal_set: SignalSet,
    /// Which entries stand for which on their own platforms.
    counterparts: counterpart::Counterparts,
    terms: TermIndex,
    roles: Vec<Vec<Role>>,
    patterns: RegexSet,
    pattern_regexes: Vec<(u32, Regex)>,
    codes: CodeScanner,
    code_owner: HashMap<Code, u32>,
    net_names: HashMap<String, i32>,
    id_regex: Regex,
    groups: Vec<u8>,
    /// Per term: 1 / √(number of entries whose keywords use it).
    specificity: Vec<f32>,
    auto_threshold: f32,
}

/// How one call scores: its mode and, for `Auto`, its threshold.
#[derive(Debug, Clone, Copy)]
struct Pass {
    mode: Mode,
    auto_threshold: f32,
}

/// What a direct question (`/ask`, an @mention, `reqdoctor ask`) gets.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// The best candidates, best first.
    pub matches: Vec<Match>,
    /// Whether the first candidate is the answer (confident, or clearly ahead of the rest);
    /// otherwise the candidates are only suggestions.
    pub answered: bool,
    /// A platform the question names that the knowledge has no entries for: the answer must
    /// say so rather than pass another platform's facts off as its own.
    pub uncovered_platform: Option<Platform>,
}

impl Lookup {
    /// The answer, when there is one.
    pub fn answer(&self) -> Option<&Match> {
        self.matches.first().filter(|_| self.answered)
    }
}

/// A Lookup candidate below the confidence is still the answer when it scores this many
/// times the runner-up (and at least [`CLEAR_BEST_FLOOR`]): a one-word lookup of an entry's
/// own keyword should get that entry, not suggestions.
const CLEAR_BEST_RATIO: f32 = 1.2;
/// The least score a clear-best answer needs.
const CLEAR_BEST_FLOOR: f32 = 0.2;
/// The least similarity a clear-best answer needs: "cookie" is all cookie-entry words,
/// "what should we order for lunch" shares one word with the abort entry.
const CLEAR_BEST_LIKENESS: f32 = 0.5;

/// What scoring one candidate needs to know about the whole message.
#[derive(Clone, Copy)]
struct Message<'a> {
    /// The original text (evidence quotes it).
    text: &'a str,
    signals: &'a Signals,
    /// One occurrence per recognised code: its owner entry, the code and where it is.
    coded: &'a [(u32, Code, Range<usize>)],
    /// Entries whose own error strings (phrases, patterns) the message quotes.
    quoted: &'a [u32],
}

/// Per-message signals that are not tied to one entry.
#[derive(Debug, Default, Clone, Copy)]
struct Signals {
    context_strong: bool,
    context_weak: bool,
    question: bool,
    resolved: bool,
    error_word: bool,
    /// The message starts by addressing another person (`@lily …`, `<@123> …`): usually an
    /// answer to someone else, not a question for the bot.
    addressed_to_someone: bool,
    /// A word that only mini-program messages use (`wx.request`, `小程序`).
    mini_program: bool,
    /// A word that puts the message elsewhere (a web page, nginx, a native app).
    elsewhere: bool,
    /// Platforms the message names.
    named: Platforms,
    /// The message's platforms: named, else from its codes' families.
    platforms: Platforms,
    /// The least context bonus: what the channel lends in `Auto` mode (a direct question
    /// is judged on its own).
    context_floor: f32,
    /// Where the message was posted.
    channel: Channel,
    /// A long post or an issue-template report (see [`form`]).
    long_form: bool,
    /// More than one line of prose (see [`form`]).
    several_lines: bool,
    /// The cross-platform frameworks the message names.
    frameworks: framework::Frameworks,
}

impl Signals {
    /// The bonus that context gives to evidence that cannot stand alone.
    fn context_bonus(&self, in_fail_object: bool) -> f32 {
        let own: f32 = if self.context_strong || in_fail_object {
            0.25
        } else if self.context_weak && self.question {
            0.2
        } else if self.context_weak {
            0.08
        } else {
            0.0
        };
        own.max(self.context_floor)
    }

    /// The bonus from the message's own words only, without what the channel lends.
    fn own_context_bonus(&self, in_fail_object: bool) -> f32 {
        Signals {
            context_floor: 0.0,
            ..*self
        }
        .context_bonus(in_fail_object)
    }

    /// Whether wording alone may answer: the message asks or reports something (a keyword
    /// group of the entry agreeing counts in a support channel); in team chat it must also
    /// name mini-program requests and share a keyword group with the entry.
    /// "我们小程序有 500 个用户了" is news, not a question.
    fn may_answer_by_wording(&self, keyword_agrees: bool) -> bool {
        let asks = self.question || self.error_word;
        match self.channel {
            Channel::Support => asks || keyword_agrees,
            Channel::Team => self.context_strong && asks && keyword_agrees,
        }
    }

    /// The message is plainly about something other than a mini program.
    fn plainly_elsewhere(&self, has_fail_object: bool) -> bool {
        self.elsewhere && !self.mini_program && !has_fail_object
    }
}

/// Evidence gathered for one entry while scanning.
#[derive(Debug, Default, Clone)]
struct Candidate {
    strong: f32,
    strong_count: usize,
    keyword_groups: u64,
    /// Per group, how specific its most specific hit term was (1 for a term used by one
    /// entry, less for words shared by many): ranks partial matches in Lookup mode.
    group_specificity: [f32; MAX_GROUPS],
    /// Original byte range and text of each keyword found.
    keyword_terms: KeywordHits,
    evidence: Vec<(f32, Evidence)>,
}

impl Matcher {
    /// Compiles a matcher. Costs a few milliseconds; do it once per knowledge version.
    pub fn new(knowledge: Arc<Knowledge>) -> Result<Self, MatcherError> {
        let mut builder = TermIndexBuilder::default();
        let mut roles: Vec<Vec<Role>> = Vec::new();
        let mut add = |term: &str, role: Role, builder: &mut TermIndexBuilder| {
            if let Some(id) = builder.add(term) {
                let id = id as usize;
                if roles.len() <= id {
                    roles.resize_with(id + 1, Vec::new);
                }
                roles[id].push(role);
            }
        };
        let voc = &knowledge.vocabulary;
        for t in &voc.context_strong {
            add(t, Role::ContextStrong, &mut builder);
        }
        for t in &voc.context_weak {
            add(t, Role::ContextWeak, &mut builder);
        }
        for t in &voc.question {
            add(t, Role::Question, &mut builder);
        }
        for t in &voc.resolved {
            add(t, Role::Resolved, &mut builder);
        }
        for t in &voc.error {
            add(t, Role::ErrorWord, &mut builder);
        }
        for (p, words) in &voc.platforms {
            for t in words {
                add(t, Role::Platform(*p), &mut builder);
            }
        }
        for t in &voc.mini_program {
            add(t, Role::MiniProgram, &mut builder);
        }
        for t in &voc.elsewhere {
            // "not a mini program", "跟小程序没关系": a denial of the mini program, not a
            // mention of one.
            let denies = voc.mini_program.iter().any(|m| t.contains(m.as_str()));
            let role = if denies {
                Role::Denial
            } else {
                Role::Elsewhere
            };
            add(t, role, &mut builder);
        }
        let mut patterns = Vec::new();
        let mut pattern_regexes = Vec::new();
        let mut code_owner = HashMap::default();
        let mut net_names = HashMap::default();
        let mut groups = Vec::new();
        for (i, e) in knowledge.entries().iter().enumerate() {
            let entry = i as u32;
            for p in &e.phrases {
                add(p, Role::Phrase { entry }, &mut builder);
            }
            for (g, group) in e.keywords.iter().enumerate().take(MAX_GROUPS) {
                for t in group {
                    add(
                        t,
                        Role::Keyword {
                            entry,
                            group: g as u8,
                        },
                        &mut builder,
                    );
                }
            }
            groups.push(e.keywords.len().min(MAX_GROUPS) as u8);
            for p in &e.patterns {
                let p = ascii_word_boundaries(p);
                let re = Regex::new(&p).map_err(|source| MatcherError::Pattern {
                    id: e.id.clone(),
                    source,
                })?;
                patterns.push(p);
                pattern_regexes.push((entry, re));
            }
            for code in e.all_codes() {
                code_owner.entry(code).or_insert(entry);
            }
            for row in &e.table {
                if let Code::Net(n) = row.code {
                    let name = row.message.trim().to_lowercase();
                    let name = name.strip_prefix("net::").unwrap_or(&name);
                    let name = name.strip_prefix("err_").unwrap_or(name);
                    net_names.insert(name.to_string(), n);
                }
            }
        }
        let patterns = RegexSet::new(&patterns).map_err(|source| MatcherError::Pattern {
            id: "(pattern set)".into(),
            source,
        })?;
        let terms = builder.build();
        // How many entries use each word (`abort` and `abort*` count as one word).
        let mut users: HashMap<&str, Vec<u32>> = HashMap::default();
        for (id, rs) in roles.iter().enumerate() {
            let list = users.entry(terms.text(id as TermId)).or_default();
            list.extend(rs.iter().filter_map(|r| match r {
                Role::Keyword { entry, .. } => Some(*entry),
                _ => None,
            }));
        }
        for list in users.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let specificity = (0..roles.len())
            .map(|id| 1.0 / (users[terms.text(id as TermId)].len().max(1) as f32).sqrt())
            .collect();
        Ok(Matcher {
            similarity: SimilarityIndex::new(&knowledge),
            signal_set: SignalSet::default(),
            counterparts: counterpart::Counterparts::new(&knowledge),
            specificity,
            terms,
            roles,
            patterns,
            pattern_regexes,
            codes: CodeScanner::new(),
            code_owner,
            net_names,
            id_regex: Regex::new(r"(?-u:\b)[a-z]+(?:\.[a-z0-9][a-z0-9-]*)+").expect("static regex"),
            groups,
            auto_threshold: DEFAULT_AUTO_THRESHOLD,
            knowledge,
        })
    }

    /// Sets the score at or above which `Auto` mode answers.
    pub fn with_auto_threshold(mut self, threshold: f32) -> Self {
        self.auto_threshold = threshold;
        self
    }

    /// Scores with only some of the signals, to measure what each contributes.
    pub fn with_signals(mut self, set: SignalSet) -> Self {
        self.signal_set = set;
        self
    }

    /// The score at or above which `Auto` mode answers.
    pub fn auto_threshold(&self) -> f32 {
        self.auto_threshold
    }

    /// The knowledge this matcher answers from.
    pub fn knowledge(&self) -> &Arc<Knowledge> {
        &self.knowledge
    }

    /// Ranked answers for `text` posted in a support channel, best first. In `Auto` mode an
    /// empty result means "stay silent"; `Lookup` returns the best candidates whenever
    /// anything matched at all.
    pub fn find(&self, text: &str, mode: Mode) -> Vec<Match> {
        self.find_in(text, mode, Channel::Support)
    }

    /// [`Matcher::find`] for a message posted in a `channel` of the given kind.
    pub fn find_in(&self, text: &str, mode: Mode, channel: Channel) -> Vec<Match> {
        self.run(text, mode, self.auto_threshold, channel).0.answers
    }

    /// `Auto` mode with a caller's threshold (a server's strict/normal/eager setting), and
    /// whether the message looks like a request-error question even when nothing answers
    /// it: such messages are what the people keeping the knowledge need to see.
    pub fn assess(&self, text: &str, auto_threshold: f32, channel: Channel) -> Assessment {
        self.run(text, Mode::Auto, auto_threshold, channel).0
    }

    /// A direct question: the best candidates, and whether the first is the answer. It is
    /// when it scores at least `confidence`, or leads the runner-up clearly.
    pub fn lookup(&self, text: &str, confidence: f32) -> Lookup {
        let (a, platforms) = self.run(text, Mode::Lookup, self.auto_threshold, Channel::Support);
        let matches = a.answers;
        // Below the confidence, the first is still the answer when the question's own words
        // are mostly that entry's and it clearly leads.
        let clear =
            |m: &Match| m.score >= CLEAR_BEST_FLOOR && m.similarity() >= CLEAR_BEST_LIKENESS;
        let answered = match matches.as_slice() {
            [] => false,
            [one] => one.score >= confidence || clear(one),
            [first, second, ..] => {
                first.score >= confidence
                    || clear(first)
                        && (first.score >= CLEAR_BEST_RATIO * second.score
                            || platforms.is_empty() && self.same_fact_elsewhere(first, second))
            }
        };
        // Another platform's entry is a suggestion at most, never the answer.
        let answered = answered
            && matches.first().is_some_and(|m| {
                self.knowledge
                    .get(&m.id)
                    .is_some_and(|e| platform::fit(e, platforms) != Fit::Other)
            });
        Lookup {
            answered,
            uncovered_platform: platform::uncovered(&self.knowledge, platforms),
            matches,
        }
    }

    /// Whether two candidates are one fact on two platforms (`alipay.faq.referer` and
    /// `wechat.faq.referer`, linked by `see_also`): for a question that names no platform,
    /// the first is the answer and the reply points at the other.
    fn same_fact_elsewhere(&self, a: &Match, b: &Match) -> bool {
        let (Some(ea), Some(eb)) = (self.knowledge.get(&a.id), self.knowledge.get(&b.id)) else {
            return false;
        };
        (ea.see_also.contains(&eb.id) || eb.see_also.contains(&ea.id))
            && !ea.platforms.iter().any(|p| eb.platforms.contains(p))
    }

    fn run(
        &self,
        text: &str,
        mode: Mode,
        auto_threshold: f32,
        channel: Channel,
    ) -> (Assessment, Platforms) {
        let text = truncate(text, MAX_INPUT_BYTES);
        let folded = Folded::new(text);
        let fences = code_fences(text);
        let source = fences::source_flags(text, &fences);
        let in_code = |r: &Range<usize>| inside(&fences, folded.original_range(r.clone()).start);
        let in_source = |r: &Range<usize>| {
            fences::in_source(&fences, &source, folded.original_range(r.clone()).start)
        };
        let mut objects = fail_object::scan(&folded.text);
        // In a program, `{ error: 14, status: 400 }` is a literal its author wrote, not a
        // result they got; one carrying the printed message (errMsg, errorMessage) was pasted.
        objects.retain(|o| !in_source(&o.span) || o.has_printed_message());
        let in_object = |r: &Range<usize>| objects.iter().any(|o| o.contains(r));

        let shape = form::MessageForm::of(text);
        let mut signals = Signals {
            addressed_to_someone: address::opens_with_mention(text),
            long_form: shape.long,
            several_lines: shape.several_lines,
            frameworks: framework::Frameworks::of(&folded.text),
            context_floor: match mode {
                Mode::Auto => channel.context_floor(),
                Mode::Lookup => 0.0,
            },
            channel,
            ..Signals::default()
        };
        let mut cands = Candidates::new(self.knowledge.entries().len());
        let mut literals: Vec<(u32, EvidenceKind, Range<usize>)> = Vec::with_capacity(16);
        let evidence = |kind: EvidenceKind, r: &Range<usize>| {
            let orig = folded.original_range(r.clone());
            Evidence {
                kind,
                // Filled in only for answers that are returned (most candidates are not).
                text: String::new(),
                start: orig.start,
                end: orig.end,
                in_fail_object: in_object(r),
                in_code_block: inside(&fences, orig.start),
            }
        };

        // Literals: context words, platform hints, phrases, keywords.
        // Each term is acted on once outside code (and once inside): repeating a word a
        // thousand times adds nothing but time.
        // Two bits per term: seen inside code, seen outside code.
        let mut seen = vec![0u64; self.roles.len().div_ceil(32)];
        // Keyword hits are only noted here; candidates are made after the scan, for the
        // entries that can use them (a word like "request" touches dozens of entries).
        let mut keyword_hits: Vec<(TermId, Range<usize>)> = Vec::with_capacity(64);
        let mut groups_hit = vec![0u8; self.groups.len()];
        // Where context words stand, so that the ones inside a denial can be left out.
        let mut strong_at: Vec<Range<usize>> = Vec::new();
        let mut mini_program_at: Vec<Range<usize>> = Vec::new();
        let mut denials: Vec<Range<usize>> = Vec::new();
        self.terms.scan(&folded.text, |id: TermId, r, kind| {
            let (word, shift) = (id as usize / 32, (id as usize % 32) * 2);
            let state = (seen[word] >> shift) & 0b11;
            if state & 0b10 != 0 {
                return; // Already acted on outside code: nothing more to learn.
            }
            let code = in_code(&r);
            let bit = if code { 0b01 } else { 0b10 };
            if state & 0b10 != 0 || state & bit != 0 {
                return;
            }
            seen[word] |= bit << shift;
            let mut keyword_hit = false;
            for role in &self.roles[id as usize] {
                // A typo only counts for question keywords: "fired" is not "fixed", and
                // "unable to resolve host" is not "resolved".
                if kind == HitKind::Typo && !matches!(role, Role::Keyword { .. }) {
                    continue;
                }
                match *role {
                    // In a program, `statusCode` or `errno` is a name, not context.
                    Role::ContextStrong if !code || !in_source(&r) => strong_at.push(r.clone()),
                    Role::MiniProgram => mini_program_at.push(r.clone()),
                    Role::Elsewhere => signals.elsewhere = true,
                    Role::Denial => {
                        signals.elsewhere = true;
                        denials.push(r.clone());
                    }
                    Role::ContextWeak if !code => signals.context_weak = true,
                    Role::Question if !code => signals.question = true,
                    Role::Resolved if !code => signals.resolved = true,
                    Role::ErrorWord if !code => signals.error_word = true,
                    Role::Platform(p) => signals.named.insert(p),
                    Role::Phrase { entry } if kind == HitKind::Exact => {
                        literals.push((entry, EvidenceKind::Phrase, r.clone()));
                    }
                    Role::Keyword { entry, group } if !code => {
                        if !keyword_hit {
                            keyword_hits.push((id, r.clone()));
                            keyword_hit = true;
                        }
                        groups_hit[entry as usize] |= 1 << group;
                    }
                    _ => {}
                }
            }
        });

        // "勾了忽略域名检查就好了，但预览不行": what works is the workaround, not the problem.
        if signals.resolved && contrasts(&folded.text) {
            signals.resolved = false;
        }
        let denied =
            |r: &Range<usize>| denials.iter().any(|d| d.start <= r.start && r.end <= d.end);
        signals.mini_program = mini_program_at.iter().any(|r| !denied(r));
        signals.context_strong = signals.mini_program || strong_at.iter().any(|r| !denied(r));

        // Patterns: the set says which matched; only those are run again for a location.
        for i in self.patterns.matches(&folded.text).iter() {
            let (entry, re) = &self.pattern_regexes[i];
            if let Some(m) = re.find(&folded.text) {
                literals.push((*entry, EvidenceKind::Pattern, m.range()));
            }
        }
        // Codes in free text and in fail objects.
        let mut found = Vec::new();
        self.codes.scan(
            &folded.text,
            |name| self.net_names.get(name).copied(),
            &mut found,
        );
        // In a program, `let error = 14;` is a constant, not a failure someone got.
        found.retain(|f| {
            (!in_source(&f.span) || in_object(&f.span)) && !fences::declared(&folded.text, &f.span)
        });
        for o in &objects {
            object_codes(o, &mut found);
        }
        // `errMsg` is the WeChat-style field (uni-app and Taro copy it); Alipay's fail object
        // carries `errorMessage`. A quoted `"errMsg": "request:fail abort"` outside braces says
        // the same.
        let mut family = Platforms::default();
        if objects.iter().any(|o| o.get(FieldKey::ErrMsg).is_some())
            || memchr::memmem::find(folded.text.as_bytes(), b"errmsg\"").is_some()
        {
            family.insert(Platform::Wechat);
        }
        signals.platforms =
            platform::of_message(signals.named, family, found.iter().map(|f| f.code));
        // Addressed to a colleague, a failure handed over is still a failure the bot can
        // explain; an explanation given to them is not a question (see [`address`]).
        if signals.addressed_to_someone
            && (!found.is_empty()
                || !objects.is_empty()
                || !literals.is_empty()
                || signals.error_word)
            && !address::explains(&folded.text)
        {
            signals.addressed_to_someone = false;
        }

        // Keyword evidence for the entries that can use it: every entry in Lookup mode; in
        // Auto mode those whose groups all matched, or that a code or phrase points at.
        let mut wanted: Vec<bool> = (0..self.groups.len())
            .map(|e| {
                let hit = groups_hit[e];
                hit != 0
                    && (mode == Mode::Lookup
                        || u32::from(hit).count_ones() == u32::from(self.groups[e]))
            })
            .collect();
        for e in literals.iter().map(|l| l.0).chain(
            found
                .iter()
                .filter_map(|f| self.code_owner.get(&f.code).copied()),
        ) {
            wanted[e as usize] = groups_hit[e as usize] != 0;
        }
        let any_keyword = !keyword_hits.is_empty();
        for (id, r) in &keyword_hits {
            for role in &self.roles[*id as usize] {
                if let Role::Keyword { entry, group } = *role {
                    if !wanted[entry as usize] {
                        continue;
                    }
                    let c = cands.get(entry);
                    c.keyword_groups |= 1 << group;
                    let g = usize::from(group);
                    c.group_specificity[g] =
                        c.group_specificity[g].max(self.specificity[*id as usize]);
                    c.keyword_terms.push(folded.original_range(r.clone()), *id);
                }
            }
        }

        // Entries a platform's own error string names (not an HTTP reason phrase, which
        // any stack prints): wording for another entry is secondary to them.
        let mut quoted: Vec<u32> = Vec::new();
        // Weighed only now that every context word has been seen.
        for (entry, kind, r) in literals {
            let platform = self.knowledge.entries()[entry as usize].platform;
            if platform == Platform::Http && in_source(&r) && !in_object(&r) {
                // `"payload too large"` in a program is a constant, not a response.
                continue;
            }
            let weight = if platform == Platform::Http && !in_object(&r) {
                // "403 Forbidden" is everyday ops talk: it needs mini-program context.
                0.55 + signals.context_bonus(false)
            } else {
                if !quoted.contains(&entry) && quoted.len() < 8 {
                    quoted.push(entry);
                }
                0.9
            };
            cands.get(entry).add_strong(weight, || evidence(kind, &r));
        }

        let mut coded: Vec<(u32, Code, Range<usize>)> = Vec::new();
        let mut repeats: HashMap<(Code, CodeForm), u8> = HashMap::default();
        for f in &found {
            let Some(&entry) = self.code_owner.get(&f.code) else {
                continue;
            };
            // Two occurrences of the same code say all that a hundred would.
            let n = repeats.entry((f.code, f.form)).or_insert(0);
            *n += 1;
            if *n > 2 {
                continue;
            }
            let form = if in_object(&f.span)
                && f.form == CodeForm::Explicit
                && object_field_code(&objects, f)
            {
                CodeForm::FailObject
            } else {
                f.form
            };
            let platform = self.knowledge.entries()[entry as usize].platform;
            let c = cands.get(entry);
            let place = Placement {
                in_object: in_object(&f.span),
                beside_error_field: objects
                    .iter()
                    .any(|o| o.contains(&f.span) && o.number(FieldKey::Error).is_some()),
                corroborated: c.has_independent_keyword(&folded.original_range(f.span.clone())),
            };
            let weight = code_weight(f.code, form, platform, place, &signals);
            // One occurrence per code is enough to judge other entries against it.
            if !coded
                .iter()
                .any(|(o, code, _)| *o == entry && *code == f.code)
                && coded.len() < 16
            {
                coded.push((entry, f.code, folded.original_range(f.span.clone())));
            }
            c.add_strong(weight, || {
                evidence(EvidenceKind::Code { code: f.code, form }, &f.span)
            });
        }

        match mode {
            Mode::Lookup => self.lookup_signals(&folded, &mut cands, &evidence),
            Mode::Auto
                if signals.context_strong
                    || channel.reads_bare_statuses()
                        && (signals.question || signals.error_word || signals.context_weak) =>
            {
                // "小程序接口一直 401": a bare error status next to a mini-program word.
                let asks = channel.reads_bare_statuses()
                    && (signals.question || signals.error_word || signals.context_weak);
                // Read on the strength of a mini-program word alone, the number must share its
                // line: "404" in item 5 of a release checklist is not the mini program's.
                let beside_context = |r: &Range<usize>| {
                    // Lines of the original text (folding does not keep line breaks).
                    let r = folded.original_range(r.clone());
                    let start = text[..r.start].rfind('\n').map_or(0, |i| i + 1);
                    let end = text[r.end..].find('\n').map_or(text.len(), |i| r.end + i);
                    strong_at.iter().chain(&mini_program_at).any(|w| {
                        let o = folded.original_range(w.clone());
                        start <= o.start && o.end <= end && !denied(w)
                    })
                };
                let mut numbers = Vec::new();
                self.codes.bare_numbers(&folded.text, 8, &mut numbers);
                for (n, r) in numbers {
                    if !asks && !beside_context(&r) {
                        continue;
                    }
                    let code = match u16::try_from(n) {
                        Ok(n) if (400..=599).contains(&n) => Code::Http(n),
                        // "600002 是什么错": six digits are nobody's count or price; a number
                        // WeChat's errno table lists is that errno.
                        _ if (100_000..1_000_000).contains(&n) => match u32::try_from(n) {
                            Ok(n) => Code::Errno(n),
                            Err(_) => continue,
                        },
                        _ => continue,
                    };
                    let Some(&entry) = self.code_owner.get(&code) else {
                        continue;
                    };
                    if found
                        .iter()
                        .any(|f| f.span.start < r.end && r.start < f.span.end)
                        || in_code(&r)
                    {
                        continue;
                    }
                    let c = cands.get(entry);
                    let base = if signals.context_strong { 0.5 } else { 0.55 };
                    c.add_strong(base + signals.context_bonus(false), || {
                        evidence(
                            EvidenceKind::Code {
                                code,
                                form: CodeForm::Bare,
                            },
                            &r,
                        )
                    });
                }
            }
            Mode::Auto => {}
        }

        self.carry_to_counterparts(&mut cands, signals.named, signals.context_weak);

        if mode == Mode::Auto && signals.plainly_elsewhere(!objects.is_empty()) {
            return (Assessment::default(), signals.platforms);
        }
        let sims = match self.signal_set {
            SignalSet::Rules => Similarity::default(),
            _ => self
                .similarity
                .score(&folded.text, &code_fences(&folded.text)),
        };
        let sim_best = sims.best();
        for (entry, &v) in sims.per_entry.iter().enumerate() {
            if v >= SIM_CANDIDATE {
                cands.get(entry as u32);
            }
        }
        let context = signals.context_strong || signals.context_weak;
        let looks_like_request_error = !(signals.addressed_to_someone
            || signals.resolved && !signals.question)
            && (!found.is_empty()
                || context && signals.error_word
                || signals.context_strong && signals.question && any_keyword);
        let message = Message {
            text,
            signals: &signals,
            coded: &coded,
            quoted: &quoted,
        };
        let mut ranked: Vec<(f32, Match)> = cands
            .into_touched()
            .filter_map(|(entry, c)| {
                let sim = SimView::of(&sims, sim_best, entry);
                self.score(
                    &message,
                    entry,
                    c,
                    Pass {
                        mode,
                        auto_threshold,
                    },
                    sim,
                )
            })
            .collect();
        // Rank on the uncapped score so that more evidence wins between two capped answers.
        ranked.sort_by(|(ra, a), (rb, b)| {
            rb.total_cmp(ra).then_with(|| {
                self.knowledge
                    .index_of(&a.id)
                    .cmp(&self.knowledge.index_of(&b.id))
            })
        });
        let mut ranked: Vec<Match> = ranked.into_iter().map(|(_, m)| m).collect();
        let mut maybe = None;
        match mode {
            Mode::Auto => {
                if ranked.first().is_some_and(|m| m.score < auto_threshold) {
                    maybe = Some(ranked.swap_remove(0));
                }
                ranked.retain(|m| m.score >= auto_threshold);
                ranked.truncate(AUTO_MAX);
            }
            Mode::Lookup => {
                ranked.retain(|m| m.score >= LOOKUP_FLOOR);
                ranked.truncate(LOOKUP_MAX);
            }
        }
        (
            Assessment {
                answers: ranked,
                looks_like_request_error,
                maybe,
            },
            signals.platforms,
        )
    }

    /// Another platform's error met on a named platform: its strong evidence goes to the
    /// entries that stand for it there (see [`counterpart`]). Such an entry exists for exactly
    /// this case, so it also outranks the entry it stands for when the message names both
    /// platforms (`钉钉小程序 my.httpRequest 报 error 14`). An error string or a fail object
    /// carries on its own; a loose code only next to a request word ("DingTalk desktop app:
    /// error 12 on login" is not a request's error).
    fn carry_to_counterparts(&self, cands: &mut Candidates, named: Platforms, requests: bool) {
        if named.is_empty() || self.counterparts.is_empty() {
            return;
        }
        let entries = self.knowledge.entries();
        let mut carried: Vec<(u32, f32, Vec<Evidence>)> = Vec::new();
        for (x, c) in &cands.touched {
            if c.strong == 0.0 || platform::fit(&entries[*x as usize], named) == Fit::Neutral {
                continue;
            }
            for &y in self.counterparts.of(*x) {
                if platform::fit(&entries[y as usize], named) == Fit::Same {
                    let evidence: Vec<Evidence> = c
                        .evidence
                        .iter()
                        .filter(|(w, _)| *w >= c.strong)
                        .map(|(_, ev)| ev.clone())
                        .collect();
                    let says_itself = evidence.iter().any(|ev| {
                        ev.in_fail_object
                            || matches!(ev.kind, EvidenceKind::Phrase | EvidenceKind::Pattern)
                    });
                    if !says_itself && !requests {
                        continue;
                    }
                    carried.push((y, c.strong + COUNTERPART_LEAD, evidence));
                }
            }
        }
        for (y, weight, evidence) in carried {
            let c = cands.get(y);
            c.strong = c.strong.max(weight);
            for ev in evidence {
                c.add_strong(weight, || ev);
            }
        }
    }

    /// Signals only a direct question uses: bare numbers and entry ids.
    fn lookup_signals(
        &self,
        folded: &Folded,
        cands: &mut Candidates,
        evidence: &dyn Fn(EvidenceKind, &Range<usize>) -> Evidence,
    ) {
        let mut numbers = Vec::new();
        self.codes.bare_numbers(&folded.text, 8, &mut numbers);
        for (n, r) in numbers {
            let options = [
                u32::try_from(n)
                    .ok()
                    .filter(|n| *n < 100)
                    .map(Code::AlipayError),
                u32::try_from(n).ok().map(Code::Errno),
                u16::try_from(n)
                    .ok()
                    .filter(|n| (100..=999).contains(n))
                    .map(Code::Http),
                i32::try_from(n).ok().filter(|n| *n < 0).map(Code::Net),
            ];
            for code in options.into_iter().flatten() {
                if let Some(&entry) = self.code_owner.get(&code) {
                    let c = cands.get(entry);
                    c.add_strong(0.6, || {
                        evidence(
                            EvidenceKind::Code {
                                code,
                                form: CodeForm::Bare,
                            },
                            &r,
                        )
                    });
                    break;
                }
            }
        }
        for m in self.id_regex.find_iter(&folded.text).take(8) {
            if let Some(i) = self.knowledge.index_of(m.as_str()) {
                let c = cands.get(i as u32);
                c.add_strong(1.0, || evidence(EvidenceKind::EntryId, &m.range()));
            }
        }
    }

    fn score(
        &self,
        msg: &Message,
        entry: u32,
        mut c: Candidate,
        pass: Pass,
        sim: SimView,
    ) -> Option<(f32, Match)> {
        let Message {
            text,
            signals: s,
            coded,
            quoted,
        } = *msg;
        let Pass {
            mode,
            auto_threshold,
        } = pass;
        let e = &self.knowledge.entries()[entry as usize];
        let groups = usize::from(self.groups[entry as usize]);
        let mut hit = c.keyword_groups.count_ones() as usize;
        // A question's words stand together; in a long post, groups met paragraphs apart
        // ("支付宝" in the title, "timeout" in the code) are a coincidence, not a question.
        if mode == Mode::Auto
            && groups > 1
            && hit == groups
            && self.keyword_window(entry, &c) > MAX_KEYWORD_WINDOW
        {
            hit -= 1;
        }
        if self.signal_set == SignalSet::Similarity {
            c.strong = 0.0;
            c.evidence.clear();
        }
        let fit = platform::fit(e, s.platforms);
        let fit_adjust = fit.adjust() + s.frameworks.adjust(&e.id);
        // The wording alone: the entry must be the most similar one, by a margin unless a
        // keyword group of its own agrees.
        let sim_score = if sim.score >= SIM_CANDIDATE
            && sim.known_words >= SIM_MIN_WORDS
            && (mode == Mode::Lookup || s.may_answer_by_wording(hit > 0))
            && sim.lead
                >= if hit > 0 {
                    SIM_LEAD_WITH_KEYWORD
                } else {
                    SIM_LEAD
                } {
            let partial = if groups > 0 {
                SIM_KEYWORDS * hit as f32 / groups as f32
            } else {
                0.0
            };
            SIM_BASE + SIM_SCALE * sim.score + partial + s.context_bonus(false) + fit_adjust
        } else {
            0.0
        };
        // In Auto mode only a strong signal, a fully matched question or a clear likeness
        // can ever speak.
        let similarity_only = self.signal_set == SignalSet::Similarity;
        if mode == Mode::Auto
            && sim_score < auto_threshold - MAYBE_BAND
            && (similarity_only || c.strong == 0.0 && (groups == 0 || hit < groups))
        {
            return None;
        }
        let mut keyword_score = 0.0f32;
        let mut words: Vec<&str> = Vec::with_capacity(4);
        if groups > 0 && hit > 0 && !similarity_only {
            let base = if hit == groups {
                match groups {
                    1 => 0.5,
                    2 => 0.55,
                    _ => 0.6,
                }
            } else if mode == Mode::Lookup {
                0.35 * (0.5 * hit as f32 + 0.5 * c.group_specificity.iter().sum::<f32>())
                    / groups as f32
            } else {
                0.0
            };
            if base > 0.0 {
                let mut distinct: Vec<TermId> = Vec::with_capacity(MAX_KEYWORD_TERMS);
                for (r, id) in c.keyword_terms.iter() {
                    if !distinct.contains(&id) {
                        distinct.push(id);
                        if words.len() < 4 {
                            words.push(&text[r.clone()]);
                        }
                    }
                }
                // Between two fully matched questions, the one with more of its words wins.
                let extra_words = distinct.len().saturating_sub(groups).min(3) as f32;
                keyword_score = base + s.context_bonus(false) + 0.01 * extra_words;
                let first = c
                    .keyword_terms
                    .first()
                    .map(|(r, _)| r.clone())
                    .unwrap_or(0..0);
                c.evidence.push((
                    keyword_score,
                    Evidence {
                        kind: EvidenceKind::Keywords {
                            groups_hit: hit,
                            groups,
                        },
                        text: String::new(),
                        start: first.start,
                        end: first.end,
                        in_fail_object: false,
                        in_code_block: false,
                    },
                ));
            }
        }
        // The message's platform: its own entries break ties, another platform's entries
        // drop out (a WeChat question never gets an Alipay-only answer).
        let platform_adjust = fit_adjust;
        let strong_score = if c.strong > 0.0 {
            c.strong
                + 0.04 * (c.strong_count.saturating_sub(1).min(3)) as f32
                + platform_adjust.min(0.02)
        } else {
            0.0
        };
        // A code elsewhere in the message says which error it is; question words for
        // another entry are then secondary, unless the question is about that very code:
        // its words include the code ("500 为什么走 success"), or it lists the code as
        // related ("error 12 while debugging locally on iOS").
        // (A keyword that covers the code's number, not just its `error` or `报错` key.)
        let about_the_code = |r: &Range<usize>| {
            c.keyword_terms
                .iter()
                .any(|(t, _)| t.start < r.end && r.end <= t.end)
        };
        let mut related = false;
        let mut unrelated = false;
        for (_, code, r) in coded.iter().filter(|(o, _, _)| *o != entry) {
            if about_the_code(r) || e.related_codes.contains(code) {
                related = true;
            } else {
                unrelated = true;
            }
        }
        // "request:fail ssl hand shake error" says which failure it is, as a code does.
        if quoted.iter().any(|&o| o != entry) {
            unrelated = true;
        }
        let code_adjust = if c.strong > 0.0 {
            0.0
        } else if related && hit == groups {
            0.1
        } else if unrelated {
            -0.1
        } else {
            0.0
        };
        // In team chat a question's words answer only next to a mini-program word (or a
        // framework's name): "网关要不要对 /api 加限流" is about a gateway.
        let tied = s.channel == Channel::Support || s.context_strong || s.frameworks.any();
        let keyword_score =
            if keyword_score > 0.0 && (mode == Mode::Lookup || tied || c.strong > 0.0) {
                keyword_score + platform_adjust + code_adjust
            } else {
                0.0
            };
        let mut score = strong_score.max(keyword_score);
        if strong_score > 0.0 && groups > 0 && hit == groups && c.has_independent_keyword(&(0..0)) {
            score += 0.05;
        }
        // Wording that agrees lifts a rule's answer a little; wording alone can answer too.
        // (In Auto mode only from a few words on: two shared words are a coincidence.)
        if score > 0.0 && (mode == Mode::Lookup || sim.known_words >= SIM_MIN_WORDS) {
            score += SIM_AGREE * sim.score;
        }
        // Wording alone never outranks a code that names another entry.
        let sim_score = if c.strong == 0.0 && unrelated && !related {
            sim_score - 0.15
        } else {
            sim_score
        };
        if sim_score > score {
            score = sim_score;
        }
        if sim.score >= SIM_CANDIDATE {
            c.evidence.push((
                SIM_AGREE * sim.score,
                Evidence {
                    kind: EvidenceKind::Similarity { score: sim.score },
                    text: String::new(),
                    start: 0,
                    end: 0,
                    in_fail_object: false,
                    in_code_block: false,
                },
            ));
        }
        // A long post, or several lines that name no mini program, answered on wording
        // alone or by an HTTP status that nothing ties to a mini program, gets no unprompted
        // answer, not even a "maybe" (see [`form`]).
        if mode == Mode::Auto && (s.long_form || s.several_lines && !s.context_strong) {
            let wording_only = c.strong == 0.0;
            let bare_status = e.platform == Platform::Http
                && !s.mini_program
                && !c.evidence.iter().any(|(_, ev)| ev.in_fail_object);
            if wording_only || bare_status {
                score = score.min(auto_threshold - LONG_FORM_MARGIN);
            }
        }
        // Someone saying it is solved, or talking to another person, is not asking the bot.
        if mode == Mode::Auto && (s.addressed_to_someone || s.resolved && !s.question) {
            score -= 0.3;
        }
        let floor = match mode {
            Mode::Auto => auto_threshold - MAYBE_BAND,
            Mode::Lookup => LOOKUP_FLOOR,
        };
        if score <= 0.0 || score < floor {
            return None;
        }
        let raw = score;
        let score = score.min(1.0);
        c.evidence.sort_by(|a, b| b.0.total_cmp(&a.0));
        c.evidence
            .dedup_by(|a, b| a.1.kind == b.1.kind && a.1.start == b.1.start);
        c.evidence.truncate(5);
        for (_, ev) in &mut c.evidence {
            ev.text = match ev.kind {
                EvidenceKind::Keywords { .. } => words.join(", "),
                EvidenceKind::Similarity { .. } => String::new(),
                _ => text[ev.start..ev.end].to_string(),
            };
        }
        Some((
            raw,
            Match {
                id: e.id.clone(),
                score: (score * 1000.0).round() / 1000.0,
                evidence: c.evidence.into_iter().map(|(_, ev)| ev).collect(),
            },
        ))
    }

    /// The shortest stretch of the message (bytes) that holds a hit of every keyword group
    /// of `entry`, from the first occurrences recorded; `usize::MAX` when none does.
    fn keyword_window(&self, entry: u32, c: &Candidate) -> usize {
        let groups = self.groups[entry as usize];
        let all: u64 = (1u64 << groups) - 1;
        let hits: Vec<(Range<usize>, u64)> = c
            .keyword_terms
            .iter()
            .map(|(r, id)| {
                let mask = self.roles[id as usize]
                    .iter()
                    .fold(0u64, |m, role| match *role {
                        Role::Keyword { entry: e, group } if e == entry => m | 1 << group,
                        _ => m,
                    });
                (r, mask)
            })
            .collect();
        let mut best = usize::MAX;
        for (i, (start, _)) in hits.iter().enumerate() {
            let mut covered = 0u64;
            for (r, mask) in &hits[i..] {
                covered |= mask;
                if covered == all {
                    best = best.min(r.end.max(start.end) - start.start.min(r.start));
                    break;
                }
            }
        }
        best
    }

    /// Checks that every entry's examples come out as that entry in `Auto` mode.
    pub fn check_examples(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        for e in self.knowledge.entries() {
            for ex in &e.examples {
                let got = self.find(&ex.text, Mode::Auto);
                let message = match got.first() {
                    Some(m) if m.id == e.id => continue,
                    Some(m) => format!(
                        "example matches `{}` ({:.2}) before `{}`",
                        m.id, m.score, e.id
                    ),
                    None => {
                        let best = self.find(&ex.text, Mode::Lookup);
                        match best.first() {
                            Some(b) => format!(
                                "example gets no auto answer (best: `{}` at {:.2}, threshold {:.2})",
                                b.id, b.score, self.auto_threshold
                            ),
                            None => "example matches nothing".to_string(),
                        }
                    }
                };
                problems.push(Problem {
                    file: ex.file.clone(),
                    line: ex.line,
                    col: ex.col,
                    field: ex.field.clone(),
                    message,
                });
            }
        }
        problems
    }
}

/// The widest stretch (bytes of the original message) in which a question's keyword groups
/// count as one question in `Auto` mode: two lines of chat, about 60 Chinese characters.
const MAX_KEYWORD_WINDOW: usize = 180;

/// How far below the Auto threshold a long post answered on wording alone is put: below the
/// "maybe" band too. Offered with a 💡, such guesses reached 1 right answer on the real
/// reports for 9 wrong ones and 15 reactions on posts that no entry answers.
const LONG_FORM_MARGIN: f32 = MAYBE_BAND + 0.01;

/// Similarity below this makes no candidate.
const SIM_CANDIDATE: f32 = 0.2;
/// How far the most similar entry must lead the next for its wording alone to count...
const SIM_LEAD: f32 = 0.1;
/// ...and when one of its keyword groups agrees.
const SIM_LEAD_WITH_KEYWORD: f32 = 0.05;
/// Informative words the knowledge knows that a message needs before its wording alone
/// counts: one shared word ("error") is a coincidence, not a paraphrase.
const SIM_MIN_WORDS: usize = 3;
/// A similarity-only score: `SIM_BASE + SIM_SCALE × similarity` plus context. Measured on
/// the corpora, a message whose most similar entry covers 0.3 of its words and leads the
/// next by 0.1 names the right entry about 95 % of the time: that is where a support
/// channel (context 0.2) reaches the Auto threshold.
const SIM_BASE: f32 = 0.4;
const SIM_SCALE: f32 = 0.5;
/// What the share of keyword groups hit adds to a similarity-only score.
const SIM_KEYWORDS: f32 = 0.1;
/// What similarity adds to a rule's score (× similarity).
const SIM_AGREE: f32 = 0.1;

/// One entry's similarity and how it stands against the others.
#[derive(Debug, Clone, Copy, Default)]
struct SimView {
    score: f32,
    /// This entry's similarity minus the best other entry's (negative when not the best).
    lead: f32,
    /// Informative words of the message the knowledge knows.
    known_words: usize,
}

impl SimView {
    fn of(sims: &Similarity, best: Option<(u32, f32, f32)>, entry: u32) -> Self {
        let score = sims.per_entry.get(entry as usize).copied().unwrap_or(0.0);
        let lead = match best {
            Some((top, _, second)) if top == entry => score - second,
            Some((_, top, _)) => score - top,
            None => 0.0,
        };
        SimView {
            score,
            lead,
            known_words: sims.known_words,
        }
    }
}

/// Candidates of one message, one slot per entry: a hit costs an index, not a hash.
struct Candidates {
    /// Per entry, 1 + its index in `touched` (0 = not touched yet).
    slot: Vec<u16>,
    touched: Vec<(u32, Candidate)>,
}

impl Candidates {
    fn new(entries: usize) -> Self {
        Candidates {
            slot: vec![0; entries],
            touched: Vec::with_capacity(16),
        }
    }

    fn get(&mut self, entry: u32) -> &mut Candidate {
        let slot = &mut self.slot[entry as usize];
        if *slot == 0 {
            self.touched.push((entry, Candidate::default()));
            *slot = self.touched.len() as u16;
        }
        &mut self.touched[usize::from(*slot) - 1].1
    }

    /// The touched candidates, in the order they were first touched.
    fn into_touched(self) -> impl Iterator<Item = (u32, Candidate)> {
        self.touched.into_iter()
    }
}

impl Candidate {
    /// Whether a keyword was found that is not part of `code` or of an evidence already
    /// recorded ("forbidden" in "403 Forbidden" does not corroborate the 403).
    fn has_independent_keyword(&self, code: &Range<usize>) -> bool {
        let overlaps = |a: &Range<usize>, b: &Range<usize>| a.start < b.end && b.start < a.end;
        self.keyword_terms.iter().any(|(t, _)| {
            !overlaps(&t, code)
                && !self
                    .evidence
                    .iter()
                    .filter(|(_, ev)| !matches!(ev.kind, EvidenceKind::Keywords { .. }))
                    .any(|(_, ev)| overlaps(&t, &(ev.start..ev.end)))
        })
    }

    /// Records a strong signal; its evidence is built only while there is room for it.
    fn add_strong(&mut self, weight: f32, ev: impl FnOnce() -> Evidence) {
        self.strong = self.strong.max(weight);
        if self.evidence.len() >= MAX_EVIDENCE {
            return;
        }
        let ev = ev();
        let duplicate = self
            .evidence
            .iter()
            .any(|(_, e)| e.kind == ev.kind && e.start < ev.end && ev.start < e.end);
        if !duplicate {
            self.strong_count += 1;
        }
        self.evidence.push((weight, ev));
    }
}

/// Whether found code `f` corresponds to a recognised field of the object it sits in.
fn object_field_code(objects: &[FailObject], f: &FoundCode) -> bool {
    objects.iter().any(|o| {
        o.contains(&f.span)
            && o.fields
                .iter()
                .any(|field| field.span.start <= f.span.start + 1 && f.span.start < field.span.end)
    })
}

/// Codes carried by a fail object's fields (written in any quoting the free-text scan misses).
fn object_codes(o: &FailObject, out: &mut Vec<FoundCode>) {
    for field in &o.fields {
        let FieldValue::Number(n) = field.value else {
            continue;
        };
        let code = match field.key {
            FieldKey::Error if (0..100).contains(&n) => Code::AlipayError(n as u32),
            FieldKey::Errno if (0..=u32::MAX as i64).contains(&n) => Code::Errno(n as u32),
            FieldKey::Status | FieldKey::StatusCode if (100..=999).contains(&n) => {
                Code::Http(n as u16)
            }
            FieldKey::ErrCode if n < 0 && n > -1000 => Code::Net(n as i32),
            _ => continue,
        };
        if !out.iter().any(|c| {
            c.code == code && c.span.start < field.span.end && field.span.start < c.span.end
        }) {
            out.push(FoundCode {
                code,
                form: CodeForm::FailObject,
                span: field.span.clone(),
            });
        }
    }
}

/// How much a code counts, given how it was written and what surrounds it.
/// Where a code was found, as far as its weight is concerned.
#[derive(Debug, Clone, Copy)]
struct Placement {
    /// Inside a pasted fail object.
    in_object: bool,
    /// In an object that also carries an Alipay `error` field.
    beside_error_field: bool,
    /// The entry's own question words are in the message too ("error 12 … server takes
    /// 40 s"), which corroborates a loosely written code.
    corroborated: bool,
}

/// What a Chromium network error earns without a mini-program word: below every threshold
/// the bot speaks at unprompted, still a candidate for a direct question.
const NET_WITHOUT_CONTEXT: f32 = 0.5;

fn code_weight(
    code: Code,
    form: CodeForm,
    platform: Platform,
    place: Placement,
    s: &Signals,
) -> f32 {
    match form {
        CodeForm::FailObject => {
            match code {
                // In an object that also has an `error` code, the HTTP status is secondary.
                Code::Http(_) if place.beside_error_field => 0.8,
                // errno 600001 only says "the network stack failed"; errMsg says how.
                Code::Errno(_) => 0.85,
                _ => 1.0,
            }
        }
        CodeForm::Explicit => {
            if platform == Platform::Http && !place.in_object {
                0.55 + s
                    .context_bonus(false)
                    .max(if place.corroborated { 0.15 } else { 0.0 })
            } else {
                match code {
                    Code::Errno(_) => 0.85,
                    // `net::ERR_CONNECTION_RESET` alone is Chromium's, printed by every
                    // browser, Electron app and crawler; it is WeChat's only next to a
                    // mini-program word (`request:fail`, `errMsg`, `wx.request`, 小程序).
                    Code::Net(_) if !place.in_object && !s.context_strong => NET_WITHOUT_CONTEXT,
                    _ => 0.9,
                }
            }
        }
        CodeForm::Loose => {
            // Two-digit Alipay codes (11–23) are rarer in ordinary chat than `error 1`.
            let (base, context) = match code {
                Code::AlipayError(n) if n >= 10 => (0.6, s.context_bonus(place.in_object)),
                // "SSL error code 1" in a browser log: a one-digit code needs a request word
                // of the message's own, not only the channel's topic.
                Code::AlipayError(_) => (0.55, s.own_context_bonus(place.in_object)),
                _ => (0.55, s.context_bonus(place.in_object)),
            };
            base + context.max(if place.corroborated { 0.15 } else { 0.0 })
        }
        CodeForm::Bare => 0.6,
    }
}

/// How far a named platform's counterpart leads the entry it stands for.
const COUNTERPART_LEAD: f32 = 0.02;

/// Words that turn a "works now" into "works only then": the problem is still there.
const CONTRASTS: &[&str] = &[
    "但是",
    "但",
    "可是",
    "不过",
    "然而",
    "还是不行",
    "还是会",
    "又好了",
    "又正常",
    " but ",
    "however",
    " still ",
];

/// Whether `folded` sets something against what it says works.
fn contrasts(folded: &str) -> bool {
    CONTRASTS.iter().any(|c| folded.contains(c))
}

/// Rewrites `\b` and `\B` as ASCII word boundaries. Unicode ones would make the regex engine
/// fall back to its slowest path on every non-ASCII message; next to Chinese text an ASCII
/// boundary is what pattern authors mean anyway (`报错error` has a boundary before `error`).
fn ascii_word_boundaries(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(b @ ('b' | 'B')) => {
                    out.push_str("(?-u:\\");
                    out.push(b);
                    out.push(')');
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `text` cut to at most `max` bytes on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_boundaries_become_ascii() {
        assert_eq!(
            ascii_word_boundaries(r"(?:\bios|\Biphone)"),
            r"(?:(?-u:\b)ios|(?-u:\B)iphone)"
        );
        assert_eq!(ascii_word_boundaries(r"a\\b\d"), r"a\\b\d");
        let re = Regex::new(&ascii_word_boundaries(r"\bios")).unwrap();
        assert!(re.is_match("苹果ios"));
        assert!(!re.is_match("bios"));
    }

    fn bundled() -> Matcher {
        Matcher::new(Arc::new(Knowledge::bundled().unwrap())).unwrap()
    }

    #[test]
    fn assess_uses_the_callers_threshold() {
        let m = bundled();
        let text = "my.request 报错 error: 14";
        let normal = m.assess(text, DEFAULT_AUTO_THRESHOLD, Channel::Team);
        assert_eq!(normal.answers[0].id, "alipay.error.14");
        assert_eq!(
            m.find_in(text, Mode::Auto, Channel::Team)
                .iter()
                .map(|a| &a.id)
                .collect::<Vec<_>>(),
            normal.answers.iter().map(|a| &a.id).collect::<Vec<_>>()
        );
        let score = normal.answers[0].score;
        assert!(m
            .assess(text, score + 0.01, Channel::Team)
            .answers
            .is_empty());
    }

    #[test]
    fn what_looks_like_a_request_error() {
        let m = bundled();
        for text in [
            "wx.request keeps failing on the test phone, no idea why",
            "小程序接口调用失败了，怎么回事",
            "got errno 600099 from the request",
        ] {
            assert!(
                m.assess(text, 0.99, Channel::Team).looks_like_request_error,
                "{text}"
            );
        }
        for text in [
            "lunch at 12?",
            "the build failed again, cargo says error[E0308]",
            "thanks, my.request error 14 is fixed now",
            "@lily the wx.request failure was the domain list",
        ] {
            assert!(
                !m.assess(text, 0.99, Channel::Team).looks_like_request_error,
                "{text}"
            );
        }
    }

    #[test]
    fn a_long_report_needs_more_than_wording() {
        let m = bundled();
        let report = "请求header中cookie sessionid每次都会变化？\n**问题描述**\n设置cookie session不起作用，\
            每次response header cookie中都会带有HttpOnly\n**复现步骤**\n1. 登录\n2. 再请求";
        let a = m.assess(report, DEFAULT_AUTO_THRESHOLD, Channel::Support);
        assert!(a.answers.is_empty(), "{:?}", a.answers);
        // ...but a code in it still answers.
        let coded =
            format!("{report}\n控制台: {{error: 14, errorMessage: \"JSON parse data error\"}}");
        let a = m.assess(&coded, DEFAULT_AUTO_THRESHOLD, Channel::Support);
        assert_eq!(a.answers[0].id, "alipay.error.14");
    }

    #[test]
    fn a_literal_in_a_program_is_not_a_result() {
        let m = bundled();
        let code = "quick q on style\n```py\nerror = 2\nif not payload:\n    error = 1\n\
            return {\"error\": error, \"status\": 400 if error else 200}\n```";
        assert!(m.find_in(code, Mode::Auto, Channel::Support).is_empty());
        let pasted = "```js\nconsole.log(res)\nif (x) {}\n// {error: 14, errorMessage: \"JSON parse data error\"}\n```";
        assert_eq!(
            m.find_in(pasted, Mode::Auto, Channel::Support)[0].id,
            "alipay.error.14"
        );
    }

    #[test]
    fn one_fact_on_two_platforms_is_answered_when_no_platform_is_named() {
        let m = bundled();
        let l = m.lookup("referer", 0.45);
        assert!(l.answered, "{:?}", l.matches);
        assert!(l.answer().unwrap().id.ends_with(".faq.referer"));
        // Named, the platform's own entry answers.
        let l = m.lookup("支付宝 referer", 0.45);
        assert_eq!(
            l.answer().map(|a| a.id.as_str()),
            Some("alipay.faq.referer")
        );
    }

    #[test]
    fn another_platforms_error_string_goes_to_the_named_platforms_entry() {
        let m = bundled();
        let first = |t: &str| {
            m.find_in(t, Mode::Auto, Channel::Support)
                .first()
                .map(|a| a.id.clone())
        };
        assert_eq!(
            first("qq.request url not in domain list").as_deref(),
            Some("qq.domain-rules")
        );
        assert_eq!(
            first("ks.request 报 url not in domain list").as_deref(),
            Some("kuaishou.domain-lists")
        );
        // Named WeChat (or nothing named), WeChat's own entry answers as before.
        assert_eq!(
            first("wx.request 报 url not in domain list").as_deref(),
            Some("wechat.fail.domain-list")
        );
        assert_eq!(
            first("request:fail url not in domain list").as_deref(),
            Some("wechat.fail.domain-list")
        );
    }

    #[test]
    fn a_failure_handed_to_a_colleague_is_answered_an_explanation_is_not() {
        let m = bundled();
        let ids = |t: &str| -> Vec<String> {
            m.find_in(t, Mode::Auto, Channel::Team)
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        assert_eq!(
            ids("@阿杰 体验版又挂了 wx.request 报 url not in domain list 谁动了后台服务器域名"),
            ["wechat.fail.domain-list"]
        );
        assert!(ids("@lily for url not in domain list you need to add it in mp admin").is_empty());
        assert!(
            ids("@mike error 11 就是白名单没配，去开放平台加一下服务器域名白名单就行").is_empty()
        );
    }

    #[test]
    fn reports_about_the_past_and_the_apps_own_codes_stay_silent() {
        let m = bundled();
        let silent = |t: &str, ch: Channel| m.find_in(t, Mode::Auto, ch).is_empty();
        let weekly =
            "周报：\n1. 小程序首页改版完成\n2. 支付宝小程序上线审核中（error 1 个是文案问题）";
        assert!(silent(weekly, Channel::Team));
        assert!(silent(
            "错误码 12 是我们自己业务的 表示库存不足",
            Channel::Team
        ));
        // The same code asked about is still answered.
        assert!(!silent(
            "支付宝小程序 my.request 错误码 12 怎么回事",
            Channel::Team
        ));
        // "works when debugging is on" is the symptom, not a fix.
        assert!(!silent(
            "开发者工具里好好的 手机预览就请求失败 打开调试又好了",
            Channel::Support
        ));
    }

    #[test]
    fn a_bare_errno_is_read_in_a_support_channel_question() {
        let m = bundled();
        let ids = |t: &str, ch: Channel| -> Vec<String> {
            m.find_in(t, Mode::Auto, ch)
                .into_iter()
                .map(|a| a.id)
                .collect()
        };
        assert_eq!(
            ids("600002 是什么错", Channel::Support),
            ["wechat.fail.domain-list"]
        );
        assert!(ids("600002 是什么错", Channel::Team).is_empty());
        assert!(ids("我们有 600002 个用户了", Channel::Support).is_empty());
    }

    #[test]
    fn a_workaround_that_works_is_not_a_solved_problem() {
        let m = bundled();
        let t = "my.request 报 error: 11，无权跨域调用，IDE 里勾了忽略域名检查就好了，但预览不行";
        assert_eq!(
            m.find_in(t, Mode::Auto, Channel::Team)[0].id,
            "alipay.error.11"
        );
        assert!(m
            .find_in("my.request error 11 好了，谢谢", Mode::Auto, Channel::Team)
            .is_empty());
    }

    #[test]
    fn in_team_chat_a_bare_status_needs_its_mini_program_word_on_its_line() {
        let m = bundled();
        let checklist = "上线 checklist：\n1. 小程序提审\n2. 数据看板：error rate、404 数量";
        assert!(m.find_in(checklist, Mode::Auto, Channel::Team).is_empty());
        assert_eq!(
            m.find_in("小程序接口一直 401", Mode::Auto, Channel::Team)[0].id,
            "http.401"
        );
    }
}
