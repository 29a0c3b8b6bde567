//! Screenshots read with OCR: what a PNG, JPEG or WebP image says, as lines the matcher
//! reads like a pasted log's. The Tesseract side ([`engine`]) exists only in a build with the
//! `ocr` feature; this module is always there, so that the CLI and the bot can say "this
//! build has no OCR" and so that the rule for OCR'd text ([`gate`]) is one rule everywhere.
//!
//! OCR is slow (a fraction of a second to seconds per image) and blocking: callers run
//! [`read_image`] on a blocking thread with bounded concurrency, never on a gateway task.

use crate::paste::{Piece, Position, Source};

#[cfg(feature = "ocr")]
mod engine;
pub mod gate;

/// Whether this build reads images (the `ocr` feature).
pub const AVAILABLE: bool = cfg!(feature = "ocr");

/// Images larger than this are not read: a screenshot of an error is well below it.
pub const MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;

/// Decoded images with more pixels than this are refused before decoding (a small file can
/// claim a huge canvas).
pub const MAX_PIXELS: u64 = 25_000_000;

/// The languages Tesseract reads: Simplified Chinese and English (Debian's
/// `tesseract-ocr-chi-sim` and `tesseract-ocr-eng`).
pub const LANGUAGES: &str = "chi_sim+eng";

/// The image formats read, told by their first bytes (a file's name can lie).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    WebP,
}

impl Format {
    /// The format of `bytes` by its signature; None for anything else.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(Format::Jpeg)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Format::WebP)
        } else {
            None
        }
    }
}

/// Why an image gave no text. Each names the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcrError {
    /// This build has no OCR.
    #[error("{name}: images are read only by a build with the `ocr` feature (cargo build --features ocr)")]
    Unavailable {
        /// The file.
        name: String,
    },
    /// Not a PNG, JPEG or WebP, whatever its name says.
    #[error("{name}: skipped: not a PNG, JPEG or WebP image")]
    NotAnImage {
        /// The file.
        name: String,
    },
    /// Over [`MAX_IMAGE_BYTES`].
    #[error("{name}: skipped: {bytes} bytes is over the 8 MB an image may have")]
    TooLarge {
        /// The file.
        name: String,
        /// Its size (at least; reading stopped at the cap).
        bytes: usize,
    },
    /// The image could not be decoded, or claims too many pixels.
    #[error("{name}: skipped: {reason}")]
    Decode {
        /// The file.
        name: String,
        /// What the decoder said.
        reason: String,
    },
    /// Tesseract failed (no language data, or an internal error).
    #[error("{name}: OCR failed: {reason}")]
    Engine {
        /// The file.
        name: String,
        /// What went wrong.
        reason: String,
    },
}

/// What OCR read in one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reading {
    /// The file.
    pub name: String,
    /// The text lines, top to bottom, blank lines left out and spaces between Chinese
    /// characters (an OCR habit) removed.
    pub lines: Vec<String>,
    /// Tesseract's mean word confidence, 0..=100.
    pub confidence: i32,
}

impl Reading {
    /// The lines as a pasted piece whose lines are known to come from OCR.
    pub fn into_piece(self) -> Piece {
        Piece {
            name: self.name,
            lines: self
                .lines
                .into_iter()
                .enumerate()
                .map(|(i, l)| (Position::Line(i + 1), l))
                .collect(),
            truncated: false,
            source: Source::Ocr,
        }
    }
}

/// Reads the image `name` (its whole content `bytes`). Blocking and CPU-heavy: run it off
/// async tasks. Without the `ocr` feature, always [`OcrError::Unavailable`].
pub fn read_image(name: &str, bytes: &[u8]) -> Result<Reading, OcrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(OcrError::TooLarge {
            name: name.into(),
            bytes: bytes.len(),
        });
    }
    if Format::sniff(bytes).is_none() {
        return Err(OcrError::NotAnImage { name: name.into() });
    }
    #[cfg(feature = "ocr")]
    {
        let (text, confidence) = engine::recognize(name, bytes)?;
        Ok(Reading {
            name: name.into(),
            lines: clean_lines(&text),
            confidence,
        })
    }
    #[cfg(not(feature = "ocr"))]
    Err(OcrError::Unavailable { name: name.into() })
}

/// Starts a Tesseract engine now and keeps it for the next image. Fails when Tesseract's
/// language data is missing, or (without the `ocr` feature) always.
pub fn start_engine() -> Result<(), OcrError> {
    #[cfg(feature = "ocr")]
    return engine::start_idle().map_err(|reason| OcrError::Engine {
        name: "(start)".into(),
        reason,
    });
    #[cfg(not(feature = "ocr"))]
    Err(OcrError::Unavailable {
        name: "(start)".into(),
    })
}

/// Tesseract's text as lines: blank lines dropped, runs of spaces made one, and the spaces
/// it puts between Chinese characters removed (`不 在 以 下` is `不在以下`), so that the
/// matcher's phrases are found.
pub fn clean_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let mut out = String::with_capacity(l.len());
            for (i, w) in words.iter().enumerate() {
                if i > 0 {
                    let before = words[i - 1].chars().next_back().is_some_and(is_cjk);
                    let after = w.chars().next().is_some_and(is_cjk);
                    if !(before && after) {
                        out.push(' ');
                    }
                }
                out.push_str(w);
            }
            out
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Chinese characters and full-width punctuation, which are written without spaces.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3000..=0x303f | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0xff00..=0xffef)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_signature() {
        assert_eq!(Format::sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(Format::sniff(&[0xff, 0xd8, 0xff, 0xe0]), Some(Format::Jpeg));
        assert_eq!(Format::sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::WebP));
        assert_eq!(Format::sniff(b"GIF89a"), None);
        assert_eq!(Format::sniff(b"my.request error 14"), None);
    }

    #[test]
    fn not_an_image_and_too_large_are_refused_before_any_ocr() {
        assert_eq!(
            read_image("shot.png", b"hello").unwrap_err(),
            OcrError::NotAnImage {
                name: "shot.png".into()
            }
        );
        let big = vec![0u8; MAX_IMAGE_BYTES + 1];
        assert!(matches!(
            read_image("big.png", &big),
            Err(OcrError::TooLarge { .. })
        ));
    }

    #[cfg(not(feature = "ocr"))]
    #[test]
    fn without_the_feature_images_are_unavailable() {
        const { assert!(!AVAILABLE) };
        assert!(matches!(
            read_image("shot.png", b"\x89PNG\r\n\x1a\n"),
            Err(OcrError::Unavailable { .. })
        ));
    }

    #[test]
    fn lines_are_cleaned() {
        assert_eq!(
            clean_lines("  不 在 以 下 request 合 法 域 名 列 表 中 \n\n  errCode:  14 \n"),
            vec!["不在以下 request 合法域名列表中", "errCode: 14"]
        );
    }

    #[test]
    fn a_reading_is_an_ocr_piece() {
        let p = Reading {
            name: "s.png".into(),
            lines: vec!["a".into(), "b".into()],
            confidence: 90,
        }
        .into_piece();
        assert_eq!(p.source, Source::Ocr);
        assert_eq!(p.lines[1], (Position::Line(2), "b".to_string()));
    }
}
