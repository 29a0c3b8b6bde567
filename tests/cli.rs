//! The `reqdoctor` binary as people and scripts use it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_reqdoctor"));
    c.env_remove("REQDOCTOR_KNOWLEDGE").env("NO_COLOR", "1");
    // Run from a directory without a knowledge folder: the bundled copy must be enough.
    c.current_dir(std::env::temp_dir());
    c
}

fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn reqdoctor");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn ask_answers_offline_in_the_question_language() {
    let o = bin()
        .args(["ask", "my.request 报错 error: 14"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let out = stdout(&o);
    assert!(out.contains("[alipay.error.14]"), "{out}");
    assert!(
        out.contains("原因")
            && out.contains("解决办法")
            && out.contains("https://opendocs.alipay.com"),
        "{out}"
    );
    assert!(out.contains("error: 14"), "evidence is shown: {out}");
    assert!(!out.contains("\x1b["), "no colour when not a tty");
}

#[test]
fn ask_can_force_english_and_json() {
    let o = bin()
        .args([
            "ask",
            "--lang",
            "en",
            "--json",
            "{error: 14, status: 13, errorMessage: \"JSON parse data error\"}",
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["id"], "alipay.error.14");
    assert_eq!(v["lang"], "en");
    assert!(v["fix"].as_array().is_some_and(|f| !f.is_empty()));
    assert_eq!(v["evidence"][0]["in_fail_object"], true);
}

#[test]
fn ask_without_a_confident_match_says_so() {
    let o = bin()
        .args(["ask", "what should we order for lunch"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("No confident match"), "{}", stdout(&o));
}

#[test]
fn match_jsonl_keeps_one_line_per_input_and_reports_bad_lines() {
    let input = concat!(
        "{\"text\": \"wx.request fail {errno: 600002, errMsg: 'request:fail url not in domain list'}\"}\n",
        "this is not json\n",
        "{\"text\": \"standup at 14:00, PR #1413 merged\"}\n",
    );
    let o = run_with_stdin(
        {
            let mut c = bin();
            c.args(["match", "--jsonl"]);
            c
        },
        input,
    );
    let out = stdout(&o);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0]["answers"][0], "wechat.fail.domain-list");
    assert_eq!(lines[0]["matches"][0]["id"], "wechat.fail.domain-list");
    assert!(lines[0]["matches"][0]["evidence"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
    assert_eq!(lines[1]["answers"], serde_json::json!([]));
    assert_eq!(
        lines[2]["answers"],
        serde_json::json!([]),
        "negatives stay silent"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("stdin:2:"), "located error on stderr: {err}");
}

/// `match --jsonl` over `texts` (with extra `args`): each line's answer, `""` for silence or
/// (in Lookup) for suggestions only.
fn answers(args: &[&str], texts: &[&str]) -> Vec<String> {
    let input: String = texts
        .iter()
        .map(|t| format!("{}\n", serde_json::json!({ "text": t })))
        .collect();
    let mut c = bin();
    c.args(["match", "--jsonl"]).args(args);
    let o = run_with_stdin(c, &input);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let shown = v.get("answered").unwrap_or(&v["answers"][0]);
            shown.as_str().unwrap_or("").to_string()
        })
        .collect()
}

#[test]
fn match_lookup_maps_bare_codes() {
    assert_eq!(
        answers(&["--lookup"], &["14", "N22106", "600002"]),
        vec![
            "alipay.error.14",
            "alipay.n22106",
            "wechat.fail.domain-list"
        ]
    );
}

/// README, Modes: in Lookup a bare `cookie`, `乱码` or `beforeSend` gets its entry, and
/// `referer` alone, one fact on two platforms, gets one platform's entry pointing at the other.
#[test]
fn readme_lookup_answers_bare_words() {
    assert_eq!(
        answers(&["--lookup"], &["cookie", "乱码", "beforeSend", "referer"]),
        vec![
            "alipay.faq.cookie",
            "alipay.faq.garbled-params",
            "alipay.faq.before-send",
            "wechat.faq.referer"
        ]
    );
}

/// README, Modes: fail objects are read inside ``` blocks; question words are not, and in a
/// block that reads as a program numbers are not codes.
#[test]
fn readme_code_in_fences_stays_silent_but_fail_objects_are_read() {
    assert_eq!(
        answers(
            &[],
            &[
                "```\nlet error = 14;\nif (status == 500) { retry(); }\n```",
                "```\nmy.request 报错怎么办 小程序\n```",
                "```\n{error: 14, errorMessage: \"JSON parse data error\"}\n```",
            ]
        ),
        vec!["", "", "alipay.error.14"]
    );
}

#[test]
fn check_passes_on_the_shipped_knowledge_and_fails_located_on_a_broken_one() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/knowledge");
    let o = bin().args(["check", dir]).output().unwrap();
    assert!(
        o.status.success(),
        "{}{}",
        stdout(&o),
        String::from_utf8_lossy(&o.stderr)
    );

    let broken = tempfile::tempdir().unwrap();
    std::fs::write(
        broken.path().join("vocabulary.toml"),
        "[context]\nstrong = [\"my.request\"]\n",
    )
    .unwrap();
    std::fs::write(
        broken.path().join("alipay.toml"),
        "[[entry]]\nid = \"alipay.x\"\nplatform = \"alipay\"\ntitle = { zh = \"标题\" }\ncause = { zh = \"a\", en = \"b\" }\nfix = { zh = [\"a\"], en = [\"b\"] }\nlinks = [{ url = \"http://example.com\", title = { zh = \"a\", en = \"b\" } }]\npatterns = ['(']\n",
    )
    .unwrap();
    let o = bin().arg("check").arg(broken.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert!(out.contains("alipay.toml:4:"), "{out}");
    assert!(out.contains("entry[0].title.en: missing language"), "{out}");
    assert!(out.contains("entry[0].links[0].url"), "{out}");
    assert!(out.contains("entry[0].patterns[0]: invalid regex"), "{out}");
}

/// `check` counts `entry[N]` within each file, drops the `no entry has id` follow-ons of a
/// file it could not read, prints problems and summary on stdout, and checks one FILE among
/// its neighbours.
#[test]
fn check_locates_per_file_and_checks_one_file() {
    let entry = |id: &str, extra: &str| entry_toml(id, "my.request", extra);
    let (dir, write) = knowledge_dir();
    write("a.toml", &entry("alipay.a", "see_also = [\"alipay.c\"]\n"));
    write(
        "b.toml",
        &format!(
            "{}{}",
            entry("alipay.b", ""),
            entry("alipay.b2", "patterns = ['(']\n")
        ),
    );
    write("c.toml", "[[entry]\nid = \"alipay.c\"\n");

    let check = |path: &std::path::Path| bin().arg("check").arg(path).output().unwrap();
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "",
        "everything on stdout"
    );
    let out = stdout(&o);
    assert!(out.contains("b.toml:"), "{out}");
    assert!(
        out.contains(": entry[1].patterns[0]: invalid regex"),
        "{out}"
    );
    assert!(out.contains("c.toml:1:"), "{out}");
    assert!(!out.contains("no entry has id"), "{out}");
    assert!(out.ends_with("2 problem(s)\n"), "{out}");

    let o = check(&dir.path().join("b.toml"));
    assert_eq!(o.status.code(), Some(2));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(out.contains("entry[1].patterns[0]"), "{out}");

    let o = check(&dir.path().join("a.toml"));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

/// One valid entry whose only keyword group is `keyword`, then `extra` lines.
fn entry_toml(id: &str, keyword: &str, extra: &str) -> String {
    format!(
        "[[entry]]\nid = \"{id}\"\nplatform = \"alipay\"\ntitle = {{ zh = \"标题\", en = \"t\" }}\ncause = {{ zh = \"a\", en = \"b\" }}\nfix = {{ zh = [\"a\"], en = [\"b\"] }}\nlinks = [{{ url = \"https://opendocs.alipay.com/x\", title = {{ zh = \"a\", en = \"b\" }} }}]\nkeywords = [[\"my.request\", \"{keyword}\"]]\n{extra}"
    )
}

/// A knowledge folder with a vocabulary, and a writer of its files.
fn knowledge_dir() -> (tempfile::TempDir, impl Fn(&str, &str)) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let write = move |name: &str, text: &str| std::fs::write(path.join(name), text).unwrap();
    write("vocabulary.toml", "[context]\nstrong = [\"my.request\"]\n");
    (dir, write)
}

/// `reqdoctor check DIR`'s stdout, checked to fail (exit 2) with `problems` problems.
fn check_failing(dir: &std::path::Path, problems: usize) -> String {
    let o = bin().arg("check").arg(dir).output().unwrap();
    let out = stdout(&o);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "",
        "everything on stdout"
    );
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(
        out.ends_with(&format!("\n{problems} problem(s)\n")),
        "{out}"
    );
    out
}

/// An unknown field used to be the only problem reported for its entry.
#[test]
fn check_an_unknown_field_hides_no_other_problem() {
    let (dir, write) = knowledge_dir();
    let text = entry_toml("alipay.a", "超时", "colour = \"red\"\n")
        .replace(", en = \"t\" }", " }")
        .replace("https://", "http://")
        .replace(
            "title = { zh = \"a\", en = \"b\" }",
            "title = { zh = \"a\", en = \"b\", de = \"c\" }",
        );
    write("a.toml", &text);
    let out = check_failing(dir.path(), 4);
    for part in [
        "a.toml:9:1: entry[0].colour: unknown field `colour`",
        "entry[0].title.en: missing language `en`",
        "entry[0].links[0].url: `http://opendocs.alipay.com/x` is not an https:// link",
        "entry[0].links[0].title.de: unknown field `de`, expected `zh` or `en`",
    ] {
        assert!(out.contains(part), "{part}\n{out}");
    }
}

/// Examples used to be tried only once every file was clean; now a broken file and a
/// failing example elsewhere show in the same run.
#[test]
fn check_tries_examples_in_the_same_run_as_the_files() {
    let (dir, write) = knowledge_dir();
    write(
        "a.toml",
        &entry_toml("alipay.a", "超时", "patterns = ['(']\n"),
    );
    write(
        "b.toml",
        &entry_toml(
            "alipay.b",
            "证书",
            "examples = [\"my.request 证书\", \"今天天气很好\"]\n",
        ),
    );
    let out = check_failing(dir.path(), 2);
    assert!(
        out.contains("a.toml:") && out.contains("entry[0].patterns[0]: invalid regex"),
        "{out}"
    );
    assert!(
        out.contains("b.toml:9:") && out.contains("entry[0].examples[1]: example"),
        "{out}"
    );
}

/// An example's `entry[N]` counts within its file, like every other problem (it used to
/// count across files).
#[test]
fn check_locates_a_failing_example_within_its_file() {
    let (dir, write) = knowledge_dir();
    write(
        "a.toml",
        &format!(
            "{}{}",
            entry_toml("alipay.a", "超时", ""),
            entry_toml("alipay.a2", "域名", "")
        ),
    );
    write(
        "b.toml",
        &entry_toml("alipay.b", "证书", "examples = [\"今天天气很好\"]\n"),
    );
    let out = check_failing(dir.path(), 1);
    assert!(
        out.contains("b.toml:9:") && out.contains(": entry[0].examples[0]: example"),
        "{out}"
    );
}

#[test]
fn knowledge_dir_can_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vocabulary.toml"),
        "[context]\nstrong = [\"my.request\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("custom.toml"),
        "[[entry]]\nid = \"custom.error.teapot\"\nplatform = \"general\"\ntitle = { zh = \"茶壶\", en = \"Teapot\" }\ncause = { zh = \"a\", en = \"b\" }\nfix = { zh = [\"a\"], en = [\"b\"] }\nlinks = [{ url = \"https://developer.mozilla.org/en-US/docs/Web/HTTP/Status/418\", title = { zh = \"a\", en = \"b\" } }]\nphrases = [\"I'm a teapot\"]\n",
    )
    .unwrap();
    let o = bin()
        .env("REQDOCTOR_KNOWLEDGE", dir.path())
        .args(["ask", "server says I'm a teapot"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(stdout(&o).contains("[custom.error.teapot]"));
}

#[test]
fn eval_reports_accuracy_and_fails_under_the_bar() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("c.jsonl");
    std::fs::write(
        &corpus,
        "{\"text\": \"my.request error: 14\", \"expect\": [\"alipay.error.14\"]}\n{\"text\": \"lunch at 12?\", \"expect\": []}\n{\"text\": \"error: 11\", \"expect\": [\"alipay.error.1*\"]}\n",
    )
    .unwrap();
    let o = bin()
        .arg("eval")
        .arg(&corpus)
        .args(["--min-accuracy", "0.95", "--max-false", "0.02"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("top-1 accuracy: 100.00% (2/2)"),
        "{}",
        stdout(&o)
    );

    std::fs::write(
        &corpus,
        "{\"text\": \"my.request error: 14\", \"expect\": [\"alipay.error.11\"]}\n",
    )
    .unwrap();
    let o = bin()
        .arg("eval")
        .arg(&corpus)
        .args(["--min-accuracy", "0.95"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("MISS") && out.contains("FAIL: accuracy"),
        "{out}"
    );
}

#[test]
fn list_shows_every_contract_id() {
    let o = bin().args(["list", "--json"]).output().unwrap();
    let ids: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    for id in include_str!("fixtures/knowledge-ids.txt").lines() {
        assert!(ids.iter().any(|i| i == id), "{id} missing from list");
    }
}

/// A reader that goes away (`reqdoctor list | head -1`) ends the run quietly: exit 0, nothing
/// on stderr. The output here is far larger than a pipe holds, so the write after the reader
/// left fails every time.
#[test]
fn a_closed_pipe_ends_the_run_quietly() {
    let input = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(input.path(), "{\"text\": \"x\"}\n".repeat(40_000)).unwrap();
    let mut child = bin()
        .args(["match", "--jsonl"])
        .stdin(std::fs::File::open(input.path()).unwrap())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut first,
    )
    .unwrap();
    assert!(first.starts_with("{\"answers\""), "{first}");
    let o = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
    assert_eq!(o.status.code(), Some(0));
}

/// Writes `bytes` to a file called `name` in a fresh directory.
fn pasted_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

fn ask_json(args: &[&str]) -> (Output, serde_json::Value) {
    let o = bin().arg("ask").args(args).arg("--json").output().unwrap();
    let v = serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o, v)
}

#[test]
fn ask_dash_reads_the_question_from_stdin() {
    let mut cmd = bin();
    cmd.args(["ask", "-", "--json"]);
    let o = run_with_stdin(
        cmd,
        "my.request 报错\n{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n",
    );
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["id"], "alipay.error.14");
    assert!(
        v["evidence"][0].get("attachment").is_none(),
        "stdin is the message itself"
    );
}

#[test]
fn ask_file_reads_text_log_and_json_and_names_the_line() {
    let log = b"boot ok\nrender ok\nmy.request fail {error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n";
    for name in ["message.txt", "app.log", "dump.json"] {
        let (_d, path) = pasted_file(name, log);
        let (o, v) = ask_json(&["--file", path.to_str().unwrap()]);
        assert!(o.status.success(), "{name}: {o:?}");
        assert_eq!(v["id"], "alipay.error.14", "{name}");
        assert_eq!(v["evidence"][0]["attachment"], name);
        assert_eq!(v["evidence"][0]["line"], 3, "{name}: {v}");
    }
    // Without --json the terminal answer says where the evidence was found.
    let (_d, path) = pasted_file("app.log", log);
    let o = bin()
        .args(["ask", "--lang", "en", "--file", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stdout(&o).contains("(evidence found in app.log line 3)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn ask_text_and_file_are_matched_together() {
    // The error is in an English log; the question around it is Chinese: one answer, in
    // the question's language, with the evidence located in the file.
    let (_d, path) = pasted_file(
        "trace.log",
        b"{error: 14, status: 13, errorMessage: \"JSON parse data error\"}\n",
    );
    let (o, v) = ask_json(&[
        "my.request 报错了，日志见附件",
        "--file",
        path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(v["id"], "alipay.error.14");
    assert_eq!(v["lang"], "zh");
    assert_eq!(v["evidence"][0]["attachment"], "trace.log");
    assert_eq!(v["evidence"][0]["line"], 1);
}

#[test]
fn ask_file_reads_a_har_by_its_failed_entries() {
    let har = serde_json::json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": "https://api.example.com/ok"}, "response": {"status": 200, "statusText": "OK", "content": {"text": "fine"}}},
        {"request": {"method": "POST", "url": "https://api.example.com/login"}, "response": {"status": 401, "statusText": "Unauthorized", "content": {"text": "{\"msg\":\"token expired\"}"}}}
    ]}});
    let (_d, path) = pasted_file("network.har", har.to_string().as_bytes());
    let (o, v) = ask_json(&["--file", path.to_str().unwrap()]);
    assert!(o.status.success(), "{o:?}");
    assert_eq!(v["id"], "http.401");
    let located: Vec<_> = v["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["attachment"] == "network.har")
        .collect();
    assert!(!located.is_empty(), "{v}");
    assert!(located.iter().all(|e| e["entry"] == 1), "{v}");
}

#[test]
fn ask_file_refuses_binary_images_and_missing_files_clearly() {
    let (_d, path) = pasted_file("message.txt", b"\x7fELF\x02\x01\x01\0\0\0garbage\0\xff\xfe");
    let o = bin()
        .args(["ask", "--file", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("message.txt: skipped: binary content"),
        "{err}"
    );

    // A PNG signature and nothing more: refused without OCR, undecodable with it.
    let (_d, path) = pasted_file("shot.png", b"\x89PNG\r\n\x1a\n");
    let o = bin()
        .args(["ask", "--file", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_ne!(o.status.code(), Some(0));
    let err = String::from_utf8_lossy(&o.stderr);
    if cfg!(feature = "ocr") {
        assert!(err.contains("shot.png: skipped"), "{err}");
    } else {
        assert!(err.contains("`ocr` feature"), "{err}");
    }

    let o = bin()
        .args(["ask", "--file", "/nonexistent/dir/app.log"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot read /nonexistent/dir/app.log"),
        "{err}"
    );
    assert!(o.stdout.is_empty());

    let o = bin().arg("ask").output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing to ask"));
}

/// With the `ocr` feature, `ask --file` reads a screenshot and names the entry as `ask
/// --json` does; the evidence names the image and its line.
#[cfg(feature = "ocr")]
#[test]
fn ask_file_reads_a_screenshot() {
    let shot = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ocr/alipay-error-14-light.png");
    let (o, v) = ask_json(&["--file", shot.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(v["id"], "alipay.error.14", "{v}");
    assert!(
        v["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["attachment"] == "alipay-error-14-light.png" && e["line"].is_u64()),
        "{v}"
    );
}
