//! Identity verification, the organization's side: its secret (generated on first use,
//! replaceable), "verified only", and checking a visitor's identity against it. The checks
//! themselves live in `parley_shared::identity` (fuzzed without the server).

use crate::error::{Error, Result};
use crate::state::State;
use crate::store::{IdentitySettingsRow, Revocation};
use parley_shared::OrganizationId;
use parley_shared::api::Identity;
pub use parley_shared::identity::{Verified, user_hash};
use parley_shared::staff::IdentitySettings;

/// Checks `identity` against `secret` at `now_secs` (Unix seconds). Errors:
/// `IdentityInvalid` for a wrong hash or signature, an expired or malformed token, an
/// algorithm other than HS256, a missing or over-long user ID.
pub fn verify(secret: &str, identity: &Identity, now_secs: i64) -> Result<Verified> {
    parley_shared::identity::verify(secret, identity, now_secs).map_err(|_| Error::IdentityInvalid)
}

/// The organization's settings, generating its secret (256 random bits) the first time.
pub async fn settings_row(state: &State, org: OrganizationId) -> Result<IdentitySettingsRow> {
    if let Some(row) = state.store.identity_settings(org).await? {
        return Ok(row);
    }
    let row = IdentitySettingsRow {
        secret: crate::contacts::sessions::new_token(),
        required: false,
    };
    state
        .store
        .put_identity_settings(org, &row, state.clock.now())
        .await?;
    // Two first readers racing both write; read back whichever won.
    Ok(state.store.identity_settings(org).await?.unwrap_or(row))
}

/// The settings as the dashboard shows them (owners and admins only: the secret is shown).
pub fn view(row: &IdentitySettingsRow) -> IdentitySettings {
    IdentitySettings {
        secret: row.secret.clone(),
        required: row.required,
    }
}

/// Sets "verified only"; with `rotate`, replaces the secret (every identity signed with the
/// old one stops verifying).
pub async fn update(
    state: &State,
    org: OrganizationId,
    required: bool,
    rotate: bool,
) -> Result<IdentitySettingsRow> {
    let mut row = settings_row(state, org).await?;
    let newly_required = required && !row.required;
    row.required = required;
    if rotate {
        row.secret = crate::contacts::sessions::new_token();
    }
    state
        .store
        .put_identity_settings(org, &row, state.clock.now())
        .await?;
    if newly_required {
        // Anonymous visitors' open sockets end now ("verified only" holds for them too).
        let revocation = Revocation::Contacts {
            organization_id: org,
            email: None,
        };
        crate::live::revoke(state, revocation).await;
    }
    Ok(row)
}

/// Whether the organization takes verified visitors only (no row: not required).
pub async fn required(state: &State, org: OrganizationId) -> Result<bool> {
    Ok(state
        .store
        .identity_settings(org)
        .await?
        .is_some_and(|r| r.required))
}

/// Verifies `identity` for `org`: an organization that never set up identity verification
/// has no secret, so every identity is `IdentityInvalid`.
pub async fn verify_for(
    state: &State,
    org: OrganizationId,
    identity: &Identity,
) -> Result<Verified> {
    let row = state
        .store
        .identity_settings(org)
        .await?
        .ok_or(Error::IdentityInvalid)?;
    verify(
        &row.secret,
        identity,
        state.clock.now().unix_millis() / 1000,
    )
}
