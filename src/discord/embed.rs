//! Answers laid out as one Discord embed, within Discord's limits, with every piece of user
//! text escaped so it cannot ping, link or break out of its formatting.

use std::fmt::Write as _;

use poise::serenity_prelude as serenity;
use serde::Serialize;

use crate::knowledge::{Entry, Knowledge, Platform};
use crate::matcher::Match;
use crate::paste::{Locus, Position};
use crate::reply::{shorten, Answer, Lang};

/// Title limit.
pub const TITLE_MAX: usize = 256;
/// Description limit.
pub const DESCRIPTION_MAX: usize = 4096;
/// Field count limit.
pub const FIELDS_MAX: usize = 25;
/// Field name limit.
pub const FIELD_NAME_MAX: usize = 256;
/// Field value limit.
pub const FIELD_VALUE_MAX: usize = 1024;
/// Footer limit.
pub const FOOTER_MAX: usize = 2048;
/// Limit on all of the above together.
pub const TOTAL_MAX: usize = 6000;

const ZWSP: char = '\u{200B}';

/// One embed field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Field value.
    pub value: String,
}

/// An embed as plain data: built from an answer, fitted to the limits, then turned into
/// serenity's builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedModel {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Fields, in order.
    pub fields: Vec<Field>,
    /// Footer text.
    pub footer: String,
    /// Colour as 0xRRGGBB.
    pub colour: u32,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// `s` cut to at most `max` characters, ending with an ellipsis when cut. Line breaks kept.
pub fn clip(s: &str, max: usize) -> String {
    if chars(s) <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

impl EmbedModel {
    /// Characters Discord counts against the 6,000 total.
    pub fn total_chars(&self) -> usize {
        chars(&self.title)
            + chars(&self.description)
            + chars(&self.footer)
            + self
                .fields
                .iter()
                .map(|f| chars(&f.name) + chars(&f.value))
                .sum::<usize>()
    }

    /// The same embed cut to fit every limit: each piece first, then the total, shortening
    /// the longest text first and dropping trailing fields only as a last resort.
    pub fn fit(mut self) -> Self {
        self.title = clip(&self.title, TITLE_MAX);
        self.description = clip(&self.description, DESCRIPTION_MAX);
        self.footer = clip(&self.footer, FOOTER_MAX);
        self.fields
            .retain(|f| !f.name.trim().is_empty() && !f.value.trim().is_empty());
        self.fields.truncate(FIELDS_MAX);
        for f in &mut self.fields {
            f.name = clip(&f.name, FIELD_NAME_MAX);
            f.value = clip(&f.value, FIELD_VALUE_MAX);
        }
        const FLOOR: usize = 200;
        while self.total_chars() > TOTAL_MAX {
            let excess = self.total_chars() - TOTAL_MAX;
            // The longest text that can still shrink.
            let mut longest: Option<(usize, &mut String)> = None;
            let candidates = std::iter::once(&mut self.description)
                .chain(self.fields.iter_mut().map(|f| &mut f.value));
            for s in candidates {
                let n = chars(s);
                if n > FLOOR && longest.as_ref().is_none_or(|(m, _)| n > *m) {
                    longest = Some((n, s));
                }
            }
            match longest {
                Some((n, s)) => *s = clip(s, n.saturating_sub(excess).max(FLOOR)),
                None => {
                    if self.fields.pop().is_none() {
                        self.title = clip(&self.title, 100);
                        self.footer = clip(&self.footer, 100);
                        break;
                    }
                }
            }
        }
        self
    }

    /// serenity's builder for this embed.
    pub fn to_builder(&self) -> serenity::CreateEmbed {
        let mut e = serenity::CreateEmbed::new()
            .title(&self.title)
            .colour(self.colour)
            .footer(serenity::CreateEmbedFooter::new(&self.footer));
        if !self.description.is_empty() {
            e = e.description(&self.description);
        }
        for f in &self.fields {
            e = e.field(&f.name, &f.value, false);
        }
        e
    }
}

/// Embed colour per platform.
pub fn colour(p: Platform) -> u32 {
    match p {
        Platform::Alipay => 0x1677FF,
        Platform::Wechat => 0x07C160,
        Platform::Dingtalk => 0x3296FA,
        Platform::Douyin => 0x161823,
        Platform::Baidu => 0x2932E1,
        Platform::Qq => 0x12B7F5,
        Platform::Kuaishou => 0xFF4906,
        Platform::Other => 0x99AAB5,
        Platform::Http => 0xE67E22,
        Platform::General => 0x5865F2,
    }
}

/// User text for an inline code span: it cannot close the span, ping, or form a link.
/// Backticks become `ˋ`, line breaks spaces, and a zero-width space follows every `@`, `<`
/// and `:` before `//`.
pub fn code_span(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    out.push('`');
    let mut it = s
        .chars()
        .filter(|c| !c.is_control() || c.is_whitespace())
        .peekable();
    let mut empty = true;
    while let Some(c) = it.next() {
        empty = false;
        match c {
            '`' => out.push('ˋ'),
            '\n' | '\r' | '\t' => out.push(' '),
            '#' => {
                out.push(c);
                out.push(ZWSP);
            }
            c if defuse(c, it.peek(), &mut out) => {}
            c => out.push(c),
        }
    }
    if empty {
        out.push(' ');
    }
    out.push('`');
    out
}

/// User text for plain markdown: markdown characters are backslash-escaped, `@` and `<` are
/// followed by a zero-width space (no `@everyone`, `@here`, `<@id>`, `<#id>`), and `://` is
/// broken so nothing is auto-linked.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut it = s
        .chars()
        .filter(|c| !c.is_control() || *c == '\n')
        .peekable();
    while let Some(c) = it.next() {
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '-' | '[' | ']' | '(' | ')' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c if defuse(c, it.peek(), &mut out) => {}
            c => out.push(c),
        }
    }
    out
}

/// Writes `c` so that it cannot start a mention (`@`, `<`) or a link (`://`), and says
/// whether it did; other characters are left to the caller.
fn defuse(c: char, next: Option<&char>, out: &mut String) -> bool {
    match c {
        '@' | '<' => {
            out.push(c);
            out.push(ZWSP);
            true
        }
        ':' if next == Some(&'/') => {
            out.push(':');
            out.push(ZWSP);
            true
        }
        _ => false,
    }
}

/// A link title safe inside `[...]`, and a URL safe inside `(...)`.
fn masked_link(title: &str, url: &str) -> String {
    let title: String = title
        .chars()
        .map(|c| match c {
            '[' => '(',
            ']' => ')',
            c => c,
        })
        .collect();
    let url = url
        .replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29");
    format!("[{title}]({url})")
}

fn entry_line(e: &Entry, zh: bool) -> String {
    format!("• {} — `{}`", e.title.pick(zh), e.id)
}

/// Field names per language.
fn label(lang: Lang, en: &'static str, zh: &'static str) -> String {
    if lang.is_zh() { zh } else { en }.to_string()
}

/// Splits numbered fix steps into field values of at most 1,024 characters, whole steps
/// per field where possible.
fn fix_values(steps: &[String]) -> Vec<String> {
    let mut values = Vec::new();
    let mut cur = String::new();
    for (i, step) in steps.iter().enumerate() {
        let line = clip(&format!("{}. {}", i + 1, step), FIELD_VALUE_MAX);
        if !cur.is_empty() && chars(&cur) + 1 + chars(&line) > FIELD_VALUE_MAX {
            values.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push('\n');
        }
        cur.push_str(&line);
    }
    if !cur.is_empty() {
        values.push(cur);
    }
    values.truncate(3);
    values
}

/// The reply embed for an answer.
pub fn answer(a: &Answer) -> EmbedModel {
    answer_from(a, None)
}

/// Where the evidence was found when it came from a pasted file, e.g. "`message.txt` line
/// 12" (the file name escaped like any user text).
fn source_text(source: &Locus, zh: bool) -> String {
    let name = code_span(&shorten(&source.name, 60));
    match (source.position.clone(), zh) {
        (Position::Line(n), false) => format!("({name} line {n})"),
        (Position::Line(n), true) => format!("（{name} 第 {n} 行）"),
        (Position::Entry(n), false) => format!("({name} entry {n})"),
        (Position::Entry(n), true) => format!("（{name} 第 {n} 条请求）"),
    }
}

/// The reply embed for an answer whose evidence came from `source` (an attachment's line or
/// HAR entry; None: the message's own text): the evidence names it, so the asker sees which
/// line of a long paste was read.
pub fn answer_from(a: &Answer, source: Option<&Locus>) -> EmbedModel {
    let lang = a.lang;
    let zh = lang.is_zh();
    let mut fields = Vec::new();
    for (i, value) in fix_values(a.fix()).into_iter().enumerate() {
        let name = match (i, zh) {
            (0, false) => "Fix".to_string(),
            (0, true) => "解决办法".to_string(),
            (_, false) => "Fix (continued)".to_string(),
            (_, true) => "解决办法（续）".to_string(),
        };
        fields.push(Field { name, value });
    }
    let mut links = String::new();
    for (title, url) in a.links() {
        let line = format!("• {}", masked_link(title, url));
        if chars(&links) + chars(&line) + 1 > FIELD_VALUE_MAX {
            break;
        }
        if !links.is_empty() {
            links.push('\n');
        }
        links.push_str(&line);
    }
    if !links.is_empty() {
        fields.push(Field {
            name: label(lang, "Official docs", "官方文档"),
            value: links,
        });
    }
    if let Some((before, snippet, after)) = a.evidence_parts() {
        let mut value = [before, code_span(&shorten(&snippet, 80)), after]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(source) = source {
            if !zh {
                value.push(' ');
            }
            value.push_str(&source_text(source, zh));
        }
        fields.push(Field {
            name: label(lang, "Evidence", "依据"),
            value,
        });
    }
    if !a.also.is_empty() {
        fields.push(Field {
            name: label(lang, "Also see", "另见"),
            value: a
                .also
                .iter()
                .map(|e| entry_line(e, zh))
                .collect::<Vec<_>>()
                .join("\n"),
        });
    }
    EmbedModel {
        title: a.title().to_string(),
        description: a.cause(),
        fields,
        footer: a.footer(),
        colour: colour(a.entry.platform),
    }
    .fit()
}

/// The honest "nothing matched" embed for a direct question, with weaker candidates as
/// suggestions.
pub fn no_match(knowledge: &Knowledge, candidates: &[Match], lang: Lang) -> EmbedModel {
    let zh = lang.is_zh();
    let suggestions: Vec<&Entry> = candidates
        .iter()
        .filter_map(|m| knowledge.get(&m.id))
        .take(3)
        .collect();
    let mut description = String::new();
    if suggestions.is_empty() {
        description.push_str(if zh {
            "我没有找到匹配的条目。请附上完整的 fail 对象（error / errno / errMsg / statusCode），最好放在代码块里；也可以用 `/faq` 浏览所有条目。"
        } else {
            "I could not find a matching entry. Paste the whole fail object (error / errno / errMsg / statusCode), ideally in a code block, or browse every entry with `/faq`."
        });
    } else {
        description.push_str(if zh {
            "可能是其中之一："
        } else {
            "Perhaps one of these:"
        });
        for e in &suggestions {
            description.push('\n');
            description.push_str(&entry_line(e, zh));
        }
        description.push_str(if zh {
            "\n\n用 `/ask` 加上条目 id 查看完整答案。"
        } else {
            "\n\nUse `/ask` with an entry id to see the full answer."
        });
    }
    EmbedModel {
        title: label(lang, "No confident match", "没有足够把握的答案"),
        description,
        fields: Vec::new(),
        footer: "reqdoctor".to_string(),
        colour: colour(Platform::General),
    }
    .fit()
}

/// What the bot says when mentioned without a question.
pub fn help(lang: Lang) -> EmbedModel {
    EmbedModel {
        title: label(lang, "How to ask reqdoctor", "如何向 reqdoctor 提问"),
        description: if lang.is_zh() {
            "@我 并附上 my.request / wx.request 的报错：完整的 fail 对象或报错文字（放在代码块里最好）。也可以用 `/ask`、`/code` 和 `/faq`。".to_string()
        } else {
            "Mention me with an Alipay my.request or WeChat wx.request error: the whole fail object or the error text (a code block is best). `/ask`, `/code` and `/faq` work too.".to_string()
        },
        fields: Vec::new(),
        footer: "reqdoctor".to_string(),
        colour: colour(Platform::General),
    }
    .fit()
}

/// A browsable list of one platform's entries.
pub fn faq(knowledge: &Knowledge, platform: Platform, lang: Lang) -> EmbedModel {
    let zh = lang.is_zh();
    let entries: Vec<&Entry> = knowledge
        .entries()
        .iter()
        .filter(|e| e.platforms.contains(&platform))
        .collect();
    let name = match (platform, zh) {
        (Platform::Alipay, false) => "Alipay my.request",
        (Platform::Alipay, true) => "支付宝 my.request",
        (Platform::Wechat, false) => "WeChat wx.request",
        (Platform::Wechat, true) => "微信 wx.request",
        (Platform::Dingtalk, false) => "DingTalk",
        (Platform::Dingtalk, true) => "钉钉",
        (Platform::Douyin, false) => "Douyin tt.request",
        (Platform::Douyin, true) => "抖音 tt.request",
        (Platform::Baidu, false) => "Baidu swan.request",
        (Platform::Baidu, true) => "百度 swan.request",
        (Platform::Qq, false) => "QQ qq.request",
        (Platform::Qq, true) => "QQ qq.request",
        (Platform::Kuaishou, false) => "Kuaishou ks.request",
        (Platform::Kuaishou, true) => "快手 ks.request",
        (Platform::Other, false) => "Other platforms",
        (Platform::Other, true) => "其他平台",
        (Platform::Http, false) => "HTTP status codes",
        (Platform::Http, true) => "HTTP 状态码",
        (Platform::General, false) => "General",
        (Platform::General, true) => "通用",
    };
    let mut description = String::new();
    let tail_room = 80;
    for (i, e) in entries.iter().enumerate() {
        let line = entry_line(e, zh);
        if chars(&description) + chars(&line) + 1 > DESCRIPTION_MAX - tail_room {
            let rest = entries.len() - i;
            let _ = write!(
                description,
                "\n{}",
                if zh {
                    format!("……还有 {rest} 条，用 `/ask` 搜索。")
                } else {
                    format!("… and {rest} more: search with `/ask`.")
                }
            );
            break;
        }
        if !description.is_empty() {
            description.push('\n');
        }
        description.push_str(&line);
    }
    if entries.is_empty() {
        description = label(lang, "No entries yet.", "暂无条目。");
    }
    EmbedModel {
        title: format!("{name} ({})", entries.len()),
        description,
        fields: Vec::new(),
        footer: label(
            lang,
            "reqdoctor · /ask <id> shows an entry",
            "reqdoctor · /ask <id> 查看条目",
        ),
        colour: colour(platform),
    }
    .fit()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::discord::testing::knowledge;
    use crate::matcher::{Matcher, Mode};

    fn answer_for(text: &str, lang: Lang) -> EmbedModel {
        let k = Arc::new(knowledge());
        let m = Matcher::new(k.clone()).unwrap();
        let matches = m.find(text, Mode::Lookup);
        let a = Answer::build(&k, &matches, lang).expect("an answer");
        answer(&a)
    }

    #[test]
    fn english_answer_snapshot() {
        let e = answer_for(
            "my.request fails: {error: 14, status: 13, errorMessage: \"JSON parse data error\"}",
            Lang::En,
        );
        insta::assert_snapshot!(serde_json::to_string_pretty(&e).unwrap());
        assert_eq!(e.footer, "alipay.error.14 · reqdoctor");
    }

    #[test]
    fn chinese_answer_snapshot() {
        let e = answer_for("my.request 报错 error: 14 怎么办", Lang::Zh);
        insta::assert_snapshot!(serde_json::to_string_pretty(&e).unwrap());
    }

    #[test]
    fn builder_json_has_the_same_pieces() {
        let e = answer_for(
            "{error: 14, errorMessage: \"JSON parse data error\"}",
            Lang::En,
        );
        let json = serde_json::to_value(e.to_builder()).unwrap();
        assert_eq!(json["title"], e.title);
        assert_eq!(json["footer"]["text"], "alipay.error.14 · reqdoctor");
        assert_eq!(json["fields"].as_array().unwrap().len(), e.fields.len());
        assert_eq!(json["color"], 0x1677FF);
    }

    #[test]
    fn code_span_cannot_ping_link_or_escape() {
        let s = code_span("@everyone <@123> <@&9> `x` https://evil.example @here\n#chan");
        assert!(s.starts_with('`') && s.ends_with('`'));
        assert_eq!(s.matches('`').count(), 2, "{s}");
        for bad in ["@everyone", "@here", "<@", "://", "\n", "#chan"] {
            assert!(!s.contains(bad), "{bad} in {s}");
        }
        assert_eq!(code_span(""), "` `");
    }

    #[test]
    fn escape_text_breaks_markdown_mentions_and_links() {
        let s = escape_text("**bold** @everyone <@1> [x](https://a.b) `c`");
        for bad in ["**", "@everyone", "<@", "](", "://", " `c`"] {
            assert!(!s.contains(bad), "{bad} in {s}");
        }
        assert!(s.contains("\\*\\*bold\\*\\*"));
    }

    #[test]
    fn fit_respects_every_limit() {
        let long = "字".repeat(5000);
        let e = EmbedModel {
            title: long.clone(),
            description: long.clone(),
            fields: (0..30)
                .map(|i| Field {
                    name: format!("{i}{long}"),
                    value: long.clone(),
                })
                .collect(),
            footer: long.clone(),
            colour: 0,
        }
        .fit();
        assert!(chars(&e.title) <= TITLE_MAX);
        assert!(chars(&e.description) <= DESCRIPTION_MAX);
        assert!(e.fields.len() <= FIELDS_MAX);
        assert!(e
            .fields
            .iter()
            .all(|f| chars(&f.name) <= FIELD_NAME_MAX && chars(&f.value) <= FIELD_VALUE_MAX));
        assert!(chars(&e.footer) <= FOOTER_MAX);
        assert!(e.total_chars() <= TOTAL_MAX, "{}", e.total_chars());
    }

    #[test]
    fn fix_steps_split_on_whole_steps() {
        let steps: Vec<String> = (0..6).map(|i| format!("{i}{}", "x".repeat(300))).collect();
        let v = fix_values(&steps);
        assert!(v.len() >= 2);
        assert!(v.iter().all(|s| chars(s) <= FIELD_VALUE_MAX));
        assert!(
            v[1].starts_with("4. ") || v[1].starts_with("3. "),
            "{}",
            v[1]
        );
    }

    #[test]
    fn faq_lists_entries_of_one_platform() {
        let k = knowledge();
        let e = faq(&k, Platform::Alipay, Lang::En);
        assert!(e.description.contains("`alipay.error.14`"));
        assert!(!e.description.contains("wechat."));
        let e = faq(&k, Platform::Dingtalk, Lang::Zh);
        assert_eq!(e.description, "暂无条目。");
    }

    #[test]
    fn no_match_is_honest() {
        let k = knowledge();
        let e = no_match(&k, &[], Lang::En);
        assert_eq!(e.title, "No confident match");
        assert!(e.description.contains("fail object"));
    }

    proptest::proptest! {
        #[test]
        fn code_span_never_leaks(s in ".{0,300}") {
            let out = code_span(&s);
            proptest::prop_assert_eq!(out.matches('`').count(), 2);
            proptest::prop_assert!(!out.contains("@everyone") && !out.contains("@here") && !out.contains("<@") && !out.contains("://"));
        }

        #[test]
        fn escape_text_never_leaks(s in ".{0,300}") {
            let out = escape_text(&s);
            proptest::prop_assert!(!out.contains("@everyone") && !out.contains("@here") && !out.contains("<@") && !out.contains("<#") && !out.contains("://"));
        }
    }
}
