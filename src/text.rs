//! Text folding shared by the knowledge checks and the matcher.
//!
//! Chat messages arrive with full-width punctuation (`错误码：１４`), curly quotes, zero-width
//! characters and arbitrary spacing. Everything is matched against one folded form, and every
//! byte of that form remembers where it came from so evidence can point into the original.

use std::ops::Range;

/// A message folded for matching: lower case, full-width ASCII folded, whitespace runs
/// collapsed to one space, with a map back to byte offsets in the original text.
#[derive(Debug, Clone)]
pub struct Folded {
    /// The folded text.
    pub text: String,
    /// For every byte of `text`, the byte offset of the original character it came from.
    origin: Vec<u32>,
    /// Length of the original text in bytes.
    original_len: usize,
}

impl Folded {
    /// Folds `original`. Linear in its length.
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut origin = Vec::with_capacity(original.len());
        let mut last_space = true;
        let bytes = original.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            // Fast path for ASCII, most of every message: a run of printable ASCII with
            // single spaces folds byte for byte, so it is copied and lowercased whole.
            let b = bytes[at];
            if b.is_ascii_graphic() {
                let mut end = at + 1;
                // Sixteen bytes at a time while they are printable with single spaces (a
                // test the compiler vectorises), then byte by byte to the run's end.
                while let Some(chunk) = bytes.get(end..end + 16) {
                    let printable = chunk
                        .iter()
                        .fold(true, |ok, c| ok & (0x20..=0x7E).contains(c));
                    let double_space = chunk
                        .iter()
                        .zip(&bytes[end - 1..end + 15])
                        .fold(false, |any, (c, b)| any | (*c == b' ' && *b == b' '));
                    if !printable || double_space {
                        break;
                    }
                    end += 16;
                }
                while end < bytes.len()
                    && (bytes[end].is_ascii_graphic()
                        || bytes[end] == b' ' && bytes[end - 1] != b' ')
                {
                    end += 1;
                }
                let len = text.len();
                text.push_str(&original[at..end]);
                text[len..].make_ascii_lowercase();
                origin.extend(at as u32..end as u32);
                last_space = bytes[end - 1] == b' ';
                at = end;
                continue;
            }
            if b.is_ascii() {
                if (b.is_ascii_whitespace() || b == 0x0b) && !last_space {
                    text.push(' ');
                    origin.push(at as u32);
                    last_space = true;
                }
                at += 1;
                continue;
            }
            // CJK characters (three bytes, U+3040..U+9FFF) are copied as they are.
            if (0xE3..=0xE9).contains(&b) && at + 3 <= bytes.len() {
                let c = original[at..at + 3]
                    .chars()
                    .next()
                    .expect("at is a char boundary");
                if is_cjk(c) {
                    text.push_str(&original[at..at + 3]);
                    let offset = at as u32;
                    origin.extend_from_slice(&[offset; 3]);
                    last_space = false;
                    at += 3;
                    continue;
                }
            }
            let c = original[at..]
                .chars()
                .next()
                .expect("at is a char boundary");
            let offset = at as u32;
            at += c.len_utf8();
            if is_cjk(c) {
                text.push(c);
                origin.extend(std::iter::repeat_n(offset, c.len_utf8()));
                last_space = false;
                continue;
            }
            let push = |s: &mut String, o: &mut Vec<u32>, ch: char| {
                let before = s.len();
                s.push(ch);
                o.extend(std::iter::repeat_n(offset, s.len() - before));
            };
            if c.is_whitespace() {
                if !last_space {
                    push(&mut text, &mut origin, ' ');
                    last_space = true;
                }
                continue;
            }
            last_space = false;
            match fold_char(c) {
                Fold::Drop => {}
                Fold::One(f) => {
                    if f.is_ascii() {
                        push(&mut text, &mut origin, f.to_ascii_lowercase());
                    } else {
                        for l in f.to_lowercase() {
                            push(&mut text, &mut origin, l);
                        }
                    }
                }
                Fold::Str(s) => {
                    for f in s.chars() {
                        push(&mut text, &mut origin, f);
                    }
                }
            }
        }
        Folded {
            text,
            origin,
            original_len: original.len(),
        }
    }

    /// Maps a byte range of the folded text back to a byte range of the original.
    pub fn original_range(&self, folded: Range<usize>) -> Range<usize> {
        let start = self
            .origin
            .get(folded.start)
            .map_or(self.original_len, |&o| o as usize);
        let end = if folded.end >= self.origin.len() {
            self.original_len
        } else {
            // The original character of the first byte after the range starts where ours ends.
            self.origin[folded.end] as usize
        };
        start..end.max(start)
    }
}

enum Fold {
    Drop,
    One(char),
    Str(&'static str),
}

fn fold_char(c: char) -> Fold {
    match c {
        // Full-width ASCII block.
        '\u{FF01}'..='\u{FF5E}' => Fold::One(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => Fold::Drop,
        '“' | '”' | '„' | '«' | '»' => Fold::One('"'),
        '‘' | '’' | '‚' => Fold::One('\''),
        '…' => Fold::Str("..."),
        '、' => Fold::One(','),
        '–' | '—' | '−' => Fold::One('-'),
        c if c.is_control() => Fold::Drop,
        c => Fold::One(c),
    }
}

/// True for characters of the CJK scripts people write questions in.
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF | 0x3040..=0x30FF)
}

/// True when `b` can be part of an ASCII word (so a term next to it is not a whole word).
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Byte ranges of fenced code blocks (```…```) in `text`; an unclosed fence runs to the end.
pub fn code_fences(text: &str) -> Vec<Range<usize>> {
    let mut fences = Vec::new();
    let mut search = 0;
    while let Some(open) = find_fence(text, search) {
        let body = open + 3;
        match find_fence(text, body) {
            Some(close) => {
                let end = close + 3;
                fences.push(open..end);
                search = end;
            }
            None => {
                fences.push(open..text.len());
                break;
            }
        }
    }
    fences
}

/// The first "```" in `text` at or after `from`.
fn find_fence(text: &str, from: usize) -> Option<usize> {
    memchr::memmem::find(text.as_bytes().get(from..)?, b"```").map(|i| from + i)
}

/// Whether `pos` lies inside one of `ranges` (sorted, non-overlapping).
pub fn inside(ranges: &[Range<usize>], pos: usize) -> bool {
    let i = ranges.partition_point(|r| r.end <= pos);
    ranges.get(i).is_some_and(|r| r.start <= pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_case() {
        let f = Folded::new("错误码：１４  ERROR");
        assert_eq!(f.text, "错误码:14 error");
    }

    #[test]
    fn maps_back_to_original_bytes() {
        let original = "报错 ｅｒｒｏｒ：１４!";
        let f = Folded::new(original);
        let at = f.text.find("error:14").unwrap();
        let r = f.original_range(at..at + "error:14".len());
        assert_eq!(&original[r], "ｅｒｒｏｒ：１４");
    }

    #[test]
    fn collapses_whitespace_and_drops_zero_width() {
        let f = Folded::new("  a\u{200B}b \n\t c ");
        assert_eq!(f.text, "ab c ");
    }

    proptest::proptest! {
        /// The sixteen-byte fast path folds ASCII exactly as a character at a time would:
        /// lower case, controls dropped, each whitespace run one space.
        #[test]
        fn ascii_folds_like_the_plain_rule(s in "[a-zA-Z0-9 :{}\t\n\x01\x0b]{0,80}") {
            let mut expected = String::new();
            let mut last_space = true; // Leading whitespace is dropped.
            for c in s.chars() {
                if c.is_ascii_whitespace() || c == '\x0b' {
                    if !last_space {
                        expected.push(' ');
                        last_space = true;
                    }
                } else if !c.is_control() {
                    expected.push(c.to_ascii_lowercase());
                    last_space = false;
                }
            }
            proptest::prop_assert_eq!(Folded::new(&s).text, expected);
        }
    }

    #[test]
    fn finds_fences_including_unclosed() {
        let t = "x ```js\n{a:1}\n``` y ```z";
        let f = code_fences(t);
        assert_eq!(f.len(), 2);
        assert!(inside(&f, t.find("{a").unwrap()));
        assert!(!inside(&f, t.find(" y").unwrap()));
        assert!(inside(&f, t.len() - 1));
    }
}
