//! The two number sections of a report: entries people found least helpful, and replies per
//! entry per day.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::display::display_text;
use super::time::day_string;
use crate::store::{DailyReplies, EntryVotes, ReviewItem, ReviewKind, UnixTime, DAY};

/// Downvoted questions shown per entry.
pub const MAX_DOWNVOTED_SAMPLES: usize = 3;

/// Longest period the daily grid covers, in days; a longer one keeps its last days.
pub const MAX_DAYS: i64 = 3_660;

/// How an entry's display name is found: its English title, or `None` for an id the
/// knowledge files do not know (any more).
pub(crate) type Titles<'a> = &'a dyn Fn(&str) -> Option<String>;

/// An entry as a report shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryName {
    /// The entry's id in the knowledge files.
    pub entry_id: String,
    /// Its English title, or the id when the knowledge files do not know it.
    pub title: String,
    /// Whether the knowledge files know the id (false: a removed or renamed entry).
    pub known: bool,
}

impl EntryName {
    /// Looks `entry_id` up with `titles`.
    pub(crate) fn new(entry_id: &str, titles: Titles<'_>) -> EntryName {
        let title = titles(entry_id).map(|t| display_text(&t));
        EntryName {
            entry_id: entry_id.to_string(),
            known: title.is_some(),
            title: title
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| entry_id.to_string()),
        }
    }
}

/// One entry's votes, for the "least helpful entries" table: the entries to rewrite first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntryHelpfulness {
    /// The entry.
    #[serde(flatten)]
    pub entry: EntryName,
    /// 👍 votes.
    pub helpful: u64,
    /// 👎 votes.
    pub not_helpful: u64,
    /// `helpful / (helpful + not_helpful)`, 0.0–1.0.
    pub helpful_ratio: f64,
    /// 👎 replies of this entry in the review log.
    pub downvoted_questions: usize,
    /// Up to [`MAX_DOWNVOTED_SAMPLES`] distinct questions whose reply got a 👎, newest first:
    /// what people asked when this entry did not help. User text.
    pub samples: Vec<String>,
}

/// Entries with votes, least helpful first (ties: more 👎 first, then by id). Votes for one
/// entry given in several rows are added up. Returns the rows and how many 👎 review items
/// named an entry without votes (left out).
pub(crate) fn worst_helpful(
    votes: &[EntryVotes],
    review: &[ReviewItem],
    titles: Titles<'_>,
) -> (Vec<EntryHelpfulness>, usize) {
    let mut tallies: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    for v in votes {
        let t = tallies.entry(v.entry_id.as_str()).or_default();
        t.0 = t.0.saturating_add(v.tally.helpful);
        t.1 = t.1.saturating_add(v.tally.not_helpful);
    }
    tallies.retain(|_, (h, n)| h.saturating_add(*n) > 0);

    // Downvoted questions per entry, newest first.
    let mut downvoted: HashMap<&str, Vec<&ReviewItem>> = HashMap::new();
    let mut orphans = 0;
    for item in review.iter().filter(|i| i.kind == ReviewKind::Downvoted) {
        match item.entry_id.as_deref() {
            Some(id) if tallies.contains_key(id) => downvoted.entry(id).or_default().push(item),
            _ => orphans += 1,
        }
    }

    let mut rows: Vec<EntryHelpfulness> = tallies
        .into_iter()
        .map(|(id, (helpful, not_helpful))| {
            let mut items = downvoted.remove(id).unwrap_or_default();
            items.sort_by_key(|i| std::cmp::Reverse(i.at));
            let mut seen = HashSet::new();
            let samples = items
                .iter()
                .map(|i| display_text(&i.text))
                .filter(|t| !t.is_empty() && seen.insert(t.clone()))
                .take(MAX_DOWNVOTED_SAMPLES)
                .collect();
            EntryHelpfulness {
                entry: EntryName::new(id, titles),
                helpful,
                not_helpful,
                helpful_ratio: helpful as f64 / (helpful as f64 + not_helpful as f64),
                downvoted_questions: items.len(),
                samples,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        a.helpful_ratio
            .total_cmp(&b.helpful_ratio)
            .then(b.not_helpful.cmp(&a.not_helpful))
            .then_with(|| a.entry.entry_id.cmp(&b.entry.entry_id))
    });
    (rows, orphans)
}

/// Replies per entry per day over the whole period, days without replies included, for the
/// chart and for spotting entries that stopped (or started) being shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Daily {
    /// The first day, in days since the Unix epoch (UTC).
    pub first_day: i64,
    /// Every day of the period, `YYYY-MM-DD` (UTC), oldest first.
    pub days: Vec<String>,
    /// Replies per day, all entries together (same length as `days`).
    pub totals: Vec<u64>,
    /// Entries with at least one reply in the period, most replies first (ties by id).
    pub entries: Vec<EntryDaily>,
}

/// One entry's line in [`Daily`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryDaily {
    /// The entry.
    #[serde(flatten)]
    pub entry: EntryName,
    /// Replies in the whole period.
    pub total: u64,
    /// Replies per day, same length and order as [`Daily::days`].
    pub replies: Vec<u64>,
}

/// The days a period `[since, until)` touches, as days since the epoch, inclusive; at least
/// one day, at most [`MAX_DAYS`] (the last ones).
pub(crate) fn day_range(since: UnixTime, until: UnixTime) -> (i64, i64) {
    let first = since.div_euclid(DAY);
    let last = until.saturating_sub(1).div_euclid(DAY).max(first);
    (first.max(last - (MAX_DAYS - 1)), last)
}

/// The dense per-day grid for `[since, until)`. Rows on the same entry and day are added up.
/// Also returns the replies on days outside the period (left out, for a note).
pub(crate) fn daily(
    since: UnixTime,
    until: UnixTime,
    rows: &[DailyReplies],
    titles: Titles<'_>,
) -> (Daily, u64) {
    let (first, last) = day_range(since, until);
    let len = (last - first + 1) as usize;
    let mut grid: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut outside = 0u64;
    for r in rows {
        if r.day < first || r.day > last {
            outside = outside.saturating_add(r.replies);
            continue;
        }
        let line = grid
            .entry(r.entry_id.as_str())
            .or_insert_with(|| vec![0; len]);
        let cell = &mut line[(r.day - first) as usize];
        *cell = cell.saturating_add(r.replies);
    }
    let mut entries: Vec<EntryDaily> = grid
        .into_iter()
        .map(|(id, replies)| EntryDaily {
            entry: EntryName::new(id, titles),
            total: replies.iter().fold(0u64, |a, &b| a.saturating_add(b)),
            replies,
        })
        .filter(|e| e.total > 0)
        .collect();
    entries.sort_by(|a, b| {
        b.total
            .cmp(&a.total)
            .then_with(|| a.entry.entry_id.cmp(&b.entry.entry_id))
    });
    let totals = (0..len)
        .map(|d| {
            entries
                .iter()
                .fold(0u64, |a, e| a.saturating_add(e.replies[d]))
        })
        .collect();
    let daily = Daily {
        first_day: first,
        days: (first..=last).map(day_string).collect(),
        totals,
        entries,
    };
    (daily, outside)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Tally;

    fn no_titles(_: &str) -> Option<String> {
        None
    }

    fn votes(id: &str, helpful: u64, not_helpful: u64) -> EntryVotes {
        EntryVotes {
            entry_id: id.to_string(),
            tally: Tally {
                helpful,
                not_helpful,
            },
        }
    }

    fn downvoted(id: &str, text: &str, at: UnixTime) -> ReviewItem {
        ReviewItem {
            guild_id: 1,
            channel_id: 2,
            kind: ReviewKind::Downvoted,
            entry_id: Some(id.to_string()),
            text: text.to_string(),
            at,
        }
    }

    #[test]
    fn least_helpful_first_ties_by_more_downvotes() {
        let (rows, orphans) = worst_helpful(
            &[
                votes("good", 9, 1),
                votes("bad", 1, 3),
                votes("bad-big", 2, 6),
                votes("none", 0, 0),
                votes("good", 0, 0),
            ],
            &[
                downvoted("bad", "first", 1),
                downvoted("bad", "second", 2),
                downvoted("bad", "second", 3),
                downvoted("bad", "", 4),
                downvoted("bad", "third", 5),
                downvoted("bad", "fourth", 6),
                downvoted("gone", "x", 7),
            ],
            &no_titles,
        );
        let ids: Vec<&str> = rows.iter().map(|r| r.entry.entry_id.as_str()).collect();
        assert_eq!(ids, ["bad-big", "bad", "good"]);
        assert_eq!(rows[1].helpful_ratio, 0.25);
        assert_eq!(rows[2].helpful_ratio, 0.9);
        assert_eq!(rows[1].downvoted_questions, 6);
        assert_eq!(rows[1].samples, ["fourth", "third", "second"]);
        assert_eq!(orphans, 1);
        assert_eq!(rows[0].entry.title, "bad-big");
        assert!(!rows[0].entry.known);
    }

    #[test]
    fn days_are_dense_and_zero_filled() {
        let day0 = 19_844; // 2024-05-01
        let since = day0 * DAY + 3_600;
        let until = (day0 + 4) * DAY + 60; // touches 5 days
        let row = |id: &str, day: i64, replies: u64| DailyReplies {
            entry_id: id.to_string(),
            day,
            replies,
        };
        let titles = |id: &str| (id == "a").then(|| "Entry A".to_string());
        let (d, outside) = daily(
            since,
            until,
            &[
                row("b", day0 + 1, 2),
                row("a", day0, 1),
                row("a", day0 + 3, 4),
                row("a", day0 + 3, 1),
                row("b", day0 + 4, 1),
                row("c", day0 - 1, 7),
                row("z", day0 + 2, 0),
            ],
            &titles,
        );
        assert_eq!(outside, 7);
        assert_eq!(d.first_day, day0);
        assert_eq!(d.days.len(), 5);
        assert_eq!(d.days[0], "2024-05-01");
        assert_eq!(d.days[4], "2024-05-05");
        assert_eq!(d.entries.len(), 2);
        assert_eq!(d.entries[0].entry.title, "Entry A");
        assert_eq!(d.entries[0].replies, [1, 0, 0, 5, 0]);
        assert_eq!(d.entries[0].total, 6);
        assert_eq!(d.entries[1].replies, [0, 2, 0, 0, 1]);
        assert_eq!(d.totals, [1, 2, 0, 5, 1]);
    }

    #[test]
    fn day_range_edges() {
        // `until` on midnight does not add an empty day.
        assert_eq!(day_range(10 * DAY, 17 * DAY), (10, 16));
        assert_eq!(day_range(10 * DAY, 10 * DAY), (10, 10));
        assert_eq!(day_range(10 * DAY, 5 * DAY), (10, 10));
        let (first, last) = day_range(0, 100_000 * DAY);
        assert_eq!(last - first + 1, MAX_DAYS);
    }
}
