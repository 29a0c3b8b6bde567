//! Whole-report tests: sections built from one input, and what each renderer must show.

use super::*;
use crate::store::{Tally, DAY};

const DAY0: i64 = 19_844; // 2024-05-01

fn question(text: &str, at: UnixTime, channel: u64) -> ReviewItem {
    ReviewItem {
        guild_id: 7,
        channel_id: channel,
        kind: ReviewKind::Unanswered,
        entry_id: None,
        text: text.to_string(),
        at,
    }
}

fn downvote(entry: &str, text: &str, at: UnixTime) -> ReviewItem {
    ReviewItem {
        guild_id: 7,
        channel_id: 1,
        kind: ReviewKind::Downvoted,
        entry_id: Some(entry.to_string()),
        text: text.to_string(),
        at,
    }
}

fn titles(id: &str) -> Option<String> {
    match id {
        "alipay-error-14" => Some("Alipay error 14: JSON parse failed".to_string()),
        "wx-timeout" => Some("wx.request timed out".to_string()),
        _ => None,
    }
}

fn input() -> ReportInput {
    let since = DAY0 * DAY;
    let t = |d: i64, h: i64| since + d * DAY + h * 3_600;
    ReportInput {
        since,
        until: since + 7 * DAY,
        review: vec![
            question("my.request 报错 600002 怎么办", t(0, 1), 1),
            question("my.request报错６０００02，怎么办？", t(2, 3), 2),
            question("<script>alert(1)</script> & \"quotes\"", t(3, 1), 1),
            question("error 14", t(4, 1), 1),
            question("error 19", t(4, 2), 1),
            downvote("wx-timeout", "wx.request 超时了怎么办", t(5, 1)),
        ],
        votes: vec![
            EntryVotes {
                entry_id: "alipay-error-14".to_string(),
                tally: Tally {
                    helpful: 8,
                    not_helpful: 2,
                },
            },
            EntryVotes {
                entry_id: "wx-timeout".to_string(),
                tally: Tally {
                    helpful: 1,
                    not_helpful: 4,
                },
            },
        ],
        replies: vec![
            DailyReplies {
                entry_id: "alipay-error-14".to_string(),
                day: DAY0,
                replies: 5,
            },
            DailyReplies {
                entry_id: "wx-timeout".to_string(),
                day: DAY0 + 6,
                replies: 2,
            },
            DailyReplies {
                entry_id: "removed-entry".to_string(),
                day: DAY0 + 3,
                replies: 1,
            },
        ],
    }
}

#[test]
fn builds_all_sections() {
    let r = Report::build(input(), &titles);
    assert_eq!(r.period.days, 7);
    assert_eq!(r.totals.replies, 8);
    assert_eq!(r.totals.entries_answered, 3);
    assert_eq!(r.totals.unanswered_questions, 5);
    assert_eq!(r.totals.unanswered_groups, 4);
    assert_eq!(r.unanswered[0].count, 2);
    assert_eq!(r.unanswered[0].codes, ["600002"]);
    assert_eq!(r.unanswered[0].channels, 2);
    assert_eq!(r.worst_helpful[0].entry.entry_id, "wx-timeout");
    assert_eq!(r.worst_helpful[0].samples, ["wx.request 超时了怎么办"]);
    assert_eq!(
        r.daily.entries[0].entry.title,
        "Alipay error 14: JSON parse failed"
    );
    assert_eq!(r.daily.entries[2].entry.title, "removed-entry");
    assert!(!r.daily.entries[2].entry.known);
    assert!(r.notes.is_empty(), "{:?}", r.notes);
}

#[test]
fn top_n_is_configurable() {
    let r = Report::build_with(
        input(),
        &titles,
        ReportOptions {
            top_unanswered: 1,
            top_worst: 1,
        },
    );
    assert_eq!(r.unanswered.len(), 1);
    assert_eq!(r.worst_helpful.len(), 1);
    assert_eq!(r.totals.unanswered_groups, 4);
    assert_eq!(r.totals.entries_voted, 2);
}

#[test]
fn json_has_the_documented_fields() {
    let j = Report::build(input(), &titles).to_json();
    assert_eq!(j["format_version"], 1);
    assert_eq!(j["period"]["since_utc"], "2024-05-01 00:00");
    assert_eq!(j["period"]["days"], 7);
    assert_eq!(j["totals"]["replies"], 8);
    let g = &j["unanswered"][0];
    for field in [
        "text",
        "count",
        "first_seen",
        "last_seen",
        "channels",
        "codes",
        "samples",
    ] {
        assert!(!g[field].is_null(), "unanswered[0].{field} missing: {g}");
    }
    let w = &j["worst_helpful"][0];
    assert_eq!(w["entry_id"], "wx-timeout");
    assert_eq!(w["title"], "wx.request timed out");
    assert_eq!(w["known"], true);
    assert_eq!(w["helpful"], 1);
    assert_eq!(w["not_helpful"], 4);
    assert_eq!(w["helpful_ratio"], 0.2);
    assert_eq!(w["downvoted_questions"], 1);
    let d = &j["daily"];
    assert_eq!(d["days"].as_array().map(Vec::len), Some(7));
    assert_eq!(d["days"][6], "2024-05-07");
    assert_eq!(d["entries"][0]["replies"][0], 5);
    assert_eq!(d["entries"][0]["total"], 5);
    assert_eq!(d["totals"].as_array().map(Vec::len), Some(7));
    assert!(j["notes"].is_array());
}

#[test]
fn table_shows_every_section_aligned() {
    let out = Report::build(input(), &titles).to_table();
    assert!(out.starts_with("reqdoctor report: 2024-05-01 00:00 – 2024-05-08 00:00 UTC (7 days)"));
    assert!(out.contains("Most frequent unanswered questions (top 4 of 4 groups)"));
    assert!(out.contains("my.request 报错 600002 怎么办"));
    assert!(out.contains("≈ my.request报错６０００02，怎么办？"));
    assert!(out.contains("wx.request timed out (wx-timeout)"));
    assert!(out.contains("👎 wx.request 超时了怎么办"));
    assert!(out.contains("removed-entry (unknown entry)"));
    assert!(out.contains("20%"));
    assert!(out.lines().all(|l| !l.ends_with(' ')));
    // The "Last seen" column starts at the same terminal column in every question row.
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.trim_start().starts_with(char::is_numeric) && l.contains("2024-05-0"))
        .collect();
    assert!(rows.len() >= 4, "{out}");
    let columns: Vec<usize> = rows
        .iter()
        .map(|l| {
            let cut = l.rfind("2024-05-0").unwrap_or(0);
            display::width(&l[..cut])
        })
        .collect();
    assert!(columns.windows(2).all(|w| w[0] == w[1]), "{out}");
}

#[test]
fn html_escapes_user_text() {
    let html = Report::build(input(), &titles).to_html();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"));
    assert!(!html.contains("<script"));
    assert!(html.contains(r#"<meta charset="utf-8">"#));
    assert!(html.contains("default-src 'none'"));
    assert!(!html.contains("http://") || !html.contains("src=\"http"));
    assert!(!html.contains("<link"));
    assert_eq!(html.matches(r#"<tr class="group">"#).count(), 4);
    assert_eq!(html.matches(r#"<tr class="entry">"#).count(), 2);
    assert_eq!(html.matches(r#"<g class="series""#).count(), 3);
    assert!(html.contains("my.request 报错 600002 怎么办"));
}

#[test]
fn entry_titles_are_escaped_too() {
    let evil = |_: &str| Some("<img src=x onerror=alert(1)>".to_string());
    let html = Report::build(input(), &evil).to_html();
    assert!(!html.contains("<img"));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

#[test]
fn empty_input_says_nothing_yet() {
    let input = ReportInput {
        since: DAY0 * DAY,
        until: (DAY0 + 7) * DAY,
        ..ReportInput::default()
    };
    let r = Report::build(input, &titles);
    assert!(r.is_empty());
    assert_eq!(r.daily.days.len(), 7);
    assert!(r.daily.entries.is_empty());
    assert!(r.to_table().contains("Nothing to report yet"));
    let html = r.to_html();
    assert!(html.contains("Nothing to report yet"));
    assert!(!html.contains("<svg"));
    let j = r.to_json();
    assert_eq!(j["unanswered"].as_array().map(Vec::len), Some(0));
    assert_eq!(j["totals"]["replies"], 0);
}

#[test]
fn grouping_is_capped_and_says_so() {
    let since = DAY0 * DAY;
    let review = (0..GROUPING_CAP as i64 + 10)
        .map(|i| question("the same question again", since + i, 1))
        .collect();
    let r = Report::build(
        ReportInput {
            since,
            until: since + DAY,
            review,
            ..ReportInput::default()
        },
        &titles,
    );
    assert_eq!(r.totals.unanswered_questions, GROUPING_CAP + 10);
    assert_eq!(r.totals.unanswered_grouped, GROUPING_CAP);
    assert_eq!(r.unanswered[0].count, GROUPING_CAP);
    // The newest were kept.
    assert_eq!(r.unanswered[0].first_seen, since + 10);
    assert!(r.notes.iter().any(|n| n.contains("newest 5000")));
    assert!(r.to_table().contains("newest 5000"));
}

#[test]
fn replies_outside_the_period_are_noted() {
    let mut i = input();
    i.replies.push(DailyReplies {
        entry_id: "wx-timeout".to_string(),
        day: DAY0 + 30,
        replies: 3,
    });
    let r = Report::build(i, &titles);
    assert_eq!(r.totals.replies, 8);
    assert!(
        r.notes.iter().any(|n| n.starts_with("3 replies")),
        "{:?}",
        r.notes
    );
}

/// `--since 7d` run at noon touches eight calendar days; the heading still says 7 days.
#[test]
fn period_heading_counts_its_length_not_the_days_it_touches() {
    let mut i = input();
    i.since += 12 * 3_600;
    i.until += 12 * 3_600;
    let r = Report::build(i, &titles);
    assert_eq!(r.period.days, 8);
    assert!(r.to_table().contains(" UTC (7 days)\n"));
    assert!(r.to_html().contains(" UTC · 7 days</p>"));
}
