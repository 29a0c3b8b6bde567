//! Knowledge from a directory or the bundled copy, compiled into a matcher: the one start-up
//! step the command line and the bot share, kept below both so neither imports the other.

use std::path::Path;
use std::sync::Arc;

use crate::knowledge::{self, Knowledge, KnowledgeError, Problem};
use crate::matcher::{Matcher, MatcherError};

/// Why the knowledge could not be turned into a matcher.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Knowledge could not be loaded.
    #[error(transparent)]
    Knowledge(#[from] KnowledgeError),
    /// The matcher could not be built.
    #[error(transparent)]
    Matcher(#[from] MatcherError),
}

/// Loads knowledge from `dir` (`--knowledge`), or the copy built into the binary.
pub fn load_knowledge(dir: Option<&Path>) -> Result<Knowledge, KnowledgeError> {
    match dir {
        Some(d) => Knowledge::from_dir(d),
        None => Knowledge::bundled(),
    }
}

/// Loads knowledge and compiles a matcher, as every front end does at start-up.
pub fn load_matcher(dir: Option<&Path>) -> Result<Matcher, LoadError> {
    let knowledge = Arc::new(load_knowledge(dir)?);
    Ok(Matcher::new(knowledge)?)
}

/// What checking knowledge found: every problem at once, and the matcher when there is none.
pub struct Checked {
    /// The files' problems, then the examples' (tried on the entries without problems).
    pub problems: Vec<Problem>,
    /// The compiled knowledge, when nothing is wrong.
    pub matcher: Option<Matcher>,
    /// Entries compiled: those without problems of their own.
    pub entries: usize,
    /// Examples tried.
    pub examples: usize,
}

/// Checks the knowledge in `dir` (or the bundled copy) as `reqdoctor check` and the bot's
/// reload do: the files, and in the same run every example of the entries that have no
/// problem of their own, each located like the other problems (`entry[N]` within its file).
pub fn check_knowledge(dir: Option<&Path>) -> Result<Checked, LoadError> {
    let files = match dir {
        Some(d) => knowledge::read_dir(d)?,
        None => knowledge::bundled_files(),
    };
    let (knowledge, mut problems) = Knowledge::check_files(&files);
    let entries = knowledge.entries().len();
    let examples = knowledge.entries().iter().map(|e| e.examples.len()).sum();
    let matcher = match Matcher::new(Arc::new(knowledge)) {
        Ok(m) => m,
        // The files' problems come first; a matcher that cannot be built from the rest is
        // one of their consequences.
        Err(_) if !problems.is_empty() => {
            return Ok(Checked {
                problems,
                matcher: None,
                entries,
                examples: 0,
            })
        }
        Err(e) => return Err(e.into()),
    };
    problems.extend(matcher.check_examples());
    let matcher = problems.is_empty().then_some(matcher);
    Ok(Checked {
        problems,
        matcher,
        entries,
        examples,
    })
}
