//! The knowledge loader on arbitrary TOML bytes, beside the real vocabulary: every problem is
//! located inside the file, and what loads compiles into a matcher.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use reqdoctor::knowledge::{Knowledge, KnowledgeError, SourceFile};
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
    match Knowledge::from_files(&files) {
        Ok(k) => {
            let _ = Matcher::new(Arc::new(k));
        }
        Err(KnowledgeError::Invalid(problems)) => {
            assert!(!problems.is_empty());
            for p in problems {
                assert_eq!(p.file, "knowledge/fuzz.toml", "{p}");
                assert!(p.line >= 1 && p.line <= lines + 1, "{p}");
            }
        }
        Err(e) => panic!("unexpected error kind: {e}"),
    }
});
