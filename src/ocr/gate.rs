//! How text read by OCR may answer: through the same matcher, but held to more. A screenshot
//! is mostly noise (menus, file names, half-read words), and a screenshot is not a question:
//! its wording alone never answers. So
//!
//! 1. the message and its text files are matched first, without the OCR'd lines, and what
//!    they answer stands (a screenshot never changes or blocks an answer to the words);
//! 2. only when they answer nothing is everything matched again, and an answer then needs
//!    [`OCR_AUTO_THRESHOLD`] (or the lookup's [`OCR_LOOKUP_CONFIDENCE`]) *and* strong evidence
//!    ([`strong`]): an error code written as one, an entry's error string, or a fail object.
//!    Keyword groups and likeness to an entry's wording never suffice.

use crate::matcher::{Assessment, Channel, CodeForm, EvidenceKind, Lookup, Match, Matcher};
use crate::paste::Pasted;

/// The least score an unprompted answer needs when it rests on OCR'd text.
pub const OCR_AUTO_THRESHOLD: f32 = 0.85;
/// The least score a direct question's answer needs when it rests on OCR'd text.
pub const OCR_LOOKUP_CONFIDENCE: f32 = 0.6;

/// Whether a match rests on evidence that OCR noise does not make up: an error code written
/// as one (`errCode: 14`, `statusCode: 500`, a fail object's field), an entry's own error
/// string (phrase or pattern), or anything inside a pasted fail object.
pub fn strong(m: &Match) -> bool {
    m.evidence.iter().any(|e| {
        e.in_fail_object
            || matches!(
                e.kind,
                EvidenceKind::Phrase
                    | EvidenceKind::Pattern
                    | EvidenceKind::Code {
                        form: CodeForm::Explicit | CodeForm::FailObject,
                        ..
                    }
            )
    })
}

/// [`Matcher::assess`] for a message with pasted files and screenshots (see the module).
pub fn assess(
    matcher: &Matcher,
    pasted: &Pasted,
    auto_threshold: f32,
    channel: Channel,
) -> Assessment {
    let plain = matcher.assess(pasted.without_ocr().text(), auto_threshold, channel);
    if !pasted.has_ocr() || !plain.answers.is_empty() {
        return plain;
    }
    let mut all = matcher.assess(
        pasted.text(),
        auto_threshold.max(OCR_AUTO_THRESHOLD),
        channel,
    );
    all.answers.retain(strong);
    if all.answers.is_empty() {
        // Silent; what a person wrote decides whether it is worth a look or a 💡, not what a
        // screenshot happens to show.
        return plain;
    }
    all
}

/// [`Matcher::lookup`] for a message with pasted files and screenshots (see the module).
pub fn lookup(matcher: &Matcher, pasted: &Pasted, confidence: f32) -> Lookup {
    let own = pasted.without_ocr().text();
    let plain = matcher.lookup(own, confidence);
    if !pasted.has_ocr() || plain.answered {
        return plain;
    }
    let mut all = matcher.lookup(pasted.text(), confidence.max(OCR_LOOKUP_CONFIDENCE));
    all.answered = all.answered
        && all
            .matches
            .first()
            .is_some_and(|m| m.score >= confidence.max(OCR_LOOKUP_CONFIDENCE) && strong(m));
    if all.answered || plain.matches.is_empty() {
        all
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::Evidence;

    fn evidence(kind: EvidenceKind) -> Evidence {
        Evidence {
            kind,
            text: String::new(),
            start: 0,
            end: 1,
            in_fail_object: false,
            in_code_block: false,
        }
    }

    fn one(kind: EvidenceKind) -> Match {
        Match {
            id: "x".into(),
            score: 0.9,
            evidence: vec![evidence(kind)],
        }
    }

    #[test]
    fn only_codes_error_strings_and_fail_objects_are_strong() {
        use crate::knowledge::Code;
        let code = |form| EvidenceKind::Code {
            code: Code::AlipayError(14),
            form,
        };
        assert!(strong(&one(EvidenceKind::Phrase)));
        assert!(strong(&one(EvidenceKind::Pattern)));
        assert!(strong(&one(code(CodeForm::Explicit))));
        assert!(strong(&one(code(CodeForm::FailObject))));
        assert!(!strong(&one(code(CodeForm::Loose))));
        assert!(!strong(&one(code(CodeForm::Bare))));
        assert!(!strong(&one(EvidenceKind::Similarity { score: 0.99 })));
        assert!(!strong(&one(EvidenceKind::Keywords {
            groups_hit: 3,
            groups: 3
        })));
        let mut in_object = one(EvidenceKind::Keywords {
            groups_hit: 1,
            groups: 2,
        });
        in_object.evidence[0].in_fail_object = true;
        assert!(strong(&in_object));
    }
}
