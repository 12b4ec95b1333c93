//! Messages: the (group-committed) insert, reads, the message tree, ratings and read markers.

use super::{NewJob, ReadMark, StoreError};
use async_trait::async_trait;
use parley_shared::api::{Message, MessageRole};
use parley_shared::{ConversationId, MessageId, Timestamp, UserId};

/// A message to insert; `seq` is assigned by the store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessage {
    /// Client- or server-chosen ID; inserting an existing ID inserts nothing.
    pub id: MessageId,
    /// Target conversation.
    pub conversation_id: ConversationId,
    /// Author role.
    pub role: MessageRole,
    /// Display name for staff and assistant messages.
    pub author_name: Option<String>,
    /// The operator who wrote a staff message.
    pub author_id: Option<UserId>,
    /// The text.
    pub content: String,
    /// Acceptance instant; also the conversation's new `updated_at`.
    pub created_at: Timestamp,
    /// For an edit: the message this one replaces as a sibling (same parent, next sibling
    /// index). Otherwise (`None`) it follows the conversation's latest message.
    pub sibling_of: Option<MessageId>,
    /// For a contact message: the AI responder's answer job, recorded in the same
    /// transaction only if the conversation is still unresolved, its responder active and
    /// the organization's responder enabled (checked on the row the insert has locked, so a
    /// concurrent hand-over is seen). The job's kind and payload are the caller's.
    pub answer_job: Option<NewJob>,
    /// The `message.created` webhook event (a `webhook.event` job), recorded in the same
    /// transaction only if an enabled endpoint of the organization subscribes to it
    /// (`webhook_listening!`), so a stored message always has its event and an organization
    /// without webhooks stores nothing more.
    pub event_job: Option<NewJob>,
    /// The responder steps back in this conversation (decided by the caller: a person
    /// answered).
    pub stops_responder: bool,
}

/// A message with its tree position and feedback (public API).
#[derive(Clone, Debug, PartialEq)]
pub struct TreeMessage {
    /// The message.
    pub message: Message,
    /// The operator who wrote it.
    pub author_id: Option<UserId>,
    /// Parent.
    pub previous_message_id: Option<MessageId>,
    /// Depth (0 = root).
    pub depth: u64,
    /// Root of its branch (`None` for a root).
    pub root_message_id: Option<MessageId>,
    /// Index among siblings.
    pub sibling_index: u64,
    /// `POSITIVE` / `NEGATIVE` / `NOT_SPECIFIED`.
    pub accuracy: Option<String>,
    /// Comment.
    pub feedback: Option<String>,
    /// Last change.
    pub updated_at: Option<Timestamp>,
}

/// What [`Store::insert_message`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum Inserted {
    /// A new message, with its freshly assigned `seq`.
    Created(Message),
    /// A message with this ID already existed; here it is, unchanged.
    Existing(Message),
}

/// Messages storage; part of [`super::Store`].
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Inserts a message with the conversation's next `seq` (dense: 1, 2, 3…) and bumps the
    /// conversation's `updated_at`, atomically. An ID that exists already inserts nothing.
    async fn insert_message(&self, message: &NewMessage) -> Result<Inserted, StoreError>;
    /// A message by ID.
    async fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError>;
    /// Every message of a conversation with its tree position, by `created_at` then `seq`.
    async fn tree_messages(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<TreeMessage>, StoreError>;
    /// Stores the contact's rating of a message (replacing an earlier one).
    async fn set_rating(
        &self,
        id: MessageId,
        rating: &parley_shared::api::Rating,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records a read position, never moving backwards (the team's and the visitor's are
    /// capped at the conversation's `last_seq`), group-committed with concurrent ones; on
    /// PostgreSQL announced to other instances in the same transaction (`Read` when it
    /// moved, and `InboxChanged` for an operator's unread count). Returns the side's new
    /// position when it moved.
    async fn record_read(&self, mark: ReadMark) -> Result<Option<u64>, StoreError>;
    /// A conversation's messages with `seq > after_seq`, in `seq` order, at most `limit`.
    async fn messages_after(
        &self,
        conversation_id: ConversationId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// Up to `limit` of a conversation's messages with `seq <= up_to`, newest first.
    async fn messages_up_to(
        &self,
        conversation_id: ConversationId,
        up_to: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
}

/// Implements [`MessageStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_message_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::MessageStore for $store {
            async fn insert_message(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
                self.insert_one(m).await
            }

            async fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError> {
                message_by_id(&self.reader, id).await
            }

            async fn messages_after(
                &self,
                conversation_id: ConversationId,
                after_seq: u64,
                limit: u32,
            ) -> Result<Vec<Message>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
                ))
                .bind(conversation_id.to_string())
                .bind(i64_of(after_seq))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|r| message_from_row(r, "")).collect()
            }

            async fn messages_up_to(
                &self,
                conversation_id: ConversationId,
                up_to: u64,
                limit: u32,
            ) -> Result<Vec<Message>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    message_columns!(),
                    " FROM messages WHERE conversation_id = $1 AND seq <= $2 ORDER BY seq DESC \
                     LIMIT $3"
                ))
                .bind(conversation_id.to_string())
                .bind(i64_of(up_to))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|r| message_from_row(r, "")).collect()
            }

            async fn tree_messages(
                &self,
                conversation: ConversationId,
            ) -> Result<Vec<TreeMessage>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    message_columns!(),
                    ", author_id, previous_message_id, depth, root_message_id, sibling_index, \
                     accuracy, \
                     feedback, updated_at FROM messages WHERE conversation_id = $1 ORDER BY \
                     created_at, seq"
                ))
                .bind(conversation.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(TreeMessage {
                            message: message_from_row(r, "")?,
                            author_id: opt_id(r.try_get("author_id")?)?,
                            previous_message_id: opt_id(r.try_get("previous_message_id")?)?,
                            depth: u64_of(r.try_get("depth")?),
                            root_message_id: opt_id(r.try_get("root_message_id")?)?,
                            sibling_index: u64_of(r.try_get("sibling_index")?),
                            accuracy: r.try_get("accuracy")?,
                            feedback: r.try_get("feedback")?,
                            updated_at: opt_time(r.try_get("updated_at")?),
                        })
                    })
                    .collect()
            }

            async fn set_rating(
                &self,
                id: MessageId,
                rating: &parley_shared::api::Rating,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query("UPDATE messages SET accuracy = $1, feedback = $2, updated_at = $3 \
                     WHERE id = $4")
                    .bind(rating.accuracy.as_str())
                    .bind(&rating.feedback)
                    .bind(now.unix_millis())
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn record_read(&self, mark: ReadMark) -> Result<Option<u64>, StoreError> {
                self.reads.submit(mark).await
            }
        }
    };
}
