//! The one matcher every target shares: the bundled knowledge, compiled once per process.

use std::sync::{Arc, OnceLock};

use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::Matcher;

/// The bundled knowledge's matcher.
pub fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(Arc::new(Knowledge::bundled().unwrap())).unwrap())
}
