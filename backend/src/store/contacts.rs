//! Contacts: contact sessions (the visitor's credential), identity verification settings
//! and blocking.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{ContactSessionId, OrganizationId, Timestamp};

/// A contact session row (the credential is stored only as `token_hash`).
#[derive(Clone, Debug, PartialEq)]
pub struct ContactSession {
    /// Its ID.
    pub id: ContactSessionId,
    /// The organization it belongs to.
    pub organization_id: OrganizationId,
    /// SHA-256 of the bearer credential, lowercase hex.
    pub token_hash: String,
    /// The contact's name.
    pub name: String,
    /// The contact's email.
    pub email: String,
    /// Browser metadata, as JSON text.
    pub metadata: String,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Expiry instant.
    pub expires_at: Timestamp,
    /// The user's ID on the organization's own site, once it identified the contact.
    pub external_id: Option<String>,
    /// Identified by the organization's site (identity verification).
    pub verified: bool,
    /// Revoked by staff ("block contact"): the credential no longer works.
    pub revoked: bool,
    /// Its organization takes verified visitors only (read with the session, so checking a
    /// credential stays one query; not stored with the session).
    pub identity_required: bool,
}

/// An organization's identity-verification settings.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentitySettingsRow {
    /// The HMAC-SHA256 / HS256 key its own backend signs visitors' identities with.
    pub secret: String,
    /// Refuse visitors the site has not identified.
    pub required: bool,
}

/// Contacts storage; part of [`super::Store`].
#[async_trait]
pub trait ContactStore: Send + Sync {
    /// Creates a contact session.
    async fn create_contact_session(&self, session: &ContactSession) -> Result<(), StoreError>;
    /// The contact session whose credential hashes to `token_hash`.
    async fn contact_session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ContactSession>, StoreError>;
    /// Moves a contact session's expiry.
    async fn set_contact_session_expiry(
        &self,
        id: ContactSessionId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;
    /// Marks a session identified by the organization's site (name, email, external ID,
    /// verified) and replaces its credential hash, provided `old_token_hash` is still the
    /// current one (a concurrent identify loses). Returns whether the session was updated.
    async fn identify_contact_session(
        &self,
        session: &ContactSession,
        old_token_hash: &str,
    ) -> Result<bool, StoreError>;
    /// The organization's identity settings, if its secret was ever generated.
    async fn identity_settings(
        &self,
        org: OrganizationId,
    ) -> Result<Option<IdentitySettingsRow>, StoreError>;
    /// Creates or replaces the organization's identity settings.
    async fn put_identity_settings(
        &self,
        org: OrganizationId,
        settings: &IdentitySettingsRow,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Blocks `email` (normalized) in `org` and revokes every session of it there, in one
    /// transaction.
    async fn block_contact(
        &self,
        org: OrganizationId,
        email: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Fills the normalized email of sessions stored before it existed (migration 0010),
    /// in Rust since SQL `LOWER()` folds ASCII only; returns how many. Run at connect.
    async fn fill_email_keys(&self) -> Result<u64, StoreError>;
    /// Is `email` (normalized, [`parley_shared::limits::email_key`]) blocked in `org`?
    async fn contact_blocked(&self, org: OrganizationId, email: &str) -> Result<bool, StoreError>;
    /// A contact session by ID.
    async fn contact_session(
        &self,
        id: ContactSessionId,
    ) -> Result<Option<ContactSession>, StoreError>;
}

/// Implements [`ContactStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_contact_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::ContactStore for $store {
            async fn create_contact_session(&self, s: &ContactSession) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO contact_sessions \
                     (id, organization_id, token_hash, name, email, metadata, created_at, \
                     expires_at, external_id, verified, email_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(s.id.to_string())
                .bind(s.organization_id.to_string())
                .bind(&s.token_hash)
                .bind(&s.name)
                .bind(&s.email)
                .bind(&s.metadata)
                .bind(s.created_at.unix_millis())
                .bind(s.expires_at.unix_millis())
                .bind(&s.external_id)
                .bind(i64::from(s.verified))
                .bind(parley_shared::limits::email_key(&s.email))
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn identify_contact_session(
                &self,
                s: &ContactSession,
                old_token_hash: &str,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE contact_sessions SET token_hash = $1, name = $2, email = $3, \
                     external_id = $4, verified = $5, expires_at = $6, email_key = $9 \
                     WHERE id = $7 AND token_hash = $8 AND revoked_at IS NULL",
                )
                .bind(&s.token_hash)
                .bind(&s.name)
                .bind(&s.email)
                .bind(&s.external_id)
                .bind(i64::from(s.verified))
                .bind(s.expires_at.unix_millis())
                .bind(s.id.to_string())
                .bind(old_token_hash)
                .bind(parley_shared::limits::email_key(&s.email))
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn identity_settings(
                &self,
                org: OrganizationId,
            ) -> Result<Option<IdentitySettingsRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT secret, required FROM identity_settings WHERE organization_id = $1",
                )
                .bind(org.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| {
                    Ok(IdentitySettingsRow {
                        secret: r.try_get("secret")?,
                        required: r.try_get::<i64, _>("required")? != 0,
                    })
                })
                .transpose()
            }

            async fn put_identity_settings(
                &self,
                org: OrganizationId,
                settings: &IdentitySettingsRow,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO identity_settings (organization_id, secret, required, updated_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id) DO UPDATE SET \
                     secret = excluded.secret, required = excluded.required, updated_at = \
                     excluded.updated_at",
                )
                .bind(org.to_string())
                .bind(&settings.secret)
                .bind(i64::from(settings.required))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn fill_email_keys(&self) -> Result<u64, StoreError> {
                let rows: Vec<(String, String)> = sqlx::query_as(
                    "SELECT id, email FROM contact_sessions WHERE email_key IS NULL",
                )
                .fetch_all(&self.writer)
                .await?;
                let mut tx = self.writer.begin().await?;
                for (id, email) in &rows {
                    sqlx::query("UPDATE contact_sessions SET email_key = $1 WHERE id = $2")
                        .bind(parley_shared::limits::email_key(email))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(rows.len() as u64)
            }

            async fn block_contact(
                &self,
                org: OrganizationId,
                email: &str,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO blocked_contacts (organization_id, email, created_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (organization_id, email) DO NOTHING",
                )
                .bind(org.to_string())
                .bind(email)
                .bind(now.unix_millis())
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE contact_sessions SET revoked_at = $1 \
                     WHERE organization_id = $2 AND email_key = $3 AND revoked_at IS NULL",
                )
                .bind(now.unix_millis())
                .bind(org.to_string())
                .bind(email)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn contact_blocked(
                &self,
                org: OrganizationId,
                email: &str,
            ) -> Result<bool, StoreError> {
                let row = sqlx::query(
                    "SELECT 1 FROM blocked_contacts WHERE organization_id = $1 AND email = $2",
                )
                .bind(org.to_string())
                .bind(email)
                .fetch_optional(&self.reader)
                .await?;
                Ok(row.is_some())
            }

            async fn contact_session_by_token_hash(
                &self,
                token_hash: &str,
            ) -> Result<Option<ContactSession>, StoreError> {
                let row = sqlx::query(concat!(
                    contact_session_select!(),
                    " WHERE s.token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| contact_session_from_row(&r)).transpose()
            }

            async fn set_contact_session_expiry(
                &self,
                id: ContactSessionId,
                expires_at: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query("UPDATE contact_sessions SET expires_at = $1 WHERE id = $2")
                    .bind(expires_at.unix_millis())
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn contact_session(
                &self,
                id: ContactSessionId,
            ) -> Result<Option<ContactSession>, StoreError> {
                let row = sqlx::query(concat!(contact_session_select!(), " WHERE s.id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| contact_session_from_row(&r)).transpose()
            }
        }
    };
}
