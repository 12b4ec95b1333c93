//! (1) Acknowledged contact messages per second.

use super::widgets::Widgets;
use super::*;
use crate::Plan;
use crate::server::Server;
use parley_shared::{ConversationId, MessageId};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// (1) Acknowledged (committed) contact messages per second from `senders` concurrent
/// senders spread over every conversation; with `widgets`, each conversation has a live
/// widget receiving its messages (and typing before each, when its frames are on).
pub(super) async fn throughput(
    world: &Arc<World>,
    plan: &Plan,
    server: &Server,
    widgets: Option<Arc<Widgets>>,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(plan.seconds);
    let cpu0 = server.cpu_seconds();
    let started = Instant::now();
    let tasks: Vec<_> = (0..plan.senders)
        .map(|s| {
            let (world, widgets) = (world.clone(), widgets.clone());
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
                    if let Some(w) = &widgets {
                        w.typing(*conversation).await;
                    }
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
