//! One live widget per conversation, as open visitors hold them, with issue 14's extra
//! frames when switched on: a `typing` frame before the visitor's message (at most one per
//! 2 s per conversation, as the widget sends them) and a `read` frame for each operator
//! reply it receives (the widget is open and shows it).

use super::Socket;
use super::World;
use super::delivery::widget_socket;
use anyhow::Result;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use parley_shared::{ConversationId, MessageId};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as Ws;

type Sink = Arc<tokio::sync::Mutex<SplitSink<Socket, Ws>>>;

/// The widgets; their reader tasks end when this is dropped.
pub(super) struct Widgets {
    sinks: HashMap<ConversationId, Sink>,
    typed: Mutex<HashMap<ConversationId, Instant>>,
    frames: Arc<AtomicBool>,
    readers: Vec<JoinHandle<()>>,
}

/// The widget's own interval between typing frames (`TYPING_SEND_EVERY_MS`).
const TYPING_EVERY: Duration =
    Duration::from_millis(parley_shared::limits::TYPING_SEND_EVERY_MS as u64);

impl Widgets {
    /// Opens a widget socket per conversation, with or without the extra `frames`;
    /// `on_reply` sees each operator message's ID.
    pub(super) async fn open(
        world: &World,
        frames: bool,
        on_reply: Arc<dyn Fn(MessageId) + Send + Sync>,
    ) -> Result<Self> {
        let frames = Arc::new(AtomicBool::new(frames));
        let (mut sinks, mut readers) = (HashMap::new(), Vec::new());
        for (conversation, token) in &world.conversations {
            let (sink, mut stream) = widget_socket(world, *conversation, token).await?.split();
            let sink: Sink = Arc::new(tokio::sync::Mutex::new(sink));
            sinks.insert(*conversation, sink.clone());
            let (on_reply, frames) = (on_reply.clone(), frames.clone());
            readers.push(tokio::spawn(async move {
                while let Some(Ok(frame)) = stream.next().await {
                    let Ws::Text(text) = frame else { continue };
                    let Ok(v) = serde_json::from_str::<Value>(&text) else {
                        continue;
                    };
                    if v["type"] != "message" || v["message"]["role"] != "operator" {
                        continue;
                    }
                    if let Some(id) = v["message"]["id"].as_str().and_then(|s| s.parse().ok()) {
                        on_reply(id);
                    }
                    if frames.load(Ordering::Relaxed) {
                        let read = json!({"type": "read", "seq": v["message"]["seq"]});
                        let _ = sink.lock().await.send(Ws::text(read.to_string())).await;
                    }
                }
            }));
        }
        Ok(Self {
            sinks,
            typed: Mutex::new(HashMap::new()),
            frames,
            readers,
        })
    }

    /// Whether the extra frames are on.
    pub(super) fn frames(&self) -> bool {
        self.frames.load(Ordering::Relaxed)
    }

    /// The visitor starts typing in `conversation` (a frame if the widget would send one).
    pub(super) async fn typing(&self, conversation: ConversationId) {
        if !self.frames() {
            return;
        }
        let due = self.typed.lock().is_ok_and(|mut typed| {
            let now = Instant::now();
            let due = typed
                .get(&conversation)
                .is_none_or(|t| now.duration_since(*t) >= TYPING_EVERY);
            if due {
                typed.insert(conversation, now);
            }
            due
        });
        if let (true, Some(sink)) = (due, self.sinks.get(&conversation)) {
            let typing = json!({"type": "typing"}).to_string();
            let _ = sink.lock().await.send(Ws::text(typing)).await;
        }
    }
}

impl Drop for Widgets {
    fn drop(&mut self) {
        for r in &self.readers {
            r.abort();
        }
    }
}
