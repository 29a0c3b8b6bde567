//! The fail-object parser, through the matcher (its scanner is private to `matcher`): the
//! input as pasted, inside a code fence, and as the body of `{…}` after an error key, so
//! unclosed braces, quotes and nesting reach the parser from every side.
#![no_main]

mod common;

use common::matcher;
use libfuzzer_sys::fuzz_target;
use reqdoctor::matcher::Mode;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let m = matcher();
    for wrapped in [
        text.to_string(),
        format!("```\n{text}\n```"),
        format!("my.request fail: {{error: 14, errorMessage: {text}"),
        format!("wx.request {{\"errMsg\": \"request:fail {text}\", \"errno\": {text}}}"),
    ] {
        let _ = m.find(&wrapped, Mode::Auto);
    }
});
