//! The HTML report as a browser sees it: rendered by headless Chromium from a file, with the
//! chart and tables checked in the resulting DOM and on a screenshot.
//!
//! Chromium is found at `$REQDOCTOR_CHROMIUM`, `/usr/bin/chromium` or as `chromium` on PATH.
//! Without it the test is skipped loudly, unless `REQDOCTOR_REQUIRE_CHROMIUM=1` (as in CI),
//! which makes a missing browser a failure.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqdoctor::report::{Report, ReportInput};
use reqdoctor::store::{DailyReplies, EntryVotes, ReviewItem, ReviewKind, Tally, DAY};

/// Longest a Chromium run may take before it is killed.
const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(60);

const DAY0: i64 = 19_844; // 2024-05-01
const DAYS: i64 = 30;

/// The chart's colours (see `src/report/chart.rs`), to find them on the screenshot.
const PALETTE: [[u8; 3]; 9] = [
    [0x4e, 0x79, 0xa7],
    [0xf2, 0x8e, 0x2b],
    [0xe1, 0x57, 0x59],
    [0x76, 0xb7, 0xb2],
    [0x59, 0xa1, 0x4f],
    [0xed, 0xc9, 0x48],
    [0xb0, 0x7a, 0xa1],
    [0xff, 0x9d, 0xa7],
    [0x9c, 0x9c, 0x9c],
];

fn find_chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("REQDOCTOR_CHROMIUM") {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let default = PathBuf::from("/usr/bin/chromium");
    if default.is_file() {
        return Some(default);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
    })
}

/// Chromium, or `None` after a loud skip message; panics when CI requires the browser.
fn chromium_or_skip(test: &str) -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        let required = std::env::var("REQDOCTOR_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "REQDOCTOR_REQUIRE_CHROMIUM=1 but no Chromium found: set REQDOCTOR_CHROMIUM, \
             install /usr/bin/chromium or put `chromium` on PATH"
        );
        eprintln!(
            "\n!!!!!!!! SKIPPED {test}: no Chromium found ($REQDOCTOR_CHROMIUM, \
             /usr/bin/chromium, PATH). Set REQDOCTOR_REQUIRE_CHROMIUM=1 to fail instead. \
             !!!!!!!!\n"
        );
    }
    found
}

/// Runs headless Chromium with a fresh profile on `page` plus `extra` flags, stdout to
/// `stdout_to`, killed after [`CHROMIUM_TIMEOUT`]. Returns stderr on failure.
fn run_chromium(exe: &Path, work: &Path, extra: &[String], page: &Path, stdout_to: &Path) {
    let profile = tempfile::tempdir_in(work).expect("profile dir");
    let stderr_path = work.join("chromium-stderr.txt");
    let mut command = Command::new(exe);
    // Its own process group, so a timeout can end the renderer and GPU processes too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(File::create(stdout_to).expect("stdout file"))
        .stderr(File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", exe.display()));
    let started = Instant::now();
    let status = loop {
        match child.try_wait().expect("wait for chromium") {
            Some(status) => break status,
            None if started.elapsed() > CHROMIUM_TIMEOUT => {
                #[cfg(unix)]
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "chromium did not finish within {CHROMIUM_TIMEOUT:?}; stderr:\n{}",
                    std::fs::read_to_string(&stderr_path).unwrap_or_default()
                );
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    };
    assert!(
        status.success(),
        "chromium failed ({status}); stderr:\n{}",
        std::fs::read_to_string(&stderr_path).unwrap_or_default()
    );
}

/// A month of a busy bot: 12 entries (so 8 coloured series plus "other"), quiet weekends,
/// repeated questions in English and Chinese, one hostile message.
fn realistic_input() -> ReportInput {
    let since = DAY0 * DAY;
    let mut replies = Vec::new();
    for e in 0..12u64 {
        for d in 0..DAYS {
            // Every entry skips some days; busier entries first.
            if (d as u64 + e) % (e % 4 + 2) == 0 {
                continue;
            }
            replies.push(DailyReplies {
                entry_id: format!("entry-{e:02}"),
                day: DAY0 + d,
                replies: (12 - e) + (d as u64 * 7 + e * 3) % 5,
            });
        }
    }
    let mut review = Vec::new();
    let mut ask = |text: &str, at: i64, channel: u64| {
        review.push(ReviewItem {
            guild_id: 1,
            channel_id: channel,
            kind: ReviewKind::Unanswered,
            entry_id: None,
            text: text.to_string(),
            at,
        })
    };
    for i in 0..9 {
        ask(
            &format!("my.request 报错 600002 怎么办 https://api.shop.cn/order/{i}"),
            since + i * 7_000,
            i as u64 % 3,
        );
    }
    for i in 0..6 {
        ask(
            "wx.request fail: ERR_CONNECTION_RESET on Android",
            since + DAY + i * 3_000,
            4,
        );
    }
    ask("<script>alert(1)</script>", since + 2 * DAY, 5);
    ask("error 14", since + 3 * DAY, 5);
    ask("error 19", since + 3 * DAY + 60, 5);
    for i in 0..4 {
        review.push(ReviewItem {
            guild_id: 1,
            channel_id: 2,
            kind: ReviewKind::Downvoted,
            entry_id: Some("entry-03".to_string()),
            text: format!("上传文件一直失败 {}", ["", "怎么回事", "求助", "？"][i]),
            at: since + 4 * DAY + i as i64,
        });
    }
    let votes = (0..6)
        .map(|e| EntryVotes {
            entry_id: format!("entry-{e:02}"),
            tally: Tally {
                helpful: 10 - e,
                not_helpful: e * 2,
            },
        })
        .collect();
    ReportInput {
        since,
        until: since + DAYS * DAY,
        review,
        votes,
        replies,
    }
}

fn titles(id: &str) -> Option<String> {
    let n: u32 = id.strip_prefix("entry-")?.parse().ok()?;
    let names = [
        "Alipay error 14: response is not JSON",
        "wx.request timeout",
        "HTTP 502 from the gateway",
        "上传文件失败 (uploadFile fail)",
        "Domain not in the allow list",
        "SSL handshake failed",
        "Alipay 600002: network error",
        "Request body too large",
        "Cookies are not sent",
        "CORS in the devtools",
    ];
    names.get(n as usize).map(|s| s.to_string())
}

/// The bars the chart must draw: non-empty bars of the top 8 entries, plus the non-empty
/// bars of everything else summed. Long periods put `days / 92` (rounded up) days in a bar.
fn expected_bars(report: &Report) -> usize {
    let entries = &report.daily.entries;
    let per_bar = report.daily.days.len().div_ceil(92).max(1);
    let bars = |pick: &dyn Fn(usize) -> u64| {
        (0..report.daily.days.len())
            .collect::<Vec<_>>()
            .chunks(per_bar)
            .filter(|days| days.iter().any(|&d| pick(d) > 0))
            .count()
    };
    let top: usize = entries
        .iter()
        .take(8)
        .map(|e| bars(&|d| e.replies[d]))
        .sum();
    top + bars(&|d| entries.iter().skip(8).map(|e| e.replies[d]).sum())
}

/// What Chromium made of a report: the serialised DOM and the screenshot's pixels.
struct Rendered {
    dom: String,
    width: u32,
    height: u32,
    pixels: Vec<[u8; 3]>,
}

/// Writes `report` as HTML to a temp file, has Chromium dump its DOM and take a 1200×900
/// screenshot. `name` names the kept screenshot (see `REQDOCTOR_KEEP_SCREENSHOT`).
fn render_in_chromium(exe: &Path, report: &Report, name: &str) -> Rendered {
    let work = tempfile::tempdir().expect("temp dir");
    let page = work.path().join("report.html");
    std::fs::write(&page, report.to_html()).expect("write report");

    let dom_path = work.path().join("dom.html");
    run_chromium(
        exe,
        work.path(),
        &["--dump-dom".to_string()],
        &page,
        &dom_path,
    );
    let dom = std::fs::read_to_string(&dom_path).expect("read dom");

    let shot = work.path().join("shot.png");
    run_chromium(
        exe,
        work.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,900".to_string(),
        ],
        &page,
        &work.path().join("shot-stdout.txt"),
    );
    // For a person to look at: REQDOCTOR_KEEP_SCREENSHOT=<dir>.
    if let Some(dir) = std::env::var_os("REQDOCTOR_KEEP_SCREENSHOT") {
        let _ = std::fs::copy(&shot, PathBuf::from(dir).join(format!("{name}.png")));
    }
    let (width, height, pixels) = decode_rgb(&shot);
    Rendered {
        dom,
        width,
        height,
        pixels,
    }
}

/// How many pixels of each of `colours` the screenshot has.
fn colour_counts(pixels: &[[u8; 3]], colours: &[[u8; 3]]) -> Vec<usize> {
    let mut by_colour: HashMap<[u8; 3], usize> = HashMap::new();
    for p in pixels {
        *by_colour.entry(*p).or_default() += 1;
    }
    colours
        .iter()
        .map(|c| by_colour.get(c).copied().unwrap_or(0))
        .collect()
}

#[test]
#[cfg_attr(
    reqdoctor_no_chromium,
    ignore = "no Chromium found: the HTML page is not rendered"
)]
fn html_report_renders_in_chromium() {
    let Some(exe) = chromium_or_skip("html_report_renders_in_chromium") else {
        return;
    };
    let report = Report::build(realistic_input(), &titles);
    assert_eq!(report.daily.entries.len(), 12);
    let r = render_in_chromium(&exe, &report, "report-30-days");

    // The DOM as the browser built it.
    let dom = &r.dom;
    assert!(dom.contains(r#"<svg class="chart""#), "no chart in:\n{dom}");
    assert_eq!(
        dom.matches(r#"class="series""#).count(),
        9,
        "8 entries + other"
    );
    assert_eq!(
        dom.matches(r#"class="bar""#).count(),
        expected_bars(&report)
    );
    assert_eq!(dom.matches(r#"class="legend-item""#).count(), 9);
    assert!(dom.contains("4 other entries"));
    assert_eq!(report.unanswered.len(), 5);
    assert_eq!(dom.matches(r#"<tr class="group">"#).count(), 5);
    assert_eq!(report.worst_helpful.len(), 6);
    assert_eq!(dom.matches(r#"<tr class="entry">"#).count(), 6);
    assert!(dom.contains("my.request 报错 600002 怎么办"));
    assert!(dom.contains("上传文件一直失败"));
    // The hostile question is text, not an element.
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!dom.contains("<script"));

    // The pixels: the chart is really drawn, in all its colours.
    assert_eq!((r.width, r.height), (1200, 900));
    let drawn = colour_counts(&r.pixels, &PALETTE);
    assert!(
        drawn.iter().all(|&n| n >= 100),
        "every series colour must cover some pixels: {drawn:?}"
    );
    let not_background = r
        .pixels
        .iter()
        .filter(|p| **p != [0xff, 0xff, 0xff] && **p != [0xf6, 0xf7, 0xf9])
        .count();
    assert!(
        not_background > r.pixels.len() / 20,
        "page looks blank: {not_background} of {} pixels drawn",
        r.pixels.len()
    );
}

/// A period of `days` days with `entries` entries answering every day.
fn steady_input(days: i64, entries: u64) -> ReportInput {
    let since = DAY0 * DAY;
    ReportInput {
        since,
        until: since + days * DAY,
        replies: (0..entries)
            .flat_map(|e| {
                (0..days).map(move |d| DailyReplies {
                    entry_id: format!("entry-{e:02}"),
                    day: DAY0 + d,
                    replies: 1 + (d as u64 + e) % 4,
                })
            })
            .collect(),
        ..ReportInput::default()
    }
}

#[test]
#[cfg_attr(
    reqdoctor_no_chromium,
    ignore = "no Chromium found: the HTML page is not rendered"
)]
fn short_and_long_periods_render_in_chromium() {
    let Some(exe) = chromium_or_skip("short_and_long_periods_render_in_chromium") else {
        return;
    };
    for (days, name) in [(2, "report-2-days"), (120, "report-120-days")] {
        let report = Report::build(steady_input(days, 3), &titles);
        let r = render_in_chromium(&exe, &report, name);
        assert_eq!(r.dom.matches(r#"class="series""#).count(), 3, "{name}");
        assert_eq!(
            r.dom.matches(r#"class="bar""#).count(),
            expected_bars(&report),
            "{name}"
        );
        // No questions or votes: the tables say so instead of being empty.
        assert!(r.dom.contains("No unanswered questions"), "{name}");
        assert!(r.dom.contains("No votes yet"), "{name}");
        let drawn = colour_counts(&r.pixels, &PALETTE[..3]);
        assert!(drawn.iter().all(|&n| n >= 300), "{name}: {drawn:?}");
    }
    // Few days: wide bars, capped; many days: two days per bar.
    assert_eq!(
        expected_bars(&Report::build(steady_input(2, 3), &titles)),
        6
    );
    assert_eq!(
        expected_bars(&Report::build(steady_input(120, 3), &titles)),
        180
    );
}

#[test]
#[cfg_attr(
    reqdoctor_no_chromium,
    ignore = "no Chromium found: the HTML page is not rendered"
)]
fn empty_report_renders_in_chromium() {
    let Some(exe) = chromium_or_skip("empty_report_renders_in_chromium") else {
        return;
    };
    let report = Report::build(steady_input(7, 0), &titles);
    let r = render_in_chromium(&exe, &report, "report-empty");
    assert!(r.dom.contains("Nothing to report yet"));
    assert!(!r.dom.contains("<svg"));
}

/// Decodes a PNG into RGB pixels (alpha dropped).
fn decode_rgb(path: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let file = BufReader::new(File::open(path).expect("screenshot written"));
    let mut decoder = png::Decoder::new(file);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size().expect("png size")];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        other => panic!("unexpected screenshot colour type {other:?}"),
    };
    let pixels = buf[..info.buffer_size()]
        .chunks_exact(channels)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    (info.width, info.height, pixels)
}
