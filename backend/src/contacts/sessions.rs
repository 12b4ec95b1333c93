//! Contact sessions: identifying a visitor, and checking the credential on every request.
//! Rules from seed 001: a session lasts 24 h; one used within 4 h of its expiry is extended
//! to 24 h from then (both configurable).

use crate::contacts::identity;
use crate::error::{Error, Result};
use crate::state::State;
use crate::store::{self, ContactSession};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parley_shared::api::{self, ContactMetadata, ConversationStatus, CreateContactSession};
use parley_shared::limits::{
    MAX_LANGUAGES, MAX_METADATA_CHARS, email_key, validate_email, validate_name,
};
use parley_shared::{ContactSessionId, ConversationId, OrganizationId, Timestamp};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Length of a credential: 32 random bytes in unpadded base64url.
const TOKEN_CHARS: usize = 43;

/// A fresh credential or secret: 256 bits from the thread-local CSPRNG, base64url without padding.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a credential, lowercase hex: what the database stores and looks up.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn cut(value: Option<String>) -> Option<String> {
    value.map(|v| v.chars().take(MAX_METADATA_CHARS).collect())
}

/// Bounds every metadata string, so a hostile client cannot store megabytes per session.
fn bounded(m: ContactMetadata) -> ContactMetadata {
    ContactMetadata {
        user_agent: cut(m.user_agent),
        language: cut(m.language),
        languages: m.languages.map(|l| {
            l.into_iter()
                .take(MAX_LANGUAGES)
                .filter_map(|s| cut(Some(s)))
                .collect()
        }),
        platform: cut(m.platform),
        vendor: cut(m.vendor),
        screen_resolution: cut(m.screen_resolution),
        viewport_size: cut(m.viewport_size),
        timezone: cut(m.timezone),
        timezone_offset: m.timezone_offset,
        cookie_enabled: m.cookie_enabled,
        referrer: cut(m.referrer),
        current_url: cut(m.current_url),
    }
}

/// The session as its holder may see it.
pub fn view(s: &ContactSession) -> api::ContactSession {
    api::ContactSession {
        contact_session_id: s.id,
        organization_id: s.organization_id,
        name: s.name.clone(),
        email: s.email.clone(),
        verified: s.verified,
        expires_at: s.expires_at,
    }
}

/// Name and email for a session: what a verified identity says, else what the visitor
/// typed, else (name only) the email's local part. Errors: `Field` (422).
fn name_and_email(
    verified: Option<&identity::Verified>,
    typed_name: &str,
    typed_email: &str,
) -> Result<(String, String)> {
    let pick = |from_identity: Option<&String>, typed: &str| {
        from_identity
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| typed.trim().to_owned())
    };
    let email = validate_email(&pick(verified.and_then(|v| v.email.as_ref()), typed_email))?;
    let mut name = pick(verified.and_then(|v| v.name.as_ref()), typed_name);
    if name.is_empty() && verified.is_some() {
        name = email.split('@').next().unwrap_or_default().to_owned();
    }
    Ok((validate_name(&name)?, email))
}

async fn refuse_blocked(state: &State, org: OrganizationId, email: &str) -> Result<()> {
    if state.store.contact_blocked(org, &email_key(email)).await? {
        return Err(Error::ContactBlocked);
    }
    Ok(())
}

/// Creates a contact session for a visitor of an existing organization, identified by the
/// form or, with `identity`, by the organization's own site (verified).
/// Errors: `OrganizationNotFound` (404), `IdentityInvalid` (401), `IdentityRequired` (403,
/// no identity for a "verified only" organization), `ContactBlocked` (403), `Field` (422).
pub async fn create(
    state: &State,
    req: CreateContactSession,
) -> Result<api::ContactSessionCreated> {
    let org = req.organization_id;
    state
        .store
        .organization(org)
        .await?
        .ok_or(Error::OrganizationNotFound)?;
    let verified = match &req.identity {
        Some(claimed) => Some(identity::verify_for(state, org, claimed).await?),
        None if identity::required(state, org).await? => return Err(Error::IdentityRequired),
        None => None,
    };
    let (name, email) = name_and_email(verified.as_ref(), &req.name, &req.email)?;
    refuse_blocked(state, org, &email).await?;
    let metadata = serde_json::to_string(&bounded(req.metadata))
        .map_err(|e| Error::Validation(e.to_string()))?;
    let now = state.clock.now();
    let token = new_token();
    let session = ContactSession {
        id: ContactSessionId::new_random(),
        organization_id: org,
        token_hash: hash_token(&token),
        name,
        email,
        metadata,
        created_at: now,
        expires_at: now.plus_millis(state.config.session_ttl_secs * 1000),
        verified: verified.is_some(),
        external_id: verified.map(|v| v.external_id),
        revoked: false,
        identity_required: false,
    };
    state.store.create_contact_session(&session).await?;
    crate::webhooks::events::contact_created(state, org, session.id).await;
    Ok(api::ContactSessionCreated {
        session: view(&session),
        token,
    })
}

/// The host site identified a visitor who already has a session: the session takes the
/// verified name, email and user ID, keeps its conversations, and its credential is
/// **replaced** (the old token stops working; a credential that may have been seen before
/// identification does not carry the identity). Errors: `IdentityInvalid` (401),
/// `IdentityMismatch` (409, verified as another user: start a new session),
/// `ContactBlocked` (403), `SessionInvalid` (401, lost a race with another identify), `Field`.
pub async fn identify(
    state: &State,
    session: &ContactSession,
    claimed: &api::Identity,
) -> Result<api::ContactSessionCreated> {
    let verified = identity::verify_for(state, session.organization_id, claimed).await?;
    if session.verified && session.external_id.as_deref() != Some(verified.external_id.as_str()) {
        return Err(Error::IdentityMismatch);
    }
    let (name, email) = name_and_email(Some(&verified), &session.name, &session.email)?;
    refuse_blocked(state, session.organization_id, &email).await?;
    let updated = ContactSession {
        name,
        email,
        verified: true,
        external_id: Some(verified.external_id),
        ..session.clone()
    };
    rotate(state, updated, &session.token_hash).await
}

/// Stores `updated` (a session's new name, email, identity…) with a fresh credential and a
/// full lifetime, provided `old_token_hash` is still the session's credential: the old token
/// stops working. Errors: `SessionInvalid` (the credential changed meanwhile, or revoked).
pub async fn rotate(
    state: &State,
    updated: ContactSession,
    old_token_hash: &str,
) -> Result<api::ContactSessionCreated> {
    let token = new_token();
    let updated = ContactSession {
        token_hash: hash_token(&token),
        expires_at: state
            .clock
            .now()
            .plus_millis(state.config.session_ttl_secs * 1000),
        ..updated
    };
    if !state
        .store
        .identify_contact_session(&updated, old_token_hash)
        .await?
    {
        return Err(Error::SessionInvalid);
    }
    Ok(api::ContactSessionCreated {
        session: view(&updated),
        token,
    })
}

/// Checks a bearer credential and counts it as a use: unknown → `SessionInvalid`, past its
/// expiry → `SessionExpired`; within the refresh window of expiry it is extended.
pub async fn authenticate(state: &State, token: &str) -> Result<store::ContactSession> {
    if token.len() != TOKEN_CHARS {
        return Err(Error::SessionInvalid);
    }
    let session = state
        .store
        .contact_session_by_token_hash(&hash_token(token))
        .await?;
    accept(state, session).await
}

/// [`authenticate`], and the conversation `id` must be the session's own (as
/// [`crate::conversations::get_own`]), in one query; gives its status. Errors: those of
/// `authenticate`, then `ConversationNotFound`.
pub async fn authenticate_in_conversation(
    state: &State,
    token: &str,
    id: ConversationId,
) -> Result<(store::ContactSession, ConversationStatus)> {
    if token.len() != TOKEN_CHARS {
        return Err(Error::SessionInvalid);
    }
    let (session, status) = state
        .store
        .contact_session_with_conversation(&hash_token(token), id)
        .await?
        .unzip();
    let session = accept(state, session).await?;
    Ok((
        session,
        status.flatten().ok_or(Error::ConversationNotFound)?,
    ))
}

/// The checks of a looked-up credential, without extending it: revoked or unknown
/// (`SessionInvalid`), expired (`SessionExpired`), unverified where verification is required
/// (`IdentityRequired`).
fn check(session: Option<&store::ContactSession>, now: Timestamp) -> Result<()> {
    let session = session.ok_or(Error::SessionInvalid)?;
    if session.revoked {
        return Err(Error::SessionInvalid);
    }
    if session.expires_at <= now {
        return Err(Error::SessionExpired);
    }
    // "Verified only" holds for sessions begun before it was switched on, too.
    if !session.verified && session.identity_required {
        return Err(Error::IdentityRequired);
    }
    Ok(())
}

/// Whether `session`'s credential still holds, read afresh from the store (HTTP activity
/// may have extended it, an operator may have blocked it): the errors of [`check`]. Used by
/// open live sockets.
pub async fn still_valid(state: &State, session: &store::ContactSession) -> Result<()> {
    let fresh = state
        .store
        .contact_session_by_token_hash(&session.token_hash)
        .await?;
    check(fresh.as_ref(), state.clock.now())
}

/// The checks of a looked-up credential ([`check`]); extends it within the refresh window.
async fn accept(
    state: &State,
    session: Option<store::ContactSession>,
) -> Result<store::ContactSession> {
    let now = state.clock.now();
    check(session.as_ref(), now)?;
    let mut session = session.ok_or(Error::SessionInvalid)?;
    let refresh_at = session
        .expires_at
        .plus_millis(-state.config.session_refresh_secs * 1000);
    if now >= refresh_at {
        session.expires_at = now.plus_millis(state.config.session_ttl_secs * 1000);
        state
            .store
            .set_contact_session_expiry(session.id, session.expires_at)
            .await?;
    }
    Ok(session)
}
