//! What the areas' SQL shares: column lists, conversions, and `impl_sql_helpers!`. Each
//! area's `impl_*_store!` expands to its trait's impl for a store struct with `writer` and
//! `reader` pools of one sqlx database and an inherent `announce(&self, tx, event)` hook
//! (a no-op on SQLite, `pg_notify` on PostgreSQL, so the announcement commits atomically
//! with the change). Statements use `$n` placeholders,
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
        "id, conversation_id, seq, role, author_name, content, created_at, accuracy, feedback, \
         previous_message_id, sibling_index"
    };
}

/// A contact session with whether its organization takes verified visitors only (so that
/// checking a credential is one query); callers add a `WHERE` on alias `s`.
macro_rules! contact_session_select {
    () => {
        concat!(
            "SELECT ",
            contact_session_columns!(),
            contact_session_from!()
        )
    };
}

/// The columns of `contact_session_select!`, for queries that add columns of their own.
macro_rules! contact_session_columns {
    () => {
        "s.id, s.organization_id, s.token_hash, s.name, s.email, s.metadata, s.created_at, \
         s.expires_at, s.external_id, s.verified, s.revoked_at, \
         COALESCE(i.required, 0) AS identity_required"
    };
}

/// The tables of `contact_session_select!`.
macro_rules! contact_session_from {
    () => {
        " FROM contact_sessions s LEFT JOIN identity_settings i ON i.organization_id = \
         s.organization_id"
    };
}

/// A conversation's own columns (`conversations c`) as `conversation_from_row` reads them,
/// with the visitor's unread replies (after its read position).
macro_rules! conversation_columns {
    () => {
        "c.id, c.organization_id, c.contact_session_id, c.project_id, \
         c.status, c.created_at, c.updated_at, c.last_seq, c.responder_active, \
         c.contact_read_seq, c.staff_read_seq, \
         (SELECT COUNT(*) FROM messages v WHERE v.conversation_id = c.id \
            AND v.seq > c.contact_read_seq AND v.role IN ('operator', 'assistant')) \
            AS contact_unread"
    };
}

/// Conversation columns plus its newest message (joined on `seq = last_seq`) as `m_*`.
macro_rules! conversation_select {
    () => {
        concat!("SELECT ", conversation_columns!(), ", \
         m.id AS m_id, m.conversation_id AS m_conversation_id, m.seq AS m_seq, m.role AS m_role, \
         m.author_name AS m_author_name, m.content AS m_content, m.created_at AS m_created_at, \
         m.accuracy AS m_accuracy, m.feedback AS m_feedback, \
         m.previous_message_id AS m_previous_message_id, m.sibling_index AS m_sibling_index \
         FROM conversations c \
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq")
    };
}

/// Inbox rows: conversation + last message (as in `conversation_select!`), contact, and
/// the unread count of the operator bound as `$1`.
macro_rules! inbox_select {
    () => {
        concat!("SELECT ", conversation_columns!(), ", \
         m.id AS m_id, m.conversation_id AS m_conversation_id, m.seq AS m_seq, m.role AS m_role, \
         m.author_name AS m_author_name, m.content AS m_content, m.created_at AS m_created_at, \
         m.accuracy AS m_accuracy, m.feedback AS m_feedback, \
         m.previous_message_id AS m_previous_message_id, m.sibling_index AS m_sibling_index, \
         s.name AS contact_name, s.email AS contact_email, \
         (SELECT COUNT(*) FROM messages u WHERE u.conversation_id = c.id AND u.role = 'contact' \
            AND u.seq > COALESCE((SELECT r.last_read_seq FROM conversation_reads r \
                WHERE r.conversation_id = c.id AND r.user_id = $1), 0)) AS unread_count \
         FROM conversations c \
         JOIN contact_sessions s ON s.id = c.contact_session_id \
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq")
    };
}

/// The select and upsert of a widget-settings table keyed by `$key`.
macro_rules! settings_sql {
    (select, $table:literal, $key:literal) => {
        concat!(
            "SELECT display_name, greeting, suggested_messages, accent_color, allowed_origins, \
             reply_time_minutes, unread_preview FROM ",
            $table,
            " WHERE ",
            $key,
            " = $1"
        )
    };
    (upsert, $table:literal, $key:literal) => {
        concat!(
            "INSERT INTO ",
            $table,
            " (",
            $key,
            ", display_name, greeting, suggested_messages, \
             accent_color, allowed_origins, updated_at, reply_time_minutes, unread_preview) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (",
            $key,
            ") DO UPDATE SET display_name = excluded.display_name, \
             greeting = excluded.greeting, suggested_messages = excluded.suggested_messages, \
             accent_color = excluded.accent_color, allowed_origins = excluded.allowed_origins, \
             updated_at = excluded.updated_at, reply_time_minutes = excluded.reply_time_minutes, \
             unread_preview = excluded.unread_preview"
        )
    };
}

macro_rules! invite_columns {
    () => {
        "id, organization_id, token_hash, role, created_by, created_at, expires_at, used_at"
    };
}

/// The imports and executor-generic helpers every area's SQL uses; expanded once per
/// backend, before the areas' `impl_*_store!`.
macro_rules! impl_sql_helpers {
    ($db:ty) => {
        #[allow(unused_imports)]
        use async_trait::async_trait;
        #[allow(unused_imports)]
        use parley_shared::api::{Conversation, ConversationStatus, Message, MessageRole};
        #[allow(unused_imports)]
        use parley_shared::staff::{
            ContactSummary, InboxFilter, InboxItem, Member, Project, Role, StaffUser,
            WebhookDelivery, WebhookDeliveryState, WebhookEventType, WidgetSettings,
        };
        #[allow(unused_imports)]
        use parley_shared::{
            ApiKeyId, ContactSessionId, ConversationId, InviteId, MessageId, OrganizationId,
            Timestamp, UserId, WebhookDeliveryId, WebhookEndpointId,
        };
        #[allow(unused_imports)]
        use sqlx::Row;
        #[allow(unused_imports)]
        use $crate::store::rows::*;
        #[allow(unused_imports)]
        use $crate::store::sql::{i64_of, is_unique_violation, parse_id, u64_of};
        #[allow(unused_imports)]
        use $crate::store::*;

        /// Runs one of `settings_sql!`'s upserts.
        async fn save_settings(
            pool: &sqlx::Pool<$db>,
            sql: &'static str,
            key: String,
            w: &WidgetSettings,
            now: Timestamp,
        ) -> Result<(), StoreError> {
            let list = |v: &Vec<String>| {
                serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
            };
            sqlx::query(sql)
                .bind(key)
                .bind(&w.display_name)
                .bind(&w.greeting)
                .bind(list(&w.suggested_messages)?)
                .bind(&w.accent_color)
                .bind(list(&w.allowed_origins)?)
                .bind(now.unix_millis())
                .bind(w.reply_time_minutes.map(i64::from))
                .bind(i64::from(w.unread_preview))
                .execute(pool)
                .await?;
            Ok(())
        }

        /// Moves a conversation's read position `column` (`contact_read_seq` or
        /// `staff_read_seq`) to `seq` capped at `last_seq`, never backwards; the new position
        /// when it moved.
        async fn advance_read<'e, E>(
            executor: E,
            column: &'static str,
            conversation: ConversationId,
            seq: u64,
        ) -> Result<Option<u64>, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            macro_rules! advance {
                ($col:literal) => {
                    concat!(
                        "UPDATE conversations SET ", $col, " = CASE WHEN $2 < last_seq THEN $2 \
                         ELSE last_seq END WHERE id = $1 AND ", $col, " < $2 AND ", $col,
                        " < last_seq RETURNING ", $col
                    )
                };
            }
            let sql = match column {
                "contact_read_seq" => advance!("contact_read_seq"),
                _ => advance!("staff_read_seq"),
            };
            let moved: Option<i64> = sqlx::query_scalar(sql)
                .bind(conversation.to_string())
                .bind(i64_of(seq))
                .fetch_optional(executor)
                .await?;
            Ok(moved.map(u64_of))
        }

        /// Stores one read (see `ReadMark`) in `tx`: an operator's own position (their unread
        /// count) and the team's, or the visitor's. The side's new position when it moved.
        async fn apply_read(
            tx: &mut sqlx::Transaction<'static, $db>,
            mark: &$crate::store::ReadMark,
        ) -> Result<Option<u64>, StoreError> {
            let column = match mark.reader {
                $crate::store::Reader::Contact => "contact_read_seq",
                $crate::store::Reader::Operator(user) => {
                    sqlx::query(
                        "INSERT INTO conversation_reads (conversation_id, user_id, last_read_seq) \
                         VALUES ($1, $2, $3) \
                         ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_seq = \
                         CASE WHEN excluded.last_read_seq > conversation_reads.last_read_seq \
                         THEN excluded.last_read_seq ELSE conversation_reads.last_read_seq END",
                    )
                    .bind(mark.conversation_id.to_string())
                    .bind(user.to_string())
                    .bind(i64_of(mark.seq))
                    .execute(&mut **tx)
                    .await?;
                    "staff_read_seq"
                }
            };
            advance_read(&mut **tx, column, mark.conversation_id, mark.seq).await
        }

        async fn message_by_id<'e, E>(
            executor: E,
            id: MessageId,
        ) -> Result<Option<Message>, StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            let row = sqlx::query(concat!(
                "SELECT \
                 ",
                message_columns!(),
                " FROM messages WHERE id = $1"
            ))
            .bind(id.to_string())
            .fetch_optional(executor)
            .await?;
            row.map(|r| message_from_row(&r, "")).transpose()
        }

        /// Inserts an account; a taken email → `Conflict`.
        async fn insert_user<'e, E>(executor: E, user: &User) -> Result<(), StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, display_name, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(user.id.to_string())
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(&user.display_name)
            .bind(user.created_at.unix_millis())
            .execute(executor)
            .await
            .map_err(conflict_or)?;
            Ok(())
        }

        /// Adds a membership; an existing one is left as it is.
        async fn insert_membership<'e, E>(
            executor: E,
            user: UserId,
            org: OrganizationId,
            role: Role,
            now: Timestamp,
        ) -> Result<(), StoreError>
        where
            E: sqlx::Executor<'e, Database = $db>,
        {
            sqlx::query(
                "INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, \
                 $2, $3, $4) \
                 ON CONFLICT (user_id, organization_id) DO NOTHING",
            )
            .bind(user.to_string())
            .bind(org.to_string())
            .bind(role.as_str())
            .bind(now.unix_millis())
            .execute(executor)
            .await?;
            Ok(())
        }
    };
}
