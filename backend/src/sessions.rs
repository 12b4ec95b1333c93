//! Contact sessions: identifying a visitor, and checking the credential on every request.
//! Rules from seed 001: a session lasts 24 h; one used within 4 h of its expiry is extended
//! to 24 h from then (both configurable).

use crate::app::AppState;
use crate::error::{Error, Result};
use crate::store::{self, ContactSession};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parley_shared::ContactSessionId;
use parley_shared::api::{self, ContactMetadata, CreateContactSession};
use parley_shared::limits::{MAX_LANGUAGES, MAX_METADATA_CHARS, validate_email, validate_name};
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
        expires_at: s.expires_at,
    }
}

/// Creates a contact session for a visitor of an existing organization.
/// Errors: `OrganizationNotFound`, `Field` (name or email).
pub async fn create(
    state: &AppState,
    req: CreateContactSession,
) -> Result<api::ContactSessionCreated> {
    let name = validate_name(&req.name)?;
    let email = validate_email(&req.email)?;
    state
        .store
        .organization(req.organization_id)
        .await?
        .ok_or(Error::OrganizationNotFound)?;
    let metadata = serde_json::to_string(&bounded(req.metadata))
        .map_err(|e| Error::Validation(e.to_string()))?;
    let now = state.clock.now();
    let token = new_token();
    let session = ContactSession {
        id: ContactSessionId::new_random(),
        organization_id: req.organization_id,
        token_hash: hash_token(&token),
        name,
        email,
        metadata,
        created_at: now,
        expires_at: now.plus_millis(state.config.session_ttl_secs * 1000),
    };
    state.store.create_contact_session(&session).await?;
    Ok(api::ContactSessionCreated {
        session: view(&session),
        token,
    })
}

/// Checks a bearer credential and counts it as a use: unknown → `SessionInvalid`, past its
/// expiry → `SessionExpired`; within the refresh window of expiry it is extended.
pub async fn authenticate(state: &AppState, token: &str) -> Result<store::ContactSession> {
    if token.len() != TOKEN_CHARS {
        return Err(Error::SessionInvalid);
    }
    let mut session = state
        .store
        .contact_session_by_token_hash(&hash_token(token))
        .await?
        .ok_or(Error::SessionInvalid)?;
    let now = state.clock.now();
    if session.expires_at <= now {
        return Err(Error::SessionExpired);
    }
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
