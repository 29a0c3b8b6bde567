//! The shape of a message: a chat question, or a report.
//!
//! A question in chat is a line or two, and its words stand together. A long post (an issue
//! written from a template, a wall of logs with a paragraph around it) mentions dozens of
//! things in passing: `支付宝` in the environment list, `timeout` in a config dump, `401` in
//! an access log. Measured on real developer reports, answers to such posts that rest on
//! wording alone (keyword groups, similarity) or on an HTTP status with no mini-program word
//! were wrong four times in five. So a long post needs an error code, an error string or a
//! fail object to be answered unprompted; on wording alone it stays silent (a 💡 "maybe" on
//! such guesses was wrong nine times in ten).
//!
//! The same holds for a message of several lines that names no mini program, platform or
//! request API at all: a title and a body about a web library's session ids, a server's 403
//! or an expired certificate. On the three real-report corpora that rule took false replies
//! from 120 to 51 for 12 right answers; on the written hold-outs it changed one line.
//!
//! (Reading the title line on its own as a question was tried: on the real reports it
//! brought back two right answers and nine false ones.)

/// More characters than this outside code fences (about five lines of chat) make a message
/// long. A short question with a long paste in a fence is still a chat question: measured on
/// the blind hold-out holdout4, counting the fence too silenced 6 right answers for 1 false
/// reply avoided.
const LONG_CHARS: usize = 300;

/// Section headings of issue templates (lower case): two of them mark a written report
/// however short it is.
const TEMPLATE_HEADINGS: &[&str] = &[
    "问题描述",
    "复现步骤",
    "重现步骤",
    "期望结果",
    "实际结果",
    "预期结果",
    "环境信息",
    "相关平台",
    "版本号",
    "补充信息",
    "描述错误",
    "附加上下文",
    "describe the bug",
    "to reproduce",
    "steps to reproduce",
    "expected behavior",
    "expected behaviour",
    "actual behavior",
    "environment",
    "additional context",
    "reproduction",
    "system info",
    "is your feature request",
    "describe the solution",
    "feature request",
    "新功能描述",
    "功能需求",
    "bug描述",
    "bug 描述",
    "问题截图",
];

/// What the matcher needs to know about a message's shape.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MessageForm {
    /// A long post or an issue-template report rather than a chat question.
    pub long: bool,
    /// More than one line of prose: with no mini-program word, a report from anywhere.
    pub several_lines: bool,
}

impl MessageForm {
    /// Reads the shape of `text` (the original message).
    pub fn of(text: &str) -> Self {
        MessageForm {
            long: prose_chars(text) > LONG_CHARS || template_headings(text) >= 2,
            several_lines: text
                .split("```")
                .step_by(2)
                .flat_map(str::lines)
                .filter(|l| !l.trim().is_empty())
                .nth(1)
                .is_some(),
        }
    }
}

/// Characters outside ``` fences: the part of a message that is written, not pasted.
fn prose_chars(text: &str) -> usize {
    text.split("```")
        .step_by(2)
        .map(|p| p.chars().count())
        .sum()
}

/// How many distinct template headings open a line of `text` (after `#`, `*`, `>` or `-`).
fn template_headings(text: &str) -> usize {
    let mut seen = 0u32;
    for line in text.lines().take(200) {
        let head = line
            .trim_start_matches(|c: char| c.is_whitespace() || "#*>-[]_".contains(c))
            .trim_start_matches(|c: char| !c.is_alphanumeric() && !c.is_whitespace())
            .trim_start();
        if head.is_empty() {
            continue;
        }
        let lower: String = head.chars().take(24).collect::<String>().to_lowercase();
        for (i, h) in TEMPLATE_HEADINGS.iter().enumerate() {
            if lower.starts_with(h) {
                seen |= 1 << i;
            }
        }
    }
    seen.count_ones() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chat_question_is_short() {
        assert!(!MessageForm::of("my.request 一直 error 14 怎么办").long);
        assert!(!MessageForm::of("wx.request 403 forbidden on device, works in devtools").long);
    }

    #[test]
    fn a_long_post_is_long() {
        let post = "真机上请求失败了。".repeat(40);
        assert!(MessageForm::of(&post).long);
    }

    #[test]
    fn a_short_question_with_a_long_paste_is_a_question() {
        let paste = format!(
            "wx.request 拿到的 res.data 是字符串，为什么？\n```\n{}\n```",
            "{\"a\": 1}\n".repeat(60)
        );
        assert!(!MessageForm::of(&paste).long);
        let unfenced = format!(
            "wx.request 拿到的 res.data 是字符串，为什么？\n{}",
            "{\"a\": 1}\n".repeat(60)
        );
        assert!(MessageForm::of(&unfenced).long);
    }

    #[test]
    fn an_issue_template_is_a_report_even_when_short() {
        let report = "Taro.request 500错误无法拦截\n### 相关平台\nH5\n### 复现步骤\n调用接口";
        assert!(MessageForm::of(report).long);
        let bug = "**Describe the bug**\nrequests fail\n**To Reproduce**\nclick";
        assert!(MessageForm::of(bug).long);
    }

    #[test]
    fn lines_of_prose_are_counted_outside_fences() {
        assert!(!MessageForm::of("wx.request 报 403 怎么办").several_lines);
        assert!(!MessageForm::of("报错了\n```\n{error: 14}\n```").several_lines);
        assert!(
            MessageForm::of("每次请求的session ID都在变化\n信息存进session，获取不到")
                .several_lines
        );
        assert!(!MessageForm::of("  \n401 是什么意思\n\n").several_lines);
    }

    #[test]
    fn one_heading_word_in_a_sentence_is_not_a_template() {
        assert!(!MessageForm::of("问题描述一下：支付宝里 error 19").long);
        assert!(!MessageForm::of("environment: alipay ide, error 12").long);
    }
}
