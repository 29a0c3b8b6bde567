//! Matcher speed: corpus throughput on one thread, a hostile 4,000-character message, and
//! knowledge load + validate + compile. Numbers go in the README.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::{Matcher, Mode};

fn corpus() -> Vec<String> {
    let text = include_str!("../tests/corpus/auto.jsonl");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect()
}

/// A message built to be expensive: every recogniser fires, braces nest and never close,
/// quotes open and never close, long words invite typo checks.
pub fn hostile_message() -> String {
    let mut s = String::new();
    let pieces = [
        "{error: 14, status: 13, errorMessage: \"JSON parse data error\", headers: {",
        "my.request 报错 error：１４ 错误码14 statusCode: 500 返回 401 403 Forbidden ",
        "request:fail url not in domain list errno: 600002 net::ERR_FAILED -2:net::ERR_FAILED ",
        "```js\nconst timeout = 5000; // cookie proxy certificate\n``` ",
        "refferer cookei timout certifcate whitelsit @everyone <@123> ",
        "[[[{{{'\"`((( 能不能自定义 referer 吗？",
    ];
    let mut i = 0;
    while s.chars().count() < 4000 {
        s.push_str(pieces[i % pieces.len()]);
        i += 1;
    }
    s.chars().take(4000).collect()
}

fn bench(c: &mut Criterion) {
    let knowledge = Arc::new(Knowledge::bundled().expect("bundled knowledge"));
    let matcher = Matcher::new(knowledge).expect("matcher");
    let messages = corpus();

    let mut g = c.benchmark_group("matcher");
    g.throughput(Throughput::Elements(messages.len() as u64));
    g.bench_function("corpus_auto", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(matcher.find(black_box(m), Mode::Auto));
            }
        })
    });
    g.bench_function("corpus_lookup", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(matcher.find(black_box(m), Mode::Lookup));
            }
        })
    });
    g.finish();

    let hostile = hostile_message();
    let mut g = c.benchmark_group("hostile");
    g.throughput(Throughput::Bytes(hostile.len() as u64));
    g.bench_function("4000_chars_auto", |b| {
        b.iter(|| black_box(matcher.find(black_box(&hostile), Mode::Auto)))
    });
    g.finish();

    c.bench_function("knowledge/load_validate_compile", |b| {
        b.iter(|| {
            let k = Knowledge::bundled().expect("bundled knowledge");
            black_box(Matcher::new(Arc::new(k)).expect("matcher"))
        })
    });
    // The two halves of the above, to see which one to work on.
    let files =
        reqdoctor::knowledge::read_dir(std::path::Path::new("knowledge")).expect("knowledge dir");
    c.bench_function("knowledge/parse_validate", |b| {
        b.iter(|| black_box(Knowledge::from_files(&files).expect("valid")))
    });
    let k = Arc::new(Knowledge::from_files(&files).expect("valid"));
    c.bench_function("knowledge/compile", |b| {
        b.iter(|| black_box(Matcher::new(k.clone()).expect("matcher")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
