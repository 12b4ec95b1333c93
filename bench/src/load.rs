//! The measured phases, and the markdown table.

use crate::Plan;
use crate::server::Server;
use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use parley_shared::{ConversationId, MessageId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

/// The organization under load: its operator's cookie and its conversations.
struct World {
    base: String,
    client: reqwest::Client,
    cookie: String,
    /// Conversation, its contact's token, and the highest `seq` seen in it.
    conversations: Vec<(ConversationId, String)>,
    last_seq: Mutex<HashMap<ConversationId, u64>>,
    /// Every acknowledged contact message, by conversation.
    acked: Mutex<HashMap<ConversationId, Vec<MessageId>>>,
}

fn histogram() -> Histogram<u64> {
    // Microseconds, 1 µs to 100 s, 3 significant digits.
    Histogram::new_with_bounds(1, 100_000_000, 3).expect("valid histogram bounds")
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    (h.value_at_quantile(q) as f64 / 1000.0 * 100.0).round() / 100.0
}

fn summary(h: &Histogram<u64>) -> Value {
    json!({"count": h.len(), "p50Ms": ms(h, 0.5), "p95Ms": ms(h, 0.95), "p99Ms": ms(h, 0.99), "maxMs": ms(h, 1.0)})
}

async fn setup(server: &Server, plan: &Plan) -> Result<World> {
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
const MAX_IN_FLIGHT: usize = 256;

/// Sends one contact message; `Ok(true)` when acknowledged (201).
async fn send(
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

/// (1) Acknowledged (committed) contact messages per second from `senders` concurrent
/// senders spread over every conversation.
async fn throughput(world: &Arc<World>, plan: &Plan, server: &Server) -> Value {
    let deadline = Instant::now() + Duration::from_secs(plan.seconds);
    let cpu0 = server.cpu_seconds();
    let started = Instant::now();
    let tasks: Vec<_> = (0..plan.senders)
        .map(|s| {
            let world = world.clone();
            let senders = plan.senders;
            tokio::spawn(async move {
                let mine: Vec<(ConversationId, String)> = world
                    .conversations
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % senders == s)
                    .map(|(_, c)| c.clone())
                    .collect();
                let (mut ok, mut failed, mut k) = (0u64, 0u64, 0usize);
                let mut h = histogram();
                while Instant::now() < deadline && !mine.is_empty() {
                    let (conversation, token) = &mine[k % mine.len()];
                    k += 1;
                    let t = Instant::now();
                    match send(&world, *conversation, token, MessageId::new_random()).await {
                        Ok(true) => {
                            ok += 1;
                            let _ = h.record(t.elapsed().as_micros() as u64);
                        }
                        _ => failed += 1,
                    }
                }
                (ok, failed, h)
            })
        })
        .collect();
    let (mut ok, mut failed, mut h) = (0, 0, histogram());
    for t in tasks {
        if let Ok((o, f, hh)) = t.await {
            ok += o;
            failed += f;
            let _ = h.add(hh);
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    json!({"senders": plan.senders, "conversations": world.conversations.len(), "seconds": elapsed,
        "acknowledged": ok, "failed": failed, "perSecond": (ok as f64 / elapsed).round(),
        "latency": summary(&h), "serverCpuSeconds": server.cpu_seconds() - cpu0})
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn widget_socket(world: &World, conversation: ConversationId, token: &str) -> Result<Socket> {
    let url = format!("{}/api/widget/live", world.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
    let after = world
        .last_seq
        .lock()
        .map(|l| l.get(&conversation).copied().unwrap_or(0))
        .unwrap_or(0);
    let subscribe = json!({"type": "subscribe", "token": token, "conversationId": conversation, "afterSeq": after});
    socket.send(Ws::text(subscribe.to_string())).await?;
    // Ready, then nothing to replay.
    loop {
        match socket.next().await {
            Some(Ok(Ws::Text(t))) if t.contains("\"ready\"") => return Ok(socket),
            Some(Ok(Ws::Text(t))) if t.contains("\"error\"") => bail!("refused: {t}"),
            Some(Ok(_)) => {}
            _ => bail!("socket closed before ready"),
        }
    }
}

async fn operator_socket(world: &World) -> Result<Socket> {
    let url = format!(
        "{}/api/dashboard/live",
        world.base.replace("http://", "ws://")
    );
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("cookie", world.cookie.parse()?);
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await?;
    match socket.next().await {
        Some(Ok(Ws::Text(t))) if t.contains("\"ready\"") => Ok(socket),
        other => bail!("dashboard socket: {other:?}"),
    }
}

/// Pending sends and replies, by message ID: when they started and, for replies, when the
/// contact's message that prompted them started.
#[derive(Default)]
struct Pending {
    /// Per conversation, in sending order.
    sent: HashMap<ConversationId, Vec<(MessageId, Instant)>>,
    replies: HashMap<MessageId, (Instant, Instant)>,
    to_operator: Option<Histogram<u64>>,
    /// A contact's send until its 201 (the committed acknowledgement).
    acknowledged: Option<Histogram<u64>>,
    to_contact: Option<Histogram<u64>>,
    round_trip: Option<Histogram<u64>>,
}

/// (2) Delivery latency at `rate` contact messages per second over every conversation: send
/// → operator's live socket, and the operator's reply (to every 10th) → the contact's live
/// socket, and the whole round trip. A message has reached the operator when their inbox
/// row shows it or a later message of its conversation (rows are sent once per change batch).
async fn delivery(world: &Arc<World>, plan: &Plan, server: &Server, scale: f64) -> Result<Value> {
    let rate = (world.conversations.len() as f64 * scale).max(1.0);
    let pending = Arc::new(Mutex::new(Pending {
        to_operator: Some(histogram()),
        acknowledged: Some(histogram()),
        to_contact: Some(histogram()),
        round_trip: Some(histogram()),
        ..Pending::default()
    }));
    // One widget socket per conversation, as many visitors would hold.
    let mut readers = Vec::new();
    for (conversation, token) in &world.conversations {
        let mut socket = widget_socket(world, *conversation, token).await?;
        let pending = pending.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                let Ws::Text(text) = frame else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if v["type"] != "message" || v["message"]["role"] != "operator" {
                    continue;
                }
                let Some(id) = v["message"]["id"].as_str().and_then(|s| s.parse().ok()) else {
                    continue;
                };
                if let Ok(mut p) = pending.lock()
                    && let Some((reply_start, send_start)) = p.replies.remove(&id)
                {
                    if let Some(h) = p.to_contact.as_mut() {
                        let _ = h.record(reply_start.elapsed().as_micros() as u64);
                    }
                    if let Some(h) = p.round_trip.as_mut() {
                        let _ = h.record(send_start.elapsed().as_micros() as u64);
                    }
                }
            }
        }));
    }
    let mut operator = operator_socket(world).await?;
    let operator_task = {
        let (pending, world) = (pending.clone(), world.clone());
        tokio::spawn(async move {
            let mut seen = 0u64;
            while let Some(Ok(frame)) = operator.next().await {
                let Ws::Text(text) = frame else { continue };
                let Ok(v) = serde_json::from_str::<Value>(&text) else {
                    continue;
                };
                if v["type"] != "inbox" {
                    continue;
                }
                let last = &v["item"]["conversation"]["lastMessage"];
                if last["role"] != "contact" {
                    continue;
                }
                let (Some(id), Some(conversation_id)) = (
                    last["id"]
                        .as_str()
                        .and_then(|s| s.parse::<MessageId>().ok()),
                    v["item"]["conversation"]["id"]
                        .as_str()
                        .and_then(|s| s.parse::<ConversationId>().ok()),
                ) else {
                    continue;
                };
                // The row shows this message: it and every earlier one of its conversation
                // have reached the operator (the server sends a busy conversation's row once,
                // with its latest message, rather than once per message).
                let started = pending.lock().ok().and_then(|mut p| {
                    let p = &mut *p;
                    let list = p.sent.get_mut(&conversation_id)?;
                    let pos = list.iter().position(|(m, _)| *m == id)?;
                    let delivered: Vec<(MessageId, Instant)> = list.drain(..=pos).collect();
                    if let Some(h) = p.to_operator.as_mut() {
                        for (_, t) in &delivered {
                            let _ = h.record(t.elapsed().as_micros() as u64);
                        }
                    }
                    delivered.last().map(|(_, t)| *t)
                });
                let Some(send_start) = started else { continue };
                seen += 1;
                if !seen.is_multiple_of(10) {
                    continue;
                }
                // The operator answers this one.
                let conversation = v["item"]["conversation"]["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let reply = MessageId::new_random();
                if let Ok(mut p) = pending.lock() {
                    p.replies.insert(reply, (Instant::now(), send_start));
                }
                let world = world.clone();
                tokio::spawn(async move {
                    let _ = world
                        .client
                        .post(format!(
                            "{}/api/dashboard/conversations/{conversation}/messages",
                            world.base
                        ))
                        .header("cookie", &world.cookie)
                        .json(&json!({"id": reply, "content": "On its way!"}))
                        .send()
                        .await;
                });
            }
        })
    };
    // Open loop: every 10 ms, the next rate/100 conversations each send one message.
    let cpu0 = server.cpu_seconds();
    let ticks = plan.seconds * 100;
    let per_tick = rate / 100.0;
    let mut owed = 0.0;
    let mut k = 0usize;
    let mut interval = tokio::time::interval(Duration::from_millis(10));
    let mut sent = 0u64;
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    for _ in 0..ticks {
        interval.tick().await;
        owed += per_tick;
        while owed >= 1.0 {
            owed -= 1.0;
            let (conversation, token) = world.conversations[k % world.conversations.len()].clone();
            k += 1;
            sent += 1;
            let id = MessageId::new_random();
            if let Ok(mut p) = pending.lock() {
                p.sent
                    .entry(conversation)
                    .or_default()
                    .push((id, Instant::now()));
            }
            let (world, failures, slots) = (world.clone(), failures.clone(), slots.clone());
            let pending = pending.clone();
            let started = Instant::now();
            tokio::spawn(async move {
                let Ok(_slot) = slots.acquire().await else {
                    return;
                };
                if !matches!(send(&world, conversation, &token, id).await, Ok(true)) {
                    failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                } else if let Ok(mut p) = pending.lock()
                    && let Some(h) = p.acknowledged.as_mut()
                {
                    let _ = h.record(started.elapsed().as_micros() as u64);
                }
            });
        }
    }
    // Let the last ones land.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let cpu = server.cpu_seconds() - cpu0;
    operator_task.abort();
    for r in readers {
        r.abort();
    }
    let p = pending.lock().map_err(|_| anyhow::anyhow!("lock"))?;
    let empty = histogram();
    let to_operator = p.to_operator.as_ref().unwrap_or(&empty);
    Ok(json!({
        "scale": scale, "ratePerSecond": rate, "sent": sent,
        "failed": failures.load(std::sync::atomic::Ordering::Relaxed),
        "notSeenByOperator": p.sent.values().map(Vec::len).sum::<usize>(),
        "toOperator": summary(to_operator),
        "acknowledged": summary(p.acknowledged.as_ref().unwrap_or(&empty)),
        "toContact": summary(p.to_contact.as_ref().unwrap_or(&empty)),
        "roundTrip": summary(p.round_trip.as_ref().unwrap_or(&empty)),
        "serverCpuPercent": (cpu / (plan.seconds as f64 + 3.0) * 100.0).round(),
    }))
}

/// (3) HTTP latency of send-message and list-last-50-messages, open loop at `rate`
/// requests per second (half each).
async fn http_latency(world: &Arc<World>, plan: &Plan, rate: u64) -> Value {
    let send_h = Arc::new(Mutex::new(histogram()));
    let list_h = Arc::new(Mutex::new(histogram()));
    let errors = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let period = Duration::from_secs_f64(1.0 / rate as f64);
    let mut interval = tokio::time::interval(period);
    let total = rate * plan.seconds;
    let mut tasks = Vec::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    for i in 0..total as usize {
        interval.tick().await;
        let (conversation, token) = world.conversations[i / 2 % world.conversations.len()].clone();
        let (world, send_h, list_h, errors, slots) = (
            world.clone(),
            send_h.clone(),
            list_h.clone(),
            errors.clone(),
            slots.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let Ok(_slot) = slots.acquire().await else { return };
            if i % 2 == 0 {
                let ok = matches!(send(&world, conversation, &token, MessageId::new_random()).await, Ok(true));
                if ok {
                    if let Ok(mut h) = send_h.lock() {
                        let _ = h.record(t.elapsed().as_micros() as u64);
                    }
                } else {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            } else {
                let last = world
                    .last_seq
                    .lock()
                    .map(|l| l.get(&conversation).copied().unwrap_or(0))
                    .unwrap_or(0);
                let cursor = last.saturating_sub(50);
                let resp = world
                    .client
                    .get(format!(
                        "{}/api/widget/conversations/{conversation}/messages?limit=50&cursor={cursor}",
                        world.base
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await;
                let ok = match resp {
                    Ok(r) if r.status() == 200 => r.bytes().await.is_ok(),
                    _ => false,
                };
                if ok {
                    if let Ok(mut h) = list_h.lock() {
                        let _ = h.record(t.elapsed().as_micros() as u64);
                    }
                } else {
                    errors.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let s = send_h.lock().map(|h| summary(&h)).unwrap_or(Value::Null);
    let l = list_h.lock().map(|h| summary(&h)).unwrap_or(Value::Null);
    json!({"ratePerSecond": rate, "send": s, "listLast50": l,
        "errors": errors.load(std::sync::atomic::Ordering::Relaxed)})
}

/// (4) Resident memory per idle widget connection: `n` subscribed sockets, spread over the
/// conversations.
async fn idle_connections(world: &Arc<World>, server: &Server, n: usize) -> Result<Value> {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = server.rss_kib();
    let sockets: Vec<Socket> = futures_util::stream::iter(0..n)
        .map(|i| {
            let world = world.clone();
            async move {
                let (conversation, token) =
                    world.conversations[i % world.conversations.len()].clone();
                widget_socket(&world, conversation, &token).await
            }
        })
        .buffer_unordered(64)
        .collect::<Vec<Result<Socket>>>()
        .await
        .into_iter()
        .collect::<Result<_>>()?;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = server.rss_kib();
    let per = (after.saturating_sub(before)) as f64 / sockets.len().max(1) as f64;
    drop(sockets);
    Ok(
        json!({"connections": n, "rssBeforeMiB": before / 1024, "rssAfterMiB": after / 1024,
        "perConnectionKiB": (per * 10.0).round() / 10.0}),
    )
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
    let throughput = throughput(&world, plan, server).await;
    eprintln!("bench:   http latency");
    let http = http_latency(&world, plan, 500).await;
    let mut scaling = Vec::new();
    for &scale in &plan.scales {
        eprintln!("bench:   delivery at {scale}x");
        // An overloaded step is reported, not fatal: it is where the curve ends.
        scaling.push(
            delivery(&world, plan, server, scale)
                .await
                .unwrap_or_else(|e| json!({"scale": scale, "error": e.to_string()})),
        );
    }
    eprintln!("bench:   idle connections");
    let idle = idle_connections(&world, server, plan.idle_connections).await?;
    eprintln!("bench:   verifying");
    let verified = verify(&world).await?;
    let mut problems = Vec::new();
    if verified["missing"] != 0 || verified["duplicated"] != 0 {
        problems.push(format!(
            "acknowledged messages not read back exactly once: {verified}"
        ));
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
        "http": http,
        "delivery": scaling,
        "idle": idle,
        "verified": verified,
        "problems": problems,
    }))
}

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
