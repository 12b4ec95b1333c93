//! Invites: single-use links that add a member to an organization.

use super::StoreError;
use super::*;
use async_trait::async_trait;
use parley_shared::staff::Role;
use parley_shared::{InviteId, OrganizationId, Timestamp, UserId};

/// An invite row (the token is stored only as `token_hash`).
#[derive(Clone, Debug, PartialEq)]
pub struct InviteRow {
    /// Its ID.
    pub id: InviteId,
    /// The organization it joins.
    pub organization_id: OrganizationId,
    /// SHA-256 (hex) of the link's token.
    pub token_hash: String,
    /// Role granted.
    pub role: Role,
    /// Who made it.
    pub created_by: UserId,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Expiry instant.
    pub expires_at: Timestamp,
    /// When it was used, if it was.
    pub used_at: Option<Timestamp>,
}

/// Invites storage; part of [`super::Store`].
#[async_trait]
pub trait InviteStore: Send + Sync {
    /// Stores a new invite.
    async fn create_invite(&self, invite: &InviteRow) -> Result<(), StoreError>;
    /// An invite by token hash (used or not).
    async fn invite_by_token_hash(&self, token_hash: &str)
    -> Result<Option<InviteRow>, StoreError>;
    /// `org`'s unused invites expiring after `now`, newest first.
    async fn pending_invites(
        &self,
        org: OrganizationId,
        now: Timestamp,
    ) -> Result<Vec<InviteRow>, StoreError>;
    /// Deletes an unused invite of `org`; `false` if there was none.
    async fn delete_invite(&self, org: OrganizationId, id: InviteId) -> Result<bool, StoreError>;
    /// Uses an invite once, atomically: creates `new_user` if given, marks the invite used
    /// (only if unused and unexpired at `now`) and adds the membership. `false` when the
    /// invite could not be used (nothing is written then). A taken email → `Conflict`.
    async fn accept_invite(
        &self,
        invite: &InviteRow,
        user: UserId,
        new_user: Option<&User>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
}

/// Implements [`InviteStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_invite_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::InviteStore for $store {
            async fn create_invite(&self, i: &InviteRow) -> Result<(), StoreError> {
                sqlx::query(concat!(
                    "INSERT INTO invites (",
                    invite_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)"
                ))
                .bind(i.id.to_string())
                .bind(i.organization_id.to_string())
                .bind(&i.token_hash)
                .bind(i.role.as_str())
                .bind(i.created_by.to_string())
                .bind(i.created_at.unix_millis())
                .bind(i.expires_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn invite_by_token_hash(
                &self,
                token_hash: &str,
            ) -> Result<Option<InviteRow>, StoreError> {
                let row = sqlx::query(concat!(
                    "SELECT \
                     ",
                    invite_columns!(),
                    " FROM invites WHERE token_hash = $1"
                ))
                .bind(token_hash)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| invite_from_row(&r)).transpose()
            }

            async fn pending_invites(
                &self,
                org: OrganizationId,
                now: Timestamp,
            ) -> Result<Vec<InviteRow>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    invite_columns!(),
                    " FROM invites WHERE organization_id = $1 AND used_at IS NULL AND expires_at \
                     > $2 \
                     ORDER BY created_at DESC, id DESC"
                ))
                .bind(org.to_string())
                .bind(now.unix_millis())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(invite_from_row).collect()
            }

            async fn delete_invite(
                &self,
                org: OrganizationId,
                id: InviteId,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM invites WHERE organization_id = $1 AND id = $2 AND used_at IS \
                     NULL",
                )
                .bind(org.to_string())
                .bind(id.to_string())
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn accept_invite(
                &self,
                invite: &InviteRow,
                user: UserId,
                new_user: Option<&User>,
                now: Timestamp,
            ) -> Result<bool, StoreError> {
                let mut tx = self.writer.begin().await?;
                if let Some(u) = new_user {
                    insert_user(&mut *tx, u).await?;
                }
                // Single use: only the first transaction to flip used_at wins.
                let used = sqlx::query(
                    "UPDATE invites SET used_at = $1, used_by = $2 \
                     WHERE id = $3 AND used_at IS NULL AND expires_at > $1",
                )
                .bind(now.unix_millis())
                .bind(user.to_string())
                .bind(invite.id.to_string())
                .execute(&mut *tx)
                .await?;
                if used.rows_affected() == 0 {
                    tx.rollback().await?;
                    return Ok(false);
                }
                insert_membership(&mut *tx, user, invite.organization_id, invite.role, now).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}
