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
