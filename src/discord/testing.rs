//! Test helpers: the frozen knowledge the Discord tests answer from.

use crate::knowledge::{Knowledge, SourceFile};

/// The knowledge in `tests/fixtures/discord/knowledge/`, as the e2e tests load it.
pub(crate) fn knowledge() -> Knowledge {
    let files = [
        SourceFile {
            name: "tests/fixtures/discord/knowledge/entries.toml".into(),
            text: include_str!("../../tests/fixtures/discord/knowledge/entries.toml").into(),
        },
        SourceFile {
            name: "tests/fixtures/discord/knowledge/vocabulary.toml".into(),
            text: include_str!("../../tests/fixtures/discord/knowledge/vocabulary.toml").into(),
        },
    ];
    Knowledge::from_files(&files).expect("fixture knowledge is valid")
}
