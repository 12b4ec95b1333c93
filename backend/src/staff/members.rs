//! Members of an organization and invitations to join it.
//!
//! Rules: owners and admins manage members and invites (agents → 403); only owners invite
//! or remove owners; the last owner cannot leave or be removed (409). An invite is a link
//! with a single-use token (256 random bits, stored hashed) that expires after 7 days.

use crate::contacts::sessions::{hash_token, new_token};
use crate::error::{Error, Result};
use crate::live;
use crate::staff::accounts::{self, Operator};
use crate::state::State;
use crate::store::{InviteRow, Revocation, StoreError, User};
use parley_shared::limits::{validate_email, validate_label, validate_password};
use parley_shared::staff::{AcceptInvite, Invite, InviteCreated, InviteInfo, Member, Role};
use parley_shared::{InviteId, OrganizationId, UserId};

/// How long an invite link works, in seconds (7 days).
pub const INVITE_TTL_SECS: i64 = 7 * 24 * 3600;

/// Members of the operator's organization (any role may see them).
pub async fn list(state: &State, op: &Operator) -> Result<Vec<Member>> {
    Ok(state.store.members(op.organization_id).await?)
}

/// Removes `user` from the operator's organization. Managers may remove others (only
/// owners remove owners); anyone may remove themselves. Errors: `Forbidden`,
/// `MemberNotFound`, `LastOwner`.
pub async fn remove(state: &State, op: &Operator, user: UserId) -> Result<()> {
    if user != op.user.id {
        op.require_manager()?;
    }
    let role = state
        .store
        .membership(user, op.organization_id)
        .await?
        .ok_or(Error::MemberNotFound)?;
    if role == Role::Owner && op.role != Role::Owner {
        return Err(Error::Forbidden("only owners can remove owners"));
    }
    if role == Role::Owner && state.store.owner_count(op.organization_id).await? <= 1 {
        return Err(Error::LastOwner);
    }
    state
        .store
        .remove_membership(user, op.organization_id)
        .await?;
    // Their open dashboard sockets on this organization end now, not at the next ping.
    live::revoke(state, Revocation::Account { user_id: user }).await;
    Ok(())
}

fn view(i: &InviteRow) -> Invite {
    Invite {
        id: i.id,
        role: i.role,
        created_at: i.created_at,
        expires_at: i.expires_at,
    }
}

/// A new invite link for `role`. Errors: `Forbidden` (agents; admins inviting owners).
pub async fn create_invite(state: &State, op: &Operator, role: Role) -> Result<InviteCreated> {
    op.require_manager()?;
    if role == Role::Owner && op.role != Role::Owner {
        return Err(Error::Forbidden("only owners can invite owners"));
    }
    let now = state.clock.now();
    let token = new_token();
    let row = InviteRow {
        id: InviteId::new_random(),
        organization_id: op.organization_id,
        token_hash: hash_token(&token),
        role,
        created_by: op.user.id,
        created_at: now,
        expires_at: now.plus_millis(INVITE_TTL_SECS * 1000),
        used_at: None,
    };
    state.store.create_invite(&row).await?;
    let url = format!("{}/dashboard?invite={token}", state.public_url);
    Ok(InviteCreated {
        invite: view(&row),
        token,
        url,
    })
}

/// Unused, unexpired invites (managers only).
pub async fn list_invites(state: &State, op: &Operator) -> Result<Vec<Invite>> {
    op.require_manager()?;
    let rows = state
        .store
        .pending_invites(op.organization_id, state.clock.now())
        .await?;
    Ok(rows.iter().map(view).collect())
}

/// Revokes an unused invite (managers only). Unknown → `InviteNotFound`.
pub async fn revoke_invite(state: &State, op: &Operator, id: InviteId) -> Result<()> {
    op.require_manager()?;
    if state.store.delete_invite(op.organization_id, id).await? {
        Ok(())
    } else {
        Err(Error::InviteNotFound)
    }
}

/// The usable invite behind `token`; unknown, used or expired → `InviteNotFound`.
async fn usable(state: &State, token: &str) -> Result<InviteRow> {
    match state
        .store
        .invite_by_token_hash(&hash_token(token.trim()))
        .await?
    {
        Some(i) if i.used_at.is_none() && i.expires_at > state.clock.now() => Ok(i),
        _ => Err(Error::InviteNotFound),
    }
}

/// What an invite link offers (public: organization name, role, expiry).
pub async fn lookup(state: &State, token: &str) -> Result<InviteInfo> {
    let invite = usable(state, token).await?;
    let org = state
        .store
        .organization(invite.organization_id)
        .await?
        .ok_or(Error::InviteNotFound)?;
    Ok(InviteInfo {
        organization_name: org.name,
        role: invite.role,
        expires_at: invite.expires_at,
    })
}

/// Uses an invite: the logged-in account (`current`) joins, or a new account is made from
/// `email` + `password`. Returns the account and the organization joined. Errors:
/// `InviteNotFound`, `Field` (422), `EmailTaken` (409).
pub async fn accept(
    state: &State,
    req: AcceptInvite,
    current: Option<UserId>,
) -> Result<(UserId, OrganizationId)> {
    let invite = usable(state, &req.token).await?;
    let now = state.clock.now();
    let (user, new_user) = match current {
        Some(id) => (id, None),
        None => {
            let email = parley_shared::limits::email_key(&validate_email(
                req.email.as_deref().unwrap_or_default(),
            )?);
            let password = req.password.unwrap_or_default();
            validate_password(&password)?;
            let display_name = match req
                .display_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
            {
                Some(n) => validate_label(n, "displayName")?,
                None => email.split('@').next().unwrap_or(&email).to_owned(),
            };
            if state.store.user_by_email(&email).await?.is_some() {
                return Err(Error::EmailTaken);
            }
            let user = User {
                id: UserId::new_random(),
                email,
                password_hash: accounts::hash_password(password).await?,
                display_name,
                created_at: now,
                session_epoch: 0,
            };
            (user.id, Some(user))
        }
    };
    match state
        .store
        .accept_invite(&invite, user, new_user.as_ref(), now)
        .await
    {
        Ok(true) => Ok((user, invite.organization_id)),
        Ok(false) => Err(Error::InviteNotFound),
        Err(StoreError::Conflict) => Err(Error::EmailTaken),
        Err(e) => Err(e.into()),
    }
}
