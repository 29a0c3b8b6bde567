//! User text made safe and tidy to show: chat messages carry newlines, terminal escape
//! sequences, bidirectional overrides and zero-width characters, none of which belong in a
//! one-line table cell.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` on one line: control, bidi-control and zero-width characters dropped, whitespace
/// runs collapsed to one space, trimmed.
pub(crate) fn display_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() || is_invisible(c) {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// Format characters that reorder or hide text (bidi overrides and isolates, zero-width).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// Terminal columns `s` takes (CJK and emoji count two).
pub(crate) fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` terminal columns, with `…` when something was cut.
pub(crate) fn truncate_width(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// `s` cut to at most `max` characters, with `…` when something was cut (for SVG labels,
/// where the browser measures).
pub(crate) fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_string(),
        Some(_) => {
            let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
            out.push('…');
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_clean_line() {
        assert_eq!(
            display_text("  a\n\tb \u{1b}[31mred\u{202E}x\u{200B}y  "),
            "a b [31mredxy"
        );
        assert_eq!(display_text(""), "");
    }

    #[test]
    fn cuts_by_columns() {
        assert_eq!(truncate_width("报错报错报错", 7), "报错报…");
        assert_eq!(width(&truncate_width("报错报错报错", 7)), 7);
        assert_eq!(truncate_width("abc", 3), "abc");
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("abc", 4), "abc");
    }
}
