//! (7) Time to interactive in headless Chromium: launcher click → the widget's auth form on
//! screen, and the host page's main-thread time spent in `embed.js`, read from User Timing
//! entries that `embed.js` and the widget record (`parley:*`), so WebDriver's own delays are
//! not counted.

use anyhow::{Context, Result, bail};
use fantoccini::{Client, Locator};
use parley_chromium::Chromedriver;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn number(client: &Client, script: &str) -> Result<f64> {
    let v = client.execute(script, vec![]).await?;
    v.as_f64().with_context(|| format!("{script} gave {v}"))
}

async fn wait_number(client: &Client, script: &str) -> Result<f64> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(v) = number(client, script).await {
            return Ok(v);
        }
        if Instant::now() > deadline {
            bail!("timed out: {script}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// One cold visit (fresh profile): what loaded before the click, `embed.js`'s main-thread
/// time, and click → auth form.
async fn visit(driver: &Chromedriver, demo: &str) -> Result<(f64, f64, Vec<String>)> {
    let profile =
        std::env::temp_dir().join(format!("parley-bench-chrome-{}", uuid::Uuid::new_v4()));
    let client = driver.session(&profile).await?;
    let outcome = async {
        client.goto(demo).await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#parley-launcher"))
            .await?;
        let blocked = wait_number(
            &client,
            "const e = performance.getEntriesByName('parley:embed-eval')[0], \
             s = performance.getEntriesByName('parley:embed-start')[0]; \
             return e && s ? e.duration + s.duration : null;",
        )
        .await?;
        let loaded: Vec<String> = client
            .execute(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)",
                vec![],
            )
            .await?
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        client.find(Locator::Css("#parley-launcher")).await?.click().await?;
        let clicked = wait_number(
            &client,
            "const c = performance.getEntriesByName('parley:launcher-click')[0]; \
             return c ? performance.timeOrigin + c.startTime : null;",
        )
        .await?;
        client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css("#parley-panel iframe"))
            .await?
            .enter_frame()
            .await?;
        let ready = wait_number(
            &client,
            "const r = performance.getEntriesByName('parley:auth-ready')[0]; \
             return r ? performance.timeOrigin + r.startTime : null;",
        )
        .await?;
        Ok::<_, anyhow::Error>((ready - clicked, blocked, loaded))
    }
    .await;
    let _ = client.close().await;
    let _ = std::fs::remove_dir_all(&profile);
    outcome
}

/// Median of `runs` cold visits of the demo page.
pub async fn time_to_interactive(demo: &str, runs: usize) -> Result<Value> {
    let driver = Chromedriver::start()?;
    let mut tti = Vec::new();
    let mut blocked = Vec::new();
    let mut loaded = Vec::new();
    for _ in 0..runs {
        let (t, b, l) = visit(&driver, demo).await?;
        tti.push(t);
        blocked.push(b);
        loaded = l;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        (v[v.len() / 2] * 10.0).round() / 10.0
    };
    Ok(json!({
        "runs": runs,
        "clickToAuthMs": median(&mut tti),
        "embedMainThreadMs": median(&mut blocked),
        "loadedBeforeClick": loaded,
    }))
}
