//! `bench`: the server and load generator built with the `server` profile, the run, and
//! its table copied into the README.

use crate::build::build_widget;
use crate::process::{cargo, root, run};
use crate::provision::{ensure_browser, ensure_postgres};
use anyhow::{Result, bail};
use std::process::Command;

/// Markers around the benchmark table in the README.
pub(crate) const BENCH_START: &str = "<!-- bench:start -->";
pub(crate) const BENCH_END: &str = "<!-- bench:end -->";

pub(crate) fn bench(extra: &[String]) -> Result<()> {
    ensure_browser()?;
    ensure_postgres()?;
    build_widget()?;
    run(cargo().args([
        "build",
        "--profile",
        "server",
        "--package",
        "parley-backend",
        "--package",
        "parley-bench",
    ]))?;
    let bin = root().join("target/server");
    run(Command::new(bin.join("parley-bench"))
        .current_dir(root())
        .arg("--parley")
        .arg(bin.join("parley"))
        .args(["--out", "bench", "--dist", "dist"])
        .args(extra))?;
    let table = std::fs::read_to_string(root().join("bench/results.md"))?;
    let readme_path = root().join("README.md");
    let readme = std::fs::read_to_string(&readme_path)?;
    let (Some(start), Some(end)) = (readme.find(BENCH_START), readme.find(BENCH_END)) else {
        bail!("README.md lacks the {BENCH_START} … {BENCH_END} markers");
    };
    let updated = format!(
        "{}{BENCH_START}\n{table}{}",
        &readme[..start],
        &readme[end..]
    );
    std::fs::write(readme_path, updated)?;
    eprintln!("xtask: README.md updated with bench/results.md");
    Ok(())
}
