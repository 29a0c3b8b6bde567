//! Renders console screenshots at test time: lines of text in DejaVu Sans Mono (Latin) and
//! WenQuanYi Zen Hei (Chinese), from Debian's `fonts-dejavu-core` and `fonts-wqy-zenhei`,
//! on a light or dark developer-tools theme, encoded as PNG.
#![allow(dead_code)]

use ab_glyph::{Font, FontVec, PxScale, ScaleFont};

const LATIN: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
const CJK: &str = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc";

/// Colours of a developer-tools console.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    /// The panel.
    pub ground: [u8; 3],
    /// Ordinary log lines and the tool bar.
    pub text: [u8; 3],
    /// Error lines.
    pub error: [u8; 3],
}

/// Chrome's light console.
pub const LIGHT: Theme = Theme {
    ground: [255, 255, 255],
    text: [48, 48, 48],
    error: [200, 30, 30],
};

/// Chrome's dark console.
pub const DARK: Theme = Theme {
    ground: [36, 36, 36],
    text: [210, 210, 210],
    error: [242, 139, 130],
};

/// A line of the screenshot: error lines get the error colour.
pub enum Line<'a> {
    /// Tool bar, file names, ordinary output.
    Plain(&'a str),
    /// The error.
    Error(&'a str),
}

struct Fonts {
    latin: FontVec,
    cjk: FontVec,
}

fn fonts() -> Fonts {
    let read = |p: &str| {
        std::fs::read(p)
            .unwrap_or_else(|e| panic!("{p}: {e} (install fonts-dejavu-core and fonts-wqy-zenhei)"))
    };
    Fonts {
        latin: FontVec::try_from_vec_and_index(read(LATIN), 0).unwrap(),
        cjk: FontVec::try_from_vec_and_index(read(CJK), 0).unwrap(),
    }
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x303f | 0x3400..=0x9fff | 0xff00..=0xffef)
}

/// A screenshot `width` pixels wide (at least as wide as the text) of `lines` in
/// `size`-pixel type, as PNG bytes.
pub fn screenshot(lines: &[Line<'_>], theme: Theme, size: f32, width: u32) -> Vec<u8> {
    screenshot_sized(lines, theme, size, width, 0)
}

/// [`screenshot`] at least `height` pixels high (the rest is empty panel).
pub fn screenshot_sized(
    lines: &[Line<'_>],
    theme: Theme,
    size: f32,
    width: u32,
    height: u32,
) -> Vec<u8> {
    let fonts = fonts();
    let scale = PxScale::from(size);
    let line_height = (size * 1.6).ceil() as u32;
    let margin = (size as u32).max(8);
    let text_width = |s: &str| -> f32 {
        s.chars()
            .map(|c| {
                let f = if is_cjk(c) { &fonts.cjk } else { &fonts.latin };
                f.as_scaled(scale).h_advance(f.glyph_id(c))
            })
            .sum()
    };
    let widest = lines
        .iter()
        .map(|l| match l {
            Line::Plain(s) | Line::Error(s) => text_width(s),
        })
        .fold(0.0f32, f32::max);
    let w = width.max(widest.ceil() as u32 + 2 * margin);
    let h = (line_height * lines.len() as u32 + 2 * margin).max(height);
    let mut rgb: Vec<u8> = theme.ground.repeat((w * h) as usize);
    for (i, line) in lines.iter().enumerate() {
        let (s, colour) = match line {
            Line::Plain(s) => (s, theme.text),
            Line::Error(s) => (s, theme.error),
        };
        let baseline = margin as f32 + i as f32 * line_height as f32 + size;
        let mut x = margin as f32;
        for c in s.chars() {
            let f = if is_cjk(c) { &fonts.cjk } else { &fonts.latin };
            let scaled = f.as_scaled(scale);
            let glyph = f
                .glyph_id(c)
                .with_scale_and_position(scale, ab_glyph::point(x, baseline));
            x += scaled.h_advance(f.glyph_id(c));
            let Some(outlined) = f.outline_glyph(glyph) else {
                continue;
            };
            let b = outlined.px_bounds();
            outlined.draw(|gx, gy, cover| {
                let (px, py) = (b.min.x as i64 + gx as i64, b.min.y as i64 + gy as i64);
                if px < 0 || py < 0 || px >= w as i64 || py >= h as i64 {
                    return;
                }
                let at = ((py as u32 * w + px as u32) * 3) as usize;
                for k in 0..3 {
                    let g = f32::from(theme.ground[k]);
                    let t = f32::from(colour[k]);
                    let old = f32::from(rgb[at + k]);
                    // Blend over what is there (glyphs may overlap a little).
                    let v = old + (t - g) * cover.min(1.0);
                    rgb[at + k] = v.clamp(0.0, 255.0) as u8;
                }
            });
        }
    }
    let mut png = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut png, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&rgb).unwrap();
    }
    png
}

/// A phone's error dialog: large type, Chinese around an Alipay fail object (error 19).
pub const PHONE_DIALOG: [Line<'static>; 7] = [
    Line::Plain("12:41                    5G"),
    Line::Plain("提示"),
    Line::Plain("网络请求失败，请稍后重试"),
    Line::Error("my.request:fail"),
    Line::Error(r#"{"error":19,"#),
    Line::Error(r#""errorMessage":"http status error"}"#),
    Line::Plain("确定"),
];

/// The tool bar and file lines a real console shows around an error: OCR noise.
pub fn console<'a>(errors: &[&'a str]) -> Vec<Line<'a>> {
    let mut lines = vec![
        Line::Plain("Console   Network   Sources   AppData   Storage"),
        Line::Plain("[system] Launch Time: 812 ms"),
    ];
    lines.extend(errors.iter().map(|e| Line::Error(e)));
    lines.push(Line::Plain(
        "VM27:1 (env: macOS,mp,1.06.2405020; lib: 3.4.10)",
    ));
    lines
}
