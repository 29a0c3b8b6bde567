//! Turning a match into an answer a person reads: in a terminal now, in an embed later.
//!
//! [`Answer`] gathers everything a reply shows (title, cause, fix steps, links, evidence,
//! "also see") in one language; each front end only lays it out.

use std::fmt::Write as _;

use serde::Serialize;

use crate::knowledge::{Code, Entry, Knowledge, Link, Platform, TableRow};
use crate::matcher::{CodeForm, Evidence, EvidenceKind, Match};
use crate::text::is_cjk;

/// Reply language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Chinese when the message is mostly Chinese, else English. Code blocks and pasted
    /// objects count as little as possible: Chinese characters are weighed against English
    /// words, not letters.
    pub fn detect(text: &str) -> Lang {
        let mut cjk = 0usize;
        let mut words = 0usize;
        let mut in_word = false;
        // Pasted objects, code blocks and inline code are English whatever the asker speaks.
        let mut depth = 0usize;
        let mut fence = false;
        let mut inline = false;
        let mut ticks = 0usize;
        for c in text.chars().take(8000) {
            if c == '`' {
                ticks += 1;
                in_word = false;
                continue;
            }
            if ticks > 0 {
                if ticks >= 3 {
                    fence = !fence;
                } else if !fence {
                    inline = !inline;
                }
                ticks = 0;
            }
            match c {
                '{' => depth += 1,
                '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            if fence || inline || depth > 0 {
                in_word = false;
                continue;
            }
            if is_cjk(c) {
                cjk += 1;
                in_word = false;
            } else if c.is_ascii_alphabetic() {
                if !in_word {
                    words += 1;
                }
                in_word = true;
            } else {
                in_word = false;
            }
        }
        if cjk > 0 && cjk * 2 >= words {
            Lang::Zh
        } else {
            Lang::En
        }
    }

    /// Whether this is Chinese.
    pub fn is_zh(self) -> bool {
        self == Lang::Zh
    }
}

/// Everything one reply says, in one language.
#[derive(Debug, Clone)]
pub struct Answer<'k> {
    /// The entry answered.
    pub entry: &'k Entry,
    /// Its confidence.
    pub score: f32,
    /// Language of the texts.
    pub lang: Lang,
    /// Why it matched, strongest first.
    pub evidence: Vec<Evidence>,
    /// The code-table row that matched, if any (errno tables).
    pub row: Option<&'k TableRow>,
    /// Up to two related entries.
    pub also: Vec<&'k Entry>,
}

/// How many "also see" entries a reply shows.
pub const ALSO_SEE_MAX: usize = 2;
/// Score another candidate needs to be shown as "also see" before the entry's own links.
const ALSO_SEE_MIN_SCORE: f32 = 0.5;

impl<'k> Answer<'k> {
    /// The answer for the best of `matches`, with "also see" from the other matches and the
    /// entry's own `see_also`. `None` when there is no match.
    pub fn build(knowledge: &'k Knowledge, matches: &[Match], lang: Lang) -> Option<Self> {
        let best = matches.first()?;
        let entry = knowledge.get(&best.id)?;
        let row = best.evidence.iter().find_map(|ev| match &ev.kind {
            EvidenceKind::Code { code, .. } => entry.row(*code),
            _ => None,
        });
        let mut also: Vec<&Entry> = Vec::new();
        // Other candidates only when they are answers in their own right, not the weak
        // partial matches a direct question also returns.
        let others = matches[1..]
            .iter()
            .filter(|m| m.score >= ALSO_SEE_MIN_SCORE && m.score >= best.score - 0.3)
            .map(|m| m.id.as_str());
        for id in others.chain(entry.see_also.iter().map(String::as_str)) {
            if also.len() == ALSO_SEE_MAX {
                break;
            }
            if id != entry.id && !also.iter().any(|e| e.id == id) {
                if let Some(e) = knowledge.get(id) {
                    also.push(e);
                }
            }
        }
        Some(Answer {
            entry,
            score: best.score,
            lang,
            evidence: best.evidence.clone(),
            row,
            also,
        })
    }

    fn zh(&self) -> bool {
        self.lang.is_zh()
    }

    /// The title.
    pub fn title(&self) -> &str {
        self.entry.title.pick(self.zh())
    }

    /// The cause paragraph, preceded by the matched table row when there is one.
    pub fn cause(&self) -> String {
        let mut s = String::new();
        if let Some(row) = self.row {
            let _ = write!(
                s,
                "{} `{}`: {}\n\n",
                code_label(row.code),
                row.message,
                row.meaning.pick(self.zh())
            );
        }
        s.push_str(self.entry.cause.pick(self.zh()));
        s
    }

    /// The fix steps.
    pub fn fix(&self) -> &[String] {
        self.entry.fix.pick(self.zh())
    }

    /// Links with titles in the reply language.
    pub fn links(&self) -> impl Iterator<Item = (&str, &str)> {
        let zh = self.zh();
        self.entry
            .links
            .iter()
            .map(move |l: &Link| (l.title.pick(zh).as_str(), l.url.as_str()))
    }

    /// One sentence saying what triggered the answer, e.g. "matched `error: 14` in the
    /// pasted fail object". The matched text is returned raw; front ends escape it.
    pub fn evidence_parts(&self) -> Option<(String, String, String)> {
        let ev = self.evidence.first()?;
        let zh = self.zh();
        if let EvidenceKind::Similarity { score } = ev.kind {
            let before = if zh {
                "问题的措辞与本条目的示例相近，相似度"
            } else {
                "the question is worded like this entry's examples; similarity"
            };
            return Some((before.to_string(), format!("{score:.2}"), String::new()));
        }
        let snippet = shorten(&ev.text, 80);
        let (before, after) = match (&ev.kind, zh) {
            (
                EvidenceKind::Code {
                    form: CodeForm::FailObject,
                    ..
                },
                false,
            ) => ("matched", "in the pasted fail object"),
            (
                EvidenceKind::Code {
                    form: CodeForm::FailObject,
                    ..
                },
                true,
            ) => ("在粘贴的 fail 对象中识别到", ""),
            (EvidenceKind::Code { .. }, false) if ev.in_fail_object => {
                ("matched", "in the pasted fail object")
            }
            (EvidenceKind::Code { .. }, true) if ev.in_fail_object => {
                ("在粘贴的 fail 对象中识别到", "")
            }
            (EvidenceKind::Code { .. }, false) => ("matched the code", ""),
            (EvidenceKind::Code { .. }, true) => ("识别到错误码", ""),
            (EvidenceKind::Phrase | EvidenceKind::Pattern, false) if ev.in_fail_object => {
                ("matched", "in the pasted fail object")
            }
            (EvidenceKind::Phrase | EvidenceKind::Pattern, true) if ev.in_fail_object => {
                ("在粘贴的 fail 对象中识别到", "")
            }
            (EvidenceKind::Phrase | EvidenceKind::Pattern, false) => ("matched the error text", ""),
            (EvidenceKind::Phrase | EvidenceKind::Pattern, true) => ("识别到报错信息", ""),
            (EvidenceKind::Keywords { .. }, false) => ("matched the question by the words", ""),
            (EvidenceKind::Keywords { .. }, true) => ("根据关键词匹配到问题：", ""),
            (EvidenceKind::EntryId, false) => ("you named the entry", ""),
            (EvidenceKind::EntryId, true) => ("你指定了条目", ""),
            (EvidenceKind::Similarity { .. }, _) => return None,
        };
        Some((before.to_string(), snippet, after.to_string()))
    }

    /// The footer every reply carries: the entry id, which `/ask` accepts too.
    pub fn footer(&self) -> String {
        format!("{} · reqdoctor", self.entry.id)
    }

    /// Plain or coloured terminal text.
    pub fn to_terminal(&self, color: bool) -> String {
        let style = |code: &str, s: &str| {
            if color {
                format!("\x1b[{code}m{s}\x1b[0m")
            } else {
                s.to_string()
            }
        };
        let zh = self.zh();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{}  {}",
            style("1;36", self.title()),
            style("2", &format!("[{}]", self.entry.id))
        );
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", style("1", if zh { "原因" } else { "Cause" }));
        for line in self.cause().lines() {
            if line.is_empty() {
                let _ = writeln!(out);
            } else {
                let _ = writeln!(out, "  {line}");
            }
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "{}", style("1", if zh { "解决办法" } else { "Fix" }));
        for (i, step) in self.fix().iter().enumerate() {
            let _ = writeln!(out, "  {}. {step}", i + 1);
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{}",
            style("1", if zh { "官方文档" } else { "Official docs" })
        );
        for (title, url) in self.links() {
            let _ = writeln!(out, "  - {title}: {}", style("4", url));
        }
        if let Some((before, snippet, after)) = self.evidence_parts() {
            let _ = writeln!(out);
            let line = [before.as_str(), &format!("`{snippet}`"), after.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let _ = writeln!(
                out,
                "{} {}",
                style("2", if zh { "依据：" } else { "Evidence:" }),
                line
            );
        }
        if !self.also.is_empty() {
            let _ = writeln!(out, "{}", style("1", if zh { "另见" } else { "Also see" }));
            for e in &self.also {
                let _ = writeln!(out, "  - {} [{}]", e.title.pick(zh), e.id);
            }
        }
        out
    }

    /// The answer as JSON for scripts (`ask --json`).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.entry.id,
            "score": self.score,
            "lang": self.lang,
            "title": self.title(),
            "cause": self.cause(),
            "fix": self.fix(),
            "links": self.links().map(|(t, u)| serde_json::json!({"title": t, "url": u})).collect::<Vec<_>>(),
            "evidence": self.evidence,
            "also_see": self.also.iter().map(|e| serde_json::json!({"id": e.id, "title": e.title.pick(self.zh())})).collect::<Vec<_>>(),
        })
    }
}

fn code_label(code: Code) -> String {
    match code {
        Code::AlipayError(n) => format!("error {n}"),
        Code::Errno(n) => format!("errno {n}"),
        Code::Http(n) => format!("HTTP {n}"),
        Code::Net(n) => format!("net {n}"),
    }
}

/// `s` cut to `max` characters with an ellipsis, on one line.
pub fn shorten(s: &str, max: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// What to tell someone who asked about a platform the knowledge has no entries for, so
/// that another platform's facts are never passed off as its own.
pub fn uncovered_platform(p: Platform, lang: Lang) -> String {
    let (zh, en) = match p {
        Platform::Douyin => ("抖音 tt.request", "Douyin tt.request"),
        Platform::Baidu => ("百度 swan.request", "Baidu swan.request"),
        Platform::Qq => ("QQ qq.request", "QQ qq.request"),
        Platform::Kuaishou => ("快手 ks.request", "Kuaishou ks.request"),
        Platform::Dingtalk => ("钉钉", "DingTalk"),
        Platform::Alipay => ("支付宝 my.request", "Alipay my.request"),
        Platform::Wechat => ("微信 wx.request", "WeChat wx.request"),
        Platform::Other => ("这个平台", "this platform"),
        Platform::Http | Platform::General => ("", ""),
    };
    match lang {
        Lang::Zh => format!(
            "知识库里还没有 {zh} 的条目；下面只列出与平台无关的内容，其他平台的错误码表不适用。"
        ),
        Lang::En => format!(
            "The knowledge has no {en} entries yet; only platform-neutral answers apply, not another platform's code tables."
        ),
    }
}

/// The "no confident match" text, with suggestions from weaker candidates.
pub fn no_match(knowledge: &Knowledge, candidates: &[Match], lang: Lang) -> String {
    let zh = lang.is_zh();
    let mut out = String::from(if zh {
        "没有足够把握的答案。"
    } else {
        "No confident match."
    });
    let suggestions: Vec<&Entry> = candidates
        .iter()
        .filter_map(|m| knowledge.get(&m.id))
        .take(3)
        .collect();
    if suggestions.is_empty() {
        out.push_str(if zh {
            "\n试试附上完整的 fail 对象（error / errno / errMsg / statusCode），或运行 `reqdoctor list` 查看所有条目。"
        } else {
            "\nTry pasting the whole fail object (error / errno / errMsg / statusCode), or run `reqdoctor list` to see every entry."
        });
    } else {
        out.push_str(if zh {
            "\n可能相关："
        } else {
            "\nPerhaps one of these:"
        });
        for e in suggestions {
            let _ = write!(out, "\n  - {} [{}]", e.title.pick(zh), e.id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_language() {
        assert_eq!(Lang::detect("my.request 报错 error: 14 怎么办"), Lang::Zh);
        assert_eq!(Lang::detect("can I set a custom Referer header?"), Lang::En);
        assert_eq!(
            Lang::detect("hi all, 支付宝小程序真机上请求一直报 error 19，IDE 里是好的"),
            Lang::Zh
        );
        assert_eq!(
            Lang::detect("{error: 14, errorMessage: \"JSON parse data error\"}"),
            Lang::En
        );
        assert_eq!(Lang::detect("my.request 报错了 {error: 14, status: 13, errorMessage: \"JSON parse data error\"}"), Lang::Zh);
        assert_eq!(
            Lang::detect("请求失败了\n```\nrequest:fail url not in domain list at VM12:1\n```"),
            Lang::Zh
        );
    }

    #[test]
    fn shortens_on_char_boundaries() {
        assert_eq!(shorten("一二三四五", 3), "一二…");
        assert_eq!(shorten("a  b\nc", 10), "a b c");
    }
}
