//! The measured `parley` process, and the PostgreSQL helpers.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use tokio::io::AsyncBufReadExt;
use tokio::process::Child;

/// A running `parley serve`; killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Its process ID (for memory readings).
    pub pid: u32,
    /// The demo customer site, when started with it.
    pub demo: Option<String>,
}

impl Server {
    /// Starts `parley serve` on a free port with its data in `dir`, on `database_url`
    /// (default: SQLite in `dir`). The AI responder is off for new organizations, so only
    /// Parley's own path is measured.
    pub async fn start(parley: &Path, dir: &Path, database_url: Option<&str>) -> Result<Self> {
        Self::spawn(parley, dir, database_url, false).await
    }

    /// Starts `parley serve --demo` (SQLite) and reads where its demo site listens.
    pub async fn start_demo(parley: &Path, dir: &Path) -> Result<Self> {
        Self::spawn(parley, dir, None, true).await
    }

    async fn spawn(
        parley: &Path,
        dir: &Path,
        database_url: Option<&str>,
        demo: bool,
    ) -> Result<Self> {
        let mut command = tokio::process::Command::new(parley);
        command
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .args(["--db-max-connections", "16", "--no-rate-limits"])
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .kill_on_drop(true);
        if let Some(url) = database_url {
            command.args(["--database-url", url]);
        }
        if demo {
            command.args(["--demo", "--demo-bind", "127.0.0.1:0"]);
        }
        let mut child = command.spawn().context("starting parley")?;
        let pid = child.id().context("parley pid")?;
        let stdout = child.stdout.take().context("stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let first = lines.next_line().await?.context("parley printed nothing")?;
        let Some(base) = first.strip_prefix("Parley is listening on ") else {
            bail!("unexpected first line {first:?}");
        };
        let base = base.to_owned();
        let mut demo_url = None;
        if demo {
            while let Some(line) = lines.next_line().await? {
                if let Some(rest) = line.strip_prefix("Demo customer site: ") {
                    demo_url = rest.split_whitespace().next().map(str::to_owned);
                    break;
                }
            }
        }
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            base,
            pid,
            demo: demo_url,
        })
    }

    /// Resident memory, KiB.
    pub fn rss_kib(&self) -> u64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Process CPU time so far (user + system), seconds.
    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).unwrap_or_default();
        // Fields after the command name (which is in parentheses).
        let rest = stat.rsplit(')').next().unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of stat; here shifted by the two before ')'.
        (ticks(11) + ticks(12)) / 100.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn psql(server: &str, sql: &str) -> Result<()> {
    let status = Command::new("psql")
        .args([&format!("{server}/postgres"), "-q", "-c", sql])
        .status()
        .context("running psql")?;
    if !status.success() {
        bail!("psql failed: {sql}");
    }
    Ok(())
}

/// Recreates the `parley_bench` database; its URL.
pub fn fresh_postgres(server: &str) -> Result<String> {
    psql(server, "DROP DATABASE IF EXISTS parley_bench WITH (FORCE)")?;
    psql(server, "CREATE DATABASE parley_bench")?;
    Ok(format!("{server}/parley_bench"))
}

/// The reference: `pgbench` with one single-row INSERT per transaction at 16 clients for
/// 10 s, if pgbench is installed. `null` otherwise.
pub fn pgbench(server: &str) -> Value {
    let binary = ["pgbench", "/usr/lib/postgresql/15/bin/pgbench"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok());
    let Some(binary) = binary else {
        return Value::Null;
    };
    if fresh_postgres(server).is_err() {
        return Value::Null;
    }
    let url = format!("{server}/parley_bench");
    let setup = Command::new("psql")
        .args([
            &url,
            "-q",
            "-c",
            "CREATE TABLE bench (id bigserial primary key, v text)",
        ])
        .status();
    if setup.map_or(true, |s| !s.success()) {
        return Value::Null;
    }
    let script = std::env::temp_dir().join("parley-pgbench.sql");
    if std::fs::write(&script, "INSERT INTO bench (v) VALUES ('x');\n").is_err() {
        return Value::Null;
    }
    let output = Command::new(binary)
        .args(["-n", "-c", "16", "-j", "2", "-T", "10", "-f"])
        .arg(&script)
        .arg(&url)
        .output();
    let Ok(output) = output else {
        return Value::Null;
    };
    let text = String::from_utf8_lossy(&output.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps ="))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|n| n.parse::<f64>().ok());
    json!({"clients": 16, "seconds": 10, "tps": tps})
}
