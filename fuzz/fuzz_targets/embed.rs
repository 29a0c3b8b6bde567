//! An answer (or "no confident match") rendered into a Discord embed from arbitrary text: it
//! stays within Discord's limits and no mention survives unescaped.
#![no_main]

mod common;

use common::matcher;
use libfuzzer_sys::fuzz_target;
use reqdoctor::discord::embed::{self, EmbedModel};
use reqdoctor::matcher::Mode;
use reqdoctor::reply::{Answer, Lang};

fn check(e: &EmbedModel) {
    assert!(e.title.chars().count() <= 256, "{e:?}");
    assert!(e.description.chars().count() <= 4096, "{e:?}");
    for f in &e.fields {
        assert!(f.name.chars().count() <= 256, "{e:?}");
        assert!(f.value.chars().count() <= 1024, "{e:?}");
    }
    assert!(e.total_chars() <= 6000, "{e:?}");
    let texts = [&e.title, &e.description, &e.footer]
        .into_iter()
        .chain(e.fields.iter().flat_map(|f| [&f.name, &f.value]));
    for t in texts {
        for ping in ["@everyone", "@here", "<@"] {
            assert!(!t.contains(ping), "unescaped {ping} in {t:?}");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let m = matcher();
    let matches = m.find(&text, Mode::Lookup);
    for lang in [Lang::Zh, Lang::En] {
        if let Some(a) = Answer::build(m.knowledge(), &matches, lang) {
            check(&embed::answer(&a));
        }
        check(&embed::no_match(m.knowledge(), &matches, lang));
    }
});
