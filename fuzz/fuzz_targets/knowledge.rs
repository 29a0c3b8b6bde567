//! The knowledge loader on arbitrary TOML bytes, beside the real vocabulary: every problem is
//! located inside the file, and what loads (all of it, or the sound entries as `check` takes
//! them) compiles into a matcher whose examples can be tried.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use reqdoctor::knowledge::{Knowledge, SourceFile};
use reqdoctor::matcher::Matcher;

fn vocabulary() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../knowledge/vocabulary.toml"
        ))
        .unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let lines = text.lines().count().max(1);
    let files = [
        SourceFile {
            name: "knowledge/vocabulary.toml".into(),
            text: vocabulary().to_string(),
        },
        SourceFile {
            name: "knowledge/fuzz.toml".into(),
            text,
        },
    ];
    // As `reqdoctor check` does: every problem, located inside the file, and the entries
    // without problems of their own compiled and their examples tried.
    let (knowledge, problems) = Knowledge::check_files(&files);
    for p in &problems {
        assert_eq!(p.file, "knowledge/fuzz.toml", "{p}");
        assert!(p.line >= 1 && p.line <= lines + 1, "{p}");
    }
    if problems.is_empty() {
        assert!(Knowledge::from_files(&files).is_ok());
    }
    if let Ok(m) = Matcher::new(Arc::new(knowledge)) {
        for p in m.check_examples() {
            assert_eq!(p.file, "knowledge/fuzz.toml", "{p}");
        }
    }
});
