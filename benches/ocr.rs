//! OCR time per image, end to end (decode, prepare, Tesseract with `chi_sim+eng`, clean
//! lines): a desktop console screenshot (1440×900) and a phone screenshot (750×1334), both
//! rendered like the tests' (tests/ocr_render), and the cost of starting an engine, which
//! the bot pays once per OCR job slot. Needs the `ocr` feature:
//!
//!     cargo bench --features ocr --bench ocr

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "../tests/ocr_render/mod.rs"]
mod ocr_render;

use ocr_render::{screenshot_sized, Line, DARK, LIGHT, PHONE_DIALOG};
use reqdoctor::ocr;

fn desktop() -> Vec<u8> {
    let mut lines = vec![
        Line::Plain("Elements   Console   Sources   Network   Performance   Memory   Application"),
        Line::Plain("[system] WeChatLib: 3.4.10 (2024.5.20 16:11:22)"),
        Line::Plain("[system] Subpackages: N/A"),
        Line::Plain("[system] LazyCodeLoading: false"),
        Line::Plain(
            "app.js? [sm]:12 onLaunch {path: \"pages/index/index\", query: {}, scene: 1001}",
        ),
        Line::Plain("index.js? [sm]:31 fetching /api/v1/orders?page=1"),
    ];
    lines.push(Line::Error(
        "request:fail url not in domain list (env: Windows,mp,1.06.2405020; lib: 3.4.10)",
    ));
    lines.push(Line::Error(
        "request:fail https://api.example.com 不在以下 request 合法域名列表中",
    ));
    for _ in 0..8 {
        lines.push(Line::Plain("index.js? [sm]:44 render list 0 items"));
    }
    screenshot_sized(&lines, DARK, 16.0, 1440, 900)
}

fn phone() -> Vec<u8> {
    screenshot_sized(&PHONE_DIALOG, LIGHT, 30.0, 750, 1334)
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("ocr");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    ocr::start_engine().expect("Tesseract with chi_sim+eng");
    for (name, png) in [("desktop 1440x900", desktop()), ("phone 750x1334", phone())] {
        let read = ocr::read_image("shot.png", &png).expect("OCR");
        assert!(!read.lines.is_empty(), "{name}: nothing read");
        g.bench_function(name, |b| {
            b.iter(|| ocr::read_image("shot.png", &png).expect("OCR"))
        });
    }
    g.bench_function("engine start", |b| {
        b.iter(|| ocr::start_engine().expect("engine"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
