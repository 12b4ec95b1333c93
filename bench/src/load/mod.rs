//! The measured phases (a file each), the set-up they share, and the markdown table.

mod delivery;
mod http;
mod idle;
mod report;
mod throughput;
mod widgets;

pub use report::{markdown, payload};

use crate::Plan;
use crate::server::Server;
use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use hdrhistogram::Histogram;
use parley_shared::{ConversationId, MessageId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A client WebSocket.
pub(super) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The organization under load: its operator's cookie and its conversations.
pub(super) struct World {
    base: String,
    client: reqwest::Client,
    cookie: String,
    /// Conversation, its contact's token, and the highest `seq` seen in it.
    conversations: Vec<(ConversationId, String)>,
    last_seq: Mutex<HashMap<ConversationId, u64>>,
    /// Every acknowledged contact message, by conversation.
    acked: Mutex<HashMap<ConversationId, Vec<MessageId>>>,
}

pub(super) fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 100 s, 3 significant digits.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

pub(super) fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    (h.value_at_quantile(q) as f64 / 1000.0 * 100.0).round() / 100.0
}

pub(super) fn summary(h: &Histogram<u64>) -> Value {
    json!({"count": h.len(), "p50Ms": ms(h, 0.5), "p95Ms": ms(h, 0.95), "p99Ms": ms(h, 0.99), "maxMs": ms(h, 1.0)})
}

pub(super) async fn setup(server: &Server, plan: &Plan) -> Result<World> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let base = server.base.clone();
    let signup = client
        .post(format!("{base}/api/dashboard/signup"))
        .json(
            &json!({"email": "bench@parley.test", "password": "bench password 123",
            "organizationName": "Bench", "displayName": "Operator"}),
        )
        .send()
        .await?;
    if signup.status() != 201 {
        bail!("signup: {}", signup.status());
    }
    let cookie = signup
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("parley_staff="))
        .and_then(|v| v.split(';').next())
        .context("session cookie")?
        .to_owned();
    let me: Value = signup.json().await?;
    let org = me["currentOrganizationId"]
        .as_str()
        .context("organization")?
        .to_owned();
    let sessions: Vec<String> = futures_util::stream::iter(0..plan.senders)
        .map(|i| {
            let (client, base, org) = (client.clone(), base.clone(), org.clone());
            async move {
                let v: Value = client
                    .post(format!("{base}/api/widget/contact-sessions"))
                    .json(
                        &json!({"organizationId": org, "name": format!("Visitor {i}"),
                        "email": format!("v{i}@bench.test")}),
                    )
                    .send()
                    .await?
                    .json()
                    .await?;
                v["token"].as_str().map(str::to_owned).context("token")
            }
        })
        .buffered(16)
        .collect::<Vec<Result<String>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    let conversations: Vec<(ConversationId, String)> =
        futures_util::stream::iter(0..plan.conversations)
            .map(|i| {
                let (client, base) = (client.clone(), base.clone());
                let token = sessions[i % sessions.len()].clone();
                async move {
                    let v: Value = client
                        .post(format!("{base}/api/widget/conversations"))
                        .bearer_auth(&token)
                        .send()
                        .await?
                        .json()
                        .await?;
                    let id: ConversationId = v["id"].as_str().context("id")?.parse()?;
                    Ok::<_, anyhow::Error>((id, token))
                }
            })
            .buffered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_>>()?;
    Ok(World {
        base,
        client,
        cookie,
        conversations,
        last_seq: Mutex::new(HashMap::new()),
        acked: Mutex::new(HashMap::new()),
    })
}

/// Most requests in flight from the open-loop phases: past it, new sends wait their turn
/// (their latency clock already running), as queued users would, instead of opening
/// thousands of connections.
pub(super) const MAX_IN_FLIGHT: usize = 256;

/// Sends one contact message; `Ok(true)` when acknowledged (201).
pub(super) async fn send(
    world: &World,
    conversation: ConversationId,
    token: &str,
    id: MessageId,
) -> Result<bool> {
    let resp = world
        .client
        .post(format!(
            "{}/api/widget/conversations/{conversation}/messages",
            world.base
        ))
        .bearer_auth(token)
        .json(&json!({"id": id, "content": "Hello, is my order on its way?"}))
        .send()
        .await?;
    if resp.status() != 201 {
        return Ok(false);
    }
    let message: Value = resp.json().await?;
    let seq = message["seq"].as_u64().unwrap_or(0);
    if let Ok(mut last) = world.last_seq.lock() {
        let e = last.entry(conversation).or_insert(0);
        *e = (*e).max(seq);
    }
    if let Ok(mut acked) = world.acked.lock() {
        acked.entry(conversation).or_default().push(id);
    }
    Ok(true)
}

/// Every acknowledged message is readable afterwards, exactly once.
async fn verify(world: &World) -> Result<Value> {
    let acked = world
        .acked
        .lock()
        .map_err(|_| anyhow::anyhow!("lock"))?
        .clone();
    let (mut missing, mut duplicated, mut checked) = (0usize, 0usize, 0usize);
    for (conversation, token) in &world.conversations {
        let mut seen: HashMap<MessageId, usize> = HashMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let url = match &cursor {
                Some(c) => format!(
                    "{}/api/widget/conversations/{conversation}/messages?limit=100&cursor={c}",
                    world.base
                ),
                None => format!(
                    "{}/api/widget/conversations/{conversation}/messages?limit=100",
                    world.base
                ),
            };
            let page: Value = world
                .client
                .get(url)
                .bearer_auth(token)
                .send()
                .await?
                .json()
                .await?;
            for m in page["items"].as_array().into_iter().flatten() {
                if m["role"] == "contact"
                    && let Some(id) = m["id"].as_str().and_then(|s| s.parse().ok())
                {
                    *seen.entry(id).or_insert(0) += 1;
                }
            }
            match page["nextCursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        for id in acked.get(conversation).into_iter().flatten() {
            checked += 1;
            match seen.get(id) {
                None => missing += 1,
                Some(1) => {}
                Some(_) => duplicated += 1,
            }
        }
    }
    Ok(json!({"checked": checked, "missing": missing, "duplicated": duplicated}))
}

/// Every phase against one running server.
pub async fn run_all(server: &Server, plan: &Plan) -> Result<Value> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle_rss = server.rss_kib();
    let world = Arc::new(setup(server, plan).await?);
    eprintln!("bench:   throughput");
    let throughput = throughput::throughput(&world, plan, server, None).await;
    // Issue 14: the same with a live widget per conversation, without and with the extra
    // frames (typing, read positions): their cost is the difference of these two.
    let mut live = Vec::new();
    for frames in [false, true] {
        eprintln!("bench:   throughput with live widgets (extra frames: {frames})");
        let widgets = widgets::Widgets::open(&world, frames, Arc::new(|_| {})).await?;
        live.push(throughput::throughput(&world, plan, server, Some(Arc::new(widgets))).await);
    }
    eprintln!("bench:   http latency");
    let http = http::http_latency(&world, plan, 500).await;
    let mut scaling = Vec::new();
    let mut with_frames = Value::Null;
    for &scale in &plan.scales {
        eprintln!("bench:   delivery at {scale}x");
        // An overloaded step is reported, not fatal: it is where the curve ends.
        scaling.push(
            delivery::delivery(&world, plan, server, scale, false)
                .await
                .unwrap_or_else(|e| json!({"scale": scale, "error": e.to_string()})),
        );
        // Issue 14's extra frames at the same load, right after it (after an overloaded
        // step, the backlog it leaves would be measured instead: 2.7 s p99 the first time).
        if scale == 1.0 {
            eprintln!("bench:   delivery at 1x with the extra frames");
            with_frames = delivery::delivery(&world, plan, server, 1.0, true)
                .await
                .unwrap_or_else(|e| json!({"scale": 1.0, "error": e.to_string()}));
        }
    }
    eprintln!("bench:   idle connections");
    let idle = idle::idle_connections(&world, server, plan.idle_connections).await?;
    eprintln!("bench:   verifying");
    let verified = verify(&world).await?;
    let mut problems = Vec::new();
    if verified["missing"] != 0 || verified["duplicated"] != 0 {
        problems.push(format!(
            "acknowledged messages not read back exactly once: {verified}"
        ));
    }
    if live.iter().any(|t| t["failed"] != 0) {
        problems.push("a throughput phase with live widgets had failed sends".to_owned());
    }
    if throughput["failed"] != 0 {
        problems.push(format!(
            "throughput phase had failed sends: {}",
            throughput["failed"]
        ));
    }
    Ok(json!({
        "idleRssMiB": (idle_rss as f64 / 1024.0 * 10.0).round() / 10.0,
        "throughput": throughput,
        "throughputLive": live,
        "deliveryWithFrames": with_frames,
        "http": http,
        "delivery": scaling,
        "idle": idle,
        "verified": verified,
        "problems": problems,
    }))
}
