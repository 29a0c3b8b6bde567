//! One `match --jsonl` input line, as the command handles it (`reqdoctor::cli::match_line`),
//! in Auto and Lookup: valid lines give `answers`, others a located error, never a panic.
#![no_main]

mod common;

use common::matcher;
use libfuzzer_sys::fuzz_target;
use reqdoctor::matcher::Channel;

fuzz_target!(|data: &[u8]| {
    for lookup in [false, true] {
        if let Ok(v) = reqdoctor::cli::match_line(matcher(), data, lookup, Channel::Support) {
            assert!(v["answers"].is_array());
        }
    }
});
