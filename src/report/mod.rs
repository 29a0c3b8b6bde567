//! `reqdoctor report`: what the bot learned over a period, for the people who keep the
//! knowledge files.
//!
//! The store hands over plain rows ([`ReportInput`]); [`Report::build`] turns them into three
//! sections and the renderers lay them out:
//!
//! - **unanswered**: the questions people keep asking that nothing answered, near-duplicates
//!   grouped (see [`group`]), most frequent first: candidates for new entries;
//! - **worst_helpful**: entries by share of 👍, least helpful first, with what people asked
//!   when they voted 👎: candidates for rewriting;
//! - **daily**: replies per entry per day: what the bot is actually used for.
//!
//! [`Report::to_table`] is for a terminal, [`Report::to_json`] for scripts and
//! [`Report::to_html`] is one self-contained page (inline CSS and SVG, no network) to mail or
//! attach. All user text is escaped by the renderers, never stored escaped.
//!
//! # JSON (`format_version` 1)
//!
//! The object has the fields of [`Report`], named as in Rust: `format_version`, `period`
//! (`since`, `until` in Unix seconds; `since_utc`, `until_utc` as `YYYY-MM-DD HH:MM`; `days`),
//! `totals` (see [`Totals`]), `unanswered` (list of [`UnansweredGroup`]), `worst_helpful`
//! (list of [`EntryHelpfulness`]; the entry's `entry_id`, `title` and `known` are inlined),
//! `daily` (see [`Daily`]; each entry in `daily.entries` likewise inlines `entry_id`, `title`,
//! `known`) and `notes` (sentences about what was left out). Fields are only ever added
//! within one `format_version`.

pub mod group;
pub mod stats;

mod chart;
mod display;
mod escape;
mod html;
mod normalize;
mod table;
mod time;

use serde::Serialize;

pub use group::UnansweredGroup;
pub use stats::{Daily, EntryDaily, EntryHelpfulness, EntryName};

use crate::store::{DailyReplies, EntryVotes, ReviewItem, ReviewKind, UnixTime};

/// Version of the JSON layout, bumped when a field changes meaning or goes away.
pub const FORMAT_VERSION: u32 = 1;

/// Most unanswered questions grouped per report: the newest ones are kept, so a flood of old
/// questions cannot make a report slow.
pub const GROUPING_CAP: usize = 5_000;

/// What the store knows about one period. The caller picks the rows (the report does not
/// filter review items or votes by time); replies per day outside the period are left out and
/// mentioned in [`Report::notes`].
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    /// Start of the period (Unix seconds, inclusive).
    pub since: UnixTime,
    /// End of the period (Unix seconds, exclusive).
    pub until: UnixTime,
    /// The review log: unanswered questions and 👎 replies.
    pub review: Vec<ReviewItem>,
    /// 👍/👎 counts per entry.
    pub votes: Vec<EntryVotes>,
    /// Replies per entry per day.
    pub replies: Vec<DailyReplies>,
}

/// How long the ranked tables are, so a CLI flag can change it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportOptions {
    /// Unanswered groups kept (most frequent first).
    pub top_unanswered: usize,
    /// Entries kept in the least-helpful table.
    pub top_worst: usize,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            top_unanswered: 20,
            top_worst: 20,
        }
    }
}

/// The period a report covers, in machine and human form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// Start (Unix seconds, inclusive).
    pub since: UnixTime,
    /// End (Unix seconds, exclusive).
    pub until: UnixTime,
    /// Start as `YYYY-MM-DD HH:MM` (UTC).
    pub since_utc: String,
    /// End as `YYYY-MM-DD HH:MM` (UTC).
    pub until_utc: String,
    /// Calendar days (UTC) the period touches: the length of [`Daily::days`].
    pub days: usize,
}

/// Headline numbers, counted before any "top N" cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Totals {
    /// Replies in the period.
    pub replies: u64,
    /// Entries that were shown at least once.
    pub entries_answered: usize,
    /// Unanswered questions in the review log.
    pub unanswered_questions: usize,
    /// Of those, how many were grouped (at most [`GROUPING_CAP`], the newest).
    pub unanswered_grouped: usize,
    /// Groups they formed (the table shows the top ones).
    pub unanswered_groups: usize,
    /// 👎 replies in the review log.
    pub downvoted_questions: usize,
    /// 👍 votes.
    pub helpful_votes: u64,
    /// 👎 votes.
    pub not_helpful_votes: u64,
    /// Entries with at least one vote (the least-helpful table shows the top ones).
    pub entries_voted: usize,
}

/// A finished report: build it once, render it as often as needed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// [`FORMAT_VERSION`], so scripts reading the JSON can check what they got.
    pub format_version: u32,
    /// The period covered.
    pub period: Period,
    /// Headline numbers.
    pub totals: Totals,
    /// Most frequent unanswered questions, near-duplicates grouped; count descending, then
    /// last asked descending.
    pub unanswered: Vec<UnansweredGroup>,
    /// Entries with votes, lowest 👍 share first.
    pub worst_helpful: Vec<EntryHelpfulness>,
    /// Replies per entry per day.
    pub daily: Daily,
    /// What was capped or left out, as sentences for people.
    pub notes: Vec<String>,
}

impl Report {
    /// Builds a report with the default table lengths ([`ReportOptions::default`]).
    /// `titles` gives an entry's English title for display (`None`: shown by its id).
    pub fn build(input: ReportInput, titles: &dyn Fn(&str) -> Option<String>) -> Report {
        Report::build_with(input, titles, ReportOptions::default())
    }

    /// Builds a report with chosen table lengths.
    pub fn build_with(
        input: ReportInput,
        titles: &dyn Fn(&str) -> Option<String>,
        options: ReportOptions,
    ) -> Report {
        let ReportInput {
            since,
            until,
            review,
            votes,
            replies,
        } = input;
        let mut notes = Vec::new();

        // Unanswered questions: the newest GROUPING_CAP, grouped.
        let mut unanswered: Vec<&ReviewItem> = review
            .iter()
            .filter(|i| i.kind == ReviewKind::Unanswered)
            .collect();
        let unanswered_questions = unanswered.len();
        if unanswered.len() > GROUPING_CAP {
            unanswered.sort_by_key(|i| std::cmp::Reverse(i.at));
            unanswered.truncate(GROUPING_CAP);
            notes.push(format!(
                "Only the newest {GROUPING_CAP} of {unanswered_questions} unanswered questions \
                 were grouped; older ones are left out."
            ));
        }
        let mut groups = group::group_questions(&unanswered);
        let unanswered_groups = groups.len();
        groups.truncate(options.top_unanswered);

        // Votes.
        let (mut worst, orphans) = stats::worst_helpful(&votes, &review, titles);
        let entries_voted = worst.len();
        let helpful_votes = worst.iter().map(|w| w.helpful).sum();
        let not_helpful_votes = worst.iter().map(|w| w.not_helpful).sum();
        worst.truncate(options.top_worst);
        if orphans > 0 {
            notes.push(format!(
                "{orphans} 👎 replies in the review log belong to entries without votes in \
                 this period and are not shown."
            ));
        }

        // Replies per day.
        let (daily, outside) = stats::daily(since, until, &replies, titles);
        if outside > 0 {
            notes.push(format!(
                "{outside} replies counted on days outside the period are not shown."
            ));
        }
        let (first_day, _) = stats::day_range(since, until);
        if first_day > since.div_euclid(crate::store::DAY) {
            notes.push(format!(
                "The period is longer than {} days; replies per day start on {}.",
                stats::MAX_DAYS,
                time::day_string(first_day)
            ));
        }

        let totals = Totals {
            replies: daily.totals.iter().sum(),
            entries_answered: daily.entries.len(),
            unanswered_questions,
            unanswered_grouped: unanswered.len(),
            unanswered_groups,
            downvoted_questions: review
                .iter()
                .filter(|i| i.kind == ReviewKind::Downvoted)
                .count(),
            helpful_votes,
            not_helpful_votes,
            entries_voted,
        };
        Report {
            format_version: FORMAT_VERSION,
            period: Period {
                since,
                until,
                since_utc: time::time_string(since),
                until_utc: time::time_string(until),
                days: daily.days.len(),
            },
            totals,
            unanswered: groups,
            worst_helpful: worst,
            daily,
            notes,
        }
    }

    /// True when the period has nothing to show: no replies, no votes, no review items. The
    /// renderers then say so instead of drawing empty tables.
    pub fn is_empty(&self) -> bool {
        self.totals.replies == 0
            && self.totals.entries_voted == 0
            && self.totals.unanswered_questions == 0
            && self.totals.downvoted_questions == 0
    }

    /// The report as JSON for scripts; the layout is described in the [module
    /// docs](self) and versioned by [`FORMAT_VERSION`].
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self)
            .unwrap_or_else(|e| serde_json::json!({ "error": format!("report to JSON: {e}") }))
    }

    /// The report as plain text for a terminal: aligned columns (CJK counted as two columns),
    /// no colours, user text on one line with control characters removed.
    pub fn to_table(&self) -> String {
        table::render(self)
    }

    /// The report as one self-contained HTML page: inline CSS, an inline SVG chart, no
    /// scripts and no network (a Content-Security-Policy forbids both), all user text
    /// escaped.
    pub fn to_html(&self) -> String {
        html::render(self)
    }
}

#[cfg(test)]
mod tests;
