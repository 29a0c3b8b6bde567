//! What the bot counts, for Prometheus: one process-wide registry behind small functions,
//! so the callers (the bot, the store) never see a metrics type and the matcher knows
//! nothing of it. `reqdoctor run` serves the text format when `REQDOCTOR_METRICS_ADDR` is set.

use std::sync::LazyLock;
use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

type Labels = Vec<(&'static str, String)>;

struct Metrics {
    registry: Registry,
    messages: Counter,
    answers: Family<Labels, Counter>,
    silent: Counter,
    maybe: Counter,
    review_rows: Counter,
    votes: Family<Labels, Counter>,
    rest_errors: Family<Labels, Counter>,
    store_timeouts: Counter,
    reloads: Family<Labels, Counter>,
    reply_latency: Histogram,
    shards_connected: Gauge,
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("reqdoctor");
    let m = Metrics {
        registry: Registry::default(),
        messages: Counter::default(),
        answers: Family::default(),
        silent: Counter::default(),
        maybe: Counter::default(),
        review_rows: Counter::default(),
        votes: Family::default(),
        rest_errors: Family::default(),
        store_timeouts: Counter::default(),
        reloads: Family::default(),
        // 0.5 ms to about 8 s.
        reply_latency: Histogram::new(exponential_buckets(0.0005, 2.0, 15)),
        shards_connected: Gauge::default(),
    };
    // One row a metric: field, name (after the `reqdoctor_` prefix), help.
    macro_rules! register {
        ($($field:ident: $name:literal, $help:literal;)*) => {
            $(registry.register($name, $help, m.$field.clone());)*
        };
    }
    register! {
        messages: "messages_seen", "Messages received";
        answers: "answers", "Replies sent, by entry id";
        silent: "silent", "Messages the bot had no confident answer for";
        maybe: "maybe_reactions", "Near misses offered with a 💡 reaction";
        review_rows: "review_log_rows", "Rows added to the review log";
        votes: "votes", "Feedback votes, by up or down";
        rest_errors: "rest_errors", "Failed Discord REST calls, by HTTP status (0: no response)";
        store_timeouts: "store_timeouts", "Store operations that took longer than their limit or got no connection in time";
        reloads: "reloads", "Knowledge reloads, by outcome";
        reply_latency: "reply_latency_seconds", "From receiving a message to Discord accepting the reply";
        shards_connected: "shards_connected", "Gateway shards of this process that are connected";
    }
    Metrics { registry, ..m }
});

/// A message arrived.
pub fn message_seen() {
    METRICS.messages.inc();
}

/// A reply was sent (`None`: a "nothing matched" or help reply).
pub fn answered(entry: Option<&str>) {
    let entry = entry.unwrap_or("none").to_string();
    METRICS.answers.get_or_create(&vec![("entry", entry)]).inc();
}

/// A message got no confident answer.
pub fn silent() {
    METRICS.silent.inc();
}

/// A near miss was offered with a 💡.
pub fn maybe_offered() {
    METRICS.maybe.inc();
}

/// A row went into the review log.
pub fn review_row() {
    METRICS.review_rows.inc();
}

/// A feedback vote was saved.
pub fn vote(helpful: bool) {
    let vote = if helpful { "up" } else { "down" };
    METRICS
        .votes
        .get_or_create(&vec![("vote", vote.to_string())])
        .inc();
}

/// A REST call failed with `status` (0: no response at all).
pub fn rest_error(status: u16) {
    METRICS
        .rest_errors
        .get_or_create(&vec![("status", status.to_string())])
        .inc();
}

/// A store operation ran out of time.
pub fn store_timeout() {
    METRICS.store_timeouts.inc();
}

/// A knowledge reload finished.
pub fn reload(ok: bool) {
    let outcome = if ok { "ok" } else { "failed" };
    METRICS
        .reloads
        .get_or_create(&vec![("outcome", outcome.to_string())])
        .inc();
}

/// A reply went out `latency` after its message arrived.
pub fn reply_latency(latency: Duration) {
    METRICS.reply_latency.observe(latency.as_secs_f64());
}

/// How many gateway shards are connected now.
pub fn shards_connected(n: usize) {
    METRICS.shards_connected.set(n as i64);
}

/// Everything, in Prometheus' text format.
pub fn render() -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = encode(&mut out, &METRICS.registry);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_show_in_the_text_format() {
        answered(Some("alipay.error.14"));
        vote(false);
        rest_error(503);
        reply_latency(Duration::from_millis(3));
        let text = render();
        assert!(
            text.contains("reqdoctor_answers_total{entry=\"alipay.error.14\"} "),
            "{text}"
        );
        assert!(
            text.contains("reqdoctor_votes_total{vote=\"down\"} "),
            "{text}"
        );
        assert!(
            text.contains("reqdoctor_rest_errors_total{status=\"503\"} "),
            "{text}"
        );
        assert!(
            text.contains("reqdoctor_reply_latency_seconds_bucket{le="),
            "{text}"
        );
        assert!(
            text.contains("# TYPE reqdoctor_shards_connected gauge"),
            "{text}"
        );
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
