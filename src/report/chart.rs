//! The "answers per entry over time" chart: an inline SVG of stacked bars, one bar per day
//! (or per few days for long periods), one colour per entry for the busiest entries and grey
//! for all others, with axes and a legend. Plain SVG so the page needs no script or network.

use std::fmt::Write as _;

use super::display::truncate_chars;
use super::escape::escape;
use super::stats::Daily;
use super::time::{day_string, short_day_string, year_of};

/// Colours for the busiest entries, in order (Tableau 10: distinct, colour-blind tolerant).
pub(crate) const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
];
/// Colour of the "other entries" series.
pub(crate) const OTHER_COLOUR: &str = "#9c9c9c";
/// Entries drawn in their own colour; the rest are summed as "other entries".
pub(crate) const MAX_SERIES: usize = PALETTE.len();
/// Most bars drawn; longer periods put several days in one bar.
pub(crate) const MAX_BARS: usize = 92;

// Geometry, in SVG user units (the SVG scales to the page width).
const WIDTH: f64 = 960.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const PLOT_HEIGHT: f64 = 260.0;
const AXIS_SPACE: f64 = 52.0;
const LEGEND_ROW: f64 = 22.0;
const LEGEND_COLUMNS: usize = 2;
const WIDEST_BAR: f64 = 48.0;

/// One coloured layer of the stacked bars.
struct Series<'a> {
    /// Entry id, or empty for "other entries".
    id: &'a str,
    label: String,
    colour: &'static str,
    total: u64,
    /// Replies per bar.
    values: Vec<u64>,
}

/// Days per bar for a period of `days` days.
pub(crate) fn days_per_bar(days: usize) -> usize {
    days.div_ceil(MAX_BARS).max(1)
}

/// The chart's series, busiest first, "other entries" last (if any).
fn series(daily: &Daily) -> Vec<Series<'_>> {
    let per_bar = days_per_bar(daily.days.len());
    let bars = |replies: &[u64]| -> Vec<u64> {
        replies
            .chunks(per_bar)
            .map(|c| c.iter().fold(0u64, |a, &b| a.saturating_add(b)))
            .collect()
    };
    let mut out: Vec<Series<'_>> = daily
        .entries
        .iter()
        .zip(PALETTE)
        .map(|(e, colour)| Series {
            id: &e.entry.entry_id,
            label: e.entry.title.clone(),
            colour,
            total: e.total,
            values: bars(&e.replies),
        })
        .collect();
    let rest = daily.entries.get(MAX_SERIES..).unwrap_or_default();
    if !rest.is_empty() {
        let mut sum = vec![0u64; daily.days.len()];
        for e in rest {
            for (s, r) in sum.iter_mut().zip(&e.replies) {
                *s = s.saturating_add(*r);
            }
        }
        out.push(Series {
            id: "",
            label: format!("{} other entries", rest.len()),
            colour: OTHER_COLOUR,
            total: sum.iter().fold(0u64, |a, &b| a.saturating_add(b)),
            values: bars(&sum),
        });
    }
    out
}

/// A round step for about four gridlines up to `max`: 1, 2 or 5 times a power of ten.
fn nice_step(max: u64) -> u64 {
    let raw = max.div_ceil(4).max(1);
    let mut magnitude = 1u64;
    while magnitude.saturating_mul(10) <= raw {
        magnitude *= 10;
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&s| s >= raw)
        .unwrap_or(raw)
}

/// The chart as an `<svg>` element, or `None` when there are no replies to draw.
pub(crate) fn svg(daily: &Daily) -> Option<String> {
    let series = series(daily);
    if series.is_empty() {
        return None;
    }
    let per_bar = days_per_bar(daily.days.len());
    let bars = series.first().map_or(0, |s| s.values.len()).max(1);
    let stack_max = (0..bars)
        .map(|b| series.iter().map(|s| s.values[b]).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let step = nice_step(stack_max);
    let y_top = stack_max.div_ceil(step) * step;

    let plot_width = WIDTH - LEFT - RIGHT;
    let bottom = TOP + PLOT_HEIGHT;
    let legend_rows = series.len().div_ceil(LEGEND_COLUMNS);
    let legend_top = bottom + AXIS_SPACE;
    let height = legend_top + legend_rows as f64 * LEGEND_ROW + 8.0;
    let y_of = |v: u64| bottom - v as f64 / y_top as f64 * PLOT_HEIGHT;

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height:.0}" width="{WIDTH}" height="{height:.0}" role="img" aria-label="Answers per entry per day">"#
    );

    // Gridlines and y labels.
    s.push_str(r#"<g class="y-axis">"#);
    let mut v = 0;
    while v <= y_top {
        let y = y_of(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="{}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{v}</text>"##,
            WIDTH - RIGHT,
            if v == 0 { "#555" } else { "#e3e3e3" },
            LEFT - 6.0,
            y + 4.0
        );
        v += step;
    }
    let _ = write!(
        s,
        r#"<text class="axis-title" transform="translate(14 {:.1}) rotate(-90)" text-anchor="middle">Answers</text></g>"#,
        TOP + PLOT_HEIGHT / 2.0
    );

    // Bars, one group per series, stacked busiest entry at the bottom.
    let band = plot_width / bars as f64;
    let bar_width = (band * 0.8).clamp(1.0, WIDEST_BAR);
    let mut stacked = vec![0u64; bars];
    for se in &series {
        let _ = write!(
            s,
            r#"<g class="series" data-entry="{}" fill="{}">"#,
            escape(se.id),
            se.colour
        );
        for (b, &value) in se.values.iter().enumerate() {
            if value == 0 {
                continue;
            }
            let y1 = y_of(stacked[b]);
            stacked[b] = stacked[b].saturating_add(value);
            let y0 = y_of(stacked[b]);
            let h = (y1 - y0).max(1.0);
            let x = LEFT + b as f64 * band + (band - bar_width) / 2.0;
            let _ = write!(
                s,
                r#"<rect class="bar" x="{x:.1}" y="{:.1}" width="{bar_width:.1}" height="{h:.1}"><title>{}: {} – {value}</title></rect>"#,
                y1 - h,
                bar_dates(daily, b, per_bar),
                escape(&se.label)
            );
        }
        s.push_str("</g>");
    }

    // X labels: about ten, on the first day of their bar.
    let first = daily.first_day;
    let last = first + daily.days.len() as i64 - 1;
    let long = year_of(first) != year_of(last);
    let label_every = bars.div_ceil(if long { 7 } else { 12 }).max(1);
    s.push_str(r#"<g class="x-axis">"#);
    for b in (0..bars).step_by(label_every) {
        let day = first + (b * per_bar) as i64;
        let x = LEFT + (b as f64 + 0.5) * band;
        let label = if long {
            day_string(day)
        } else {
            short_day_string(day)
        };
        let _ = write!(
            s,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{bottom:.1}" y2="{:.1}" stroke="#555"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{label}</text>"##,
            bottom + 4.0,
            bottom + 18.0
        );
    }
    let x_title = match per_bar {
        1 => "Day (UTC)".to_string(),
        7 => "Week starting (UTC)".to_string(),
        k => format!("{k} days per bar, starting (UTC)"),
    };
    let _ = write!(
        s,
        r#"<text class="axis-title" x="{:.1}" y="{:.1}" text-anchor="middle">{x_title}</text></g>"#,
        LEFT + plot_width / 2.0,
        bottom + 38.0
    );

    // Legend, two columns, busiest first.
    s.push_str(r#"<g class="legend">"#);
    let column_width = plot_width / LEGEND_COLUMNS as f64;
    for (i, se) in series.iter().enumerate() {
        let x = LEFT + (i % LEGEND_COLUMNS) as f64 * column_width;
        let y = legend_top + (i / LEGEND_COLUMNS) as f64 * LEGEND_ROW;
        let _ = write!(
            s,
            r#"<g class="legend-item"><rect x="{x:.1}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}">{} ({})</text></g>"#,
            se.colour,
            x + 18.0,
            y + 10.5,
            escape(&truncate_chars(&se.label, 56)),
            se.total
        );
    }
    s.push_str("</g></svg>");
    Some(s)
}

/// The day (or days) bar `b` covers, for its tooltip.
fn bar_dates(daily: &Daily, b: usize, per_bar: usize) -> String {
    let start = daily.first_day + (b * per_bar) as i64;
    let end = (start + per_bar as i64 - 1).min(daily.first_day + daily.days.len() as i64 - 1);
    if start == end {
        day_string(start)
    } else {
        format!("{} – {}", day_string(start), day_string(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::stats::{EntryDaily, EntryName};

    fn daily(entries: usize, days: usize) -> Daily {
        Daily {
            first_day: 19_844,
            days: (0..days).map(|d| day_string(19_844 + d as i64)).collect(),
            totals: vec![0; days],
            entries: (0..entries)
                .map(|e| EntryDaily {
                    entry: EntryName {
                        entry_id: format!("e{e}"),
                        title: format!("Entry <{e}>"),
                        known: true,
                    },
                    total: days as u64,
                    replies: vec![1; days],
                })
                .collect(),
        }
    }

    #[test]
    fn steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(7), 2);
        assert_eq!(nice_step(18), 5);
        assert_eq!(nice_step(33), 10);
        assert_eq!(nice_step(1_000), 500);
    }

    #[test]
    fn top_entries_plus_other() {
        let svg = svg(&daily(11, 5)).unwrap_or_default();
        assert_eq!(svg.matches(r#"class="series""#).count(), 9);
        assert_eq!(svg.matches(r#"class="bar""#).count(), 9 * 5);
        assert!(svg.contains("3 other entries (15)"));
        assert!(svg.contains("Entry &lt;0&gt;"));
        assert!(!svg.contains("Entry <0>"));
    }

    #[test]
    fn long_periods_are_bucketed() {
        let svg = svg(&daily(1, 400)).unwrap_or_default();
        assert_eq!(days_per_bar(400), 5);
        assert_eq!(svg.matches(r#"class="bar""#).count(), 80);
        assert!(svg.contains("5 days per bar"));
        assert!(svg.contains("2025-")); // the period crosses a year: full dates
    }

    #[test]
    fn nothing_to_draw() {
        assert!(svg(&daily(0, 7)).is_none());
    }
}
