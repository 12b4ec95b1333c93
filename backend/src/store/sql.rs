//! The SQL both backends run, written once. `impl_sql_store!` expands to the `Store` impl
//! for a store struct with `writer` and `reader` pools of one sqlx database and an inherent
//! `announce(&self, tx, event)` hook (a no-op on SQLite, `pg_notify` on PostgreSQL, so the
//! announcement commits atomically with the change). Statements use `$n` placeholders,
//! which both databases accept.

use super::StoreError;
use std::str::FromStr;

pub(super) fn parse_id<T: FromStr>(s: &str) -> Result<T, StoreError> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("bad id {s:?}")))
}

pub(super) fn u64_of(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(super) fn i64_of(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// Is this the database refusing a duplicate key? (Backend-neutral.)
pub(super) fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.is_unique_violation())
}

macro_rules! message_columns {
    () => {
        "id, conversation_id, seq, role, author_name, content, created_at"
    };
}

/// Conversation columns plus its newest message (joined on `seq = last_seq`) as `m_*`.
macro_rules! conversation_select {
    () => {
        "SELECT c.id, c.organization_id, c.contact_session_id, \
         c.status, c.created_at, c.updated_at, c.last_seq, \
         m.id AS m_id, m.conversation_id AS m_conversation_id, m.seq AS m_seq, m.role AS m_role, \
         m.author_name AS m_author_name, m.content AS m_content, m.created_at AS m_created_at \
         FROM conversations c \
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq"
    };
}

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty) => {
        use $crate::store::sql::{i64_of, is_unique_violation, parse_id, u64_of};
        use $crate::store::{
            AnnouncedEvent, ContactSession, ConversationCursor, Inserted, NewMessage,
            Organization, OwnedConversation, Store, StoreError,
        };
        use async_trait::async_trait;
        use parley_shared::api::{Conversation, ConversationStatus, Message, MessageRole};
        use parley_shared::{ContactSessionId, ConversationId, MessageId, OrganizationId, Timestamp};
        use sqlx::Row;

        /// Reads a message from `message_columns!`, each prefixed by `prefix`.
        fn message_from_row(row: &$row, prefix: &str) -> Result<Message, StoreError> {
            let col = |name: &str| format!("{prefix}{name}");
            let role: String = row.try_get(col("role").as_str())?;
            Ok(Message {
                id: parse_id::<MessageId>(&row.try_get::<String, _>(col("id").as_str())?)?,
                conversation_id: parse_id(&row.try_get::<String, _>(col("conversation_id").as_str())?)?,
                seq: u64_of(row.try_get(col("seq").as_str())?),
                role: MessageRole::parse(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("bad role {role:?}")))?,
                author_name: row.try_get(col("author_name").as_str())?,
                content: row.try_get(col("content").as_str())?,
                created_at: Timestamp::from_unix_millis(row.try_get(col("created_at").as_str())?),
            })
        }

        fn conversation_from_row(row: &$row) -> Result<OwnedConversation, StoreError> {
            let status: String = row.try_get("status")?;
            let last_message = match row.try_get::<Option<String>, _>("m_id")? {
                Some(_) => Some(message_from_row(row, "m_")?),
                None => None,
            };
            Ok(OwnedConversation {
                contact_session_id: parse_id(&row.try_get::<String, _>("contact_session_id")?)?,
                conversation: Conversation {
                    id: parse_id(&row.try_get::<String, _>("id")?)?,
                    organization_id: parse_id(&row.try_get::<String, _>("organization_id")?)?,
                    status: ConversationStatus::parse(&status)
                        .ok_or_else(|| StoreError::Corrupt(format!("bad status {status:?}")))?,
                    created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
                    updated_at: Timestamp::from_unix_millis(row.try_get("updated_at")?),
                    last_seq: u64_of(row.try_get("last_seq")?),
                    last_message,
                },
            })
        }

        fn organization_from_row(row: &$row) -> Result<Organization, StoreError> {
            Ok(Organization {
                id: parse_id(&row.try_get::<String, _>("id")?)?,
                name: row.try_get("name")?,
                created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
                updated_at: Timestamp::from_unix_millis(row.try_get("updated_at")?),
            })
        }

        async fn message_by_id<'e, E>(executor: E, id: MessageId) -> Result<Option<Message>, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let row = sqlx::query(concat!("SELECT ", message_columns!(), " FROM messages WHERE id = $1"))
                .bind(id.to_string())
                .fetch_optional(executor)
                .await?;
            row.map(|r| message_from_row(&r, "")).transpose()
        }

        #[async_trait]
        impl Store for $store {
            async fn create_organization(&self, org: &Organization) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(org.id.to_string())
                .bind(&org.name)
                .bind(org.created_at.unix_millis())
                .bind(org.updated_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn organization(&self, id: OrganizationId) -> Result<Option<Organization>, StoreError> {
                let row = sqlx::query("SELECT id, name, created_at, updated_at FROM organizations WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| organization_from_row(&r)).transpose()
            }

            async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, created_at, updated_at FROM organizations WHERE name = $1 \
                     ORDER BY created_at, id LIMIT 1",
                )
                .bind(name)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| organization_from_row(&r)).transpose()
            }

            async fn create_contact_session(&self, s: &ContactSession) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO contact_sessions \
                     (id, organization_id, token_hash, name, email, metadata, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(s.id.to_string())
                .bind(s.organization_id.to_string())
                .bind(&s.token_hash)
                .bind(&s.name)
                .bind(&s.email)
                .bind(&s.metadata)
                .bind(s.created_at.unix_millis())
                .bind(s.expires_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn contact_session_by_token_hash(
                &self,
                token_hash: &str,
            ) -> Result<Option<ContactSession>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, organization_id, token_hash, name, email, metadata, created_at, expires_at \
                     FROM contact_sessions WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| {
                    Ok(ContactSession {
                        id: parse_id(&r.try_get::<String, _>("id")?)?,
                        organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                        token_hash: r.try_get("token_hash")?,
                        name: r.try_get("name")?,
                        email: r.try_get("email")?,
                        metadata: r.try_get("metadata")?,
                        created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                        expires_at: Timestamp::from_unix_millis(r.try_get("expires_at")?),
                    })
                })
                .transpose()
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

            async fn create_conversation(
                &self,
                contact_session_id: ContactSessionId,
                c: &Conversation,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO conversations \
                     (id, organization_id, contact_session_id, status, last_seq, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(c.id.to_string())
                .bind(c.organization_id.to_string())
                .bind(contact_session_id.to_string())
                .bind(c.status.as_str())
                .bind(i64_of(c.last_seq))
                .bind(c.created_at.unix_millis())
                .bind(c.updated_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn conversation(&self, id: ConversationId) -> Result<Option<OwnedConversation>, StoreError> {
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
                // Keyset pagination on (updated_at DESC, id DESC); the first page starts above any key.
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
                let done = sqlx::query("UPDATE conversations SET status = $1, updated_at = $2 WHERE id = $3")
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
                    conversation_id: id,
                    status,
                    updated_at: conversation.updated_at,
                };
                self.announce(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(Some(conversation))
            }

            async fn insert_message(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
                let mut tx = self.writer.begin().await?;
                if let Some(existing) = message_by_id(&mut *tx, m.id).await? {
                    return Ok(Inserted::Existing(existing));
                }
                // Locks the conversation row: concurrent sends to it serialize here, so seqs are dense.
                let seq: i64 = sqlx::query_scalar(
                    "UPDATE conversations SET last_seq = last_seq + 1, updated_at = $1 \
                     WHERE id = $2 RETURNING last_seq",
                )
                .bind(m.created_at.unix_millis())
                .bind(m.conversation_id.to_string())
                .fetch_one(&mut *tx)
                .await?;
                let inserted = sqlx::query(
                    "INSERT INTO messages (id, conversation_id, seq, role, author_name, content, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(m.id.to_string())
                .bind(m.conversation_id.to_string())
                .bind(seq)
                .bind(m.role.as_str())
                .bind(&m.author_name)
                .bind(&m.content)
                .bind(m.created_at.unix_millis())
                .execute(&mut *tx)
                .await;
                match inserted {
                    // A concurrent retry of the same ID committed first: roll back (the seq too)
                    // and answer with the stored message.
                    Err(e) if is_unique_violation(&e) => {
                        tx.rollback().await?;
                        return match message_by_id(&self.writer, m.id).await? {
                            Some(existing) => Ok(Inserted::Existing(existing)),
                            None => Err(e.into()),
                        };
                    }
                    Err(e) => return Err(e.into()),
                    Ok(_) => {}
                }
                let event = AnnouncedEvent::Message {
                    conversation_id: m.conversation_id,
                    message_id: m.id,
                };
                self.announce(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(Inserted::Created(Message {
                    id: m.id,
                    conversation_id: m.conversation_id,
                    seq: u64_of(seq),
                    role: m.role,
                    author_name: m.author_name.clone(),
                    content: m.content.clone(),
                    created_at: m.created_at,
                }))
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
        }
    };
}
