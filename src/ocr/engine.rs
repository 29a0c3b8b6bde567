//! The Tesseract calls: decode, prepare the picture the way Tesseract reads best (dark text
//! on light, the inked band of a text line about 24 px high), recognise. Engines are kept
//! for reuse: starting one with the Chinese data costs more than reading a small screenshot.

use std::io::Cursor;
use std::sync::Mutex;

use image::{imageops, GrayImage, ImageFormat, ImageReader, Limits};
use tesseract::Tesseract;

use super::{OcrError, LANGUAGES, MAX_PIXELS};

/// The inked band of a text line (cap height plus descenders) is scaled to about this many
/// pixels: small console text is read far better enlarged, and larger costs time for nothing.
const LINE_HEIGHT: f32 = 24.0;
/// Small text is enlarged at most this much.
const MAX_SCALE: f32 = 4.0;
/// After scaling, an image has at most this many pixels: OCR time grows with the area, and a
/// screenshot's text is readable well below it.
const MAX_WORK_PIXELS: f32 = 8_000_000.0;
/// Idle engines kept for reuse (callers bound concurrency; this bounds what stays in memory).
const MAX_IDLE: usize = 4;

static IDLE: Mutex<Vec<Tesseract>> = Mutex::new(Vec::new());

/// The text of the image `bytes` and Tesseract's mean confidence.
pub(super) fn recognize(name: &str, bytes: &[u8]) -> Result<(String, i32), OcrError> {
    let gray = prepare(name, bytes)?;
    let engine = take(name)?;
    let fail = |e: &dyn std::fmt::Display| OcrError::Engine {
        name: name.into(),
        reason: e.to_string(),
    };
    let (w, h) = (gray.width() as i32, gray.height() as i32);
    // On an error the engine is consumed (dropped): the next call starts a fresh one.
    let mut engine = engine
        .set_frame(gray.as_raw(), w, h, 1, w)
        .map_err(|e| fail(&e))?
        .set_source_resolution(300)
        .recognize()
        .map_err(|e| fail(&e))?;
    let text = engine.get_text().map_err(|e| fail(&e))?;
    let confidence = engine.mean_text_conf();
    give_back(engine);
    Ok((text, confidence))
}

/// An idle engine, or a new one.
fn take(name: &str) -> Result<Tesseract, OcrError> {
    if let Some(e) = IDLE.lock().unwrap_or_else(|p| p.into_inner()).pop() {
        return Ok(e);
    }
    start().map_err(|reason| OcrError::Engine {
        name: name.into(),
        reason,
    })
}

/// A new engine for [`LANGUAGES`] (language data from `TESSDATA_PREFIX`, else Tesseract's
/// own default, Debian's `/usr/share/tesseract-ocr/5/tessdata`).
fn start() -> Result<Tesseract, String> {
    let datapath = std::env::var("TESSDATA_PREFIX").ok();
    let mut t = Tesseract::new(datapath.as_deref(), Some(LANGUAGES)).map_err(|e| {
        format!("{e} (is Tesseract's language data for {LANGUAGES} installed? Debian: tesseract-ocr-chi-sim tesseract-ocr-eng)")
    })?;
    // Blocks of text in any layout: console panels, dialogs, phone screenshots.
    t.set_page_seg_mode(tesseract::PageSegMode::PsmAuto);
    // Keeps Tesseract from writing its own diagnostics to stderr for every image.
    t.set_variable("debug_file", "/dev/null")
        .map_err(|e| e.to_string())
}

/// Starts an engine and keeps it idle (dropped when enough are).
pub(super) fn start_idle() -> Result<(), String> {
    give_back(start()?);
    Ok(())
}

fn give_back(engine: Tesseract) {
    let mut idle = IDLE.lock().unwrap_or_else(|p| p.into_inner());
    if idle.len() < MAX_IDLE {
        idle.push(engine);
    }
}

/// Decodes `bytes` (PNG, JPEG or WebP only, within [`MAX_PIXELS`]) and prepares it: gray,
/// dark themes inverted, small text enlarged.
pub(super) fn prepare(name: &str, bytes: &[u8]) -> Result<GrayImage, OcrError> {
    let decode = |reason: String| OcrError::Decode {
        name: name.into(),
        reason,
    };
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode(e.to_string()))?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        return Err(OcrError::NotAnImage { name: name.into() });
    }
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| decode(e.to_string()))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS || w == 0 || h == 0 {
        return Err(decode(format!("{w}×{h} pixels is too large to read")));
    }
    reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| decode(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(w);
    limits.max_image_height = Some(h);
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let gray = reader
        .decode()
        .map_err(|e| decode(e.to_string()))?
        .into_luma8();
    Ok(normalize(gray))
}

/// Dark text on a light ground, text lines about [`LINE_HEIGHT`] high.
pub(super) fn normalize(mut gray: GrayImage) -> GrayImage {
    let mean = gray.pixels().map(|p| u64::from(p.0[0])).sum::<u64>()
        / (u64::from(gray.width()) * u64::from(gray.height())).max(1);
    if mean < 128 {
        imageops::invert(&mut gray);
    }
    let scale = line_height(&gray)
        .map(|h| (LINE_HEIGHT / h).clamp(1.0, MAX_SCALE))
        .unwrap_or(1.0);
    let area = gray.width() as f32 * gray.height() as f32;
    let scale = scale.min((MAX_WORK_PIXELS / area).sqrt());
    if (scale - 1.0).abs() < 0.1 {
        return gray;
    }
    let (w, h) = (
        ((gray.width() as f32 * scale) as u32).max(1),
        ((gray.height() as f32 * scale) as u32).max(1),
    );
    imageops::resize(&gray, w, h, imageops::FilterType::CatmullRom)
}

/// The median height of the bands of rows that hold ink (dark pixels on the light ground):
/// roughly the text's line height. None when there is no text-like band.
fn line_height(gray: &GrayImage) -> Option<f32> {
    let (w, h) = gray.dimensions();
    // Ink is clearly darker than the ground; the ground is the image's bright majority.
    let threshold = 128u8;
    let min_ink = (w / 200).max(2);
    let mut bands = Vec::new();
    let mut run = 0u32;
    for y in 0..h {
        let ink = (0..w)
            .filter(|&x| gray.get_pixel(x, y).0[0] < threshold)
            .count() as u32;
        // A row that is mostly dark is a bar or a panel edge, not text.
        if ink >= min_ink && ink < w * 3 / 4 {
            run += 1;
        } else {
            if run >= 3 {
                bands.push(run);
            }
            run = 0;
        }
    }
    if run >= 3 {
        bands.push(run);
    }
    if bands.is_empty() {
        return None;
    }
    bands.sort_unstable();
    Some(bands[bands.len() / 2] as f32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    /// A white image with black bars `line` rows high, like lines of text.
    fn lines(w: u32, h: u32, line: u32) -> GrayImage {
        GrayImage::from_fn(w, h, |x, y| {
            let ink = (y / line) % 2 == 1 && x % 7 < 3 && x < w / 2;
            Luma([if ink { 20 } else { 240 }])
        })
    }

    #[test]
    fn the_line_height_is_measured() {
        assert_eq!(line_height(&lines(400, 200, 10)), Some(10.0));
        assert_eq!(line_height(&GrayImage::new(50, 50).clone()), None);
    }

    #[test]
    fn small_text_is_enlarged_and_dark_themes_inverted() {
        let small = normalize(lines(400, 200, 10));
        assert_eq!(small.width(), 960, "10 px lines become about 24 px");
        let mut dark = lines(400, 200, 30);
        imageops::invert(&mut dark);
        let fixed = normalize(dark);
        assert_eq!(fixed.width(), 400);
        assert!(
            fixed.get_pixel(0, 0).0[0] > 128,
            "the ground is light again"
        );
    }

    #[test]
    fn huge_canvases_are_refused_before_decoding() {
        // A PNG header claiming 100000×100000 pixels.
        let mut png = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut png, 100_000, 100_000);
            enc.set_color(png::ColorType::Grayscale);
            let _ = enc.write_header();
        }
        assert!(matches!(
            prepare("bomb.png", &png),
            Err(OcrError::Decode { .. })
        ));
    }
}
