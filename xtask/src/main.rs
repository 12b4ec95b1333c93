//! Developer commands, run as `cargo xtask COMMAND`:
//!
//! - `build-widget`: compiles the web apps (widget and dashboard) to wasm32 (release,
//!   size-optimized), binds them with the `wasm-bindgen` library pinned by Cargo.lock (no
//!   download), shrinks them with `wasm-opt -Oz` when available, and writes everything to
//!   `dist/widget/` and `dist/dashboard/`.
//! - `run`: builds the widget, then runs `parley serve --demo` (SQLite, demo site).
//! - `test`: installs what the tests need where it can, builds the widget, and runs format
//!   and lint checks and every test, including the headless-Chromium end-to-end test.
//! - `bench [FLAGS]`: builds the server and the load generator with the `server` profile,
//!   runs `parley-bench` (flags are passed on, e.g. `--seconds 30 --scales 1,2,4,8,16`), and
//!   copies its table into the README.

mod bench;
mod build;
mod process;
mod provision;
mod test;

use anyhow::{Context, Result, bail};
use build::build_widget;
use process::{cargo, run};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build-widget") => build_widget(),
        Some("run") => {
            build_widget()?;
            let mut cmd = cargo();
            cmd.args([
                "run",
                "--package",
                "parley-backend",
                "--bin",
                "parley",
                "--",
                "serve",
                "--demo",
            ])
            .args(&args[1..]);
            run(&mut cmd)
        }
        Some("test") => test::test(),
        Some("bench") => bench::bench(&args[1..]),
        Some("fuzz") => {
            let seconds = args
                .get(1)
                .map_or(Ok(60), |s| s.parse())
                .context("fuzz SECONDS")?;
            test::fuzz(seconds)
        }
        _ => bail!(
            "usage: cargo xtask build-widget | run [PARLEY SERVE FLAGS] | test | bench [FLAGS] | fuzz [SECONDS]"
        ),
    }
}
