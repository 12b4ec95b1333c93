//! Conversations: creation, ownership checks, status and the responder switch.

use super::StoreError;
use super::*;
use async_trait::async_trait;
use parley_shared::api::{Conversation, ConversationStatus};
use parley_shared::{ContactSessionId, ConversationId, Timestamp};

/// A conversation with its owner, as the access checks need it.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedConversation {
    /// The contact session that started it: the only one that may read it.
    pub contact_session_id: ContactSessionId,
    /// The conversation itself.
    pub conversation: Conversation,
}

/// Conversations storage; part of [`super::Store`].
#[async_trait]
pub trait ConversationStore: Send + Sync {
    /// The session whose credential hashes to `token_hash` (as
    /// [`Store::contact_session_by_token_hash`]), with the status of conversation `id` when
    /// that conversation is the session's own (same session and organization), else `None`
    /// beside it: a contact's two per-request checks in one round trip (the send path).
    async fn contact_session_with_conversation(
        &self,
        token_hash: &str,
        id: ConversationId,
    ) -> Result<Option<(ContactSession, Option<ConversationStatus>)>, StoreError>;
    /// Creates a conversation (with no messages).
    async fn create_conversation(
        &self,
        contact_session_id: ContactSessionId,
        conversation: &Conversation,
    ) -> Result<(), StoreError>;
    /// A conversation with its owner and newest message.
    async fn conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<OwnedConversation>, StoreError>;
    /// A contact session's conversations, most recent activity first, after `cursor`.
    async fn conversations_of_session(
        &self,
        contact_session_id: ContactSessionId,
        cursor: Option<ConversationCursor>,
        limit: u32,
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Sets a conversation's status and `updated_at`; `None` if it does not exist.
    async fn set_conversation_status(
        &self,
        id: ConversationId,
        status: ConversationStatus,
        now: Timestamp,
    ) -> Result<Option<Conversation>, StoreError>;
    /// Switches the responder on or off for one conversation.
    async fn set_responder_active(
        &self,
        conversation: ConversationId,
        active: bool,
    ) -> Result<(), StoreError>;
}

/// Implements [`ConversationStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_conversation_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::ConversationStore for $store {
            async fn contact_session_with_conversation(
                &self,
                token_hash: &str,
                id: ConversationId,
            ) -> Result<Option<(ContactSession, Option<ConversationStatus>)>, StoreError> {
                // The session's columns of `contact_session_select!` plus the conversation's
                // status, joined only when the conversation is the session's own.
                let row = sqlx::query(concat!(
                    "SELECT ",
                    contact_session_columns!(),
                    ", c.status AS c_status",
                    contact_session_from!(),
                    " LEFT JOIN conversations c ON c.id = $2 AND c.contact_session_id = s.id \
                     AND c.organization_id = s.organization_id \
                     WHERE s.token_hash = $1"
                ))
                .bind(token_hash)
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let status = row
                    .try_get::<Option<String>, _>("c_status")?
                    .map(|raw| parse_status(&raw))
                    .transpose()?;
                Ok(Some((contact_session_from_row(&row)?, status)))
            }

            async fn create_conversation(
                &self,
                contact_session_id: ContactSessionId,
                c: &Conversation,
            ) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO conversations \
                     (id, organization_id, contact_session_id, status, last_seq, created_at, \
                     updated_at, project_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(c.id.to_string())
                .bind(c.organization_id.to_string())
                .bind(contact_session_id.to_string())
                .bind(c.status.as_str())
                .bind(i64_of(c.last_seq))
                .bind(c.created_at.unix_millis())
                .bind(c.updated_at.unix_millis())
                .bind(c.project_id.map(|p| p.to_string()))
                .execute(&mut *tx)
                .await?;
                let event = AnnouncedEvent::Created {
                    organization_id: c.organization_id,
                    conversation_id: c.id,
                    contact_session_id: Some(contact_session_id),
                };
                self.announce(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn conversation(
                &self,
                id: ConversationId,
            ) -> Result<Option<OwnedConversation>, StoreError> {
                let row = sqlx::query(concat!(conversation_select!(), " WHERE c.id = $1"))
                    .bind(id.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| conversation_from_row(&r)).transpose()
            }

            async fn conversations_of_session(
                &self,
                contact_session_id: ContactSessionId,
                cursor: Option<ConversationCursor>,
                limit: u32,
            ) -> Result<Vec<Conversation>, StoreError> {
                // Keyset pagination on (updated_at DESC, id DESC); the first page starts above
                // any key.
                let (after_ts, after_id) = match cursor {
                    Some(c) => (c.updated_at.unix_millis(), c.id.to_string()),
                    None => (i64::MAX, String::new()),
                };
                let rows = sqlx::query(concat!(
                    conversation_select!(),
                    " WHERE c.contact_session_id = $1 \
                     AND (c.updated_at < $2 OR (c.updated_at = $2 AND c.id < $3)) \
                     ORDER BY c.updated_at DESC, c.id DESC LIMIT $4"
                ))
                .bind(contact_session_id.to_string())
                .bind(after_ts)
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| conversation_from_row(r).map(|o| o.conversation))
                    .collect()
            }

            async fn set_conversation_status(
                &self,
                id: ConversationId,
                status: ConversationStatus,
                now: Timestamp,
            ) -> Result<Option<Conversation>, StoreError> {
                let mut tx = self.writer.begin().await?;
                let done = sqlx::query("UPDATE conversations SET status = $1, updated_at = $2 \
                     WHERE id = $3")
                    .bind(status.as_str())
                    .bind(now.unix_millis())
                    .bind(id.to_string())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Ok(None);
                }
                let row = sqlx::query(concat!(conversation_select!(), " WHERE c.id = $1"))
                    .bind(id.to_string())
                    .fetch_one(&mut *tx)
                    .await?;
                let conversation = conversation_from_row(&row)?.conversation;
                let event = AnnouncedEvent::Status {
                    organization_id: conversation.organization_id,
                    conversation_id: id,
                    status,
                    updated_at: conversation.updated_at,
                };
                self.announce(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(Some(conversation))
            }

            async fn set_responder_active(
                &self,
                conversation: ConversationId,
                active: bool,
            ) -> Result<(), StoreError> {
                sqlx::query("UPDATE conversations SET responder_active = $1 WHERE id = $2")
                    .bind(i64::from(active))
                    .bind(conversation.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }
        }
    };
}
