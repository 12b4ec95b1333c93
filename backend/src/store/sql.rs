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
        " FROM contact_sessions s LEFT JOIN identity_settings i ON i.organization_id = s.organization_id"
    };
}

/// Conversation columns plus its newest message (joined on `seq = last_seq`) as `m_*`.
macro_rules! conversation_select {
    () => {
        "SELECT c.id, c.organization_id, c.contact_session_id, c.project_id, \
         c.status, c.created_at, c.updated_at, c.last_seq, c.responder_active, \
         m.id AS m_id, m.conversation_id AS m_conversation_id, m.seq AS m_seq, m.role AS m_role, \
         m.author_name AS m_author_name, m.content AS m_content, m.created_at AS m_created_at, \
         m.accuracy AS m_accuracy, m.feedback AS m_feedback, \
         m.previous_message_id AS m_previous_message_id, m.sibling_index AS m_sibling_index \
         FROM conversations c \
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq"
    };
}

/// Inbox rows: conversation + last message (as in `conversation_select!`), contact, and
/// the unread count of the operator bound as `$1`.
macro_rules! inbox_select {
    () => {
        "SELECT c.id, c.organization_id, c.contact_session_id, c.project_id, \
         c.status, c.created_at, c.updated_at, c.last_seq, c.responder_active, \
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
         LEFT JOIN messages m ON m.conversation_id = c.id AND m.seq = c.last_seq"
    };
}

/// The select and upsert of a widget-settings table keyed by `$key`.
macro_rules! settings_sql {
    (select, $table:literal, $key:literal) => {
        concat!(
            "SELECT display_name, greeting, suggested_messages, accent_color, allowed_origins FROM ",
            $table, " WHERE ", $key, " = $1"
        )
    };
    (upsert, $table:literal, $key:literal) => {
        concat!(
            "INSERT INTO ", $table, " (", $key, ", display_name, greeting, suggested_messages, \
             accent_color, allowed_origins, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (", $key, ") DO UPDATE SET display_name = excluded.display_name, \
             greeting = excluded.greeting, suggested_messages = excluded.suggested_messages, \
             accent_color = excluded.accent_color, allowed_origins = excluded.allowed_origins, \
             updated_at = excluded.updated_at"
        )
    };
}

macro_rules! invite_columns {
    () => {
        "id, organization_id, token_hash, role, created_by, created_at, expires_at, used_at"
    };
}

macro_rules! impl_sql_store {
    ($store:ty, $db:ty, $row:ty) => {
        use $crate::store::sql::{i64_of, is_unique_violation, parse_id, u64_of};
        use $crate::store::{
            AnnouncedEvent, ApiKeyRow, ChatRow, ContactSession, ConversationCursor, Inserted,
            InviteRow, NewMessage, Organization, OwnedConversation, Store, StoreError, TreeMessage,
            User, ArticleRow, PassageHit, ResponderJob, ResponderRow, IdentitySettingsRow, Erased,
        };
        use async_trait::async_trait;
        use parley_shared::api::{Conversation, ConversationStatus, Message, MessageRole};
        use parley_shared::staff::{ContactSummary, InboxItem, Member, Project, Role, StaffUser, WidgetSettings};
        use parley_shared::{
            ApiKeyId, ContactSessionId, ConversationId, InviteId, MessageId, OrganizationId,
            Timestamp, UserId,
        };

        fn opt_id<T: std::str::FromStr>(raw: Option<String>) -> Result<Option<T>, StoreError> {
            raw.map(|s| parse_id(&s)).transpose()
        }

        fn opt_time(raw: Option<i64>) -> Option<Timestamp> {
            raw.map(Timestamp::from_unix_millis)
        }

        fn api_key_from_row(r: &$row) -> Result<ApiKeyRow, StoreError> {
            Ok(ApiKeyRow {
                id: parse_id(&r.try_get::<String, _>("id")?)?,
                organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                name: r.try_get("name")?,
                prefix: r.try_get("prefix")?,
                key_hash: r.try_get("key_hash")?,
                created_by: opt_id(r.try_get("created_by")?)?,
                created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                last_used_at: opt_time(r.try_get("last_used_at")?),
                revoked_at: opt_time(r.try_get("revoked_at")?),
            })
        }
        use sqlx::Row;

        fn parse_status(raw: &str) -> Result<ConversationStatus, StoreError> {
            ConversationStatus::parse(raw)
                .ok_or_else(|| StoreError::Corrupt(format!("bad status {raw:?}")))
        }

        fn opt_project(raw: Option<String>) -> Result<Option<parley_shared::ProjectId>, StoreError> {
            raw.map(|s| parse_id(&s)).transpose()
        }

        fn project_from_row(r: &$row, prefix: &str) -> Result<Option<Project>, StoreError> {
            let col = |name: &str| format!("{prefix}{name}");
            let Some(id) = r.try_get::<Option<String>, _>(col("id").as_str())? else { return Ok(None) };
            Ok(Some(Project {
                id: parse_id(&id)?,
                name: r.try_get(col("name").as_str())?,
                created_at: Timestamp::from_unix_millis(r.try_get(col("created_at").as_str())?),
                updated_at: Timestamp::from_unix_millis(r.try_get(col("updated_at").as_str())?),
            }))
        }

        fn settings_from_row(r: &$row) -> Result<WidgetSettings, StoreError> {
            Ok(WidgetSettings {
                display_name: r.try_get("display_name")?,
                greeting: r.try_get("greeting")?,
                suggested_messages: json_list(&r.try_get::<String, _>("suggested_messages")?)?,
                accent_color: r.try_get("accent_color")?,
                allowed_origins: json_list(&r.try_get::<String, _>("allowed_origins")?)?,
            })
        }

        /// Runs one of `settings_sql!`'s upserts.
        async fn save_settings(
            pool: &sqlx::Pool<$db>,
            sql: &'static str,
            key: String,
            w: &WidgetSettings,
            now: Timestamp,
        ) -> Result<(), StoreError> {
            let list = |v: &Vec<String>| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()));
            sqlx::query(sql)
                .bind(key)
                .bind(&w.display_name)
                .bind(&w.greeting)
                .bind(list(&w.suggested_messages)?)
                .bind(&w.accent_color)
                .bind(list(&w.allowed_origins)?)
                .bind(now.unix_millis())
                .execute(pool)
                .await?;
            Ok(())
        }

        fn role_of(raw: &str) -> Result<Role, StoreError> {
            Role::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("bad role {raw:?}")))
        }

        /// Unique violations become `Conflict`; anything else stays a database error.
        fn conflict_or(e: sqlx::Error) -> StoreError {
            if is_unique_violation(&e) { StoreError::Conflict } else { StoreError::Database(e) }
        }

        fn user_from_row(row: &$row) -> Result<User, StoreError> {
            Ok(User {
                id: parse_id(&row.try_get::<String, _>("id")?)?,
                email: row.try_get("email")?,
                password_hash: row.try_get("password_hash")?,
                display_name: row.try_get("display_name")?,
                created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
                session_epoch: row.try_get("session_epoch")?,
            })
        }

        fn invite_from_row(row: &$row) -> Result<InviteRow, StoreError> {
            Ok(InviteRow {
                id: parse_id::<InviteId>(&row.try_get::<String, _>("id")?)?,
                organization_id: parse_id(&row.try_get::<String, _>("organization_id")?)?,
                token_hash: row.try_get("token_hash")?,
                role: role_of(&row.try_get::<String, _>("role")?)?,
                created_by: parse_id(&row.try_get::<String, _>("created_by")?)?,
                created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
                expires_at: Timestamp::from_unix_millis(row.try_get("expires_at")?),
                used_at: row.try_get::<Option<i64>, _>("used_at")?.map(Timestamp::from_unix_millis),
            })
        }

        fn inbox_item_from_row(row: &$row) -> Result<InboxItem, StoreError> {
            Ok(InboxItem {
                conversation: conversation_from_row(row)?.conversation,
                contact: ContactSummary {
                    name: row.try_get("contact_name")?,
                    email: row.try_get("contact_email")?,
                },
                unread_count: u64_of(row.try_get("unread_count")?),
            })
        }

        fn json_list(raw: &str) -> Result<Vec<String>, StoreError> {
            serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
        }

        fn contact_session_from_row(r: &$row) -> Result<ContactSession, StoreError> {
            Ok(ContactSession {
                id: parse_id(&r.try_get::<String, _>("id")?)?,
                organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                token_hash: r.try_get("token_hash")?,
                name: r.try_get("name")?,
                email: r.try_get("email")?,
                metadata: r.try_get("metadata")?,
                created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                expires_at: Timestamp::from_unix_millis(r.try_get("expires_at")?),
                external_id: r.try_get("external_id")?,
                verified: r.try_get::<i64, _>("verified")? != 0,
                revoked: r.try_get::<Option<i64>, _>("revoked_at")?.is_some(),
                identity_required: r.try_get::<i64, _>("identity_required")? != 0,
            })
        }

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
                rating: row
                    .try_get::<Option<String>, _>(col("accuracy").as_str())?
                    .and_then(|a| parley_shared::public::Accuracy::parse(&a))
                    .map(|accuracy| -> Result<_, StoreError> {
                        Ok(parley_shared::api::Rating {
                            accuracy,
                            feedback: row.try_get(col("feedback").as_str())?,
                        })
                    })
                    .transpose()?,
                previous_message_id: row
                    .try_get::<Option<String>, _>(col("previous_message_id").as_str())?
                    .map(|id| parse_id(&id))
                    .transpose()?,
                sibling_index: u32::try_from(row.try_get::<i64, _>(col("sibling_index").as_str())?)
                    .map_err(|_| StoreError::Corrupt("bad sibling_index".into()))?,
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
                    status: parse_status(&status)?,
                    created_at: Timestamp::from_unix_millis(row.try_get("created_at")?),
                    updated_at: Timestamp::from_unix_millis(row.try_get("updated_at")?),
                    last_seq: u64_of(row.try_get("last_seq")?),
                    last_message,
                    responder_active: row.try_get::<i64, _>("responder_active")? != 0,
                    project_id: opt_project(row.try_get("project_id")?)?,
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
                "INSERT INTO memberships (user_id, organization_id, role, created_at) VALUES ($1, $2, $3, $4) \
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
                     (id, organization_id, token_hash, name, email, metadata, created_at, expires_at, \
                      external_id, verified) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                     external_id = $4, verified = $5, expires_at = $6 \
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
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn contact_sessions_by_email(
                &self,
                org: OrganizationId,
                email: &str,
            ) -> Result<Vec<ContactSession>, StoreError> {
                let rows = sqlx::query(
                    concat!(
                        contact_session_select!(),
                        " WHERE s.organization_id = $1 AND LOWER(s.email) = $2 ORDER BY s.created_at, s.id"
                    ),
                )
                .bind(org.to_string())
                .bind(email)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(contact_session_from_row).collect()
            }

            async fn erase_contact(&self, org: OrganizationId, email: &str) -> Result<Erased, StoreError> {
                let mut tx = self.writer.begin().await?;
                let sessions = "SELECT id FROM contact_sessions WHERE organization_id = $1 AND LOWER(email) = $2";
                let conversations = format!("SELECT id FROM conversations WHERE contact_session_id IN ({sessions})");
                let mut erased = Erased::default();
                for (table, column) in [("responder_jobs", "conversation_id"), ("conversation_reads", "conversation_id"), ("messages", "conversation_id")] {
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
                let sql = format!("DELETE FROM conversations WHERE contact_session_id IN ({sessions})");
                erased.conversations = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(org.to_string())
                    .bind(email)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                erased.sessions = sqlx::query("DELETE FROM contact_sessions WHERE organization_id = $1 AND LOWER(email) = $2")
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
                for table in ["responder_jobs", "conversation_reads", "messages"] {
                    let sql = format!("DELETE FROM {table} WHERE conversation_id IN ({old})");
                    let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .bind(before.unix_millis())
                        .execute(&mut *tx)
                        .await?;
                    if table == "messages" {
                        erased.messages = done.rows_affected();
                    }
                }
                erased.conversations = sqlx::query("DELETE FROM conversations WHERE updated_at < $1")
                    .bind(before.unix_millis())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                erased.sessions = sqlx::query(
                    "DELETE FROM contact_sessions WHERE expires_at < $1 AND NOT EXISTS \
                     (SELECT 1 FROM conversations c WHERE c.contact_session_id = contact_sessions.id)",
                )
                .bind(before.unix_millis())
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(erased)
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
                     secret = excluded.secret, required = excluded.required, updated_at = excluded.updated_at",
                )
                .bind(org.to_string())
                .bind(&settings.secret)
                .bind(i64::from(settings.required))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
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
                     WHERE organization_id = $2 AND LOWER(email) = $3 AND revoked_at IS NULL",
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
                let row = sqlx::query(
                    concat!(contact_session_select!(), " WHERE s.token_hash = $1"),
                )
                .bind(token_hash)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| contact_session_from_row(&r)).transpose()
            }

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
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO conversations \
                     (id, organization_id, contact_session_id, status, last_seq, created_at, updated_at, project_id) \
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
                };
                self.announce(&mut tx, &event).await?;
                tx.commit().await?;
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
                    organization_id: conversation.organization_id,
                    conversation_id: id,
                    status,
                    updated_at: conversation.updated_at,
                };
                self.announce(&mut tx, &event).await?;
                tx.commit().await?;
                Ok(Some(conversation))
            }

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
                    " FROM messages WHERE conversation_id = $1 AND seq <= $2 ORDER BY seq DESC LIMIT $3"
                ))
                .bind(conversation_id.to_string())
                .bind(i64_of(up_to))
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(|r| message_from_row(r, "")).collect()
            }

            async fn responder_settings(&self, org: OrganizationId) -> Result<Option<ResponderRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT enabled, provider, base_url, model, api_key, instructions, context_messages \
                     FROM responder_settings WHERE organization_id = $1",
                )
                .bind(org.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| -> Result<ResponderRow, StoreError> {
                    Ok(ResponderRow {
                        enabled: r.try_get::<i64, _>("enabled")? != 0,
                        provider: r.try_get("provider")?,
                        base_url: r.try_get("base_url")?,
                        model: r.try_get("model")?,
                        api_key: r.try_get("api_key")?,
                        instructions: r.try_get("instructions")?,
                        context_messages: u32::try_from(r.try_get::<i64, _>("context_messages")?)
                            .map_err(|_| StoreError::Corrupt("bad context_messages".into()))?,
                    })
                })
                .transpose()
            }

            async fn put_responder_settings(&self, org: OrganizationId, row: &ResponderRow, now: Timestamp) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO responder_settings (organization_id, enabled, provider, base_url, model, api_key, \
                     instructions, context_messages, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (organization_id) DO UPDATE SET enabled = excluded.enabled, \
                     provider = excluded.provider, base_url = excluded.base_url, model = excluded.model, \
                     api_key = excluded.api_key, instructions = excluded.instructions, \
                     context_messages = excluded.context_messages, updated_at = excluded.updated_at",
                )
                .bind(org.to_string())
                .bind(i64::from(row.enabled))
                .bind(&row.provider)
                .bind(&row.base_url)
                .bind(&row.model)
                .bind(&row.api_key)
                .bind(&row.instructions)
                .bind(i64::from(row.context_messages))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn set_responder_active(&self, conversation: ConversationId, active: bool) -> Result<(), StoreError> {
                sqlx::query("UPDATE conversations SET responder_active = $1 WHERE id = $2")
                    .bind(i64::from(active))
                    .bind(conversation.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn enqueue_job(&self, job: &ResponderJob, now: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO responder_jobs (id, organization_id, conversation_id, trigger_message_id, \
                     sibling_of, state, attempts, run_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'pending', 0, 0, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(job.id.to_string())
                .bind(job.organization_id.to_string())
                .bind(job.conversation_id.to_string())
                .bind(job.trigger_message_id.to_string())
                .bind(job.sibling_of.map(|m| m.to_string()))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_job(&self, now: Timestamp, lease_ms: i64) -> Result<Option<ResponderJob>, StoreError> {
                // The outer WHERE re-checks the row: on PostgreSQL a concurrent claimer that
                // won the row lock has moved run_at, so this one updates nothing.
                let row = sqlx::query(
                    "UPDATE responder_jobs SET run_at = $2, attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM responder_jobs WHERE state = 'pending' AND run_at <= $1 \
                                 ORDER BY run_at LIMIT 1) \
                     AND state = 'pending' AND run_at <= $1 \
                     RETURNING id, organization_id, conversation_id, trigger_message_id, sibling_of, attempts",
                )
                .bind(now.unix_millis())
                .bind(now.unix_millis().saturating_add(lease_ms))
                .fetch_optional(&self.writer)
                .await?;
                row.map(|r| -> Result<ResponderJob, StoreError> {
                    Ok(ResponderJob {
                        id: uuid::Uuid::parse_str(&r.try_get::<String, _>("id")?)
                            .map_err(|e| StoreError::Corrupt(format!("bad job id: {e}")))?,
                        organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                        conversation_id: parse_id(&r.try_get::<String, _>("conversation_id")?)?,
                        trigger_message_id: parse_id(&r.try_get::<String, _>("trigger_message_id")?)?,
                        sibling_of: r
                            .try_get::<Option<String>, _>("sibling_of")?
                            .map(|s| parse_id(&s))
                            .transpose()?,
                        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    })
                })
                .transpose()
            }

            async fn retry_job(&self, id: uuid::Uuid, run_at: Timestamp, error: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE responder_jobs SET run_at = $1, last_error = $2 WHERE id = $3 AND state = 'pending'")
                    .bind(run_at.unix_millis())
                    .bind(error)
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn finish_job(&self, id: uuid::Uuid, error: Option<&str>) -> Result<(), StoreError> {
                sqlx::query("UPDATE responder_jobs SET state = $1, last_error = $2 WHERE id = $3")
                    .bind(if error.is_some() { "failed" } else { "done" })
                    .bind(error)
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn create_article(&self, a: &ArticleRow, passages: &[(String, String)]) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO articles (id, organization_id, title, body, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.id.to_string())
                .bind(a.organization_id.to_string())
                .bind(&a.title)
                .bind(&a.body)
                .bind(a.created_at.unix_millis())
                .bind(a.updated_at.unix_millis())
                .execute(&mut *tx)
                .await?;
                for (position, (heading, body)) in passages.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO article_passages (article_id, organization_id, position, heading, body) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(a.id.to_string())
                    .bind(a.organization_id.to_string())
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(heading)
                    .bind(body)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn articles(&self, org: OrganizationId) -> Result<Vec<ArticleRow>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, organization_id, title, body, created_at, updated_at FROM articles \
                     WHERE organization_id = $1 ORDER BY updated_at DESC, id",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ArticleRow {
                            id: parse_id(&r.try_get::<String, _>("id")?)?,
                            organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                            title: r.try_get("title")?,
                            body: r.try_get("body")?,
                            created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                            updated_at: Timestamp::from_unix_millis(r.try_get("updated_at")?),
                        })
                    })
                    .collect()
            }

            async fn delete_article(&self, org: OrganizationId, id: parley_shared::ArticleId) -> Result<bool, StoreError> {
                let mut tx = self.writer.begin().await?;
                // Passages first: the FTS index follows their deletes (SQLite trigger).
                sqlx::query(
                    "DELETE FROM article_passages WHERE article_id = $1 AND organization_id = $2",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
                let gone = sqlx::query("DELETE FROM articles WHERE id = $1 AND organization_id = $2")
                    .bind(id.to_string())
                    .bind(org.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(gone.rows_affected() == 1)
            }

            async fn search_passages(
                &self,
                org: OrganizationId,
                terms: &[String],
                limit: u32,
            ) -> Result<Vec<PassageHit>, StoreError> {
                let query = <$store>::match_query(terms);
                if query.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = sqlx::query(<$store>::SEARCH_SQL)
                    .bind(org.to_string())
                    .bind(query)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(PassageHit {
                            article_id: parse_id(&r.try_get::<String, _>("article_id")?)?,
                            title: r.try_get("title")?,
                            heading: r.try_get("heading")?,
                            body: r.try_get("body")?,
                        })
                    })
                    .collect()
            }

            async fn create_owner_account(&self, org: &Organization, user: &User) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                sqlx::query("INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, $2, $3, $4)")
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
                    "SELECT id, email, password_hash, display_name, created_at, session_epoch FROM users WHERE email = $1",
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
                    "SELECT id, email, password_hash, display_name, created_at, session_epoch FROM users WHERE id = $1",
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

            async fn membership(&self, user: UserId, org: OrganizationId) -> Result<Option<Role>, StoreError> {
                let role: Option<String> = sqlx::query_scalar(
                    "SELECT role FROM memberships WHERE user_id = $1 AND organization_id = $2",
                )
                .bind(user.to_string())
                .bind(org.to_string())
                .fetch_optional(&self.reader)
                .await?;
                role.map(|r| role_of(&r)).transpose()
            }

            async fn memberships_of_user(&self, user: UserId) -> Result<Vec<(Organization, Role)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT o.id, o.name, o.created_at, o.updated_at, ms.role FROM memberships ms \
                     JOIN organizations o ON o.id = ms.organization_id \
                     WHERE ms.user_id = $1 ORDER BY ms.created_at, o.id",
                )
                .bind(user.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| Ok((organization_from_row(r)?, role_of(&r.try_get::<String, _>("role")?)?)))
                    .collect()
            }

            async fn members(&self, org: OrganizationId) -> Result<Vec<Member>, StoreError> {
                let rows = sqlx::query(
                    "SELECT u.id, u.email, u.display_name, ms.role, ms.created_at FROM memberships ms \
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

            async fn remove_membership(&self, user: UserId, org: OrganizationId) -> Result<bool, StoreError> {
                let done = sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND organization_id = $2")
                    .bind(user.to_string())
                    .bind(org.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn owner_count(&self, org: OrganizationId) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM memberships WHERE organization_id = $1 AND role = 'owner'",
                )
                .bind(org.to_string())
                .fetch_one(&self.reader)
                .await?;
                Ok(u64_of(n))
            }

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

            async fn invite_by_token_hash(&self, token_hash: &str) -> Result<Option<InviteRow>, StoreError> {
                let row = sqlx::query(concat!("SELECT ", invite_columns!(), " FROM invites WHERE token_hash = $1"))
                    .bind(token_hash)
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| invite_from_row(&r)).transpose()
            }

            async fn pending_invites(&self, org: OrganizationId, now: Timestamp) -> Result<Vec<InviteRow>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    invite_columns!(),
                    " FROM invites WHERE organization_id = $1 AND used_at IS NULL AND expires_at > $2 \
                     ORDER BY created_at DESC, id DESC"
                ))
                .bind(org.to_string())
                .bind(now.unix_millis())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(invite_from_row).collect()
            }

            async fn delete_invite(&self, org: OrganizationId, id: InviteId) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "DELETE FROM invites WHERE organization_id = $1 AND id = $2 AND used_at IS NULL",
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

            async fn widget_settings(&self, org: OrganizationId) -> Result<Option<WidgetSettings>, StoreError> {
                let row = sqlx::query(settings_sql!(select, "widget_settings", "organization_id"))
                    .bind(org.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| settings_from_row(&r)).transpose()
            }

            async fn put_widget_settings(
                &self,
                org: OrganizationId,
                w: &WidgetSettings,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                let sql = settings_sql!(upsert, "widget_settings", "organization_id");
                save_settings(&self.writer, sql, org.to_string(), w, now).await
            }

            async fn project_settings(&self, project: parley_shared::ProjectId) -> Result<Option<WidgetSettings>, StoreError> {
                let row = sqlx::query(settings_sql!(select, "project_settings", "project_id"))
                    .bind(project.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| settings_from_row(&r)).transpose()
            }

            async fn put_project_settings(
                &self,
                project: parley_shared::ProjectId,
                w: &WidgetSettings,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                let sql = settings_sql!(upsert, "project_settings", "project_id");
                save_settings(&self.writer, sql, project.to_string(), w, now).await
            }

            async fn create_project(&self, org: OrganizationId, p: &Project) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO projects (id, organization_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.to_string())
                .bind(org.to_string())
                .bind(&p.name)
                .bind(p.created_at.unix_millis())
                .bind(p.updated_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn projects(&self, org: OrganizationId) -> Result<Vec<Project>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, name, created_at, updated_at FROM projects WHERE organization_id = $1 \
                     ORDER BY created_at, id",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().filter_map(|r| project_from_row(r, "").transpose()).collect()
            }

            async fn project(&self, id: parley_shared::ProjectId) -> Result<Option<(OrganizationId, Project)>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, organization_id, name, created_at, updated_at FROM projects WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let org = parse_id(&r.try_get::<String, _>("organization_id")?)?;
                Ok(project_from_row(&r, "")?.map(|p| (org, p)))
            }

            async fn inbox(
                &self,
                org: OrganizationId,
                status: Option<ConversationStatus>,
                user: UserId,
                cursor: Option<ConversationCursor>,
                limit: u32,
            ) -> Result<Vec<InboxItem>, StoreError> {
                let (after_ts, after_id) = match cursor {
                    Some(c) => (c.updated_at.unix_millis(), c.id.to_string()),
                    None => (i64::MAX, String::new()),
                };
                let rows = sqlx::query(concat!(
                    inbox_select!(),
                    " WHERE c.organization_id = $2 AND ($3 = '' OR c.status = $3) \
                     AND (c.updated_at < $4 OR (c.updated_at = $4 AND c.id < $5)) \
                     ORDER BY c.updated_at DESC, c.id DESC LIMIT $6"
                ))
                .bind(user.to_string())
                .bind(org.to_string())
                .bind(status.map(|s| s.as_str()).unwrap_or(""))
                .bind(after_ts)
                .bind(after_id)
                .bind(i64::from(limit))
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(inbox_item_from_row).collect()
            }

            async fn inbox_items(&self, ids: &[ConversationId], user: UserId) -> Result<Vec<InboxItem>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Only placeholders are formatted into the statement; the IDs are bound.
                let placeholders: Vec<String> = (2..ids.len() + 2).map(|n| format!("${n}")).collect();
                let sql = format!("{} WHERE c.id IN ({})", inbox_select!(), placeholders.join(", "));
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.to_string());
                for id in ids {
                    query = query.bind(id.to_string());
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.iter().map(inbox_item_from_row).collect()
            }

            async fn contact_session(&self, id: ContactSessionId) -> Result<Option<ContactSession>, StoreError> {
                let row = sqlx::query(
                    concat!(contact_session_select!(), " WHERE s.id = $1"),
                )
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| contact_session_from_row(&r)).transpose()
            }

            async fn create_api_key(&self, k: &ApiKeyRow) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_keys (id, organization_id, name, prefix, key_hash, created_by, created_at) \
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

            async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, organization_id, name, prefix, key_hash, created_by, created_at, last_used_at, \
                     revoked_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
                )
                .bind(key_hash)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| api_key_from_row(&r)).transpose()
            }

            async fn api_keys(&self, org: OrganizationId) -> Result<Vec<ApiKeyRow>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, organization_id, name, prefix, key_hash, created_by, created_at, last_used_at, \
                     revoked_at FROM api_keys WHERE organization_id = $1 AND revoked_at IS NULL \
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(api_key_from_row).collect()
            }

            async fn revoke_api_key(&self, org: OrganizationId, id: ApiKeyId, now: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_keys SET revoked_at = $1 WHERE organization_id = $2 AND id = $3 AND revoked_at IS NULL",
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
                    "SELECT c.id, c.organization_id, c.contact_session_id, c.project_id, c.status, c.created_at, \
                     c.updated_at, c.last_seq, c.responder_active, NULL AS m_id, s.metadata AS contact_metadata, \
                     (SELECT COUNT(*) FROM messages n WHERE n.conversation_id = c.id) AS messages_length, \
                     p.id AS p_id, p.name AS p_name, p.created_at AS p_created_at, p.updated_at AS p_updated_at \
                     FROM conversations c JOIN contact_sessions s ON s.id = c.contact_session_id \
                     LEFT JOIN projects p ON p.id = c.project_id \
                     WHERE c.organization_id = $1 \
                     AND (c.updated_at < $2 OR (c.updated_at = $2 AND c.id < $3)) \
                     ORDER BY c.updated_at DESC, c.id DESC LIMIT $4",
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

            async fn tree_messages(&self, conversation: ConversationId) -> Result<Vec<TreeMessage>, StoreError> {
                let rows = sqlx::query(concat!(
                    "SELECT ",
                    message_columns!(),
                    ", author_id, previous_message_id, depth, root_message_id, sibling_index, accuracy, \
                     feedback, updated_at FROM messages WHERE conversation_id = $1 ORDER BY created_at, seq"
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
                sqlx::query("UPDATE messages SET accuracy = $1, feedback = $2, updated_at = $3 WHERE id = $4")
                    .bind(rating.accuracy.as_str())
                    .bind(&rating.feedback)
                    .bind(now.unix_millis())
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn mark_read(&self, conversation: ConversationId, user: UserId, seq: u64) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO conversation_reads (conversation_id, user_id, last_read_seq) VALUES ($1, $2, $3) \
                     ON CONFLICT (conversation_id, user_id) DO UPDATE SET last_read_seq = \
                     CASE WHEN excluded.last_read_seq > conversation_reads.last_read_seq \
                     THEN excluded.last_read_seq ELSE conversation_reads.last_read_seq END",
                )
                .bind(conversation.to_string())
                .bind(user.to_string())
                .bind(i64_of(seq))
                .execute(&self.writer)
                .await?;
                Ok(())
            }
        }
    };
}
