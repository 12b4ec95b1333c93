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

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// binaryen from npm: Debian's is too old to read wasm-bindgen 0.2.130's output.
const BINARYEN: &str = "binaryen@132.0.0";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(root());
    cmd
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// rustup may have automatic installs switched off: add the target explicitly (a no-op
/// when present).
fn ensure_wasm_target() -> Result<()> {
    if found("rustup") {
        run(Command::new("rustup").current_dir(root()).args([
            "target",
            "add",
            "wasm32-unknown-unknown",
        ]))?;
    }
    Ok(())
}

/// A `wasm-opt` that understands current wasm-bindgen output, installing binaryen from npm
/// into `target/npm-tools` when npm is there; `None` (and a notice) otherwise.
fn wasm_opt() -> Option<PathBuf> {
    let tools = root().join("target/npm-tools");
    let local = tools.join("node_modules/.bin/wasm-opt");
    if !local.exists() && found("npm") {
        let _ = run(Command::new("npm").args([
            "install",
            "--no-save",
            "--no-audit",
            "--no-fund",
            "--prefix",
            &tools.to_string_lossy(),
            BINARYEN,
        ]));
    }
    if local.exists() {
        return Some(local);
    }
    eprintln!("xtask: NOTICE: wasm-opt unavailable (needs npm); the widget is left unoptimized");
    None
}

/// The web apps: (crate, output folder under dist/, JS module name, static files).
const APPS: [(&str, &str, &str, [&str; 3]); 2] = [
    (
        "parley-widget",
        "widget",
        "parley_widget",
        ["index.html", "boot.js", "widget.css"],
    ),
    (
        "parley-dashboard",
        "dashboard",
        "parley_dashboard",
        ["index.html", "boot.js", "dashboard.css"],
    ),
];

fn build_widget() -> Result<()> {
    ensure_wasm_target()?;
    // One cargo invocation builds both apps (their shared dependencies compile once).
    run(cargo().args([
        "build",
        "--package",
        "parley-widget",
        "--package",
        "parley-dashboard",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;
    let wasm_opt = wasm_opt();
    for (krate, folder, module, statics) in APPS {
        bind_app(krate, folder, module, &statics, wasm_opt.as_deref())?;
    }
    Ok(())
}

fn bind_app(
    krate: &str,
    folder: &str,
    module: &str,
    statics: &[&str],
    wasm_opt: Option<&Path>,
) -> Result<()> {
    let input = root().join(format!(
        "target/wasm32-unknown-unknown/release/{krate}.wasm"
    ));
    let out = root().join("dist").join(folder);
    // Start clean: older content-hashed files would otherwise pile up.
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&input)
        .web(true)?
        .out_name(module)
        .typescript(false)
        // The library defaults this to true (the CLI does not): without it `init()` has no
        // default wasm URL and the page silently renders nothing.
        .omit_default_module_path(false)
        .generate(&out)
        .context("wasm-bindgen")?;
    let wasm = out.join(format!("{module}_bg.wasm"));
    if let Some(opt) = wasm_opt {
        run(Command::new(opt).arg("-Oz").arg(&wasm).arg("-o").arg(&wasm))?;
    }
    for file in statics {
        std::fs::copy(
            root().join(folder).join("static").join(file),
            out.join(file),
        )
        .with_context(|| format!("copying {folder}/static/{file}"))?;
    }
    // Content-hashed names, so the server can let browsers cache them for a year: each file
    // is renamed after its hash, then the files that name it are rewritten (and hashed in
    // turn): wasm → JS glue → boot script; the page keeps its name.
    let css = statics
        .iter()
        .find(|f| f.ends_with(".css"))
        .context("a stylesheet")?;
    hash_name(
        &out,
        &format!("{module}_bg.wasm"),
        &[&format!("{module}.js")],
    )?;
    hash_name(&out, &format!("{module}.js"), &["boot.js", "index.html"])?;
    hash_name(&out, "boot.js", &["index.html"])?;
    hash_name(&out, css, &["index.html"])?;
    let wasm = std::fs::read_dir(&out)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .context("the hashed wasm")?;
    for entry in std::fs::read_dir(&out)? {
        let path = entry?.path();
        if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("wasm" | "js" | "css")
        ) {
            precompress(&path)?;
        }
    }
    let size = std::fs::metadata(&wasm)?.len();
    eprintln!(
        "xtask: {folder} built in {} (wasm {} KiB)",
        out.display(),
        size / 1024
    );
    Ok(())
}

/// Renames `dir/file` to `stem-HASH.ext` (the first 12 hex digits of its SHA-256) and
/// replaces its old name by the new one in each of `referrers` (files in `dir`).
fn hash_name(dir: &Path, file: &str, referrers: &[&str]) -> Result<String> {
    use sha2::Digest;
    let path = dir.join(file);
    let data = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
    let hash = hex::encode(sha2::Sha256::digest(&data));
    let (stem, ext) = file.rsplit_once('.').context("a file extension")?;
    let hashed = format!("{stem}-{}.{ext}", &hash[..12]);
    std::fs::rename(&path, dir.join(&hashed))?;
    for referrer in referrers {
        let r = dir.join(referrer);
        let text = std::fs::read_to_string(&r)?;
        if !text.contains(file) {
            bail!("{referrer} does not name {file}");
        }
        std::fs::write(&r, text.replace(file, &hashed))?;
    }
    Ok(hashed)
}

/// Writes `FILE.br` (brotli, quality 11) and `FILE.gz` (gzip, level 9) beside `file`: the
/// server sends these as they are, smaller than on-the-fly compression can afford to be.
fn precompress(file: &Path) -> Result<()> {
    use std::io::Write;
    let data = std::fs::read(file)?;
    let with_suffix = |suffix: &str| {
        let mut name = file.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let mut br = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut data.as_slice(), &mut br, &params)?;
    std::fs::write(with_suffix(".br"), br)?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data)?;
    std::fs::write(with_suffix(".gz"), gz.finish()?)?;
    Ok(())
}

/// Chromium and chromedriver for the browser test: installed from Debian when missing and
/// running as root; otherwise a clear request to install them.
fn ensure_browser() -> Result<()> {
    if found("chromedriver") && (found("chromium") || found("chromium-browser")) {
        return Ok(());
    }
    if is_root() && found("apt-get") {
        run(Command::new("apt-get").arg("update").arg("-q"))?;
        run(Command::new("apt-get").args(["install", "-y", "-q", "chromium", "chromium-driver"]))?;
        return Ok(());
    }
    bail!(
        "the browser test needs Chromium and chromedriver: install the Debian packages `chromium` and `chromium-driver`"
    )
}

/// The schemathesis version the API suite's fuzz run uses (PyPI), pinned for repeatable runs.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// schemathesis in a virtualenv under `target/` (made once, reused): the path of its command.
fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = root().join("target/schemathesis");
    let bin = venv.join("bin/schemathesis");
    let stamp = venv.join("installed-version");
    if bin.exists() && std::fs::read_to_string(&stamp).is_ok_and(|v| v == SCHEMATHESIS) {
        return Ok(bin);
    }
    let python = ["python3", "python"]
        .into_iter()
        .find(|p| found(p))
        .context("schemathesis needs Python 3 (Debian: python3, python3-venv)")?;
    run(Command::new(python).args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip")).args([
        "install",
        "-q",
        "--disable-pip-version-check",
        SCHEMATHESIS,
    ]))?;
    std::fs::write(&stamp, SCHEMATHESIS)?;
    Ok(bin)
}

/// The Debian FAQ (package `debian-faq`): real text for the knowledge-base retrieval test.
fn ensure_debian_faq() -> Result<()> {
    if Path::new("/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz").exists() {
        return Ok(());
    }
    if is_root() && found("apt-get") {
        run(Command::new("apt-get").arg("update").arg("-q"))?;
        run(Command::new("apt-get").args(["install", "-y", "-q", "debian-faq"]))?;
        return Ok(());
    }
    bail!("the knowledge-base test reads the Debian FAQ: install the Debian package `debian-faq`")
}

/// Server the PostgreSQL pass creates its per-test databases on.
fn postgres_url() -> String {
    std::env::var("PARLEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres_ready() -> bool {
    Command::new("pg_isready")
        .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A local PostgreSQL for the conformance pass: started if installed but stopped,
/// installed from Debian when missing and running as root; otherwise a clear request.
fn ensure_postgres() -> Result<()> {
    if std::env::var_os("PARLEY_TEST_POSTGRES_URL").is_some() || postgres_ready() {
        return Ok(());
    }
    if !Path::new("/etc/postgresql").exists() && is_root() && found("apt-get") {
        run(Command::new("apt-get").arg("update").arg("-q"))?;
        run(Command::new("apt-get").args(["install", "-y", "-q", "postgresql"]))?;
    }
    let versions = std::fs::read_dir("/etc/postgresql")
        .context("PostgreSQL is needed for the conformance pass: install the Debian package `postgresql` (or set PARLEY_TEST_POSTGRES_URL)")?;
    for version in versions.flatten() {
        let version = version.file_name().to_string_lossy().into_owned();
        let _ = run(Command::new("pg_ctlcluster").args([
            "--skip-systemctl-redirect",
            &version,
            "main",
            "start",
        ]));
    }
    for _ in 0..60 {
        if postgres_ready() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    bail!("PostgreSQL did not become ready on 127.0.0.1:5432")
}

/// Runs `cargo test` with `args`, echoing its output, and returns (passed, failed) summed
/// over every `test result:` line.
fn cargo_test(args: &[&str], envs: &[(&str, &str)]) -> Result<(u64, u64)> {
    let mut cmd = cargo();
    cmd.arg("test").args(args).envs(envs.iter().copied());
    counted(cmd)
}

/// The API suite's test binary as the last `cargo test` with `args` built it (asked with
/// `--no-run`, which builds nothing new).
fn api_test_binary(args: &[&str]) -> Result<PathBuf> {
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
fn counted(mut cmd: Command) -> Result<(u64, u64)> {
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

fn test() -> Result<()> {
    ensure_browser()?;
    ensure_debian_faq()?;
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
    // Pass 1: everything, the API suite on SQLite files.
    let pass_one = [
        "--workspace",
        "--exclude",
        "parley-widget",
        "--exclude",
        "parley-dashboard",
    ];
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
const FUZZ_TARGETS: [&str; 3] = ["identity", "frames", "cursors"];
/// The cargo-fuzz version installed when missing.
const CARGO_FUZZ: &str = "0.13.2";

/// Runs every fuzz target for `seconds` each (cargo-fuzz is installed when missing). A
/// crash fails the run and leaves its input under `fuzz/artifacts/`.
fn fuzz(seconds: u64) -> Result<()> {
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

/// Markers around the benchmark table in the README.
const BENCH_START: &str = "<!-- bench:start -->";
const BENCH_END: &str = "<!-- bench:end -->";

fn bench(extra: &[String]) -> Result<()> {
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
        Some("test") => test(),
        Some("bench") => bench(&args[1..]),
        Some("fuzz") => {
            let seconds = args
                .get(1)
                .map_or(Ok(60), |s| s.parse())
                .context("fuzz SECONDS")?;
            fuzz(seconds)
        }
        _ => bail!(
            "usage: cargo xtask build-widget | run [PARLEY SERVE FLAGS] | test | bench [FLAGS] | fuzz [SECONDS]"
        ),
    }
}
