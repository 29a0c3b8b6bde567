//! The report as one HTML page that works offline and can be mailed around: inline CSS, the
//! inline SVG chart, no script, and a Content-Security-Policy that would stop a script or a
//! network request even if one slipped in. Every piece of user text goes through [`escape`].

use std::fmt::Write as _;

use super::chart;
use super::time::time_string;
use super::{EntryName, Report};

/// `s` safe as HTML text and as a quoted attribute value: `& < > " '` become entities.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d2330;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
    "Noto Sans CJK SC", sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
.period { margin: 0 0 12px; color: #556; }
.totals { display: flex; flex-wrap: wrap; gap: 8px; margin: 0; padding: 0; list-style: none; }
.totals li { background: #fff; border: 1px solid #dde1e7; border-radius: 6px; padding: 6px 12px; }
.totals b { font-size: 18px; margin-right: 4px; }
section { background: #fff; border: 1px solid #dde1e7; border-radius: 8px; padding: 16px 20px;
  margin-top: 16px; }
h2 { margin: 0 0 10px; font-size: 17px; }
svg.chart { display: block; width: 100%; height: auto; font-size: 12px; fill: #333; }
svg.chart .axis-title { fill: #667; }
table { width: 100%; border-collapse: collapse; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eceef2; vertical-align: top; }
th { font-size: 12px; color: #667; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.when { white-space: nowrap; color: #556; font-size: 13px; }
.q { overflow-wrap: anywhere; unicode-bidi: isolate; }
.variants { margin: 4px 0 0; padding-left: 18px; color: #556; font-size: 13px; }
.code { display: inline-block; background: #eef2f8; border-radius: 4px; padding: 0 5px;
  margin-left: 4px; font: 12px ui-monospace, monospace; }
.id { color: #778; font: 12px ui-monospace, monospace; }
.unknown { color: #b3261e; font-size: 12px; }
.ratio { display: inline-block; width: 60px; height: 8px; background: #f3c4c0; border-radius: 4px;
  vertical-align: middle; margin-right: 6px; overflow: hidden; }
.ratio span { display: block; height: 100%; background: #59a14f; }
.empty { color: #667; font-style: italic; margin: 0; }
.notes li { color: #556; }
footer { color: #889; font-size: 12px; margin-top: 16px; text-align: center; }
"#;

/// Renders `report` as a complete HTML document.
pub(crate) fn render(report: &Report) -> String {
    let p = &report.period;
    let t = &report.totals;
    let mut h = String::with_capacity(16_384);
    let _ = write!(
        h,
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>reqdoctor report {} – {}</title>
<style>{STYLE}</style>
</head>
<body>
<main>
<header>
<h1>reqdoctor report</h1>
<p class="period">{} – {} UTC · {} day{}</p>
"#,
        escape(&p.since_utc),
        escape(&p.until_utc),
        escape(&p.since_utc),
        escape(&p.until_utc),
        p.days,
        if p.days == 1 { "" } else { "s" }
    );
    if report.is_empty() {
        h.push_str(
            r#"</header>
<section id="nothing"><p class="empty">Nothing to report yet: no replies, votes or review-log entries in this period.</p></section>
"#,
        );
    } else {
        let _ = write!(
            h,
            r#"<ul class="totals">
<li><b>{}</b> replies from {} entries</li>
<li><b>{}</b> unanswered questions in {} groups</li>
<li><b>{}</b> helpful · <b>{}</b> not helpful votes on {} entries</li>
<li><b>{}</b> downvoted replies in the review log</li>
</ul>
</header>
"#,
            t.replies,
            t.entries_answered,
            t.unanswered_questions,
            t.unanswered_groups,
            t.helpful_votes,
            t.not_helpful_votes,
            t.entries_voted,
            t.downvoted_questions
        );
        chart_section(&mut h, report);
        unanswered_section(&mut h, report);
        worst_section(&mut h, report);
    }
    if !report.notes.is_empty() {
        h.push_str(r#"<section id="notes"><h2>Notes</h2><ul class="notes">"#);
        for n in &report.notes {
            let _ = write!(h, "<li>{}</li>", escape(n));
        }
        h.push_str("</ul></section>\n");
    }
    h.push_str(
        "<footer>Generated by reqdoctor · times in UTC · questions are shown as people wrote them</footer>\n</main>\n</body>\n</html>\n",
    );
    h
}

fn chart_section(h: &mut String, report: &Report) {
    h.push_str(r#"<section id="answers"><h2>Answers per entry</h2>"#);
    match chart::svg(&report.daily) {
        Some(svg) => h.push_str(&svg),
        None => h.push_str(r#"<p class="empty">No answers in this period yet.</p>"#),
    }
    h.push_str("</section>\n");
}

fn unanswered_section(h: &mut String, report: &Report) {
    let _ = write!(
        h,
        r#"<section id="unanswered"><h2>Most frequent unanswered questions <small>(top {} of {} groups)</small></h2>"#,
        report.unanswered.len(),
        report.totals.unanswered_groups
    );
    if report.unanswered.is_empty() {
        h.push_str(
            r#"<p class="empty">No unanswered questions: everything got an answer.</p></section>
"#,
        );
        return;
    }
    h.push_str(
        r#"<table class="unanswered"><thead><tr><th class="num">#</th><th class="num">Asked</th><th class="num">Channels</th><th>First seen</th><th>Last seen</th><th>Question</th></tr></thead><tbody>"#,
    );
    for (i, g) in report.unanswered.iter().enumerate() {
        let text = if g.text.is_empty() {
            "<i>(no text)</i>".to_string()
        } else {
            escape(&g.text)
        };
        let _ = write!(
            h,
            r#"<tr class="group"><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="when">{}</td><td class="when">{}</td><td class="q"><span dir="auto">{text}</span>"#,
            i + 1,
            g.count,
            g.channels,
            time_string(g.first_seen),
            time_string(g.last_seen)
        );
        for c in &g.codes {
            let _ = write!(h, r#"<span class="code">{}</span>"#, escape(c));
        }
        if !g.samples.is_empty() {
            h.push_str(r#"<ul class="variants">"#);
            for s in &g.samples {
                let _ = write!(h, r#"<li dir="auto">{}</li>"#, escape(s));
            }
            h.push_str("</ul>");
        }
        h.push_str("</td></tr>");
    }
    h.push_str("</tbody></table></section>\n");
}

fn worst_section(h: &mut String, report: &Report) {
    let _ = write!(
        h,
        r#"<section id="worst"><h2>Least helpful entries <small>(top {} of {} with votes)</small></h2>"#,
        report.worst_helpful.len(),
        report.totals.entries_voted
    );
    if report.worst_helpful.is_empty() {
        h.push_str(
            r#"<p class="empty">No votes yet.</p></section>
"#,
        );
        return;
    }
    h.push_str(
        r#"<table class="worst"><thead><tr><th class="num">#</th><th>Entry</th><th class="num">Helpful</th><th class="num" title="👍">Votes up</th><th class="num" title="👎">Votes down</th><th>Asked when it did not help</th></tr></thead><tbody>"#,
    );
    for (i, w) in report.worst_helpful.iter().enumerate() {
        let percent = w.helpful_ratio * 100.0;
        let _ = write!(
            h,
            r#"<tr class="entry"><td class="num">{}</td><td>{}</td><td class="num"><span class="ratio"><span style="width:{percent:.0}%"></span></span>{percent:.0}%</td><td class="num">{}</td><td class="num">{}</td><td class="q">"#,
            i + 1,
            entry_cell(&w.entry),
            w.helpful,
            w.not_helpful
        );
        if w.samples.is_empty() {
            h.push_str(r#"<span class="id">–</span>"#);
        } else {
            h.push_str(r#"<ul class="variants">"#);
            for s in &w.samples {
                let _ = write!(h, r#"<li dir="auto">{}</li>"#, escape(s));
            }
            h.push_str("</ul>");
        }
        h.push_str("</td></tr>");
    }
    h.push_str("</tbody></table></section>\n");
}

/// Title and id, or the id flagged when the knowledge files do not know it.
fn entry_cell(e: &EntryName) -> String {
    if e.known {
        format!(
            r#"{}<br><span class="id">{}</span>"#,
            escape(&e.title),
            escape(&e.entry_id)
        )
    } else {
        format!(
            r#"<span class="id">{}</span> <span class="unknown">not in the knowledge files</span>"#,
            escape(&e.entry_id)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            escape(r#"<script>alert("x" & 'y')</script>"#),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;"
        );
        assert_eq!(escape("报错 14"), "报错 14");
    }
}
