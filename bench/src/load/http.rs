//! (3) HTTP latency of sending and listing messages, open loop.

use super::*;
use crate::Plan;
use parley_shared::MessageId;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// (3) HTTP latency of send-message and list-last-50-messages, open loop at `rate`
/// requests per second (half each).
pub(super) async fn http_latency(world: &Arc<World>, plan: &Plan, rate: u64) -> Value {
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
