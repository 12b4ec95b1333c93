//! `parley-bench`: starts the real `parley` binary on a fresh database (SQLite file, then a
//! fresh PostgreSQL database), drives it over HTTP and WebSockets from this separate process,
//! and writes `results.json` and `results.md` (issue 7). It reports numbers; it fails only
//! when the run itself breaks (errors, or an acknowledged message missing or duplicated).
//!
//! Run it through `cargo xtask bench` (builds in release, then updates the README table).

mod browser;
mod load;
mod server;

use anyhow::{Result, bail};
use clap::Parser;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Command-line settings; the defaults finish in a few minutes on 2 cores.
#[derive(Debug, Parser)]
struct Args {
    /// The `parley` binary to measure (a release build).
    #[arg(long)]
    parley: PathBuf,
    /// Databases to measure, comma-separated: `sqlite`, `postgres`.
    #[arg(long, default_value = "sqlite,postgres")]
    databases: String,
    /// PostgreSQL server URL (a database `parley_bench` is recreated on it).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
    postgres: String,
    /// Seconds per measured phase.
    #[arg(long, default_value_t = 8)]
    seconds: u64,
    /// Active conversations (delivery phases send to each once a second at 1×).
    #[arg(long, default_value_t = 1000)]
    conversations: usize,
    /// Concurrent senders of the throughput phase.
    #[arg(long, default_value_t = 64)]
    senders: usize,
    /// Idle live connections held for the memory measurement.
    #[arg(long, default_value_t = 10_000)]
    idle_connections: usize,
    /// Load multipliers of the scaling curve.
    #[arg(long, default_value = "1,2,4,8")]
    scales: String,
    /// Where `results.json` and `results.md` go.
    #[arg(long, default_value = "bench")]
    out: PathBuf,
    /// Cold visits of the demo page in headless Chromium (0 skips the measurement).
    #[arg(long, default_value_t = 5)]
    browser_runs: usize,
    /// Built web assets (for the payload sizes).
    #[arg(long, default_value = "dist")]
    dist: PathBuf,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    // 10,000 sockets on each side: raise this process's descriptor limit (the server,
    // started from here, inherits it).
    let (soft, hard) = rlimit::getrlimit(rlimit::Resource::NOFILE)?;
    let wanted = (args.idle_connections as u64 * 2 + 4096).min(hard);
    if soft < wanted {
        rlimit::setrlimit(rlimit::Resource::NOFILE, wanted, hard)?;
    }
    let scales: Vec<f64> = args
        .scales
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let mut runs = Vec::new();
    for db in args.databases.split(',').map(str::trim) {
        eprintln!("bench: {db}");
        let url = match db {
            "sqlite" => None,
            "postgres" => Some(server::fresh_postgres(&args.postgres)?),
            other => bail!("unknown database {other}"),
        };
        let dir = std::env::temp_dir().join(format!("parley-bench-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let server = server::Server::start(&args.parley, &dir, url.as_deref()).await?;
        let run = load::run_all(&server, &args_view(&args, &scales)).await;
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
        let mut run = run?;
        run["database"] = json!(db);
        runs.push(run);
    }
    // (7) In Chromium, on a server with the demo site.
    let tti = if args.browser_runs > 0 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let dir = std::env::temp_dir().join(format!("parley-bench-demo-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let server = server::Server::start_demo(&args.parley, &dir).await?;
        let demo = server.demo.clone().unwrap_or_default();
        let result = browser::time_to_interactive(&demo, args.browser_runs).await;
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
        result.unwrap_or_else(|e| json!({"error": e.to_string()}))
    } else {
        Value::Null
    };
    let machine = machine();
    let payload = load::payload(&args.dist)?;
    let results = json!({
        "command": std::env::args().collect::<Vec<_>>().join(" "),
        "machine": machine,
        "payload": payload,
        "timeToInteractive": tti,
        "pgbench": server::pgbench(&args.postgres),
        "runs": runs,
    });
    std::fs::create_dir_all(&args.out)?;
    std::fs::write(
        args.out.join("results.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    let table = load::markdown(&results);
    std::fs::write(args.out.join("results.md"), &table)?;
    println!("{table}");
    let broken: Vec<String> = results["runs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["problems"].as_array())
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    if !broken.is_empty() {
        bail!("the run broke: {broken:?}");
    }
    Ok(())
}

/// The settings the load phases use.
pub struct Plan {
    /// Seconds per phase.
    pub seconds: u64,
    /// Active conversations.
    pub conversations: usize,
    /// Throughput senders.
    pub senders: usize,
    /// Idle connections.
    pub idle_connections: usize,
    /// Scaling multipliers.
    pub scales: Vec<f64>,
}

fn args_view(args: &Args, scales: &[f64]) -> Plan {
    Plan {
        seconds: args.seconds,
        conversations: args.conversations,
        senders: args.senders,
        idle_connections: args.idle_connections,
        scales: scales.to_vec(),
    }
}

/// Cores, memory and CPU model, from `/proc`.
fn machine() -> Value {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_kib: u64 = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    json!({"cores": cores, "memoryGiB": (mem_kib as f64 / 1024.0 / 1024.0 * 10.0).round() / 10.0, "cpu": model})
}
