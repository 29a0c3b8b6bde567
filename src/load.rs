//! Knowledge from a directory or the bundled copy, compiled into a matcher: the one start-up
//! step the command line and the bot share, kept below both so neither imports the other.

use std::path::Path;
use std::sync::Arc;

use crate::knowledge::{Knowledge, KnowledgeError};
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
