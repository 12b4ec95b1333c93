//! The contact-session credential in `localStorage`, one per organization, so a visitor of
//! two Parley customers keeps two independent sessions.

use gloo_storage::{LocalStorage, Storage};
use parley_shared::OrganizationId;

fn key(org: OrganizationId) -> String {
    format!("parley.session.{org}")
}

/// The stored credential for `org`, if any.
pub fn token(org: OrganizationId) -> Option<String> {
    LocalStorage::get::<String>(key(org)).ok()
}

/// Remembers the credential for `org`.
pub fn set_token(org: OrganizationId, token: &str) {
    // A browser with storage disabled still chats; only reloads lose the session.
    let _ = LocalStorage::set(key(org), token);
}

/// Forgets the credential for `org` (expired or rejected).
pub fn clear_token(org: OrganizationId) {
    LocalStorage::delete(key(org));
}

/// A message the visitor wrote that the server has not confirmed yet, kept across reloads.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unsent {
    /// Its client-chosen ID: re-sending it can never duplicate it (idempotent on the server).
    pub id: parley_shared::MessageId,
    /// The text.
    pub content: String,
    /// When it was written (Unix ms).
    pub created_at_ms: i64,
}

fn outbox_key(conversation: parley_shared::ConversationId) -> String {
    format!("parley.outbox.{conversation}")
}

/// The conversation's unsent messages, oldest first.
pub fn outbox(conversation: parley_shared::ConversationId) -> Vec<Unsent> {
    LocalStorage::get::<Vec<Unsent>>(outbox_key(conversation)).unwrap_or_default()
}

fn save_outbox(conversation: parley_shared::ConversationId, items: &[Unsent]) {
    if items.is_empty() {
        LocalStorage::delete(outbox_key(conversation));
    } else {
        let _ = LocalStorage::set(outbox_key(conversation), items);
    }
}

/// Keeps `message` until the server confirms it.
pub fn outbox_add(conversation: parley_shared::ConversationId, message: Unsent) {
    let mut items = outbox(conversation);
    if !items.iter().any(|m| m.id == message.id) {
        items.push(message);
        save_outbox(conversation, &items);
    }
}

/// Drops `id` from the outbox (stored, or refused for good).
pub fn outbox_remove(conversation: parley_shared::ConversationId, id: parley_shared::MessageId) {
    let mut items = outbox(conversation);
    let before = items.len();
    items.retain(|m| m.id != id);
    if items.len() != before {
        save_outbox(conversation, &items);
    }
}
