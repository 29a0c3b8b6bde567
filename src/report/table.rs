//! The terminal layout of a report: a header, then one aligned table per section.

use std::fmt::Write as _;

use super::display::{display_text, truncate_width, width};
use super::time::{short_day_string, span_label, time_string};
use super::Report;

/// Widest question or sample shown, in terminal columns.
const TEXT_COLUMNS: usize = 72;
/// Widest entry title shown, in terminal columns.
const TITLE_COLUMNS: usize = 40;
/// Entries listed in the per-day table; the rest are summed on one line.
const DAILY_ROWS: usize = 15;
/// Most characters in a per-day sparkline; longer periods are summed into buckets.
const SPARK_COLUMNS: usize = 60;

/// How a column lines up.
#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Right,
}

/// Renders `report` for a terminal.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let p = &report.period;
    let t = &report.totals;
    let _ = writeln!(
        out,
        "reqdoctor report: {} – {} UTC ({})",
        p.since_utc,
        p.until_utc,
        span_label(p.until - p.since)
    );
    if report.is_empty() {
        out.push_str(
            "\nNothing to report yet: no replies, votes or review-log entries in this period.\n",
        );
        notes(&mut out, report);
        return out;
    }
    let _ = writeln!(
        out,
        "Replies: {} from {} entr{} · Unanswered: {} question{} in {} group{} · \
         Votes: {} 👍 / {} 👎",
        t.replies,
        t.entries_answered,
        if t.entries_answered == 1 { "y" } else { "ies" },
        t.unanswered_questions,
        plural(t.unanswered_questions as u64),
        t.unanswered_groups,
        plural(t.unanswered_groups as u64),
        t.helpful_votes,
        t.not_helpful_votes
    );
    unanswered(&mut out, report);
    worst(&mut out, report);
    daily(&mut out, report);
    notes(&mut out, report);
    out
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn unanswered(out: &mut String, report: &Report) {
    let shown = report.unanswered.len();
    let _ = writeln!(
        out,
        "\nMost frequent unanswered questions (top {shown} of {} group{})",
        report.totals.unanswered_groups,
        plural(report.totals.unanswered_groups as u64)
    );
    if shown == 0 {
        out.push_str("  None: every question got an answer.\n");
        return;
    }
    let mut rows = Vec::new();
    for (i, g) in report.unanswered.iter().enumerate() {
        let question = if g.text.is_empty() {
            "(no text)".to_string()
        } else {
            truncate_width(&g.text, TEXT_COLUMNS)
        };
        rows.push(vec![
            (i + 1).to_string(),
            g.count.to_string(),
            g.channels.to_string(),
            time_string(g.first_seen),
            time_string(g.last_seen),
            question,
        ]);
        for s in &g.samples {
            rows.push(continuation(
                6,
                format!("≈ {}", truncate_width(s, TEXT_COLUMNS - 2)),
            ));
        }
    }
    layout(
        out,
        &[
            ("#", Align::Right),
            ("Asked", Align::Right),
            ("Channels", Align::Right),
            ("First seen", Align::Left),
            ("Last seen", Align::Left),
            ("Question", Align::Left),
        ],
        &rows,
    );
}

fn worst(out: &mut String, report: &Report) {
    let shown = report.worst_helpful.len();
    let _ = writeln!(
        out,
        "\nLeast helpful entries (top {shown} of {} with votes)",
        report.totals.entries_voted
    );
    if shown == 0 {
        out.push_str("  No votes yet.\n");
        return;
    }
    let mut rows = Vec::new();
    for (i, w) in report.worst_helpful.iter().enumerate() {
        rows.push(vec![
            (i + 1).to_string(),
            format!("{:.0}%", w.helpful_ratio * 100.0),
            w.helpful.to_string(),
            w.not_helpful.to_string(),
            entry_label(&w.entry.title, &w.entry.entry_id, w.entry.known),
        ]);
        for s in &w.samples {
            rows.push(continuation(
                5,
                format!("👎 {}", truncate_width(s, TEXT_COLUMNS - 3)),
            ));
        }
    }
    layout(
        out,
        &[
            ("#", Align::Right),
            ("Helpful", Align::Right),
            ("👍", Align::Right),
            ("👎", Align::Right),
            ("Entry", Align::Left),
        ],
        &rows,
    );
}

fn daily(out: &mut String, report: &Report) {
    let d = &report.daily;
    let (Some(first), Some(last)) = (d.days.first(), d.days.last()) else {
        return;
    };
    let _ = writeln!(out, "\nReplies per day ({first} – {last})");
    if d.entries.is_empty() {
        out.push_str("  No replies yet.\n");
        return;
    }
    let mut rows = Vec::new();
    let spark_header = bucket_label(d.days.len());
    for e in d.entries.iter().take(DAILY_ROWS) {
        rows.push(vec![
            entry_label(&e.entry.title, &e.entry.entry_id, e.entry.known),
            e.total.to_string(),
            busiest(d.first_day, &e.replies),
            sparkline(&e.replies),
        ]);
    }
    let rest = &d.entries[d.entries.len().min(DAILY_ROWS)..];
    if !rest.is_empty() {
        let mut sum = vec![0u64; d.days.len()];
        for e in rest {
            for (s, r) in sum.iter_mut().zip(&e.replies) {
                *s = s.saturating_add(*r);
            }
        }
        rows.push(vec![
            format!("({} more entries)", rest.len()),
            sum.iter().sum::<u64>().to_string(),
            busiest(d.first_day, &sum),
            sparkline(&sum),
        ]);
    }
    rows.push(vec![
        "All entries".to_string(),
        report.totals.replies.to_string(),
        busiest(d.first_day, &d.totals),
        sparkline(&d.totals),
    ]);
    layout(
        out,
        &[
            ("Entry", Align::Left),
            ("Total", Align::Right),
            ("Busiest day", Align::Left),
            (&spark_header, Align::Left),
        ],
        &rows,
    );
}

fn notes(out: &mut String, report: &Report) {
    if report.notes.is_empty() {
        return;
    }
    out.push_str("\nNotes\n");
    for n in &report.notes {
        let _ = writeln!(out, "  - {n}");
    }
}

/// "Title (id)", or just the id (marked) when the knowledge files do not know it.
fn entry_label(title: &str, id: &str, known: bool) -> String {
    let title = display_text(title);
    let id = display_text(id);
    if !known {
        return format!("{} (unknown entry)", truncate_width(&id, TITLE_COLUMNS));
    }
    format!("{} ({id})", truncate_width(&title, TITLE_COLUMNS))
}

/// A row whose only text is in the last column, under `before` empty cells.
fn continuation(before: usize, text: String) -> Vec<String> {
    let mut row = vec![String::new(); before - 1];
    row.push(text);
    row
}

/// Days summed per sparkline character.
fn bucket_size(days: usize) -> usize {
    days.div_ceil(SPARK_COLUMNS).max(1)
}

fn bucket_label(days: usize) -> String {
    match bucket_size(days) {
        1 => "Per day".to_string(),
        k => format!("Per {k} days"),
    }
}

/// The day with most replies, `MM-DD (n)`; `-` without replies.
fn busiest(first_day: i64, replies: &[u64]) -> String {
    let best = replies
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)));
    match best {
        Some((i, &n)) if n > 0 => {
            format!("{} ({n})", short_day_string(first_day + i as i64))
        }
        _ => "-".to_string(),
    }
}

/// One character per day (or bucket of days): `·` for none, `▁`…`█` by share of the busiest.
fn sparkline(replies: &[u64]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let buckets: Vec<u64> = replies
        .chunks(bucket_size(replies.len()))
        .map(|c| c.iter().fold(0u64, |a, &b| a.saturating_add(b)))
        .collect();
    let max = buckets.iter().copied().max().unwrap_or(0).max(1);
    buckets
        .iter()
        .map(|&v| {
            if v == 0 {
                '·'
            } else {
                let level = ((v as u128 * 8).div_ceil(max as u128)) as usize;
                LEVELS[level.clamp(1, 8) - 1]
            }
        })
        .collect()
}

/// Writes `rows` under `header`, each column as wide as its widest cell; the last column is
/// not padded, so lines carry no trailing spaces.
fn layout(out: &mut String, header: &[(&str, Align)], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|(h, _)| width(h)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(width(cell));
        }
    }
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = &str>| {
        let mut text = String::new();
        for (i, cell) in cells.enumerate() {
            let (w, align) = (widths[i], header[i].1);
            let pad = " ".repeat(w.saturating_sub(width(cell)));
            text.push_str("  ");
            if i + 1 == header.len() {
                if align == Align::Right {
                    text.push_str(&pad);
                }
                text.push_str(cell);
            } else if align == Align::Right {
                text.push_str(&pad);
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&pad);
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(out, &mut header.iter().map(|(h, _)| *h));
    for row in rows {
        line(out, &mut row.iter().map(String::as_str));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_and_buckets() {
        assert_eq!(sparkline(&[0, 1, 8]), "·▁█");
        assert_eq!(sparkline(&[0; 3]), "···");
        assert_eq!(sparkline(&vec![1; 120]).chars().count(), 60);
    }

    #[test]
    fn columns_line_up_with_cjk() {
        let mut out = String::new();
        layout(
            &mut out,
            &[
                ("N", Align::Right),
                ("Text", Align::Left),
                ("X", Align::Left),
            ],
            &[
                vec!["1".into(), "报错报错".into(), "a".into()],
                vec!["22".into(), "err".into(), "b".into()],
            ],
        );
        let lines: Vec<&str> = out.lines().collect();
        let col = |l: &str| width(&l[..l.rfind(' ').unwrap_or(0)]);
        assert_eq!(col(lines[1]), col(lines[2]), "{out}");
        assert_eq!(col(lines[0]), col(lines[1]), "{out}");
        assert!(out.lines().all(|l| !l.ends_with(' ')));
    }
}
