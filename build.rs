//! Rebuild when the bundled knowledge changes (files are embedded with include_dir).
fn main() {
    println!("cargo:rerun-if-changed=knowledge");
}
