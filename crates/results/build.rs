//! Records the versions of the crates that decide the measured figures (from Cargo.lock)
//! and, when git is there, the commit, so every results file can name them.

fn main() {
    const CRATES: [&str; 8] = [
        "actix-web",
        "aws-lc-rs",
        "hdrhistogram",
        "hyper",
        "jsonwebtoken",
        "redis",
        "reqwest",
        "tokio",
    ];
    let lock_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default();
    let mut versions = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = \"") {
            name = Some(n.trim_end_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = \""), name.take())
            && CRATES.contains(&n.as_str())
        {
            versions.push(format!("{n}={}", v.trim_end_matches('"')));
        }
    }
    println!("cargo:rustc-env=AUTHBENCH_CRATE_VERSIONS={}", versions.join(","));
}
