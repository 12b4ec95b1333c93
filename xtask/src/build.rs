//! `build-widget`: the web apps compiled to wasm32, bound, shrunk, hashed and
//! precompressed into `dist/`.

use crate::process::{cargo, found, root, run};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// binaryen from npm: Debian's is too old to read wasm-bindgen 0.2.130's output.
pub(crate) const BINARYEN: &str = "binaryen@132.0.0";

/// rustup may have automatic installs switched off: add the target explicitly (a no-op
/// when present).
pub(crate) fn ensure_wasm_target() -> Result<()> {
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
pub(crate) fn wasm_opt() -> Option<PathBuf> {
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
pub(crate) const APPS: [(&str, &str, &str, [&str; 3]); 2] = [
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

pub(crate) fn build_widget() -> Result<()> {
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

pub(crate) fn bind_app(
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
pub(crate) fn hash_name(dir: &Path, file: &str, referrers: &[&str]) -> Result<String> {
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
pub(crate) fn precompress(file: &Path) -> Result<()> {
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
