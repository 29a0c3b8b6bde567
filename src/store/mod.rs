//! The bot's memory: server settings, votes, sent replies and the review log, in SQLite (the
//! default, a file beside the bot) or PostgreSQL (several bot processes sharing one store).

pub mod types;

pub use types::*;
