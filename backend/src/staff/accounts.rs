//! Staff accounts and sessions: sign-up, log-in (throttled), argon2id password hashes, and
//! the session token (an HS256 JWT in an HttpOnly, SameSite=Strict cookie).
//!
//! Session rules: a token lives `staff_idle_secs` (30 min) and is renewed by use; no
//! renewal goes past `staff_absolute_secs` (12 h) after login. Expiry is checked against
//! the injected clock, so it is tested without sleeping.

use crate::error::{Error, Result};
use crate::live;
use crate::state::State;
use crate::store::{Organization, Revocation, Store, User};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use parley_shared::limits::{email_key, validate_email, validate_label, validate_password};
use parley_shared::staff::{
    ChangePassword, LogIn, Me, Membership, OrganizationSummary, Role, SignUp, StaffUser,
};
use parley_shared::{OrganizationId, UserId};

/// A logged-in staff member acting in their current organization.
#[derive(Clone, Debug)]
pub struct Operator {
    /// The account.
    pub user: User,
    /// The organization every dashboard route is scoped to.
    pub organization_id: OrganizationId,
    /// Their role there.
    pub role: Role,
}

impl Operator {
    /// `Forbidden` unless the role may manage the organization (owners, admins).
    pub fn require_manager(&self) -> Result<()> {
        if self.role.can_manage() {
            Ok(())
        } else {
            Err(Error::Forbidden("only owners and admins can do this"))
        }
    }
}

/// The operator behind a staff session of `user` in `org` issued at session epoch
/// `epoch`: the account must exist, not have logged out (everywhere) since, and still be a
/// member of `org`; otherwise `Unauthorized`.
pub async fn operator(
    state: &State,
    user: UserId,
    org: OrganizationId,
    epoch: i64,
) -> Result<Operator> {
    let user = state.store.user(user).await?.ok_or(Error::Unauthorized)?;
    if user.session_epoch != epoch {
        return Err(Error::Unauthorized);
    }
    let role = state
        .store
        .membership(user.id, org)
        .await?
        .ok_or(Error::Unauthorized)?;
    Ok(Operator {
        user,
        organization_id: org,
        role,
    })
}

/// argon2id (crate defaults: 19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| Error::Validation(format!("cannot hash the password: {e}")))
    })
    .await
    .map_err(|e| Error::Validation(format!("hashing failed: {e}")))?
}

/// Checks `password` against a PHC hash, off the async threads.
async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A valid hash of a random password: checked when the email is unknown, so a wrong email
/// costs the same time as a wrong password.
fn decoy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$8zNcfLbF0mWCj1Bv6yCSmvH3Wg0ydfZYhTHvcNQdiAw"
}

fn checked_email(raw: &str) -> Result<String> {
    Ok(email_key(&validate_email(raw)?))
}

fn default_display_name(email: &str) -> String {
    email.split('@').next().unwrap_or(email).to_owned()
}

/// A new account owning a new organization. Errors: `Field` (422), `EmailTaken` (409).
pub async fn sign_up(state: &State, req: SignUp) -> Result<(User, OrganizationId)> {
    let email = checked_email(&req.email)?;
    validate_password(&req.password)?;
    let org_name = validate_label(&req.organization_name, "organizationName")?;
    let display_name = match req
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => validate_label(name, "displayName")?,
        None => default_display_name(&email),
    };
    if state.store.user_by_email(&email).await?.is_some() {
        return Err(Error::EmailTaken);
    }
    let now = state.clock.now();
    let user = User {
        id: UserId::new_random(),
        email,
        password_hash: hash_password(req.password).await?,
        display_name,
        created_at: now,
        session_epoch: 0,
    };
    let org = Organization {
        id: OrganizationId::new_random(),
        name: org_name,
        created_at: now,
        updated_at: now,
    };
    match state.store.create_owner_account(&org, &user).await {
        Err(crate::store::StoreError::Conflict) => Err(Error::EmailTaken),
        other => other.map_err(Error::from),
    }?;
    Ok((user, org.id))
}

/// Checks credentials and picks the account's first organization (the caller throttles
/// attempts first). Errors: `InvalidCredentials` (401), `Forbidden` when the account
/// belongs to no organization.
pub async fn log_in(state: &State, req: LogIn) -> Result<(User, OrganizationId)> {
    let email = email_key(&req.email);
    let user = state.store.user_by_email(&email).await?;
    let hash = user
        .as_ref()
        .map_or_else(|| decoy_hash().to_owned(), |u| u.password_hash.clone());
    let valid = verify_password(hash, req.password).await;
    let user = match user {
        Some(u) if valid => u,
        _ => return Err(Error::InvalidCredentials),
    };
    let (org, _) = state
        .store
        .memberships_of_user(user.id)
        .await?
        .into_iter()
        .next()
        .ok_or(Error::Forbidden("this account belongs to no organization"))?;
    Ok((user, org.id))
}

/// Changes `op`'s password after checking the current one (the caller throttles attempts
/// as for log-in, per account), and revokes every session of the account. Returns the new
/// session epoch, for the caller's fresh cookie. Errors: `InvalidCredentials` (401),
/// `Field` (422).
pub async fn change_password(state: &State, op: &Operator, req: ChangePassword) -> Result<i64> {
    validate_password(&req.new_password)?;
    if !verify_password(op.user.password_hash.clone(), req.current_password).await {
        return Err(Error::InvalidCredentials);
    }
    let hash = hash_password(req.new_password).await?;
    let epoch = state
        .store
        .set_password(op.user.id, &hash)
        .await?
        .ok_or(Error::Unauthorized)?;
    revoke_sessions(state, op.user.id).await;
    Ok(epoch)
}

/// Logs `user` out everywhere: every staff session issued so far stops working, and their
/// open dashboard sockets end now, on every instance.
pub async fn log_out(state: &State, user: UserId) -> Result<()> {
    state.store.bump_session_epoch(user).await?;
    revoke_sessions(state, user).await;
    Ok(())
}

/// Ends the open dashboard sockets of `user` whose session epoch is now stale.
async fn revoke_sessions(state: &State, user: UserId) {
    live::revoke(state, Revocation::Account { user_id: user }).await;
}

/// Who is logged in, and where.
pub async fn me(state: &State, op: &Operator) -> Result<Me> {
    let memberships = state
        .store
        .memberships_of_user(op.user.id)
        .await?
        .into_iter()
        .map(|(org, role)| Membership {
            organization: OrganizationSummary {
                id: org.id,
                name: org.name,
            },
            role,
        })
        .collect();
    Ok(Me {
        user: staff_user(&op.user),
        memberships,
        current_organization_id: op.organization_id,
        role: op.role,
    })
}

/// The account as staff see it.
pub fn staff_user(u: &User) -> StaffUser {
    StaffUser {
        id: u.id,
        email: u.email.clone(),
        display_name: u.display_name.clone(),
    }
}

/// Creates an account with a membership (CLI `parley user create`, demo operator). An
/// existing account just gets the membership (its password is left unchanged).
pub async fn create_member(
    store: &dyn Store,
    clock: &dyn crate::clock::Clock,
    email: &str,
    password: &str,
    org: OrganizationId,
    role: Role,
    display_name: Option<&str>,
) -> anyhow::Result<User> {
    let email = email_key(&validate_email(email).map_err(|e| anyhow::anyhow!("{e}"))?);
    validate_password(password).map_err(|e| anyhow::anyhow!("{e}"))?;
    store
        .organization(org)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no organization {org}"))?;
    let now = clock.now();
    let user = match store.user_by_email(&email).await? {
        Some(existing) => existing,
        None => {
            let user = User {
                id: UserId::new_random(),
                display_name: display_name
                    .map(str::to_owned)
                    .unwrap_or_else(|| default_display_name(&email)),
                email,
                password_hash: hash_password(password.to_owned()).await?,
                created_at: now,
                session_epoch: 0,
            };
            store.create_user(&user).await?;
            user
        }
    };
    store.add_membership(user.id, org, role, now).await?;
    Ok(user)
}

/// The demo operator of the demo organization, created on first use; returns its email and
/// password (kept in DATA_DIR/demo-operator-password).
pub async fn ensure_demo_operator(
    state: &State,
    org: &Organization,
) -> anyhow::Result<(String, String)> {
    let password = crate::secrets::secret(&state.config, None, "demo-operator-password")?;
    let email = "demo@parley.localhost".to_owned();
    create_member(
        state.store.as_ref(),
        state.clock.as_ref(),
        &email,
        &password,
        org.id,
        Role::Owner,
        Some("Demo Operator"),
    )
    .await?;
    Ok((email, password))
}
