//! Source code in ``` fences: assignments and comparisons are not error codes.
//!
//! People paste two kinds of things in fences: what the console printed (a fail object, an
//! errMsg, a stack trace), which is evidence, and the code they wrote or review, where
//! `let error = 14;`, `if (status == 500)` or `status: 500,` in a struct literal are names
//! and constants, not a failure they got. A fence is read as source when it has the marks
//! of a program; inside such a fence only fail objects and error strings count.

use std::ops::Range;

/// Marks that only programs have (looked for in the original text of a fence).
const SOURCE_MARKS: &[&str] = &[
    "let ",
    "const ",
    "var ",
    "fn ",
    "func ",
    "def ",
    "int ",
    "val ",
    "return",
    "if (",
    "if ",
    "else",
    "while ",
    "for (",
    "=>",
    "==",
    "!=",
    "};",
    ");",
    "struct ",
    "class ",
    "import ",
    "package ",
    "#include",
    "public ",
    "private ",
    "function",
    "async ",
    "await ",
    "impl ",
    "match ",
    "switch",
    "case ",
    "elif ",
    "enum ",
    "#[",
    "::new",
    "println!",
    "printf",
    // A mini program's own page and component code.
    "Page({",
    "Component({",
    "App({",
    "setData(",
    "this.",
];

/// How many marks make a fence a program (one `if` in a log line does not).
const MIN_MARKS: usize = 2;

/// Per fence of `text` (original), whether it reads as source code.
pub fn source_flags(text: &str, fences: &[Range<usize>]) -> Vec<bool> {
    fences
        .iter()
        .map(|f| {
            let body = &text[f.clone()];
            let marks = SOURCE_MARKS.iter().filter(|m| body.contains(*m)).count();
            marks >= MIN_MARKS || has_assignment(body)
        })
        .collect()
}

/// Whether `pos` (original offset) is inside a fence that reads as source code.
pub fn in_source(fences: &[Range<usize>], flags: &[bool], pos: usize) -> bool {
    let i = fences.partition_point(|r| r.end <= pos);
    fences.get(i).is_some_and(|r| r.start <= pos) && flags.get(i).copied().unwrap_or(false)
}

/// `name = 14;` or `name = 14` at a line's end: a statement, not console output.
fn has_assignment(body: &str) -> bool {
    body.lines().any(|line| {
        let line = line.trim();
        let Some((left, right)) = line.split_once('=') else {
            return false;
        };
        let left = left.trim();
        let right = right.trim().trim_end_matches(';').trim();
        !left.is_empty()
            && left
                .split_whitespace()
                .last()
                .is_some_and(|w| w.chars().all(|c| c.is_alphanumeric() || c == '_'))
            && !right.is_empty()
            && right
                .trim_start_matches('-')
                .chars()
                .all(|c| c.is_ascii_digit())
            && !right.starts_with('=')
    })
}

/// How far back (bytes) a declaration keyword is looked for.
const DECLARATION_REACH: usize = 96;

/// Declaration keywords of the languages people paste.
const DECLARATIONS: &[&str] = &["let", "const", "var", "val", "int", "mut", "auto"];

/// Whether the code found at `span` of `text` (folded) is the value of a declaration written
/// in the line itself, code fence or not: "这样写对吗 `let error = 14;`" declares a
/// constant, it does not report a failure.
pub fn declared(text: &str, span: &Range<usize>) -> bool {
    // A statement starts within a line's reach; a megabyte on one line is not looked through.
    let mut reach = span.start.saturating_sub(DECLARATION_REACH);
    while !text.is_char_boundary(reach) {
        reach += 1;
    }
    let line_start = text[reach..span.start]
        .rfind('\n')
        .map_or(reach, |i| reach + i + 1);
    let before = &text[line_start..span.start];
    // The statement the code sits in: from the last `;`, `{` or backtick on, to the code's end.
    let from = before
        .rfind([';', '{', '`'])
        .map_or(line_start, |i| line_start + i + 1);
    let stmt = &text[from..span.end];
    let mut words = stmt
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    words.next().is_some_and(|w| DECLARATIONS.contains(&w))
        && stmt.contains('=')
        && !stmt.contains("==")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::code_fences;

    fn flags(text: &str) -> Vec<bool> {
        source_flags(text, &code_fences(text))
    }

    #[test]
    fn programs_are_source() {
        assert_eq!(flags("```rust\nlet error = 14;\n```"), vec![true]);
        assert_eq!(flags("```\nerror = 19;\n```"), vec![true]);
        assert_eq!(
            flags("```go\nif resp.StatusCode == 413 {\n  return err\n}\n```"),
            vec![true]
        );
        assert_eq!(
            flags("```rust\nResponse { status: 500, body: b };\nfn f() {}\n```"),
            vec![true]
        );
        assert_eq!(
            flags("```js\nPage({\n  data: { status: 403, error: '' },\n  onLoad() { const t = 1 }\n})\n```"),
            vec![true]
        );
    }

    #[test]
    fn a_declaration_declares() {
        let at = |text: &str, needle: &str| {
            let start = text.find(needle).unwrap();
            declared(text, &(start..start + needle.len()))
        };
        assert!(at("这样写对吗 `let error = 14;`", "error = 14"));
        assert!(at("const status = 500", "status = 500"));
        assert!(at("x; let mut error: u8 = 19;", "error: u8 = 19"));
        assert!(!at("my.request error = 14 怎么办", "error = 14"));
        assert!(!at("fail {error: 14}", "error: 14"));
        assert!(!at("if (let x == 1) error 14", "error 14"));
    }

    #[test]
    fn console_output_is_not() {
        assert_eq!(
            flags("```\n{error: 14, errorMessage: \"JSON parse data error\"}\n```"),
            vec![false]
        );
        assert_eq!(
            flags("```\nrequest:fail url not in domain list\n    at t.<anonymous> (appx.js:4821)\n```"),
            vec![false]
        );
        assert_eq!(flags("```\nerrno: 600002\n```"), vec![false]);
    }
}
