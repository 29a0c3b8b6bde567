//! The knowledge base: bilingual entries loaded from TOML files and validated.
//!
//! Files are read either from the copy built into the binary or from a directory. Every
//! problem is reported at once with `path:line:col: field: what is wrong`, so a support
//! engineer can fix a file without reading Rust.

mod load;
mod types;
mod validate;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use types::{Code, Entry, Example, Link, Localized, Platform, TableRow, Vocabulary};

/// Keyword groups one entry may have: the matcher keeps a bit and a slot per group.
pub const MAX_KEYWORD_GROUPS: usize = 8;

/// The knowledge folder shipped inside the binary.
static BUNDLED: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/knowledge");

/// One located problem in a knowledge file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File name as given to the loader (relative for bundled files).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
    /// The field the problem is about, e.g. `entry[3].links[0].url`.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            self.file, self.line, self.col, self.field, self.message
        )
    }
}

/// Why knowledge could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The directory or a file in it could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// What was being read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The files were read but contain problems; all of them are listed.
    #[error("{} problem(s) in the knowledge files:\n{}", .0.len(), ProblemList(.0))]
    Invalid(Vec<Problem>),
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// A knowledge source file: a display name and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Name used in problem reports.
    pub name: String,
    /// The TOML text.
    pub text: String,
}

/// Validated entries plus the shared vocabulary, ready for the matcher.
#[derive(Debug, Clone)]
pub struct Knowledge {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    /// Shared word lists from `vocabulary.toml` and the entry files' `[concepts]`.
    pub vocabulary: Vocabulary,
}

impl Knowledge {
    /// The knowledge built into the binary.
    pub fn bundled() -> Result<Self, KnowledgeError> {
        Self::from_files(&bundled_files())
    }

    /// Every `*.toml` file directly inside `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, KnowledgeError> {
        Self::from_files(&read_dir(dir)?)
    }

    /// Parses and validates `files`, reporting every problem at once.
    pub fn from_files(files: &[SourceFile]) -> Result<Self, KnowledgeError> {
        let (knowledge, problems) = Self::check_files(files);
        if problems.is_empty() {
            Ok(knowledge)
        } else {
            Err(KnowledgeError::Invalid(problems))
        }
    }

    /// Every problem in `files`, and the knowledge made of the entries that have no problem
    /// of their own, so that `reqdoctor check` can try those entries' examples in the same
    /// run instead of only once everything else is clean.
    pub fn check_files(files: &[SourceFile]) -> (Self, Vec<Problem>) {
        let loaded = load::parse_files(files);
        let mut problems = loaded.problems;
        let vocabulary = loaded.vocabulary;
        let mut cross = validate::check(&loaded.entries, &vocabulary, files);
        // A file or entry that could not be read hides its ids: references to them would
        // only be follow-ons of the problem already reported.
        let unread = loaded.entries.iter().any(|e| e.entry.id.is_empty())
            || problems.iter().any(|p| p.field == "(syntax)");
        if unread {
            cross.retain(|p| !p.message.starts_with("no entry has id"));
        }
        problems.extend(cross);
        let entries: Vec<Entry> = loaded
            .entries
            .into_iter()
            .filter(|e| {
                let file = &files[e.at.file].name;
                let field = format!("entry[{}]", e.index);
                !e.entry.id.is_empty()
                    && !problems.iter().any(|p| {
                        p.file == *file
                            && p.field
                                .strip_prefix(&field)
                                .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                    })
            })
            .map(|e| e.entry)
            .collect();
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.id.clone(), i))
            .collect();
        let knowledge = Knowledge {
            entries,
            by_id,
            vocabulary,
        };
        (knowledge, problems)
    }

    /// All entries in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Index of the entry with this id in [`Knowledge::entries`].
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }
}

/// The knowledge files built into the binary, sorted by name.
pub fn bundled_files() -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = BUNDLED
        .files()
        .filter(|f| f.path().extension().is_some_and(|e| e == "toml"))
        .map(|f| SourceFile {
            name: format!("knowledge/{}", f.path().display()),
            text: String::from_utf8_lossy(f.contents()).into_owned(),
        })
        .collect();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    files
}

/// Reads every `*.toml` file directly inside `dir`, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, KnowledgeError> {
    let io = |source| KnowledgeError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.is_file())
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|source| KnowledgeError::Io {
                path: path.clone(),
                source,
            })?;
            Ok(SourceFile {
                name: path.display().to_string(),
                text,
            })
        })
        .collect()
}

/// Line starts of one file, so that many offsets convert to line and column cheaply.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`'s lines (one pass).
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of byte `offset` in `text`.
    pub(crate) fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, text[start..offset].chars().count() + 1)
    }
}

/// Converts a byte offset into a 1-based line and column (in characters).
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut offset = offset;
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let t = "ab\n中文x";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, t.find('x').unwrap()), (2, 3));
        let ix = LineIndex::new(t);
        for offset in 0..=t.len() {
            assert_eq!(ix.line_col(t, offset), line_col(t, offset), "{offset}");
        }
    }
}
