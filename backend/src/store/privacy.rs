//! Privacy requests and retention: finding and erasing a person's data.

use super::StoreError;
use super::*;
use async_trait::async_trait;
use parley_shared::{OrganizationId, Timestamp};

/// What an erasure removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// Contact sessions deleted.
    pub sessions: u64,
    /// Conversations deleted.
    pub conversations: u64,
    /// Messages deleted.
    pub messages: u64,
}

/// Privacy requests and retention storage; part of [`super::Store`].
#[async_trait]
pub trait PrivacyStore: Send + Sync {
    /// Every session of `email` (normalized, [`parley_shared::limits::email_key`]) in `org`, oldest first (data export).
    async fn contact_sessions_by_email(
        &self,
        org: OrganizationId,
        email: &str,
    ) -> Result<Vec<ContactSession>, StoreError>;
    /// Deletes everything of `email` (normalized, [`parley_shared::limits::email_key`]) in `org`: its sessions, their
    /// conversations, messages, read markers, jobs and webhook deliveries, in one
    /// transaction.
    async fn erase_contact(&self, org: OrganizationId, email: &str) -> Result<Erased, StoreError>;
    /// Retention: deletes conversations last active before `before` (with their messages,
    /// read markers and jobs) and webhook deliveries made before `before`, then sessions expired before `before` that have no
    /// conversation left, in one transaction.
    async fn delete_older_than(&self, before: Timestamp) -> Result<Erased, StoreError>;
}

/// Implements [`PrivacyStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_privacy_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::PrivacyStore for $store {
            async fn contact_sessions_by_email(
                &self,
                org: OrganizationId,
                email: &str,
            ) -> Result<Vec<ContactSession>, StoreError> {
                let rows = sqlx::query(concat!(
                    contact_session_select!(),
                    " WHERE s.organization_id = $1 AND s.email_key = $2 ORDER BY \
                         s.created_at, s.id"
                ))
                .bind(org.to_string())
                .bind(email)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(contact_session_from_row).collect()
            }

            async fn erase_contact(
                &self,
                org: OrganizationId,
                email: &str,
            ) -> Result<Erased, StoreError> {
                let mut tx = self.writer.begin().await?;
                let sessions = "SELECT id FROM contact_sessions WHERE organization_id = $1 AND \
                     email_key = $2";
                let conversations = format!(
                    "SELECT id FROM conversations WHERE \
                     contact_session_id IN ({sessions})"
                );
                let mut erased = Erased::default();
                // Webhook deliveries keep their bodies (names, emails, messages): erased too.
                let sql = format!(
                    "DELETE FROM webhook_deliveries WHERE conversation_id IN ({conversations}) \
                     OR contact_session_id IN ({sessions})"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(org.to_string())
                    .bind(email)
                    .execute(&mut *tx)
                    .await?;
                for (table, column) in [
                    ("jobs", "conversation_id"),
                    // Emailed links stop working with what they reopen.
                    ("email_links", "conversation_id"),
                    ("conversation_reads", "conversation_id"),
                    ("messages", "conversation_id"),
                ] {
                    let sql = format!("DELETE FROM {table} WHERE {column} IN ({conversations})");
                    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(org.to_string())
                        .bind(email)
                        .execute(&mut *tx)
                        .await?;
                    if table == "messages" {
                        erased.messages = done.rows_affected();
                    }
                }
                let sql = format!(
                    "DELETE FROM conversations WHERE contact_session_id IN \
                     ({sessions})"
                );
                erased.conversations = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(org.to_string())
                    .bind(email)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                erased.sessions = sqlx::query(
                    "DELETE FROM contact_sessions WHERE organization_id \
                     = $1 AND email_key = $2",
                )
                .bind(org.to_string())
                .bind(email)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(erased)
            }

            async fn delete_older_than(&self, before: Timestamp) -> Result<Erased, StoreError> {
                let mut tx = self.writer.begin().await?;
                let old = "SELECT id FROM conversations WHERE updated_at < $1";
                let mut erased = Erased::default();
                // The webhook delivery log ages out with the rest.
                let sql = format!(
                    "DELETE FROM webhook_deliveries WHERE created_at < $1 OR conversation_id IN \
                     ({old})"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(before.unix_millis())
                    .execute(&mut *tx)
                    .await?;
                for table in ["jobs", "email_links", "conversation_reads", "messages"] {
                    let sql = format!("DELETE FROM {table} WHERE conversation_id IN ({old})");
                    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(before.unix_millis())
                        .execute(&mut *tx)
                        .await?;
                    if table == "messages" {
                        erased.messages = done.rows_affected();
                    }
                }
                erased.conversations = sqlx::query(
                    "DELETE FROM conversations WHERE updated_at < \
                     $1",
                )
                .bind(before.unix_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                erased.sessions = sqlx::query(
                    "DELETE FROM contact_sessions WHERE expires_at < $1 AND NOT EXISTS \
                     (SELECT 1 FROM conversations c WHERE c.contact_session_id = \
                     contact_sessions.id)",
                )
                .bind(before.unix_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(erased)
            }
        }
    };
}
