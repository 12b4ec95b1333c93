//! (2) Delivery latency over live sockets, both ways, and the round trip.

use super::widgets::Widgets;
use super::*;
use crate::Plan;
use crate::server::Server;
use anyhow::{Result, bail};
use futures_util::{SinkExt, StreamExt};
use hdrhistogram::Histogram;
use parley_shared::{ConversationId, MessageId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as Ws;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

pub(super) async fn widget_socket(
    world: &World,
    conversation: ConversationId,
    token: &str,
) -> Result<Socket> {
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

pub(super) async fn operator_socket(world: &World) -> Result<Socket> {
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
pub(super) struct Pending {
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
/// With `frames`, issue 14's extra frames too ([`Widgets`]), and the operator marks each
/// conversation read before answering it.
pub(super) async fn delivery(
    world: &Arc<World>,
    plan: &Plan,
    server: &Server,
    scale: f64,
    frames: bool,
) -> Result<Value> {
    let rate = (world.conversations.len() as f64 * scale).max(1.0);
    let pending = Arc::new(Mutex::new(Pending {
        to_operator: Some(histogram()),
        acknowledged: Some(histogram()),
        to_contact: Some(histogram()),
        round_trip: Some(histogram()),
        ..Pending::default()
    }));
    // One widget per conversation, as many visitors would hold.
    let on_reply = {
        let pending = pending.clone();
        Arc::new(move |id: MessageId| {
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
        })
    };
    let widgets = Arc::new(Widgets::open(world, frames, on_reply).await?);
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
                let seq = last["seq"].as_u64().unwrap_or(0);
                tokio::spawn(async move {
                    // With the extra frames, the operator has it open: it is read first.
                    if frames {
                        let _ = world
                            .client
                            .post(format!(
                                "{}/api/dashboard/conversations/{conversation}/read",
                                world.base
                            ))
                            .header("cookie", &world.cookie)
                            .json(&json!({ "seq": seq }))
                            .send()
                            .await;
                    }
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
            let widgets = widgets.clone();
            let pending = pending.clone();
            let started = Instant::now();
            tokio::spawn(async move {
                let Ok(_slot) = slots.acquire().await else {
                    return;
                };
                widgets.typing(conversation).await;
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
    drop(widgets);
    let p = pending.lock().map_err(|_| anyhow::anyhow!("lock"))?;
    let empty = histogram();
    let to_operator = p.to_operator.as_ref().unwrap_or(&empty);
    Ok(json!({
        "scale": scale, "frames": frames, "ratePerSecond": rate, "sent": sent,
        "failed": failures.load(std::sync::atomic::Ordering::Relaxed),
        "notSeenByOperator": p.sent.values().map(Vec::len).sum::<usize>(),
        "toOperator": summary(to_operator),
        "acknowledged": summary(p.acknowledged.as_ref().unwrap_or(&empty)),
        "toContact": summary(p.to_contact.as_ref().unwrap_or(&empty)),
        "roundTrip": summary(p.round_trip.as_ref().unwrap_or(&empty)),
        "serverCpuPercent": (cpu / (plan.seconds as f64 + 3.0) * 100.0).round(),
    }))
}
