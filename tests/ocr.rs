//! Screenshots of real console errors, rendered at test time (light and dark themes,
//! English and Chinese, Debian's DejaVu and WenQuanYi Zen Hei fonts), and committed fixture
//! PNGs, read by Tesseract and answered through the OCR rule ([`reqdoctor::ocr::gate`]).

mod ocr_render;

use std::sync::{Arc, OnceLock};

use ocr_render::{console, screenshot, Line, Theme, DARK, LIGHT, PHONE_DIALOG};
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::{Channel, Matcher, DEFAULT_AUTO_THRESHOLD, DEFAULT_LOOKUP_CONFIDENCE};
use reqdoctor::ocr::{self, gate, OcrError};
use reqdoctor::paste::{Pasted, Position};

/// A desktop console's type size (Chrome at 125% zoom).
const DESKTOP: f32 = 16.0;

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        Matcher::new(Arc::new(Knowledge::bundled().expect("bundled knowledge"))).expect("matcher")
    })
}

/// The message `text` with the screenshot `png` as the bot reads it.
fn pasted(text: &str, name: &str, png: &[u8]) -> Pasted {
    let reading = ocr::read_image(name, png).expect("OCR");
    Pasted::new(text, &[reading.into_piece()])
}

/// The entry the bot answers unprompted in a support channel (None: silent).
fn auto(p: &Pasted) -> Option<String> {
    let a = gate::assess(matcher(), p, DEFAULT_AUTO_THRESHOLD, Channel::Support);
    a.answers.first().map(|m| m.id.clone())
}

/// The entry a direct question (`ask`, an @mention) is answered with (None: suggestions).
fn lookup(p: &Pasted) -> Option<String> {
    let l = gate::lookup(matcher(), p, DEFAULT_LOOKUP_CONFIDENCE);
    l.answer().map(|m| m.id.clone())
}

fn console_shot(error: &str, theme: Theme) -> Vec<u8> {
    screenshot(&console(&[error]), theme, DESKTOP, 900)
}

/// Asserts that the screenshot of `error` is answered with `id` in both themes, unprompted
/// and when asked, and that the evidence names the image and its line.
fn answered_in_both_themes(error: &str, id: &str) {
    for (theme, name) in [(LIGHT, "light"), (DARK, "dark")] {
        let p = pasted("", "shot.png", &console_shot(error, theme));
        assert_eq!(auto(&p).as_deref(), Some(id), "{name}: {:?}", p.text());
        assert_eq!(lookup(&p).as_deref(), Some(id), "{name}: {:?}", p.text());
        let a = gate::assess(matcher(), &p, DEFAULT_AUTO_THRESHOLD, Channel::Support);
        // The evidence names the image and the line OCR read it on (below the tool bar).
        let e = &a.answers[0].evidence[0];
        let locus = p.locate_evidence(e).unwrap();
        assert_eq!(locus.name, "shot.png", "{name}");
        let Position::Line(n) = locus.position else {
            panic!("{name}: {locus}");
        };
        assert!(n >= 3, "{name}: {locus} {:?}", p.text());
    }
}

#[test]
fn an_english_domain_list_error_light_and_dark() {
    answered_in_both_themes(
        "request:fail url not in domain list",
        "wechat.fail.domain-list",
    );
}

#[test]
fn an_alipay_fail_object_light_and_dark() {
    answered_in_both_themes(
        r#"{"error":14,"errorMessage":"JSON parse data error"}"#,
        "alipay.error.14",
    );
}

#[test]
fn a_chinese_domain_list_error_light_and_dark() {
    answered_in_both_themes(
        "request:fail https://api.example.com 不在以下 request 合法域名列表中",
        "wechat.fail.domain-list",
    );
}

/// A phone screenshot: large type, a Chinese dialog around the error.
fn phone_shot(theme: Theme) -> Vec<u8> {
    screenshot(&PHONE_DIALOG, theme, 30.0, 750)
}

#[test]
fn a_phone_screenshot_in_chinese() {
    for theme in [LIGHT, DARK] {
        let p = pasted("", "IMG_2041.png", &phone_shot(theme));
        assert_eq!(
            auto(&p).as_deref(),
            Some("alipay.error.19"),
            "{:?}",
            p.text()
        );
    }
}

#[test]
fn jpeg_and_webp_are_read_too() {
    let png = console_shot("request:fail url not in domain list", DARK);
    let img = image::load_from_memory(&png).unwrap();
    for format in [image::ImageFormat::Jpeg, image::ImageFormat::WebP] {
        let mut bytes = std::io::Cursor::new(Vec::new());
        img.write_to(&mut bytes, format).unwrap();
        let p = pasted("", "shot", bytes.get_ref());
        assert_eq!(
            auto(&p).as_deref(),
            Some("wechat.fail.domain-list"),
            "{format:?}: {:?}",
            p.text()
        );
    }
}

#[test]
fn wording_read_from_a_screenshot_never_answers_alone() {
    // Typed, this question is answered by its wording (keywords, no code or error string).
    let words = "小程序请求接口一直超时怎么办";
    let typed = matcher().assess(words, DEFAULT_AUTO_THRESHOLD, Channel::Support);
    assert_eq!(typed.answers[0].id, "wechat.timeout");
    // In a screenshot it is read, but OCR'd wording is not a question.
    let shot = screenshot(&[Line::Plain(words)], LIGHT, 24.0, 600);
    let p = pasted("", "chat.png", &shot);
    assert!(p.text().contains("超时"), "{:?}", p.text());
    assert_eq!(auto(&p), None);
    assert_eq!(lookup(&p), None);
}

#[test]
fn a_screenshot_never_changes_what_the_words_answer() {
    let shot = console_shot(
        r#"{"error":14,"errorMessage":"JSON parse data error"}"#,
        LIGHT,
    );
    let p = pasted("my.request 报错 error: 11", "shot.png", &shot);
    assert_eq!(auto(&p).as_deref(), Some("alipay.error.11"));
    assert_eq!(lookup(&p).as_deref(), Some("alipay.error.11"));
}

#[test]
fn blank_broken_and_fake_images_give_no_answer() {
    let blank = screenshot(&[], DARK, DESKTOP, 400);
    let p = pasted("", "blank.png", &blank);
    assert_eq!(auto(&p), None);
    let cut = &console_shot("request:fail url not in domain list", LIGHT)[..300];
    assert!(matches!(
        ocr::read_image("cut.png", cut),
        Err(OcrError::Decode { .. })
    ));
    assert!(matches!(
        ocr::read_image("x.png", b"GIF89a\x01\x00\x01\x00"),
        Err(OcrError::NotAnImage { .. })
    ));
}

/// The committed fixtures: file name, and the entry it is answered with.
const FIXTURES: [(&str, &str); 3] = [
    ("domain-list-zh-dark.png", "wechat.fail.domain-list"),
    ("alipay-error-14-light.png", "alipay.error.14"),
    ("phone-alipay-error-19.png", "alipay.error.19"),
];

fn fixture_path(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr")
        .join(name)
}

/// The committed fixtures are answered. With `REQDOCTOR_WRITE_FIXTURES=1` they are first
/// rendered and written again (after a change to the renderer or the fonts).
#[test]
fn committed_fixtures_are_answered() {
    if std::env::var_os("REQDOCTOR_WRITE_FIXTURES").is_some() {
        write_fixtures();
    }
    for (name, id) in FIXTURES {
        let bytes = std::fs::read(fixture_path(name)).unwrap();
        let p = pasted("", name, &bytes);
        assert_eq!(auto(&p).as_deref(), Some(id), "{name}: {:?}", p.text());
    }
}

fn write_fixtures() {
    let zh = console_shot(
        "request:fail https://api.example.com 不在以下 request 合法域名列表中",
        DARK,
    );
    let fourteen = console_shot(
        r#"{"error":14,"errorMessage":"JSON parse data error"}"#,
        LIGHT,
    );
    for (name, bytes) in [
        (FIXTURES[0].0, zh),
        (FIXTURES[1].0, fourteen),
        (FIXTURES[2].0, phone_shot(LIGHT)),
    ] {
        std::fs::write(fixture_path(name), bytes).unwrap();
    }
}
