//! What the tests need from the machine, installed where it can be: Chromium and
//! chromedriver, schemathesis, the Debian FAQ, an SMTP server (aiosmtpd), PostgreSQL.

use crate::process::{found, is_root, root, run};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Chromium and chromedriver for the browser test: installed from Debian when missing and
/// running as root; otherwise a clear request to install them.
pub(crate) fn ensure_browser() -> Result<()> {
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
pub(crate) const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// schemathesis in a virtualenv under `target/` (made once, reused): the path of its command.
pub(crate) fn ensure_schemathesis() -> Result<PathBuf> {
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
pub(crate) fn ensure_debian_faq() -> Result<()> {
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

/// A real SMTP server for the email tests: Debian's `python3-aiosmtpd`, run with Debian's
/// own Python (`/usr/bin/python3`: the first `python3` on PATH may be another build that
/// does not see Debian's modules). Installed when missing and running as root.
pub(crate) fn ensure_smtp_server() -> Result<()> {
    let present = || {
        Command::new("/usr/bin/python3")
            .args(["-c", "import aiosmtpd"])
            .status()
            .is_ok_and(|s| s.success())
    };
    if present() {
        return Ok(());
    }
    if is_root() && found("apt-get") {
        run(Command::new("apt-get").arg("update").arg("-q"))?;
        run(Command::new("apt-get").args(["install", "-y", "-q", "python3-aiosmtpd"]))?;
        if present() {
            return Ok(());
        }
    }
    bail!("the email tests need a real SMTP server: install the Debian package `python3-aiosmtpd`")
}

/// Server the PostgreSQL pass creates its per-test databases on.
pub(crate) fn postgres_url() -> String {
    std::env::var("PARLEY_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub(crate) fn postgres_ready() -> bool {
    Command::new("pg_isready")
        .args(["-q", "-h", "127.0.0.1", "-p", "5432"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A local PostgreSQL for the conformance pass: started if installed but stopped,
/// installed from Debian when missing and running as root; otherwise a clear request.
pub(crate) fn ensure_postgres() -> Result<()> {
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
