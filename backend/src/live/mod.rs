//! In-process fan-out of live events to connected clients.
//!
//! Events are published *after* their transaction commits, on a broadcast channel per topic.
//! The channel is only a doorbell: a subscriber that sees a gap in `seq`, or lags behind,
//! reads what it missed from the store, so delivery never depends on the channel keeping
//! every event.

use parley_shared::ConversationId;
use parley_shared::live::ServerFrame;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::broadcast;

/// Events buffered per topic before a slow subscriber lags (and then backfills).
const TOPIC_CAPACITY: usize = 256;

/// What a subscriber follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Messages and status changes of one conversation.
    Conversation(ConversationId),
}

/// Topic → broadcast sender. Topics are created on first subscribe and dropped when a
/// publish finds nobody listening.
#[derive(Debug, Default)]
pub struct Hub {
    topics: Mutex<HashMap<Topic, broadcast::Sender<Arc<ServerFrame>>>>,
}

impl Hub {
    /// Follows `topic`; events published from now on are received.
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<ServerFrame>> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .subscribe()
    }

    /// Sends `frame` to every current subscriber of `topic`.
    pub fn publish(&self, topic: Topic, frame: ServerFrame) {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = topics.get(&topic)
            && sender.send(Arc::new(frame)).is_err()
        {
            // No receiver left: forget the topic so the map does not grow without bound.
            topics.remove(&topic);
        }
    }
}
