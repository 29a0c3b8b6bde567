//! Matcher behaviour on realistic messages, against the bundled knowledge.

use std::sync::{Arc, OnceLock};

use proptest::prelude::*;
use reqdoctor::knowledge::Knowledge;
use reqdoctor::matcher::{Channel, CodeForm, EvidenceKind, Matcher, Mode};

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        Matcher::new(Arc::new(Knowledge::bundled().expect("bundled knowledge"))).expect("matcher")
    })
}

/// Unprompted, in team chat: the strict channel these cases were written for.
fn auto(text: &str) -> Option<String> {
    matcher()
        .find_in(text, Mode::Auto, Channel::Team)
        .first()
        .map(|m| m.id.clone())
}

/// Unprompted, in a support channel.
fn support(text: &str) -> Option<String> {
    matcher()
        .find_in(text, Mode::Auto, Channel::Support)
        .first()
        .map(|m| m.id.clone())
}

fn lookup(text: &str) -> Option<String> {
    matcher()
        .find(text, Mode::Lookup)
        .first()
        .map(|m| m.id.clone())
}

#[test]
fn alipay_codes_however_written() {
    for text in [
        "my.request 报错 error: 14",
        "error:14",
        "error=14 怎么办",
        "fail res: {\"error\":14}",
        "错误码 14",
        "错误码14 是什么",
        "支付宝小程序 报错 14",
        "错误码：１４",
        "ERROR：14",
    ] {
        assert_eq!(auto(text).as_deref(), Some("alipay.error.14"), "{text}");
    }
    assert_eq!(
        auto("my.request error: 12").as_deref(),
        Some("alipay.error.12")
    );
    assert_eq!(
        auto("my.request error: 13").as_deref(),
        Some("alipay.error.13")
    );
}

#[test]
fn the_seed_fail_object_is_the_decode_failure_with_located_evidence() {
    let text = r#"my.request 报错 {data: "请求超时异常", error: 14, headers: {…}, status: 13, errorMessage: "JSON parse data error"}"#;
    let m = matcher().find(text, Mode::Auto);
    assert_eq!(m[0].id, "alipay.error.14");
    let code = m[0]
        .evidence
        .iter()
        .find(|e| matches!(e.kind, EvidenceKind::Code { .. }))
        .expect("code evidence");
    assert_eq!(&text[code.start..code.end], code.text);
    assert!(code.text.contains("error: 14"), "{code:?}");
    assert!(code.in_fail_object);
    assert!(matches!(
        code.kind,
        EvidenceKind::Code {
            form: CodeForm::FailObject,
            ..
        }
    ));
}

#[test]
fn fail_objects_in_fences_and_json() {
    let fenced =
        "```\n{\n  errMsg: 'request:fail url not in domain list',\n  errno: 600002,\n}\n```";
    assert_eq!(auto(fenced).as_deref(), Some("wechat.fail.domain-list"));
    let json = r#"{"error":9,"errorMessage":"request:fail abort"}"#;
    assert_eq!(auto(json).as_deref(), Some("alipay.error.9"));
}

#[test]
fn identifiers_and_statuses() {
    assert_eq!(auto("请求报 N22106").as_deref(), Some("alipay.n22106"));
    assert_eq!(auto("DENY_N22106").as_deref(), Some("alipay.n22106"));
    assert_eq!(
        auto("Android 提示 Alipay-Mobile-Proxy-Server(NO_ACCESS_PRIVATE_IP1)，HTTP响应码：571")
            .as_deref(),
        Some("alipay.private-ip-571")
    );
    assert_eq!(
        auto("wx.request statusCode: 500").as_deref(),
        Some("http.500")
    );
    assert_eq!(
        auto("小程序接口返回 401 怎么办").as_deref(),
        Some("http.401")
    );
    assert_eq!(
        auto("my.request 403 Forbidden").as_deref(),
        Some("http.403")
    );
}

#[test]
fn faq_paraphrases_in_both_languages() {
    for text in [
        "my.request 能不能自定义 referer",
        "can I set a custom Referer header in my.request?",
    ] {
        let got = auto(text);
        assert!(
            got.as_deref().is_some_and(|id| id.ends_with("referer")),
            "{text}: {got:?}"
        );
    }
}

#[test]
fn ordinary_chat_stays_silent() {
    for text in [
        "standup at 14:00, PR #1413 merged",
        "error[E0308]: mismatched types",
        "make: *** [Makefile:12: all] Error 2",
        "const timeout = setTimeout(poll, 5000);",
        "the cookie banner on the landing page overlaps the footer",
        "renew the certificate for the marketing site next week",
        "our grafana returns 502 again, can someone restart it",
        "thanks, setting dataType to text fixed error 14!",
        "14",
        "cookie?",
        "https://example.com/docs?page=14",
        "我们小程序有 500 个用户了",
        "mini program launch went well: 500 users signed up",
    ] {
        assert_eq!(auto(text), None, "{text}");
    }
}

#[test]
fn lookup_maps_bare_words_and_codes() {
    assert_eq!(lookup("14").as_deref(), Some("alipay.error.14"));
    assert_eq!(lookup("N22106").as_deref(), Some("alipay.n22106"));
    assert_eq!(lookup("600002").as_deref(), Some("wechat.fail.domain-list"));
    assert_eq!(lookup("cookie").as_deref(), Some("alipay.faq.cookie"));
    assert_eq!(lookup("乱码").as_deref(), Some("alipay.faq.garbled-params"));
    assert_eq!(
        lookup("alipay.faq.abort").as_deref(),
        Some("alipay.faq.abort")
    );
}

#[test]
fn code_fence_hides_faq_words_but_not_errors() {
    let code = "```js\n// can I set a custom referer in my.request?\nmy.request({ headers: { referer: 'x' } })\n```";
    assert_eq!(auto(code), None);
}

#[test]
fn hostile_inputs_do_not_panic_or_hang() {
    let m = matcher();
    let big = "{".repeat(1 << 20);
    m.find(&big, Mode::Auto);
    let mixed = "error: 14 ".repeat(100_000);
    assert_eq!(m.find(&mixed, Mode::Auto)[0].id, "alipay.error.14");
    let quotes = "{'\"`".repeat(250_000);
    m.find(&quotes, Mode::Lookup);
    let cjk = "错误码".repeat(300_000);
    m.find(&cjk, Mode::Lookup);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_safe(s in "\\PC{0,400}") {
        for mode in [Mode::Auto, Mode::Lookup] {
            let found = matcher().find(&s, mode);
            for m in &found {
                prop_assert!((0.0..=1.0).contains(&m.score));
                for e in &m.evidence {
                    prop_assert!(e.start <= e.end && e.end <= s.len());
                    prop_assert!(s.is_char_boundary(e.start) && s.is_char_boundary(e.end));
                }
            }
        }
    }

    #[test]
    fn any_bytes_are_safe(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&bytes);
        matcher().find(&s, Mode::Auto);
        matcher().find(&s, Mode::Lookup);
    }

    #[test]
    fn structured_noise_around_objects_is_safe(prefix in "[{}\\[\\]:,'\"a-z0-9 ]{0,60}", suffix in "[{}\\[\\]:,'\"a-z0-9 ]{0,60}") {
        let s = format!("{prefix}{{error: 14, errorMessage: 'JSON parse data error'}}{suffix}");
        matcher().find(&s, Mode::Auto);
    }
}

#[test]
fn support_channels_answer_without_a_context_word() {
    for (text, want) in [
        ("参数乱码", "alipay.faq.garbled-params"),
        ("403 怎么回事", "http.403"),
        ("400 Bad Request", "http.400"),
        ("接口返回 500 Internal Server Error", "http.500"),
    ] {
        assert_eq!(support(text).as_deref(), Some(want), "{text}");
        assert_eq!(auto(text), None, "team chat stays strict: {text}");
    }
}

#[test]
fn plainly_elsewhere_stays_silent_in_both_kinds() {
    for text in [
        "H5 页面调接口浏览器报 CORS，Access-Control-Allow-Origin 缺失，nginx 怎么配",
        "Lighthouse audit on the landing page shows net::ERR_CONNECTION_REFUSED for the fonts CDN",
        "Tomcat 返回 400，日志里说 Invalid character found in the request target",
        "our Next.js page gets 413 Payload Too Large from the API route when uploading images",
    ] {
        assert_eq!(support(text), None, "{text}");
        assert_eq!(auto(text), None, "{text}");
    }
    // A mini-program word outweighs the web words.
    assert_eq!(
        support("wx.request 在真机上报 413，nginx 的 client_max_body_size 要改吗").as_deref(),
        Some("http.413")
    );
}

#[test]
fn the_platform_steers_the_answer() {
    // WeChat errno tables do not answer Douyin or Kuaishou: such a message gets its own
    // platform's entry or nothing.
    for (text, platform) in [
        ("字节小程序（抖音）真机报错：\n```\ntt.request fail {\n  errMsg: \"request:fail ssl hand shake error\",\n  errNo: 21103\n}\n```", "douyin."),
        ("Kuaishou mini program: ks.request fail, errMsg says url not in domain list", "kuaishou."),
    ] {
        if let Some(id) = support(text) {
            assert!(id.starts_with(platform), "{text} got {id}");
        }
    }
    // A WeChat question about timeouts gets WeChat's entry, an Alipay one Alipay's.
    assert_eq!(
        support("wx.request 的超时时间默认是多少，在哪改").as_deref(),
        Some("wechat.faq.timeout-config")
    );
    // Douyin has entries of its own now: its errNo is explained there, never by WeChat's
    // errno table.
    let l = matcher().lookup("tt.request 返回 errNo 21103 是什么意思", 0.45);
    assert_eq!(l.uncovered_platform, None);
    assert_eq!(l.answer().map(|m| m.id.as_str()), Some("douyin.error-code"));
    // A platform nobody covers is still named.
    let l = matcher().lookup("小红书小程序 xhs.request 报错 errno 600002", 0.45);
    assert_eq!(
        l.uncovered_platform,
        Some(reqdoctor::knowledge::Platform::Other)
    );
    assert!(l.answer().is_none(), "{:?}", l.answer());
}

#[test]
fn assignments_in_source_fences_are_not_codes() {
    for text in [
        "can we use an enum here?\n```rust\nfn classify() {\n    let error = 14;\n    let status = 500;\n}\n```",
        "```java\nint error = 11; // max retries\nwhile (error-- > 0) { send(); }\n```",
        "reviewing:\n```go\nif resp.StatusCode == 413 {\n    return fmt.Errorf(\"payload too large\")\n}\n```",
    ] {
        assert_eq!(support(text), None, "{text}");
        assert_eq!(auto(text), None, "{text}");
    }
    // What the console printed still counts inside a fence.
    assert_eq!(
        auto("```\nmy.request fail: {error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n```")
            .as_deref(),
        Some("alipay.error.14")
    );
}

#[test]
fn lookup_answers_a_clear_best() {
    for (text, want) in [
        ("cookie", "alipay.faq.cookie"),
        ("乱码", "alipay.faq.garbled-params"),
        ("beforeSend", "alipay.faq.before-send"),
    ] {
        let l = matcher().lookup(text, 0.45);
        assert_eq!(l.answer().map(|m| m.id.as_str()), Some(want), "{text}");
    }
    assert!(matcher()
        .lookup("what should we order for lunch", 0.45)
        .answer()
        .is_none());
}
