//! Snapshot tests of rendered replies, on a frozen fixture knowledge set so the snapshots
//! change only when the layout does.

use std::path::Path;
use std::sync::Arc;

use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::{Matcher, Mode};
use reqdoctor::reply::{no_match, Answer, Lang};

fn matcher() -> Matcher {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/knowledge");
    let k = Knowledge::from_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    Matcher::new(Arc::new(k)).unwrap()
}

fn render(text: &str, lang: Option<Lang>, color: bool) -> String {
    let m = matcher();
    let matches = m.find(text, Mode::Lookup);
    let lang = lang.unwrap_or_else(|| Lang::detect(text));
    match Answer::build(m.knowledge(), &matches, lang) {
        Some(a) => a.to_terminal(color),
        None => no_match(m.knowledge(), &matches, lang),
    }
}

#[test]
fn chinese_answer_from_a_fail_object() {
    insta::assert_snapshot!(render(
        "my.request 报错了 {error: 14, status: 13, errorMessage: \"JSON parse data error\"}",
        None,
        false
    ));
}

#[test]
fn english_answer_with_table_row() {
    insta::assert_snapshot!(render(
        "wx.request fail {errno: 600007}",
        Some(Lang::En),
        false
    ));
}

#[test]
fn coloured_keywords_answer() {
    insta::assert_snapshot!(render("my.request 能改 referer 吗", None, true));
}

#[test]
fn no_match_text() {
    insta::assert_snapshot!(render("what's for lunch", Some(Lang::En), false));
}

#[test]
fn json_answer() {
    let m = matcher();
    let matches = m.find("error: 14", Mode::Lookup);
    let a = Answer::build(m.knowledge(), &matches, Lang::En).unwrap();
    insta::assert_json_snapshot!(a.to_json());
}
