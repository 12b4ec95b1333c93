//! Fan-out of live events to connected clients, within one process and across instances.
//!
//! Events are published *after* their transaction commits, on a broadcast channel per topic.
//! The channel is only a doorbell: a subscriber that sees a gap in `seq`, lags behind, or
//! gets [`LiveEvent::Resync`] reads what it missed from the store, so delivery never depends
//! on the channel keeping every event. Other instances' changes arrive as store notices
//! (PostgreSQL LISTEN/NOTIFY) and are turned into local events by [`bridge`].

pub mod socket;
pub mod staff;
pub mod watch;
pub mod widget;

use crate::state::State;
use crate::store::{AnnouncedEvent, Notice, Revocation, Store};
use parley_shared::api::{ConversationStatus, Message};
use parley_shared::live::ServerFrame;
use parley_shared::{ContactSessionId, ConversationId, OrganizationId, Timestamp, UserId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::{broadcast, mpsc};

/// Events buffered per topic before a slow subscriber lags (and then backfills).
const TOPIC_CAPACITY: usize = 256;

/// What a subscriber follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Messages and status changes of one conversation (widgets, an open dashboard view).
    Conversation(ConversationId),
    /// Which conversations of an organization changed (dashboard inboxes).
    Organization(OrganizationId),
    /// Revocations of an account's staff sessions (its dashboard sockets).
    Account(UserId),
    /// Revocations of an organization's contact sessions (its widget sockets).
    Contacts(OrganizationId),
    /// Conversations started by one contact session (its widgets' `watch` sockets).
    Session(ContactSessionId),
}

/// What subscribers receive.
#[derive(Clone, Debug, PartialEq)]
// Frames are the common case; boxing them would add an allocation to every receiver's clone.
#[allow(clippy::large_enum_variant)]
pub enum LiveEvent {
    /// A frame to forward (after the subscriber's own `seq` checks).
    Frame(ServerFrame),
    /// This conversation was created or changed: inbox rows showing it need refreshing.
    InboxChanged(ConversationId),
    /// Events may have been lost: re-read the state from the store.
    Resync,
    /// Credentials were revoked: a socket holding one they cover re-checks it now.
    Revoked(Revocation),
}

/// Topic → broadcast sender. Topics are created on first subscribe and dropped when a
/// publish finds nobody listening.
#[derive(Debug, Default)]
pub struct Hub {
    topics: Mutex<HashMap<Topic, broadcast::Sender<Arc<LiveEvent>>>>,
}

impl Hub {
    /// Follows `topic`; events published from now on are received.
    pub fn subscribe(&self, topic: Topic) -> broadcast::Receiver<Arc<LiveEvent>> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(TOPIC_CAPACITY).0)
            .subscribe()
    }

    /// Whether anyone here follows `topic` (saves store reads for remote events).
    pub fn has_subscribers(&self, topic: Topic) -> bool {
        let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics.get(&topic).is_some_and(|s| s.receiver_count() > 0)
    }

    /// Sends `frame` to every current subscriber of `topic`.
    pub fn publish(&self, topic: Topic, frame: ServerFrame) {
        self.send(topic, LiveEvent::Frame(frame));
    }

    /// A message was committed: to its conversation's followers, and to its organization's
    /// inboxes.
    pub fn message_created(&self, org: OrganizationId, message: &Message) {
        let id = message.conversation_id;
        self.publish(
            Topic::Conversation(id),
            ServerFrame::Message {
                message: message.clone(),
            },
        );
        self.send(Topic::Organization(org), LiveEvent::InboxChanged(id));
    }

    /// A conversation's status changed.
    pub fn status_changed(
        &self,
        org: OrganizationId,
        conversation_id: ConversationId,
        status: ConversationStatus,
        updated_at: Timestamp,
    ) {
        let frame = ServerFrame::Status {
            conversation_id,
            status,
            updated_at,
        };
        self.publish(Topic::Conversation(conversation_id), frame);
        self.send(
            Topic::Organization(org),
            LiveEvent::InboxChanged(conversation_id),
        );
    }

    /// A conversation was started: to its organization's inboxes and, when known, its
    /// contact session's `watch` sockets.
    pub fn conversation_created(
        &self,
        org: OrganizationId,
        session: Option<ContactSessionId>,
        conversation_id: ConversationId,
    ) {
        self.inbox_changed(org, conversation_id);
        if let Some(session) = session {
            self.send(
                Topic::Session(session),
                LiveEvent::InboxChanged(conversation_id),
            );
        }
    }

    /// Someone is typing in `conversation_id`: to its sockets.
    pub fn typing(
        &self,
        conversation_id: ConversationId,
        role: parley_shared::api::MessageRole,
        author_name: Option<String>,
    ) {
        let frame = ServerFrame::Typing {
            conversation_id,
            role,
            author_name,
        };
        self.publish(Topic::Conversation(conversation_id), frame);
    }

    /// Someone has seen `conversation_id` up to `seq`: to its sockets.
    pub fn read(
        &self,
        conversation_id: ConversationId,
        role: parley_shared::api::MessageRole,
        seq: u64,
    ) {
        let frame = ServerFrame::Read {
            conversation_id,
            role,
            seq,
        };
        self.publish(Topic::Conversation(conversation_id), frame);
    }

    /// A conversation's inbox row changed (created, or read by an operator): each dashboard
    /// of the organization re-reads it as its operator sees it.
    pub fn inbox_changed(&self, org: OrganizationId, conversation_id: ConversationId) {
        self.send(
            Topic::Organization(org),
            LiveEvent::InboxChanged(conversation_id),
        );
    }

    /// Credentials were revoked: to the sockets that may hold them.
    pub fn revoked(&self, revocation: Revocation) {
        let topic = match &revocation {
            Revocation::Account { user_id } => Topic::Account(*user_id),
            Revocation::Contacts {
                organization_id, ..
            } => Topic::Contacts(*organization_id),
        };
        self.send(topic, LiveEvent::Revoked(revocation));
    }

    /// Tells every subscriber of every topic to re-read from the store.
    pub fn resync_all(&self) {
        let topics: Vec<Topic> = {
            let topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
            topics.keys().copied().collect()
        };
        for topic in topics {
            self.send(topic, LiveEvent::Resync);
        }
    }

    /// Sends `event` to every current subscriber of `topic`.
    pub fn send(&self, topic: Topic, event: LiveEvent) {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = topics.get(&topic)
            && sender.send(Arc::new(event)).is_err()
        {
            // No receiver left: forget the topic so the map does not grow without bound.
            topics.remove(&topic);
        }
    }
}

/// Ends the live sockets that hold a credential `revocation` covers, here and on every other
/// instance, once the revocation has committed: each such socket re-checks its credential
/// against the store at once instead of at its next ping. A failed announcement is logged;
/// other instances' sockets then end at their next ping, as before.
pub async fn revoke(state: &State, revocation: Revocation) {
    state.hub.revoked(revocation.clone());
    if let Err(e) = state
        .store
        .announce_now(&AnnouncedEvent::Revoked { revocation })
        .await
    {
        tracing::warn!(error = %e, "announcing a revocation");
    }
}

/// Someone is typing in `conversation`: to its sockets here and on every other instance
/// (a lost announcement only loses an indicator). Callers throttle ([`Typing`]).
pub async fn typing(
    state: &State,
    organization_id: OrganizationId,
    conversation_id: ConversationId,
    role: parley_shared::api::MessageRole,
    author_name: Option<String>,
) {
    state.hub.typing(conversation_id, role, author_name.clone());
    let event = AnnouncedEvent::Typing {
        organization_id,
        conversation_id,
        role,
        author_name,
    };
    if let Err(e) = state.store.announce_now(&event).await {
        tracing::debug!(error = %e, "announcing a typing indicator");
    }
}

/// One socket's typing relay: at most one every
/// [`parley_shared::limits::TYPING_RELAY_EVERY_MS`], whatever the client sends.
#[derive(Debug, Default)]
pub struct Typing {
    last: Option<tokio::time::Instant>,
}

impl Typing {
    /// Whether a typing frame received now may be relayed (and counts it if so).
    pub fn may_relay(&mut self) -> bool {
        let every = std::time::Duration::from_millis(parley_shared::limits::TYPING_RELAY_EVERY_MS);
        let now = tokio::time::Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < every)
        {
            return false;
        }
        self.last = Some(now);
        true
    }
}

/// Turns other instances' announcements into local live events, until `notices` ends.
pub async fn bridge(mut notices: mpsc::Receiver<Notice>, store: Arc<dyn Store>, hub: Arc<Hub>) {
    while let Some(notice) = notices.recv().await {
        match notice {
            Notice::Event(AnnouncedEvent::Created {
                organization_id,
                conversation_id,
                contact_session_id,
            }) => {
                hub.conversation_created(organization_id, contact_session_id, conversation_id);
            }
            Notice::Event(AnnouncedEvent::Message {
                organization_id,
                conversation_id,
                message_id,
            }) => {
                let topic = Topic::Conversation(conversation_id);
                if !hub.has_subscribers(topic) {
                    hub.send(
                        Topic::Organization(organization_id),
                        LiveEvent::InboxChanged(conversation_id),
                    );
                    continue;
                }
                match store.message(message_id).await {
                    Ok(Some(message)) => hub.message_created(organization_id, &message),
                    Ok(None) => {}
                    // Subscribers re-read on resync, so a failed read loses nothing.
                    Err(e) => {
                        tracing::warn!(error = %e, "reading an announced message");
                        hub.send(topic, LiveEvent::Resync);
                    }
                }
            }
            Notice::Event(AnnouncedEvent::Status {
                organization_id,
                conversation_id,
                status,
                updated_at,
            }) => {
                hub.status_changed(organization_id, conversation_id, status, updated_at);
            }
            Notice::Event(AnnouncedEvent::Typing {
                conversation_id,
                role,
                author_name,
                ..
            }) => hub.typing(conversation_id, role, author_name),
            Notice::Event(AnnouncedEvent::Read {
                conversation_id,
                role,
                seq,
                ..
            }) => hub.read(conversation_id, role, seq),
            Notice::Event(AnnouncedEvent::InboxChanged {
                organization_id,
                conversation_id,
            }) => hub.inbox_changed(organization_id, conversation_id),
            Notice::Event(AnnouncedEvent::Revoked { revocation }) => hub.revoked(revocation),
            Notice::Gap => hub.resync_all(),
        }
    }
}
