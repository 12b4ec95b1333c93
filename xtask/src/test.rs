//! `test` and `fuzz`: format and lint checks, the suites on SQLite then PostgreSQL, the
//! fuzz targets; one closing count.

use crate::build::build_widget;
use crate::process::{cargo, root, run};
use crate::provision::{
    ensure_browser, ensure_debian_faq, ensure_postgres, ensure_schemathesis, ensure_smtp_server,
    postgres_url,
};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

/// Runs `cargo test` with `args`, echoing its output, and returns (passed, failed) summed
/// over every `test result:` line.
pub(crate) fn cargo_test(args: &[&str], envs: &[(&str, &str)]) -> Result<(u64, u64)> {
    let mut cmd = cargo();
    cmd.arg("test").args(args).envs(envs.iter().copied());
    counted(cmd)
}

/// The API suite's test binary as the last `cargo test` with `args` built it (asked with
/// `--no-run`, which builds nothing new).
pub(crate) fn api_test_binary(args: &[&str]) -> Result<PathBuf> {
    let output = cargo()
        .arg("test")
        .args(args)
        .args(["--no-run", "--message-format=json"])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|m| m["target"]["name"] == "api" && m["target"]["kind"][0] == "test")
        .and_then(|m| m["executable"].as_str().map(PathBuf::from))
        .context("no API test binary in cargo's build plan")
}

/// Runs a test command, echoing its output, and counts the passed and failed tests of its
/// `test result:` lines; a failing command is an error.
pub(crate) fn counted(mut cmd: Command) -> Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    eprintln!("xtask: running {cmd:?}");
    let mut child = cmd.stdout(std::process::Stdio::piped()).spawn()?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines() {
            let line = line?;
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| {
                    rest.split(';')
                        .find_map(|part| {
                            part.trim()
                                .strip_suffix(word)?
                                .trim()
                                .rsplit(' ')
                                .next()?
                                .parse::<u64>()
                                .ok()
                        })
                        .unwrap_or(0)
                };
                passed += count(" passed");
                failed += count(" failed");
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("tests failed with {status} ({passed} passed, {failed} failed)");
    }
    Ok((passed, failed))
}

pub(crate) fn test() -> Result<()> {
    ensure_browser()?;
    ensure_debian_faq()?;
    ensure_smtp_server()?;
    ensure_postgres()?;
    let schemathesis = ensure_schemathesis()?;
    let schemathesis = schemathesis.to_string_lossy();
    build_widget()?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    // Pass 1: everything, the API suite on SQLite files; the web apps' reducers natively.
    let pass_one = ["--workspace"];
    let (mut passed, mut failed) = cargo_test(
        &pass_one,
        &[
            ("PARLEY_REQUIRE_BROWSER", "1"),
            ("PARLEY_REQUIRE_SCHEMATHESIS", "1"),
            ("PARLEY_SCHEMATHESIS", &schemathesis),
        ],
    )?;
    // Pass 2: the same API suite on PostgreSQL, plus the multi-instance test that only this
    // pass can run. Pass 1's test binary is run again as it is: `cargo test --test api`
    // would resolve dev-dependency features differently and rebuild half the dependencies.
    let url = postgres_url();
    let binary = api_test_binary(&pass_one)?;
    let mut pass_two = Command::new(binary);
    pass_two.current_dir(root().join("backend")).envs([
        ("PARLEY_REQUIRE_BROWSER", "1"),
        ("PARLEY_REQUIRE_SCHEMATHESIS", "1"),
        ("PARLEY_SCHEMATHESIS", &*schemathesis),
        ("PARLEY_TEST_DATABASE_URL", &url),
    ]);
    let (p, f) = counted(pass_two)?;
    passed += p;
    failed += f;
    // Fuzz targets for the parsers of untrusted input, briefly (`cargo xtask fuzz N` for longer).
    fuzz(10)?;
    // One closing line for the whole run (cargo's last line is a doc-test crate's "0 passed").
    println!("tests: {passed} passed, {failed} failed");
    Ok(())
}

/// The fuzz targets of `fuzz/` (cargo-fuzz, libFuzzer).
pub(crate) const FUZZ_TARGETS: [&str; 3] = ["identity", "frames", "cursors"];
/// The cargo-fuzz version installed when missing.
pub(crate) const CARGO_FUZZ: &str = "0.13.2";

/// Runs every fuzz target for `seconds` each (cargo-fuzz is installed when missing). A
/// crash fails the run and leaves its input under `fuzz/artifacts/`.
pub(crate) fn fuzz(seconds: u64) -> Result<()> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        run(Command::new("cargo").args([
            "install",
            "cargo-fuzz",
            "--locked",
            "--version",
            CARGO_FUZZ,
        ]))?;
    }
    for target in FUZZ_TARGETS {
        // libFuzzer's instrumentation needs unstable compiler flags; cargo-fuzz passes them,
        // and RUSTC_BOOTSTRAP lets the pinned stable compiler accept them.
        run(cargo()
            .current_dir(root())
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", "-O", "--fuzz-dir", "fuzz", target, "--"])
            .arg(format!("-max_total_time={seconds}")))?;
    }
    Ok(())
}
