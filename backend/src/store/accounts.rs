//! Staff accounts and their memberships of organizations.

use super::StoreError;
use super::*;
use async_trait::async_trait;
use parley_shared::staff::{Member, Role};
use parley_shared::{OrganizationId, Timestamp, UserId};

/// A staff account row.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Its ID.
    pub id: UserId,
    /// Login email, lowercased.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Name shown to visitors.
    pub display_name: String,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Sessions carry this; bumping it (logout) revokes them all.
    pub session_epoch: i64,
}

/// Staff accounts and their memberships of organizations. storage; part of [`super::Store`].
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Creates an organization, an account, and the account's owner membership, atomically.
    /// An existing email → `Conflict`.
    async fn create_owner_account(&self, org: &Organization, user: &User)
    -> Result<(), StoreError>;
    /// Creates an account. An existing email → `Conflict`.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    /// An account by (lowercased) email.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// An account by ID.
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// Revokes every session of the account (`session_epoch + 1`).
    async fn bump_session_epoch(&self, id: UserId) -> Result<(), StoreError>;
    /// Sets the account's password hash and revokes its sessions in one statement; returns
    /// the new `session_epoch` (`None` when the account is gone).
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// Adds `user` to `org` with `role`; an existing membership is left as it is.
    async fn add_membership(
        &self,
        user: UserId,
        org: OrganizationId,
        role: Role,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The account's role in `org`, if a member.
    async fn membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<Role>, StoreError>;
    /// Every organization of the account with its role, oldest membership first.
    async fn memberships_of_user(
        &self,
        user: UserId,
    ) -> Result<Vec<(Organization, Role)>, StoreError>;
    /// Members of `org`, oldest first.
    async fn members(&self, org: OrganizationId) -> Result<Vec<Member>, StoreError>;
    /// Removes a membership; `false` if there was none.
    async fn remove_membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<bool, StoreError>;
    /// How many owners `org` has.
    async fn owner_count(&self, org: OrganizationId) -> Result<u64, StoreError>;
}

/// Implements [`AccountStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_account_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::AccountStore for $store {
            async fn create_owner_account(
                &self,
                org: &Organization,
                user: &User,
            ) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO organizations (id, name, created_at, updated_at) VALUES \
                     ($1, $2, $3, $4)",
                )
                .bind(org.id.to_string())
                .bind(&org.name)
                .bind(org.created_at.unix_millis())
                .bind(org.updated_at.unix_millis())
                .execute(&mut *tx)
                .await?;
                insert_user(&mut *tx, user).await?;
                insert_membership(&mut *tx, user.id, org.id, Role::Owner, org.created_at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn create_user(&self, user: &User) -> Result<(), StoreError> {
                insert_user(&self.writer, user).await?;
                Ok(())
            }

            async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, email, password_hash, display_name, created_at, session_epoch \
                     FROM users WHERE email = $1",
                )
                .bind(email)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| user_from_row(&r)).transpose()
            }

            async fn bump_session_epoch(&self, id: UserId) -> Result<(), StoreError> {
                sqlx::query("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1")
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn set_password(
                &self,
                id: UserId,
                password_hash: &str,
            ) -> Result<Option<i64>, StoreError> {
                let row = sqlx::query(
                    "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1 \
                     WHERE id = $2 RETURNING session_epoch",
                )
                .bind(password_hash)
                .bind(id.to_string())
                .fetch_optional(&self.writer)
                .await?;
                Ok(row.map(|r| r.get::<i64, _>(0)))
            }

            async fn user(&self, id: UserId) -> Result<Option<User>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, email, password_hash, display_name, created_at, session_epoch \
                     FROM users WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| user_from_row(&r)).transpose()
            }

            async fn add_membership(
                &self,
                user: UserId,
                org: OrganizationId,
                role: Role,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                insert_membership(&self.writer, user, org, role, now).await?;
                Ok(())
            }

            async fn membership(
                &self,
                user: UserId,
                org: OrganizationId,
            ) -> Result<Option<Role>, StoreError> {
                let role: Option<String> = sqlx::query_scalar(
                    "SELECT role FROM memberships WHERE user_id = $1 AND organization_id = $2",
                )
                .bind(user.to_string())
                .bind(org.to_string())
                .fetch_optional(&self.reader)
                .await?;
                role.map(|r| role_of(&r)).transpose()
            }

            async fn memberships_of_user(
                &self,
                user: UserId,
            ) -> Result<Vec<(Organization, Role)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT o.id, o.name, o.created_at, o.updated_at, ms.role FROM memberships ms \
                     JOIN organizations o ON o.id = ms.organization_id \
                     WHERE ms.user_id = $1 ORDER BY ms.created_at, o.id",
                )
                .bind(user.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            organization_from_row(r)?,
                            role_of(&r.try_get::<String, _>("role")?)?,
                        ))
                    })
                    .collect()
            }

            async fn members(&self, org: OrganizationId) -> Result<Vec<Member>, StoreError> {
                let rows = sqlx::query(
                    "SELECT u.id, u.email, u.display_name, ms.role, ms.created_at FROM \
                     memberships ms \
                     JOIN users u ON u.id = ms.user_id WHERE ms.organization_id = $1 \
                     ORDER BY ms.created_at, u.id",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Member {
                            user: StaffUser {
                                id: parse_id(&r.try_get::<String, _>("id")?)?,
                                email: r.try_get("email")?,
                                display_name: r.try_get("display_name")?,
                            },
                            role: role_of(&r.try_get::<String, _>("role")?)?,
                            joined_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                        })
                    })
                    .collect()
            }

            async fn remove_membership(
                &self,
                user: UserId,
                org: OrganizationId,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM memberships WHERE user_id = $1 AND \
                     organization_id = $2",
                )
                .bind(user.to_string())
                .bind(org.to_string())
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn owner_count(&self, org: OrganizationId) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM memberships WHERE organization_id = $1 AND role = \
                     'owner'",
                )
                .bind(org.to_string())
                .fetch_one(&self.reader)
                .await?;
                Ok(u64_of(n))
            }
        }
    };
}
