//! The public REST API: API keys and the chat list.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::api::Conversation;
use parley_shared::{ApiKeyId, ConversationId, OrganizationId, Timestamp, UserId};

/// An API key row (the key is stored only as `key_hash`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRow {
    /// Its ID.
    pub id: ApiKeyId,
    /// The organization whose chats it reads.
    pub organization_id: OrganizationId,
    /// Label.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// SHA-256 (hex) of the key.
    pub key_hash: String,
    /// Creator, if made from the dashboard.
    pub created_by: Option<UserId>,
    /// Creation.
    pub created_at: Timestamp,
    /// Last use.
    pub last_used_at: Option<Timestamp>,
    /// Revocation, if revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A conversation as the public API lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRow {
    /// The conversation.
    pub conversation: Conversation,
    /// Its contact session's browser metadata (JSON text).
    pub contact_metadata: String,
    /// Number of messages.
    pub messages_length: u64,
    /// The project it started on.
    pub project: Option<parley_shared::staff::Project>,
}

/// Keyset cursor of the conversation list: the last item's `(updated_at, id)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationCursor {
    /// The group of the last item seen (`InboxFilter::rank`; 0 outside the inbox's
    /// "Waiting" view).
    pub rank: i64,
    /// `updated_at` of the last item seen.
    pub updated_at: Timestamp,
    /// ID of the last item seen (tie-breaker).
    pub id: ConversationId,
}

/// The public REST API storage; part of [`super::Store`].
#[async_trait]
pub trait PublicApiStore: Send + Sync {
    /// Stores a new API key.
    async fn create_api_key(&self, key: &ApiKeyRow) -> Result<(), StoreError>;
    /// The unrevoked key whose hash is `key_hash`.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError>;
    /// `org`'s unrevoked keys, newest first.
    async fn api_keys(&self, org: OrganizationId) -> Result<Vec<ApiKeyRow>, StoreError>;
    /// Revokes a key of `org`; `false` if there was no such unrevoked key.
    async fn revoke_api_key(
        &self,
        org: OrganizationId,
        id: ApiKeyId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Records a use of the key.
    async fn touch_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<(), StoreError>;
    /// `org`'s conversations, most recent activity first, after `cursor`, at most `limit`
    /// (all when `None`).
    async fn chats(
        &self,
        org: OrganizationId,
        cursor: Option<ConversationCursor>,
        limit: Option<u32>,
    ) -> Result<Vec<ChatRow>, StoreError>;
}

/// Implements [`PublicApiStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_public_api_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::PublicApiStore for $store {
            async fn create_api_key(&self, k: &ApiKeyRow) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, \
                     created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(k.id.to_string())
                .bind(k.organization_id.to_string())
                .bind(&k.name)
                .bind(&k.prefix)
                .bind(&k.key_hash)
                .bind(k.created_by.map(|u| u.to_string()))
                .bind(k.created_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn api_key_by_hash(
                &self,
                key_hash: &str,
            ) -> Result<Option<ApiKeyRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, organization_id, name, prefix, key_hash, created_by, created_at, \
                     last_used_at, \
                     revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                )
                .bind(key_hash)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| api_key_from_row(&r)).transpose()
            }

            async fn api_keys(&self, org: OrganizationId) -> Result<Vec<ApiKeyRow>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, organization_id, name, prefix, key_hash, created_by, created_at, \
                     last_used_at, \
                     revoked_at FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL \
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(api_key_from_row).collect()
            }

            async fn revoke_api_key(
                &self,
                org: OrganizationId,
                id: ApiKeyId,
                now: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $1 WHERE organization_id = $2 AND id = $3 \
                     AND revoked_at IS NULL",
                )
                .bind(now.unix_millis())
                .bind(org.to_string())
                .bind(id.to_string())
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn touch_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<(), StoreError> {
                sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
                    .bind(now.unix_millis())
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn chats(
                &self,
                org: OrganizationId,
                cursor: Option<ConversationCursor>,
                limit: Option<u32>,
            ) -> Result<Vec<ChatRow>, StoreError> {
                let (after_ts, after_id) = match cursor {
                    Some(c) => (c.updated_at.unix_millis(), c.id.to_string()),
                    None => (i64::MAX, String::new()),
                };
                let rows = sqlx::query(
                    concat!("SELECT ", conversation_columns!(), ", NULL AS m_id, s.metadata AS \
                     contact_metadata, \
                     (SELECT COUNT(*) FROM messages n WHERE n.conversation_id = c.id) AS \
                     messages_length, \
                     p.id AS p_id, p.name AS p_name, p.created_at AS p_created_at, p.updated_at \
                     AS p_updated_at \
                     FROM conversations c JOIN contact_sessions s ON s.id = c.contact_session_id \
                     LEFT JOIN projects p ON p.id = c.project_id \
                     WHERE c.organization_id = $1 \
                     AND (c.updated_at < $2 OR (c.updated_at = $2 AND c.id < $3)) \
                     ORDER BY c.updated_at DESC, c.id DESC LIMIT $4"),
                )
                .bind(org.to_string())
                .bind(after_ts)
                .bind(after_id)
                .bind(limit.map_or(i64::MAX, i64::from))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ChatRow {
                            conversation: conversation_from_row(r)?.conversation,
                            contact_metadata: r.try_get("contact_metadata")?,
                            messages_length: u64_of(r.try_get("messages_length")?),
                            project: project_from_row(r, "p_")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
