//! Parsing knowledge TOML into typed entries, keeping the location of every value.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::de::{DeTable, DeValue, ValueDeserializer};
use toml::Spanned;

use super::types::{Code, Entry, Example, Link, Localized, Platform, TableRow, Vocabulary};
use super::{LineIndex, Problem, SourceFile};

/// Where a value sits: file index and byte offset.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Loc {
    pub file: usize,
    pub offset: usize,
}

/// An entry with the locations of the values validation may complain about.
#[derive(Debug, Clone)]
pub(super) struct LoadedEntry {
    pub entry: Entry,
    pub index: usize,
    pub at: Loc,
    pub id_at: Loc,
    pub link_at: Vec<Loc>,
    pub see_also_at: Vec<Loc>,
    pub counterpart_at: Vec<Loc>,
    pub code_at: Vec<Loc>,
    pub phrase_at: Vec<Loc>,
    pub pattern_at: Vec<Loc>,
    /// Per group, per raw term (before concept expansion): location and raw term.
    pub keyword_raw: Vec<Vec<(Loc, String)>>,
    pub row_at: Vec<Loc>,
    pub text_at: Vec<(String, Loc, String)>,
}

/// What the parser produced, problems included.
#[derive(Debug, Default)]
pub(super) struct Loaded {
    pub entries: Vec<LoadedEntry>,
    pub vocabulary: Vocabulary,
    pub problems: Vec<Problem>,
    /// Concept definitions with their location, for duplicate checks.
    pub concept_at: BTreeMap<String, Vec<Loc>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocalized<T> {
    zh: Option<Spanned<T>>,
    en: Option<Spanned<T>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    url: Spanned<String>,
    title: Spanned<RawLocalized<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRow {
    code: Spanned<String>,
    message: Spanned<String>,
    meaning: Spanned<RawLocalized<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    id: Spanned<String>,
    platform: Spanned<String>,
    #[serde(default)]
    platforms: Vec<Spanned<String>>,
    title: Spanned<RawLocalized<String>>,
    cause: Spanned<RawLocalized<String>>,
    fix: Spanned<RawLocalized<Vec<String>>>,
    #[serde(default)]
    links: Vec<Spanned<RawLink>>,
    #[serde(default)]
    see_also: Vec<Spanned<String>>,
    #[serde(default)]
    counterpart_of: Vec<Spanned<String>>,
    #[serde(default)]
    codes: Vec<Spanned<String>>,
    #[serde(default)]
    related_codes: Vec<Spanned<String>>,
    #[serde(default)]
    phrases: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    keywords: Vec<Vec<Spanned<String>>>,
    #[serde(default)]
    examples: Vec<Spanned<String>>,
    #[serde(default)]
    table: Vec<Spanned<RawRow>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawContext {
    #[serde(default)]
    strong: Vec<String>,
    #[serde(default)]
    weak: Vec<String>,
    #[serde(default)]
    question: Vec<String>,
    #[serde(default)]
    resolved: Vec<String>,
    #[serde(default)]
    error: Vec<String>,
    #[serde(default)]
    elsewhere: Vec<String>,
    #[serde(default)]
    mini_program: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVocabulary {
    #[serde(default)]
    context: RawContext,
    #[serde(default)]
    platforms: BTreeMap<Spanned<String>, Vec<String>>,
    #[serde(default)]
    concepts: BTreeMap<Spanned<String>, Vec<String>>,
}

struct Ctx<'a> {
    files: &'a [SourceFile],
    file: usize,
    lines: LineIndex,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn problem(&mut self, offset: usize, field: impl Into<String>, message: impl Into<String>) {
        let (line, col) = self.lines.line_col(&self.files[self.file].text, offset);
        self.problems.push(Problem {
            file: self.files[self.file].name.clone(),
            line,
            col,
            field: field.into(),
            message: message.into(),
        });
    }

    fn loc(&self, offset: usize) -> Loc {
        Loc {
            file: self.file,
            offset,
        }
    }

    fn de_error(&mut self, err: toml::de::Error, field: &str, fallback: usize) {
        let offset = err.span().map_or(fallback, |s| s.start);
        let message = err.message().trim().to_string();
        let field = match extract_backticked(&message) {
            Some(name)
                if message.starts_with("unknown field") || message.starts_with("missing field") =>
            {
                format!("{field}.{name}")
            }
            _ => field.to_string(),
        };
        self.problem(offset, field, message);
    }
}

fn extract_backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Parses every file; problems are collected rather than returned early.
pub(super) fn parse_files(files: &[SourceFile]) -> Loaded {
    let mut loaded = Loaded::default();
    let mut raw_concepts: Vec<(String, Loc, Vec<String>)> = Vec::new();
    for (file, source) in files.iter().enumerate() {
        let mut ctx = Ctx {
            files,
            file,
            lines: LineIndex::new(&source.text),
            problems: &mut loaded.problems,
        };
        let root = match DeTable::parse(&source.text) {
            Ok(root) => root,
            Err(err) => {
                ctx.de_error(err, "(syntax)", 0);
                continue;
            }
        };
        let is_vocabulary = source.name.ends_with("vocabulary.toml");
        if is_vocabulary {
            let de = toml::de::Deserializer::from(root);
            match RawVocabulary::deserialize(de) {
                Ok(v) => {
                    let voc = &mut loaded.vocabulary;
                    voc.context_strong.extend(v.context.strong);
                    voc.context_weak.extend(v.context.weak);
                    voc.question.extend(v.context.question);
                    voc.resolved.extend(v.context.resolved);
                    voc.error.extend(v.context.error);
                    voc.elsewhere.extend(v.context.elsewhere);
                    voc.mini_program.extend(v.context.mini_program);
                    for (name, words) in v.platforms {
                        match name.get_ref().parse::<Platform>() {
                            Ok(p) => voc.platforms.entry(p).or_default().extend(words),
                            Err(()) => ctx.problem(
                                name.span().start,
                                format!("platforms.{}", name.get_ref()),
                                format!("unknown platform (expected one of {})", Platform::NAMES),
                            ),
                        }
                    }
                    for (name, words) in v.concepts {
                        let loc = ctx.loc(name.span().start);
                        raw_concepts.push((name.into_inner(), loc, words));
                    }
                }
                Err(err) => ctx.de_error(err, "(vocabulary)", 0),
            }
            continue;
        }
        // `entry[N]` counts within this file, as its author sees it.
        let mut in_file = 0;
        for (key, value) in root.get_ref().iter() {
            match key.get_ref().as_ref() {
                "entry" => {
                    let Some(array) = value.get_ref().as_array() else {
                        ctx.problem(
                            value.span().start,
                            "entry",
                            "must be an array of tables ([[entry]])",
                        );
                        continue;
                    };
                    for item in array.iter() {
                        let index = in_file;
                        in_file += 1;
                        let field = format!("entry[{index}]");
                        if let Some(e) = parse_entry(&mut ctx, item, index, &field) {
                            loaded.entries.push(e);
                        } else {
                            // Keep indexes stable for later problems.
                            loaded
                                .entries
                                .push(placeholder(index, ctx.loc(item.span().start)));
                        }
                    }
                }
                "concepts" => {
                    let de = ValueDeserializer::from(value.clone());
                    match BTreeMap::<Spanned<String>, Vec<String>>::deserialize(de) {
                        Ok(map) => {
                            for (name, words) in map {
                                let loc = ctx.loc(name.span().start);
                                raw_concepts.push((name.into_inner(), loc, words));
                            }
                        }
                        Err(err) => ctx.de_error(err, "concepts", value.span().start),
                    }
                }
                other => ctx.problem(
                    key.span().start,
                    other.to_string(),
                    "unknown top-level key (expected [[entry]] or [concepts])",
                ),
            }
        }
    }
    for (name, loc, words) in raw_concepts {
        loaded.concept_at.entry(name.clone()).or_default().push(loc);
        loaded
            .vocabulary
            .concepts
            .entry(name)
            .or_insert_with(|| words.iter().map(|w| w.to_lowercase()).collect());
    }
    lower_all(&mut loaded.vocabulary);
    // Expand concepts in keywords now that every file's concepts are known.
    for e in &mut loaded.entries {
        e.entry.keywords = e
            .keyword_raw
            .iter()
            .map(|group| {
                let mut terms = Vec::new();
                for (_, raw) in group {
                    match raw.strip_prefix('@') {
                        Some(name) => {
                            if let Some(words) = loaded.vocabulary.concepts.get(name) {
                                terms.extend(words.iter().cloned());
                            }
                        }
                        None => terms.push(raw.to_lowercase()),
                    }
                }
                terms.sort();
                terms.dedup();
                terms
            })
            .collect();
    }
    loaded
}

fn lower_all(v: &mut Vocabulary) {
    for list in [
        &mut v.context_strong,
        &mut v.context_weak,
        &mut v.question,
        &mut v.resolved,
        &mut v.error,
        &mut v.elsewhere,
        &mut v.mini_program,
    ] {
        for w in list.iter_mut() {
            *w = w.to_lowercase();
        }
    }
    for list in v.platforms.values_mut() {
        for w in list.iter_mut() {
            *w = w.to_lowercase();
        }
    }
}

fn placeholder(index: usize, at: Loc) -> LoadedEntry {
    let empty = || Localized {
        zh: String::new(),
        en: String::new(),
    };
    LoadedEntry {
        entry: Entry {
            id: String::new(),
            platform: Platform::General,
            platforms: vec![],
            title: empty(),
            cause: empty(),
            fix: Localized {
                zh: vec![],
                en: vec![],
            },
            links: vec![],
            see_also: vec![],
            counterpart_of: vec![],
            codes: vec![],
            related_codes: vec![],
            phrases: vec![],
            patterns: vec![],
            keywords: vec![],
            examples: vec![],
            table: vec![],
        },
        index,
        at,
        id_at: at,
        link_at: vec![],
        see_also_at: vec![],
        counterpart_at: vec![],
        code_at: vec![],
        phrase_at: vec![],
        pattern_at: vec![],
        keyword_raw: vec![],
        row_at: vec![],
        text_at: vec![],
    }
}

fn localized<T>(
    ctx: &mut Ctx<'_>,
    raw: Spanned<RawLocalized<T>>,
    field: &str,
    texts: &mut Vec<(String, Loc, String)>,
) -> Localized<T>
where
    T: Clone + Default + Joinable,
{
    let span = raw.span();
    let raw = raw.into_inner();
    let mut take = |ctx: &mut Ctx<'_>, v: Option<Spanned<T>>, lang: &str| match v {
        Some(v) => {
            texts.push((
                format!("{field}.{lang}"),
                ctx.loc(v.span().start),
                v.get_ref().joined(),
            ));
            v.into_inner()
        }
        None => {
            ctx.problem(
                span.start,
                format!("{field}.{lang}"),
                format!("missing language `{lang}`"),
            );
            T::default()
        }
    };
    let zh = take(ctx, raw.zh, "zh");
    let en = take(ctx, raw.en, "en");
    Localized { zh, en }
}

/// Text values flattened for emptiness and link checks.
trait Joinable {
    fn joined(&self) -> String;
}

impl Joinable for String {
    fn joined(&self) -> String {
        self.clone()
    }
}

impl Joinable for Vec<String> {
    fn joined(&self) -> String {
        if self.iter().any(|s| s.trim().is_empty()) {
            String::new()
        } else {
            self.join("\n")
        }
    }
}

/// The keys of an entry, of its bilingual texts, links and table rows.
const ENTRY_KEYS: &[&str] = &[
    "id",
    "platform",
    "platforms",
    "title",
    "cause",
    "fix",
    "links",
    "see_also",
    "counterpart_of",
    "codes",
    "related_codes",
    "phrases",
    "patterns",
    "keywords",
    "examples",
    "table",
];
const LANGUAGE_KEYS: &[&str] = &["zh", "en"];
const LINK_KEYS: &[&str] = &["url", "title"];
const ROW_KEYS: &[&str] = &["code", "message", "meaning"];

/// Reports every key of an entry, and of the tables inside it, that the format does not
/// have, and removes it, so that a typo hides none of the entry's other problems.
fn drop_unknown(ctx: &mut Ctx<'_>, item: &mut Spanned<DeValue<'_>>, field: &str) {
    let DeValue::Table(entry) = item.get_mut() else {
        return;
    };
    strip(ctx, entry, field, ENTRY_KEYS);
    for (key, value) in entry.iter_mut() {
        let key = key.get_ref().as_ref();
        let here = format!("{field}.{key}");
        match (key, value.get_mut()) {
            ("title" | "cause" | "fix", DeValue::Table(t)) => strip(ctx, t, &here, LANGUAGE_KEYS),
            ("links" | "table", DeValue::Array(items)) => {
                let (known, inner) = if key == "links" {
                    (LINK_KEYS, "title")
                } else {
                    (ROW_KEYS, "meaning")
                };
                for (i, item) in items.iter_mut().enumerate() {
                    let DeValue::Table(t) = item.get_mut() else {
                        continue;
                    };
                    let here = format!("{here}[{i}]");
                    strip(ctx, t, &here, known);
                    if let Some((_, v)) = t.iter_mut().find(|(k, _)| k.get_ref().as_ref() == inner)
                    {
                        if let DeValue::Table(t) = v.get_mut() {
                            strip(ctx, t, &format!("{here}.{inner}"), LANGUAGE_KEYS);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Reports and removes the keys of `table` not in `known`, in serde's words.
fn strip(ctx: &mut Ctx<'_>, table: &mut toml::de::DeTable<'_>, field: &str, known: &[&str]) {
    let expected = match known {
        [a, b] => format!("`{a}` or `{b}`"),
        _ => format!(
            "one of {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let unknown: Vec<_> = table
        .keys()
        .filter(|k| !known.contains(&k.get_ref().as_ref()))
        .cloned()
        .collect();
    for key in unknown {
        let name = key.get_ref().as_ref();
        ctx.problem(
            key.span().start,
            format!("{field}.{name}"),
            format!("unknown field `{name}`, expected {expected}"),
        );
        table.remove(&key);
    }
}

fn parse_entry(
    ctx: &mut Ctx<'_>,
    item: &Spanned<DeValue<'_>>,
    index: usize,
    field: &str,
) -> Option<LoadedEntry> {
    let mut item = item.clone();
    drop_unknown(ctx, &mut item, field);
    let raw = match RawEntry::deserialize(ValueDeserializer::from(item.clone())) {
        Ok(raw) => raw,
        Err(err) => {
            ctx.de_error(err, field, item.span().start);
            return None;
        }
    };
    let at = ctx.loc(item.span().start);
    let mut texts = Vec::new();
    let platform = match raw.platform.get_ref().parse::<Platform>() {
        Ok(p) => p,
        Err(()) => {
            ctx.problem(
                raw.platform.span().start,
                format!("{field}.platform"),
                format!(
                    "unknown platform `{}` (expected one of {})",
                    raw.platform.get_ref(),
                    Platform::NAMES
                ),
            );
            Platform::General
        }
    };
    let mut platforms = vec![platform];
    for (i, p) in raw.platforms.iter().enumerate() {
        match p.get_ref().parse::<Platform>() {
            Ok(p) if p.is_neutral() => ctx.problem(
                raw.platforms[i].span().start,
                format!("{field}.platforms[{i}]"),
                format!(
                    "`{}` speaks for every platform already; list mini-program platforms only",
                    p.as_str()
                ),
            ),
            Ok(p) if !platforms.contains(&p) => platforms.push(p),
            Ok(_) => {}
            Err(()) => ctx.problem(
                p.span().start,
                format!("{field}.platforms[{i}]"),
                format!(
                    "unknown platform `{}` (expected one of {})",
                    p.get_ref(),
                    Platform::NAMES
                ),
            ),
        }
    }
    let title = localized(ctx, raw.title, &format!("{field}.title"), &mut texts);
    let cause = localized(ctx, raw.cause, &format!("{field}.cause"), &mut texts);
    let fix = localized(ctx, raw.fix, &format!("{field}.fix"), &mut texts);
    let mut links = Vec::new();
    let mut link_at = Vec::new();
    for (i, l) in raw.links.into_iter().enumerate() {
        let l = l.into_inner();
        link_at.push(ctx.loc(l.url.span().start));
        let title = localized(
            ctx,
            l.title,
            &format!("{field}.links[{i}].title"),
            &mut texts,
        );
        links.push(Link {
            url: l.url.into_inner(),
            title,
        });
    }
    let mut codes = Vec::new();
    let mut code_at = Vec::new();
    for (i, c) in raw.codes.iter().enumerate() {
        match c.get_ref().trim().parse::<Code>() {
            Ok(code) => {
                codes.push(code);
                code_at.push(ctx.loc(c.span().start));
            }
            Err(msg) => ctx.problem(c.span().start, format!("{field}.codes[{i}]"), msg),
        }
    }
    let mut related_codes = Vec::new();
    for (i, c) in raw.related_codes.iter().enumerate() {
        match c.get_ref().trim().parse::<Code>() {
            Ok(code) => related_codes.push(code),
            Err(msg) => ctx.problem(c.span().start, format!("{field}.related_codes[{i}]"), msg),
        }
    }
    let mut table = Vec::new();
    let mut row_at = Vec::new();
    for (i, r) in raw.table.into_iter().enumerate() {
        let r = r.into_inner();
        let code = match r.code.get_ref().trim().parse::<Code>() {
            Ok(c) => c,
            Err(msg) => {
                ctx.problem(r.code.span().start, format!("{field}.table[{i}].code"), msg);
                continue;
            }
        };
        row_at.push(ctx.loc(r.code.span().start));
        let meaning = localized(
            ctx,
            r.meaning,
            &format!("{field}.table[{i}].meaning"),
            &mut texts,
        );
        texts.push((
            format!("{field}.table[{i}].message"),
            ctx.loc(r.message.span().start),
            r.message.get_ref().clone(),
        ));
        table.push(TableRow {
            code,
            message: r.message.into_inner(),
            meaning,
        });
    }
    let split = |v: Vec<Spanned<String>>, ctx: &Ctx<'_>| -> (Vec<String>, Vec<Loc>) {
        let locs = v.iter().map(|s| ctx.loc(s.span().start)).collect();
        (v.into_iter().map(Spanned::into_inner).collect(), locs)
    };
    let (see_also, see_also_at) = split(raw.see_also, ctx);
    let (counterpart_of, counterpart_at) = split(raw.counterpart_of, ctx);
    let (phrases, phrase_at) = split(raw.phrases, ctx);
    let (patterns, pattern_at) = split(raw.patterns, ctx);
    let keyword_raw = raw
        .keywords
        .into_iter()
        .map(|g| {
            g.into_iter()
                .map(|t| (ctx.loc(t.span().start), t.into_inner()))
                .collect()
        })
        .collect();
    let examples = raw
        .examples
        .into_iter()
        .enumerate()
        .map(|(j, e)| {
            let (line, col) = ctx
                .lines
                .line_col(&ctx.files[ctx.file].text, e.span().start);
            Example {
                text: e.into_inner(),
                line,
                col,
                file: ctx.files[ctx.file].name.clone(),
                field: format!("{field}.examples[{j}]"),
            }
        })
        .collect();
    Some(LoadedEntry {
        entry: Entry {
            id: raw.id.get_ref().clone(),
            platform,
            platforms,
            title,
            cause,
            fix,
            links,
            see_also,
            counterpart_of,
            codes,
            related_codes,
            phrases,
            patterns,
            keywords: Vec::new(),
            examples,
            table,
        },
        index,
        at,
        id_at: ctx.loc(raw.id.span().start),
        link_at,
        see_also_at,
        counterpart_at,
        code_at,
        phrase_at,
        pattern_at,
        keyword_raw,
        row_at,
        text_at: texts,
    })
}
