//! Links in emails: "Continue the conversation" and "Unsubscribe". Each is a random 256-bit
//! secret stored hashed (like contact session credentials), for one purpose, expiring after
//! [`LINK_DAYS`]; erasing the conversation deletes it, blocking the contact makes
//! "continue" refuse (the session is revoked).

use crate::contacts::sessions;
use crate::error::{Error, Result};
use crate::state::State;
use crate::store::{ContactSession, EmailLink, LinkPurpose};
use parley_shared::ConversationId;

/// How long an emailed link works, in days.
pub const LINK_DAYS: i64 = 30;

/// Makes a link for `purpose` on `session`'s `conversation`: its secret (shown once, in
/// the email).
pub async fn create(
    state: &State,
    purpose: LinkPurpose,
    session: &ContactSession,
    conversation: ConversationId,
) -> Result<String> {
    let secret = sessions::new_token();
    let link = EmailLink {
        token_hash: sessions::hash_token(&secret),
        purpose,
        organization_id: session.organization_id,
        contact_session_id: session.id,
        conversation_id: conversation,
        expires_at: state.clock.now().plus_millis(LINK_DAYS * 86_400_000),
    };
    state.store.create_email_link(&link).await?;
    Ok(secret)
}

/// The live link behind `secret` for `purpose`; anything else is `LinkInvalid`.
async fn find(state: &State, secret: &str, purpose: LinkPurpose) -> Result<EmailLink> {
    let hash = sessions::hash_token(secret.trim());
    match state.store.email_link(&hash, purpose).await? {
        Some(link) if link.expires_at > state.clock.now() => Ok(link),
        _ => Err(Error::LinkInvalid),
    }
}

/// `POST /api/widget/continue`: the visitor followed "Continue the conversation". Their
/// session gets a fresh credential and expiry (the old one stops working: the link may have
/// been forwarded), even if it had expired; answers it with the conversation to open.
/// Errors: `LinkInvalid` (404: unknown, expired, erased), `ContactBlocked` (403).
pub async fn continue_conversation(
    state: &State,
    secret: &str,
) -> Result<(parley_shared::api::ContactSessionCreated, ConversationId)> {
    let link = find(state, secret, LinkPurpose::Continue).await?;
    let session = state
        .store
        .contact_session(link.contact_session_id)
        .await?
        .ok_or(Error::LinkInvalid)?;
    if session.revoked
        || state
            .store
            .contact_blocked(session.organization_id, &session.email)
            .await?
    {
        return Err(Error::ContactBlocked);
    }
    // Lost a race with another rotation: the link is spent for this attempt.
    let created = sessions::rotate(state, session.clone(), &session.token_hash)
        .await
        .map_err(|e| match e {
            Error::SessionInvalid => Error::LinkInvalid,
            other => other,
        })?;
    Ok((created, link.conversation_id))
}

/// `GET /api/email/unsubscribe?token=`: stops this organization's emails to the address
/// the link was sent to. Errors: `LinkInvalid`.
pub async fn unsubscribe(state: &State, secret: &str) -> Result<()> {
    let link = find(state, secret, LinkPurpose::Unsubscribe).await?;
    let session = state
        .store
        .contact_session(link.contact_session_id)
        .await?
        .ok_or(Error::LinkInvalid)?;
    let key = parley_shared::limits::email_key(&session.email);
    state
        .store
        .unsubscribe(link.organization_id, &key, state.clock.now())
        .await?;
    Ok(())
}
