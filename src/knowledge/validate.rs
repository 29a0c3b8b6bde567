//! Cross-entry checks: ids, links, codes, phrases, patterns and concepts.

use std::collections::HashMap;

use super::load::{LoadedEntry, Loc};
use super::types::Vocabulary;
use super::{line_col, Problem, SourceFile};

/// Hosts whose pages count as official documentation.
const OFFICIAL_HOSTS: &[&str] = &[
    "opendocs.alipay.com",
    "developers.weixin.qq.com",
    "developer.mozilla.org",
    "www.rfc-editor.org",
    "datatracker.ietf.org",
    "chromium.googlesource.com",
    "open.dingtalk.com",
    "help.aliyun.com",
    "developer.open-douyin.com",
    "smartprogram.baidu.com",
    "q.qq.com",
    "open.kuaishou.com",
    "uniapp.dcloud.net.cn",
    "docs.taro.zone",
];

/// Repositories on github.com that publish official documentation.
const OFFICIAL_REPOS: &[&str] = &["github.com/AlipayDocs/open-docs/"];

/// Returns why `url` is not an acceptable link, if it is not.
pub(super) fn link_problem(url: &str) -> Option<String> {
    let Some(rest) = url.strip_prefix("https://") else {
        return Some(format!("`{url}` is not an https:// link"));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let official =
        OFFICIAL_HOSTS.contains(&host) || OFFICIAL_REPOS.iter().any(|r| rest.starts_with(r));
    if !official {
        return Some(format!(
            "`{host}` is not an official documentation host ({})",
            OFFICIAL_HOSTS.join(", ")
        ));
    }
    if url.contains("utm_") || url.contains("spm=") {
        return Some("link carries tracking parameters".to_string());
    }
    if url.chars().any(char::is_whitespace) {
        return Some("link contains white space".to_string());
    }
    None
}

fn valid_id(id: &str) -> bool {
    let mut parts = id.split('.');
    let first_ok = parts.next().is_some_and(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    let rest: Vec<&str> = parts.collect();
    first_ok
        && !rest.is_empty()
        && rest.iter().all(|p| {
            !p.is_empty()
                && !p.starts_with('-')
                && !p.ends_with('-')
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

struct Report<'a> {
    files: &'a [SourceFile],
    problems: Vec<Problem>,
}

impl Report<'_> {
    fn at(&mut self, loc: Loc, field: impl Into<String>, message: impl Into<String>) {
        let (line, col) = line_col(&self.files[loc.file].text, loc.offset);
        self.problems.push(Problem {
            file: self.files[loc.file].name.clone(),
            line,
            col,
            field: field.into(),
            message: message.into(),
        });
    }
}

/// Checks everything that needs more than one value at a time.
pub(super) fn check(
    entries: &[LoadedEntry],
    vocabulary: &Vocabulary,
    files: &[SourceFile],
) -> Vec<Problem> {
    let mut r = Report {
        files,
        problems: Vec::new(),
    };
    let mut ids: HashMap<&str, Loc> = HashMap::new();
    for e in entries.iter().filter(|e| !e.entry.id.is_empty()) {
        let field = format!("entry[{}]", e.index);
        let id = e.entry.id.as_str();
        if !valid_id(id) {
            r.at(
                e.id_at,
                format!("{field}.id"),
                format!(
                    "`{id}` is not `<platform>.<kind>.<name>` in lower case with `-` inside names"
                ),
            );
        }
        if let Some(first) = ids.get(id) {
            let (line, _) = line_col(&files[first.file].text, first.offset);
            r.at(
                e.id_at,
                format!("{field}.id"),
                format!(
                    "duplicate id `{id}` (first defined at {}:{line})",
                    files[first.file].name
                ),
            );
        } else {
            ids.insert(id, e.id_at);
        }
    }
    let platforms_of: HashMap<&str, &[super::Platform]> = entries
        .iter()
        .map(|e| (e.entry.id.as_str(), e.entry.platforms.as_slice()))
        .collect();
    let mut codes: HashMap<super::Code, (&str, Loc)> = HashMap::new();
    let mut phrases: HashMap<String, (&str, Loc)> = HashMap::new();
    for e in entries.iter().filter(|e| !e.entry.id.is_empty()) {
        let field = format!("entry[{}]", e.index);
        let id = e.entry.id.as_str();
        for (name, loc, text) in &e.text_at {
            if text.trim().is_empty() {
                r.at(*loc, name.clone(), "empty text");
            }
        }
        if e.entry.fix.zh.is_empty() || e.entry.fix.en.is_empty() {
            r.at(
                e.at,
                format!("{field}.fix"),
                "needs at least one step in each language",
            );
        }
        if e.entry.links.is_empty() {
            r.at(
                e.at,
                format!("{field}.links"),
                "needs at least one official link",
            );
        }
        for (i, (link, loc)) in e.entry.links.iter().zip(&e.link_at).enumerate() {
            if let Some(msg) = link_problem(&link.url) {
                r.at(*loc, format!("{field}.links[{i}].url"), msg);
            }
        }
        for (i, (target, loc)) in e.entry.see_also.iter().zip(&e.see_also_at).enumerate() {
            if !ids.contains_key(target.as_str()) {
                r.at(
                    *loc,
                    format!("{field}.see_also[{i}]"),
                    format!("no entry has id `{target}`"),
                );
            } else if target == id {
                r.at(
                    *loc,
                    format!("{field}.see_also[{i}]"),
                    "an entry cannot point at itself",
                );
            }
        }
        for (i, (target, loc)) in e
            .entry
            .counterpart_of
            .iter()
            .zip(&e.counterpart_at)
            .enumerate()
        {
            let field = format!("{field}.counterpart_of[{i}]");
            match platforms_of.get(target.as_str()) {
                None => r.at(*loc, field, format!("no entry has id `{target}`")),
                Some(theirs) => {
                    if e.entry.platforms.iter().any(|p| theirs.contains(p)) {
                        r.at(
                            *loc,
                            field,
                            format!("`{target}` already answers this entry's platforms"),
                        );
                    }
                }
            }
        }
        let claimed = e
            .entry
            .codes
            .iter()
            .zip(&e.code_at)
            .map(|(c, l)| (*c, *l, "codes"))
            .chain(
                e.entry
                    .table
                    .iter()
                    .zip(&e.row_at)
                    .map(|(row, l)| (row.code, *l, "table")),
            );
        for (code, loc, what) in claimed {
            match codes.get(&code) {
                Some((other, _)) => r.at(
                    loc,
                    format!("{field}.{what}"),
                    format!("code `{code}` is already claimed by `{other}`"),
                ),
                None => {
                    codes.insert(code, (id, loc));
                }
            }
        }
        for (i, code) in e.entry.related_codes.iter().enumerate() {
            if e.entry.all_codes().any(|c| c == *code) {
                r.at(
                    e.at,
                    format!("{field}.related_codes[{i}]"),
                    format!("`{code}` is this entry's own code"),
                );
            }
        }
        for (i, (phrase, loc)) in e.entry.phrases.iter().zip(&e.phrase_at).enumerate() {
            let folded = crate::text::Folded::new(phrase).text.trim().to_string();
            if folded.chars().count() < 3 {
                r.at(
                    *loc,
                    format!("{field}.phrases[{i}]"),
                    "phrase is too short to be specific",
                );
                continue;
            }
            match phrases.get(&folded) {
                Some((other, _)) if *other != id => r.at(
                    *loc,
                    format!("{field}.phrases[{i}]"),
                    format!("phrase `{phrase}` is already used by `{other}`"),
                ),
                Some(_) => r.at(
                    *loc,
                    format!("{field}.phrases[{i}]"),
                    format!("phrase `{phrase}` is listed twice"),
                ),
                None => {
                    phrases.insert(folded, (id, *loc));
                }
            }
        }
        for (i, (pattern, loc)) in e.entry.patterns.iter().zip(&e.pattern_at).enumerate() {
            if let Err(err) = regex::Regex::new(pattern) {
                let msg = err
                    .to_string()
                    .lines()
                    .last()
                    .unwrap_or("invalid")
                    .trim()
                    .to_string();
                r.at(
                    *loc,
                    format!("{field}.patterns[{i}]"),
                    format!("invalid regex: {msg}"),
                );
            }
        }
        if e.keyword_raw.len() > super::MAX_KEYWORD_GROUPS {
            r.at(
                e.at,
                format!("{field}.keywords"),
                format!("at most {} keyword groups", super::MAX_KEYWORD_GROUPS),
            );
        }
        for (g, group) in e.keyword_raw.iter().enumerate() {
            if group.is_empty() {
                r.at(
                    e.at,
                    format!("{field}.keywords[{g}]"),
                    "empty keyword group",
                );
            }
            for (t, (loc, term)) in group.iter().enumerate() {
                if let Some(name) = term.strip_prefix('@') {
                    if !vocabulary.concepts.contains_key(name) {
                        r.at(
                            *loc,
                            format!("{field}.keywords[{g}][{t}]"),
                            format!("unknown concept `@{name}`"),
                        );
                    }
                } else if term.trim().is_empty() || term == "*" {
                    r.at(*loc, format!("{field}.keywords[{g}][{t}]"), "empty keyword");
                }
            }
        }
        let recognisable = !e.entry.codes.is_empty()
            || !e.entry.table.is_empty()
            || !e.entry.phrases.is_empty()
            || !e.entry.patterns.is_empty()
            || !e.keyword_raw.is_empty();
        if !recognisable {
            r.at(
                e.at,
                field.clone(),
                "entry has no codes, phrases, patterns or keywords, so nothing can ever match it",
            );
        }
    }
    r.problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_must_be_official_https() {
        assert!(link_problem("https://opendocs.alipay.com/mini/api/owycmh").is_none());
        assert!(link_problem("https://github.com/AlipayDocs/open-docs/blob/main/x.md").is_none());
        assert!(link_problem("http://opendocs.alipay.com/mini").is_some());
        assert!(link_problem("https://promotion.aliyun.com/ntms/act/sslbuy.html").is_some());
        assert!(
            link_problem("https://help.aliyun.com/document_detail/1.html?utm_content=x").is_some()
        );
        assert!(link_problem("https://github.com/someone/else").is_some());
        assert!(link_problem(
            "https://developer.open-douyin.com/docs/resource/zh-CN/mini-app/develop/api/network/network"
        )
        .is_none());
        assert!(link_problem("https://uniapp.dcloud.net.cn/api/request/request.html").is_none());
        assert!(link_problem("https://ask.dcloud.net.cn/article/35267").is_some());
    }

    #[test]
    fn id_scheme() {
        assert!(valid_id("alipay.error.14"));
        assert!(valid_id("alipay.faq.https-only"));
        assert!(valid_id("http.500"));
        assert!(!valid_id("Alipay.error.14"));
        assert!(!valid_id("alipay"));
        assert!(!valid_id("alipay..x"));
        assert!(!valid_id("alipay.faq.-x"));
    }
}
