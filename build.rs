//! Rebuild when the bundled knowledge changes (files are embedded with include_dir), and mark
//! the tests that need a service this machine lacks, so `cargo test` lists them as ignored
//! with the reason instead of printing `ok` for a test that did nothing.
//!
//! - `reqdoctor_no_postgres`: `REQDOCTOR_TEST_POSTGRES` is not set;
//! - `reqdoctor_no_chromium`: no Chromium at `$REQDOCTOR_CHROMIUM`, `/usr/bin/chromium` or on
//!   `PATH`.
//!
//! `REQDOCTOR_REQUIRE_POSTGRES=1` / `REQDOCTOR_REQUIRE_CHROMIUM=1` (CI) never mark them: the
//! tests run and fail when the service is missing. A Chromium installed on `PATH` later is
//! seen after the next change to one of these variables (or `touch build.rs`).
use std::path::PathBuf;

fn set(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| !v.trim().is_empty())
}

fn chromium_found() -> bool {
    if let Some(p) = std::env::var_os("REQDOCTOR_CHROMIUM") {
        return PathBuf::from(p).is_file();
    }
    PathBuf::from("/usr/bin/chromium").is_file()
        || std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| dir.join("chromium").is_file())
        })
}

fn main() {
    println!("cargo:rerun-if-changed=knowledge");
    for var in [
        "REQDOCTOR_TEST_POSTGRES",
        "REQDOCTOR_REQUIRE_POSTGRES",
        "REQDOCTOR_CHROMIUM",
        "REQDOCTOR_REQUIRE_CHROMIUM",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo::rustc-check-cfg=cfg(reqdoctor_no_postgres)");
    println!("cargo::rustc-check-cfg=cfg(reqdoctor_no_chromium)");
    let required = |var: &str| std::env::var(var).is_ok_and(|v| v == "1");
    if !set("REQDOCTOR_TEST_POSTGRES") && !required("REQDOCTOR_REQUIRE_POSTGRES") {
        println!("cargo:rustc-cfg=reqdoctor_no_postgres");
    }
    if !chromium_found() && !required("REQDOCTOR_REQUIRE_CHROMIUM") {
        println!("cargo:rustc-cfg=reqdoctor_no_chromium");
    }
}
