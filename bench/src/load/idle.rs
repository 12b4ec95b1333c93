//! (4) Resident memory per idle widget connection.

use super::delivery::widget_socket;
use super::*;
use crate::server::Server;
use anyhow::Result;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// (4) Resident memory per idle widget connection: `n` subscribed sockets, spread over the
/// conversations.
pub(super) async fn idle_connections(
    world: &Arc<World>,
    server: &Server,
    n: usize,
) -> Result<Value> {
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
