//! The matcher on arbitrary text, in Auto (both channel kinds) and Lookup: no panic, no hang.
#![no_main]

mod common;

use common::matcher;
use libfuzzer_sys::fuzz_target;
use reqdoctor::matcher::{Channel, Mode, DEFAULT_LOOKUP_CONFIDENCE};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let m = matcher();
    for channel in [Channel::Support, Channel::Team] {
        for hit in m.find_in(&text, Mode::Auto, channel) {
            assert!(m.knowledge().get(&hit.id).is_some());
        }
    }
    let _ = m.find(&text, Mode::Lookup);
    let _ = m.lookup(&text, DEFAULT_LOOKUP_CONFIDENCE);
});
