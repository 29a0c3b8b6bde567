//! Pasted `fail` callback objects: JS object literals or JSON, found anywhere in a message.
//!
//! People paste `{data: "…", error: 14, headers: {…}, status: 13, errorMessage: "JSON parse
//! data error"}` straight from the console: unquoted keys, single quotes, ellipses, trailing
//! commas. No JSON parser accepts that, and a message may hold several objects or none, so
//! this is one tolerant, single-pass scanner over the folded text. Its stack is bounded, so
//! deeply nested or unbalanced braces cost linear time and no recursion.

use std::ops::Range;

/// Fields of a fail (or success) object that say something about the failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKey {
    /// Alipay `error` code.
    Error,
    /// Alipay `status` (HTTP status on success, sometimes a small number on fail).
    Status,
    /// WeChat `statusCode`.
    StatusCode,
    /// WeChat `errno`.
    Errno,
    /// WeChat `errMsg`.
    ErrMsg,
    /// Alipay `errorMessage`.
    ErrorMessage,
    /// Response body.
    Data,
    /// Response headers.
    Headers,
    /// `message` (Alipay `error: 1` prints `message: "not implemented!"`).
    Message,
    /// `errCode` / `errorCode`.
    ErrCode,
}

impl FieldKey {
    fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "error" => FieldKey::Error,
            "status" => FieldKey::Status,
            "statuscode" => FieldKey::StatusCode,
            "errno" => FieldKey::Errno,
            "errmsg" => FieldKey::ErrMsg,
            "errormessage" | "errormsg" => FieldKey::ErrorMessage,
            "data" => FieldKey::Data,
            "headers" | "header" => FieldKey::Headers,
            "message" | "msg" => FieldKey::Message,
            "errcode" | "errorcode" => FieldKey::ErrCode,
            _ => return None,
        })
    }
}

/// A field's value, as far as the scanner cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A number (as written; big values saturate).
    Number(i64),
    /// A string; the range is its content in the folded text.
    Text(Range<usize>),
    /// A nested object/array, `…`, a bare word.
    Other,
}

/// One recognised field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Which field.
    pub key: FieldKey,
    /// Its value.
    pub value: FieldValue,
    /// The range `key: value` covers in the folded text.
    pub span: Range<usize>,
}

/// A pasted object that carries at least one failure field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailObject {
    /// From `{` to `}` in the folded text.
    pub span: Range<usize>,
    /// The recognised top-level fields of this object.
    pub fields: Vec<Field>,
}

impl FailObject {
    /// The first field with `key`.
    pub fn get(&self, key: FieldKey) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Whether `span` (folded text) lies inside this object.
    pub fn contains(&self, span: &Range<usize>) -> bool {
        self.span.start <= span.start && span.end <= self.span.end
    }

    /// Whether the object carries an error message as text (`errMsg: "request:fail …"`):
    /// what a console prints, not what a program spells out as a literal.
    pub fn has_printed_message(&self) -> bool {
        [FieldKey::ErrMsg, FieldKey::ErrorMessage]
            .into_iter()
            .any(|k| matches!(self.get(k).map(|f| &f.value), Some(FieldValue::Text(_))))
    }

    /// The number in field `key`, when it holds one.
    pub fn number(&self, key: FieldKey) -> Option<i64> {
        match self.get(key)?.value {
            FieldValue::Number(n) => Some(n),
            _ => None,
        }
    }
}

/// Whether an object with these fields looks like a fail (or an HTTP success) result.
fn is_failure_shaped(fields: &[Field]) -> bool {
    let has = |key| fields.iter().any(|f: &Field| f.key == key);
    fields.iter().any(|f| {
        matches!(
            f.key,
            FieldKey::Error
                | FieldKey::Errno
                | FieldKey::ErrMsg
                | FieldKey::ErrorMessage
                | FieldKey::StatusCode
        )
    }) || (has(FieldKey::Status) && (has(FieldKey::Data) || has(FieldKey::Headers)))
}

/// Nesting deeper than this is skipped (counted, not tracked).
const MAX_DEPTH: usize = 32;
/// Objects reported per message at most.
const MAX_OBJECTS: usize = 16;

struct Frame {
    start: usize,
    object: bool,
    /// The pending key and where it started.
    key: Option<(Option<FieldKey>, usize)>,
    colon: bool,
    /// Where this frame's fields start in the shared field list.
    fields_from: usize,
}

/// Finds fail-shaped objects in `text` (folded), innermost first, in one pass.
pub fn scan(text: &str) -> Vec<FailObject> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut overflow = 0usize;
    // One list for the fields of every open object (each frame owns a tail of it), so that
    // a message full of braces costs no allocation per brace.
    let mut fields: Vec<Field> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if stack.is_empty() && overflow == 0 {
            // Fast path outside any object: jump to the next brace.
            match memchr::memchr(b'{', &b[i..]) {
                Some(off) => i += off,
                None => break,
            }
            let c = b[i];
            let object = c == b'{';
            stack.push(Frame {
                start: i,
                object,
                key: None,
                colon: false,
                fields_from: fields.len(),
            });
            i += 1;
            continue;
        }
        match c {
            b'{' | b'[' => {
                if let Some(top) = stack.last_mut() {
                    if top.colon {
                        record(top, &mut fields, FieldValue::Other, i + 1);
                    }
                }
                if stack.len() < MAX_DEPTH && overflow == 0 {
                    stack.push(Frame {
                        start: i,
                        object: c == b'{',
                        key: None,
                        colon: false,
                        fields_from: fields.len(),
                    });
                } else {
                    overflow += 1;
                }
                i += 1;
            }
            b'}' | b']' => {
                if overflow > 0 {
                    overflow -= 1;
                } else if let Some(frame) = stack.pop() {
                    let own = &fields[frame.fields_from..];
                    if frame.object && out.len() < MAX_OBJECTS && is_failure_shaped(own) {
                        out.push(FailObject {
                            span: frame.start..i + 1,
                            fields: own.to_vec(),
                        });
                    }
                    fields.truncate(frame.fields_from);
                }
                i += 1;
            }
            b'"' | b'\'' | b'`' => {
                let (end, closed) = string_end(b, i);
                if overflow == 0 {
                    if let Some(top) = stack.last_mut() {
                        let content = (i + 1)..if closed { end - 1 } else { end };
                        token(top, &mut fields, text, i, end, Token::Text(content));
                    }
                }
                i = end;
            }
            b':' | b'=' => {
                if let Some(top) = stack.last_mut() {
                    if top.key.is_some() {
                        top.colon = true;
                    }
                }
                i += 1;
            }
            b',' | b';' | b'\n' => {
                if let Some(top) = stack.last_mut() {
                    if top.colon {
                        record(top, &mut fields, FieldValue::Other, i);
                    }
                    top.key = None;
                    top.colon = false;
                }
                i += 1;
            }
            c if c.is_ascii_digit()
                || (c == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit)) =>
            {
                let start = i;
                i += 1;
                while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
                    i += 1;
                }
                if overflow == 0 {
                    if let Some(top) = stack.last_mut() {
                        let n = text[start..i]
                            .split('.')
                            .next()
                            .and_then(|s| s.parse::<i64>().ok())
                            .unwrap_or(i64::MAX);
                        token(top, &mut fields, text, start, i, Token::Number(n));
                    }
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$')
                {
                    i += 1;
                }
                if overflow == 0 {
                    if let Some(top) = stack.last_mut() {
                        token(top, &mut fields, text, start, i, Token::Word);
                    }
                }
            }
            _ => {
                // Bytes no arm acts on (spaces, CJK, punctuation) come in runs: skip the run.
                i += 1;
                while i < b.len() && INERT[b[i] as usize] {
                    i += 1;
                }
            }
        }
    }
    out
}

/// Bytes the scanner passes over without acting (`-` is not one: it may start a number).
static INERT: [bool; 256] = {
    let mut t = [true; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'{' | b'['
                    | b'}'
                    | b']'
                    | b'"'
                    | b'\''
                    | b'`'
                    | b':'
                    | b'='
                    | b','
                    | b';'
                    | b'\n'
                    | b'-'
                    | b'_'
                    | b'$'
            )
        {
            t[c] = false;
        }
        c += 1;
    }
    t
};

/// The index just past the string starting at `start` (its quote) and whether it was
/// closed; an unclosed string ends at the line end (or the text end). Both ends are char
/// boundaries: quotes and newlines are ASCII.
fn string_end(b: &[u8], start: usize) -> (usize, bool) {
    let quote = b[start];
    let mut i = start + 1;
    // Jump from one byte that matters to the next: strings (and unclosed ones, which run to
    // the line end) can be long.
    // (`quote` is one of `"`, `'` and a backtick, never a backslash or a newline.)
    while let Some(off) = memchr::memchr3(quote, b'\\', b'\n', b.get(i..).unwrap_or_default()) {
        i += off;
        match b[i] {
            // Skip the escaped byte only when it is ASCII, so `i` stays on a char boundary.
            b'\\' => {
                i += if b.get(i + 1).is_some_and(u8::is_ascii) {
                    2
                } else {
                    1
                }
            }
            b'\n' => return (i, false),
            _ => return (i + 1, true),
        }
    }
    (b.len(), false)
}

enum Token {
    Text(Range<usize>),
    Number(i64),
    Word,
}

fn token(
    top: &mut Frame,
    fields: &mut Vec<Field>,
    text: &str,
    start: usize,
    end: usize,
    tok: Token,
) {
    if !top.object {
        return;
    }
    if top.colon {
        let value = match tok {
            Token::Text(r) => FieldValue::Text(r),
            Token::Number(n) => FieldValue::Number(n),
            Token::Word => FieldValue::Other,
        };
        record(top, fields, value, end);
        return;
    }
    if top.key.is_none() {
        let raw = match &tok {
            Token::Text(r) => &text[r.clone()],
            _ => &text[start..end],
        };
        top.key = Some((FieldKey::from_key(raw.trim()), start));
    }
}

fn record(top: &mut Frame, fields: &mut Vec<Field>, value: FieldValue, end: usize) {
    if let Some((Some(key), start)) = top.key.take() {
        fields.push(Field {
            key,
            value,
            span: start..end,
        });
    }
    top.key = None;
    top.colon = false;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Folded;

    fn objects(s: &str) -> (String, Vec<FailObject>) {
        let f = Folded::new(s).text;
        let o = scan(&f);
        (f, o)
    }

    #[test]
    fn reads_the_seed_object_with_ellipses() {
        let (f, o) = objects(
            r#"{data: "请求超时异常", error: 14, headers: {…}, status: 13, errorMessage: "JSON parse data error"}"#,
        );
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].number(FieldKey::Error), Some(14));
        assert_eq!(o[0].number(FieldKey::Status), Some(13));
        match &o[0].get(FieldKey::ErrorMessage).unwrap().value {
            FieldValue::Text(r) => assert_eq!(&f[r.clone()], "json parse data error"),
            v => panic!("{v:?}"),
        }
    }

    #[test]
    fn reads_json_and_single_quotes_and_trailing_commas() {
        let (_, o) =
            objects(r#"fail: {"errno":600002,"errMsg":"request:fail url not in domain list"}"#);
        assert_eq!(o[0].number(FieldKey::Errno), Some(600002));
        let (_, o) = objects("{ errMsg: 'request:fail timeout', errno: 5, }");
        assert_eq!(o[0].number(FieldKey::Errno), Some(5));
        assert!(o[0].get(FieldKey::ErrMsg).is_some());
    }

    #[test]
    fn ignores_objects_without_failure_fields() {
        let (_, o) = objects("const a = { timeout: 5000, url: 'x' }; if (x) { y(); }");
        assert!(o.is_empty());
    }

    #[test]
    fn nested_success_object() {
        let (_, o) = objects("res = {data: {code: 1}, statusCode: 401, header: {...}}");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].number(FieldKey::StatusCode), Some(401));
    }

    #[test]
    fn hostile_nesting_is_linear_and_safe() {
        let deep = "{".repeat(200_000) + &"}".repeat(10);
        assert!(scan(&deep).is_empty());
        let unclosed = "{error: 14, errMsg: 'x".to_string() + &"a".repeat(100_000);
        assert!(scan(&unclosed).is_empty());
        // An unclosed string ending in a multi-byte character must not be sliced inside it.
        assert!(scan("{errmsg: '错误").is_empty());
        assert_eq!(scan("{errmsg: \"\\错\"}").len(), 1);
    }
}
