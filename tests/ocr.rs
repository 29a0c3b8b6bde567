//! Screenshots of real console errors, rendered at test time (light and dark themes,
//! English and Chinese, Debian's DejaVu and WenQuanYi fonts) and committed fixture PNGs,
//! read by Tesseract and answered through the matcher's OCR rule.

mod ocr_render;

use std::sync::{Arc, OnceLock};

use ocr_render::{console, screenshot, Line, Theme, DARK, LIGHT};
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::{Channel, Matcher, DEFAULT_AUTO_THRESHOLD, DEFAULT_LOOKUP_CONFIDENCE};
use reqdoctor::ocr::{self, gate, OcrError};
use reqdoctor::paste::Pasted;

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        Matcher::new(Arc::new(Knowledge::bundled().expect("bundled knowledge"))).expect("matcher")
    })
}

/// What the bot would answer unprompted for a message `text` with the image `png`.
fn answered(text: &str, name: &str, png: &[u8]) -> (Option<String>, Vec<String>) {
    let reading = ocr::read_image(name, png).expect("OCR");
    let lines = reading.lines.clone();
    let pasted = Pasted::new(text, &[reading.into_piece()]);
    let a = gate::assess(matcher(), &pasted, DEFAULT_AUTO_THRESHOLD, Channel::Support);
    (a.answers.first().map(|m| m.id.clone()), lines)
}

#[test]
fn explore() {
    for (theme, tn) in [(LIGHT, "light"), (DARK, "dark")] {
        for err in ["request:fail https://api.example.com 不在以下 request 合法域名列表中"]
        {
            let png = screenshot(
                &console(&[err]),
                theme,
                std::env::var("XS").unwrap().parse().unwrap(),
                900,
            );
            std::fs::write(format!("/tmp/ocr_{tn}_{}.png", err.len()), &png).unwrap();
            let t = std::time::Instant::now();
            let got = answered("", "shot.png", &png);
            eprintln!("{tn} {err}: {:?} {:?}", got, t.elapsed());
        }
    }
}
