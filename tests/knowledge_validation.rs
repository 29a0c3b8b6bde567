//! Knowledge validation as a support engineer meets it: broken files give every problem at
//! once, each with `file:line:col: field: message`, and the bundled files are clean.

use std::sync::Arc;

use reqdoctor::knowledge::{Knowledge, KnowledgeError, Problem, SourceFile};
use reqdoctor::matcher::Matcher;

const VOCAB: &str = r#"
[context]
strong = ["my.request"]
[concepts]
referer = ["referer", "referrer"]
"#;

const GOOD: &str = r#"
[[entry]]
id = "alipay.faq.referer"
platform = "alipay"
title = { zh = "不能自定义 Referer", en = "Referer cannot be set" }
cause = { zh = "小程序会自动带上 Referer。", en = "The client adds the Referer itself." }
fix = { zh = ["不要在 headers 里设置 Referer。"], en = ["Do not set Referer in headers."] }
links = [{ url = "https://opendocs.alipay.com/mini/api/owycmh", title = { zh = "my.request", en = "my.request" } }]
keywords = [["@referer"]]
examples = ["my.request 能改 referer 吗"]
"#;

fn files(entries: &str) -> Vec<SourceFile> {
    vec![
        SourceFile {
            name: "knowledge/vocabulary.toml".into(),
            text: VOCAB.into(),
        },
        SourceFile {
            name: "knowledge/test.toml".into(),
            text: entries.into(),
        },
    ]
}

fn problems(entries: &str) -> Vec<Problem> {
    match Knowledge::from_files(&files(entries)) {
        Ok(_) => Vec::new(),
        Err(KnowledgeError::Invalid(p)) => p,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn one(entries: &str, field_part: &str, message_part: &str) -> Problem {
    let all = problems(entries);
    let found = all
        .iter()
        .find(|p| p.field.contains(field_part) && p.message.contains(message_part));
    match found {
        Some(p) => p.clone(),
        None => {
            panic!("no problem with field `{field_part}` and message `{message_part}` in {all:#?}")
        }
    }
}

#[test]
fn a_good_file_loads_and_its_example_matches() {
    let k = Knowledge::from_files(&files(GOOD)).expect("valid");
    assert_eq!(k.entries().len(), 1);
    let m = Matcher::new(Arc::new(k)).unwrap();
    assert!(m.check_examples().is_empty());
}

#[test]
fn syntax_error_is_located() {
    let p = one("[[entry]]\nid = \"x\n", "(syntax)", "");
    assert_eq!(p.file, "knowledge/test.toml");
    assert_eq!(p.line, 2);
    assert!(p.to_string().starts_with("knowledge/test.toml:2:"), "{p}");
}

#[test]
fn unknown_field_names_the_field_and_line() {
    let text = GOOD.replace("keywords =", "keyword =");
    let p = one(&text, "entry[0].keyword", "unknown field");
    assert_eq!(p.line, 9, "{p}");
}

#[test]
fn missing_language_is_reported() {
    let text = GOOD.replace(
        "title = { zh = \"不能自定义 Referer\", en = \"Referer cannot be set\" }",
        "title = { zh = \"不能自定义 Referer\" }",
    );
    let p = one(&text, "entry[0].title.en", "missing language");
    assert_eq!(p.line, 5);
}

#[test]
fn duplicate_id_points_at_the_first() {
    let text = format!(
        "{GOOD}\n{}",
        GOOD.replace("my.request 能改 referer 吗", "referer 能设置吗 my.request")
    );
    let p = one(&text, "entry[1].id", "duplicate id");
    assert!(p.message.contains("knowledge/test.toml:3"), "{p}");
}

#[test]
fn invalid_regex_and_bad_links_and_unknown_concept_all_at_once() {
    let text = GOOD
        .replace(
            "keywords = [[\"@referer\"]]",
            "keywords = [[\"@nope\"]]\npatterns = ['(unclosed']",
        )
        .replace(
            "https://opendocs.alipay.com/mini/api/owycmh",
            "https://promotion.aliyun.com/ntms/act/sslbuy.html?utm_content=se_1",
        );
    let all = problems(&text);
    assert!(
        all.iter().any(|p| p.message.contains("invalid regex")),
        "{all:#?}"
    );
    assert!(
        all.iter().any(|p| p.message.contains("not an official")),
        "{all:#?}"
    );
    assert!(
        all.iter()
            .any(|p| p.message.contains("unknown concept `@nope`")),
        "{all:#?}"
    );
    assert!(all.len() >= 3);
}

#[test]
fn plain_http_link_is_rejected() {
    let text = GOOD.replace("https://opendocs", "http://opendocs");
    one(&text, "links[0].url", "not an https");
}

#[test]
fn code_claimed_twice_is_rejected() {
    let a = GOOD.replace("keywords = [[\"@referer\"]]", "codes = [\"error:14\"]");
    let b = a
        .replace("alipay.faq.referer", "alipay.error.14")
        .replace("my.request 能改 referer 吗", "error: 14");
    let p = one(&format!("{a}\n{b}"), "entry[1].codes", "already claimed");
    assert!(p.message.contains("error:14"));
}

#[test]
fn phrase_used_by_two_entries_is_rejected() {
    let a = GOOD.replace("keywords = [[\"@referer\"]]", "phrases = [\"N22106\"]");
    let b = a.replace("alipay.faq.referer", "alipay.n22106");
    one(&format!("{a}\n{b}"), "entry[1].phrases[0]", "already used");
}

#[test]
fn see_also_must_exist() {
    let text = GOOD.replace("examples =", "see_also = [\"alipay.nope\"]\nexamples =");
    one(&text, "see_also[0]", "no entry has id");
}

#[test]
fn counterpart_must_exist_and_be_another_platforms() {
    let text = GOOD.replace(
        "examples =",
        "counterpart_of = [\"wechat.nope\"]\nexamples =",
    );
    one(&text, "counterpart_of[0]", "no entry has id");
    // An Alipay entry cannot stand for another Alipay entry: that one already answers.
    let a = GOOD.replace(
        "examples =",
        "counterpart_of = [\"alipay.other\"]\nexamples =",
    );
    let b = GOOD.replace("alipay.faq.referer", "alipay.other");
    one(
        &format!("{a}\n{b}"),
        "entry[0].counterpart_of[0]",
        "already answers this entry's platforms",
    );
}

#[test]
fn bad_code_syntax() {
    let text = GOOD.replace(
        "keywords = [[\"@referer\"]]",
        "codes = [\"error 14\", \"http:42\"]",
    );
    one(&text, "codes[0]", "kind:number");
    one(&text, "codes[1]", "three-digit");
}

#[test]
fn an_example_that_does_not_match_is_located() {
    let text = GOOD.replace("my.request 能改 referer 吗", "今天天气不错");
    let k = Knowledge::from_files(&files(&text)).expect("structurally valid");
    let m = Matcher::new(Arc::new(k)).unwrap();
    let p = m.check_examples();
    assert_eq!(p.len(), 1);
    assert_eq!(
        (p[0].line, p[0].field.as_str()),
        (10, "entry[0].examples[0]")
    );
}

#[test]
fn the_bundled_knowledge_is_valid_and_complete() {
    let k = Knowledge::bundled().unwrap_or_else(|e| panic!("{e}"));
    let required = include_str!("fixtures/knowledge-ids.txt");
    for id in required.lines().filter(|l| !l.trim().is_empty()) {
        let e = k
            .get(id)
            .unwrap_or_else(|| panic!("contract id `{id}` is missing"));
        assert!(!e.title.zh.is_empty() && !e.title.en.is_empty(), "{id}");
        assert!(!e.fix.zh.is_empty() && !e.fix.en.is_empty(), "{id}");
        assert!(!e.links.is_empty(), "{id}");
    }
    let m = Matcher::new(Arc::new(k)).unwrap();
    let p = m.check_examples();
    assert!(
        p.is_empty(),
        "examples that do not match:\n{}",
        p.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_contract_list_matches_the_shared_document_when_present() {
    let Ok(doc) = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/knowledge-ids.md"
    )) else {
        return; // A clone without ../shared checks against the committed copy only.
    };
    let committed: Vec<&str> = include_str!("fixtures/knowledge-ids.txt").lines().collect();
    for line in doc.lines() {
        if let Some(id) = line.strip_prefix("| ").and_then(|l| l.split(' ').next()) {
            if id.contains('.') && !id.starts_with('`') && id != "id" {
                assert!(
                    committed.contains(&id),
                    "shared id `{id}` missing from tests/fixtures/knowledge-ids.txt"
                );
            }
        }
    }
}
