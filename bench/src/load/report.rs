//! (6) Bytes on the wire, and the README's markdown table.

use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::path::Path;

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// (6) Bytes on the wire: `embed.js` and the widget (wasm + JS glue + CSS), raw, gzip and
/// brotli, from the precompressed files the server sends.
pub fn payload(dist: &Path) -> Result<Value> {
    let widget = dist.join("widget");
    // Every asset the widget page loads: wasm, JS (glue and boot) and CSS, content-hashed.
    let parts: Vec<String> = std::fs::read_dir(&widget)
        .with_context(|| format!("reading {}", widget.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".wasm") || n.ends_with(".js") || n.ends_with(".css"))
        .collect();
    let sum = |suffix: &str| -> u64 {
        parts
            .iter()
            .map(|p| size(&widget.join(format!("{p}{suffix}"))))
            .sum()
    };
    let embed =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../widget/embed/embed.js"))
            .context("reading embed.js")?;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut enc, &embed)?;
    let gz = enc.finish()?;
    Ok(json!({
        "embedJs": {"raw": embed.len(), "gzip": gz.len()},
        "widget": {"raw": sum(""), "gzip": sum(".gz"), "brotli": sum(".br")},
    }))
}

fn f(v: &Value) -> String {
    match v {
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if x.fract() == 0.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            }
        }
        Value::Null => "–".into(),
        other => other.to_string(),
    }
}

/// The README table.
pub fn markdown(results: &Value) -> String {
    let mut out = String::new();
    let m = &results["machine"];
    out.push_str(&format!(
        "Machine: {} cores, {} GiB ({}). Command: `cargo xtask bench`.\n\n",
        f(&m["cores"]),
        f(&m["memoryGiB"]),
        m["cpu"].as_str().unwrap_or("?")
    ));
    out.push_str("| measure | target | ");
    let runs: Vec<&Value> = results["runs"].as_array().into_iter().flatten().collect();
    for r in &runs {
        out.push_str(&format!("{} | ", r["database"].as_str().unwrap_or("?")));
    }
    out.push('\n');
    out.push_str("| --- | --- |");
    for _ in &runs {
        out.push_str(" --- |");
    }
    out.push('\n');
    let row = |out: &mut String, name: &str, target: &str, get: &dyn Fn(&Value) -> String| {
        out.push_str(&format!("| {name} | {target} |"));
        for r in &runs {
            out.push_str(&format!(" {} |", get(r)));
        }
        out.push('\n');
    };
    row(
        &mut out,
        "durable sends/s (64 senders, 1,000 conversations)",
        "≥ 2,500 (SQLite), ≥ 7,500 (PostgreSQL)",
        &|r| f(&r["throughput"]["perSecond"]),
    );
    row(
        &mut out,
        "send latency p99 under that load (ms)",
        "–",
        &|r| f(&r["throughput"]["latency"]["p99Ms"]),
    );
    row(
        &mut out,
        "durable sends/s, a live widget per conversation: without / with typing and read frames",
        "frames ≤ 5 % fewer",
        &|r| {
            let l = &r["throughputLive"];
            format!("{} / {}", f(&l[0]["perSecond"]), f(&l[1]["perSecond"]))
        },
    );
    row(
        &mut out,
        "delivery contact → operator p50 / p99 (ms), 1×, with typing and read frames",
        "p99 as without",
        &|r| {
            let d = &r["deliveryWithFrames"];
            format!(
                "{} / {}",
                f(&d["toOperator"]["p50Ms"]),
                f(&d["toOperator"]["p99Ms"])
            )
        },
    );
    for (i, label) in ["1×", "2×", "4×", "8×"].iter().enumerate() {
        row(
            &mut out,
            &format!("delivery contact → operator p50 / p99 (ms), {label} (1,000 msgs/s at 1×)"),
            if i == 0 { "p99 ≤ 50" } else { "–" },
            &|r| {
                let d = &r["delivery"][i];
                if d.is_null() {
                    "–".into()
                } else {
                    format!(
                        "{} / {}",
                        f(&d["toOperator"]["p50Ms"]),
                        f(&d["toOperator"]["p99Ms"])
                    )
                }
            },
        );
        row(
            &mut out,
            &format!("round trip contact → operator → contact p99 (ms), {label}"),
            "–",
            &|r| {
                let d = &r["delivery"][i];
                if d.is_null() {
                    "–".into()
                } else {
                    format!(
                        "{} (server CPU {}%)",
                        f(&d["roundTrip"]["p99Ms"]),
                        f(&d["serverCpuPercent"])
                    )
                }
            },
        );
    }
    row(
        &mut out,
        "HTTP send p99 at 500 req/s (ms)",
        "≤ 25",
        &|r| f(&r["http"]["send"]["p99Ms"]),
    );
    row(
        &mut out,
        "HTTP list last 50 p99 at 500 req/s (ms)",
        "≤ 25",
        &|r| f(&r["http"]["listLast50"]["p99Ms"]),
    );
    row(
        &mut out,
        "idle WebSockets: memory per connection (KiB)",
        "≤ 8",
        &|r| f(&r["idle"]["perConnectionKiB"]),
    );
    row(
        &mut out,
        "idle WebSockets: RSS with them (MiB)",
        "< 250",
        &|r| f(&r["idle"]["rssAfterMiB"]),
    );
    row(&mut out, "idle server RSS (MiB)", "≤ 30", &|r| {
        f(&r["idleRssMiB"])
    });
    row(
        &mut out,
        "acknowledged messages read back exactly once",
        "all",
        &|r| {
            format!(
                "{} of {}",
                r["verified"]["checked"].as_u64().unwrap_or(0)
                    - r["verified"]["missing"].as_u64().unwrap_or(0)
                    - r["verified"]["duplicated"].as_u64().unwrap_or(0),
                f(&r["verified"]["checked"])
            )
        },
    );
    let p = &results["payload"];
    out.push_str(&format!(
        "\nWidget payload: embed.js {} B raw, {} B gzip (target ≤ 5 KB); widget (wasm + JS + CSS) {} B raw, {} B gzip (target ≤ 120 KB), {} B brotli (target ≤ 100 KB).\n",
        f(&p["embedJs"]["raw"]), f(&p["embedJs"]["gzip"]), f(&p["widget"]["raw"]), f(&p["widget"]["gzip"]), f(&p["widget"]["brotli"])
    ));
    let t = &results["timeToInteractive"];
    if t["clickToAuthMs"].is_number() {
        out.push_str(&format!(
            "\nHeadless Chromium, cold cache, median of {}: launcher click → auth form ready {} ms; host page main thread in embed.js {} ms (target ≤ 50); loaded before the click: {}.\n",
            f(&t["runs"]), f(&t["clickToAuthMs"]), f(&t["embedMainThreadMs"]),
            t["loadedBeforeClick"].as_array().map(|a| a.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default()
        ));
    } else if let Some(error) = t["error"].as_str() {
        out.push_str(&format!("\nHeadless Chromium: not measured ({error}).\n"));
    }
    if let Some(tps) = results["pgbench"]["tps"].as_f64() {
        out.push_str(&format!(
            "\npgbench on this machine (one single-row INSERT per transaction, 16 clients): {tps:.0} TPS.\n"
        ));
    }
    out
}
