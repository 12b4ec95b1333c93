//! Reading rows: typed column access that works on both databases' rows, and the
//! decoders shared by the areas' SQL.

use super::sql::{is_unique_violation, parse_id, u64_of};
use super::{
    ApiKeyRow, ContactSession, EndpointRow, InviteRow, Organization, OwnedConversation, StoreError,
    User,
};
use parley_shared::api::{Conversation, ConversationStatus, Message, MessageRole};
use parley_shared::staff::{
    ContactSummary, InboxItem, Project, Role, WebhookDelivery, WebhookDeliveryState,
    WebhookEndpoint, WebhookEventType, WidgetSettings,
};
use parley_shared::{InviteId, MessageId, Timestamp};
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;

/// A value a column can be read as, on either database.
pub(super) trait Column: Sized {
    /// From a SQLite row.
    fn sqlite(row: &SqliteRow, col: &str) -> Result<Self, sqlx::Error>;
    /// From a PostgreSQL row.
    fn pg(row: &PgRow, col: &str) -> Result<Self, sqlx::Error>;
}

macro_rules! column {
    ($($t:ty),*) => {$(
        impl Column for $t {
            fn sqlite(row: &SqliteRow, col: &str) -> Result<Self, sqlx::Error> {
                sqlx::Row::try_get(row, col)
            }
            fn pg(row: &PgRow, col: &str) -> Result<Self, sqlx::Error> {
                sqlx::Row::try_get(row, col)
            }
        }
    )*};
}
column!(String, i64, Option<String>, Option<i64>);

/// A row of either database: decoders are written once over it.
pub(super) trait Get {
    /// The column named `col` as a `T` (errors: missing column, wrong type).
    fn col<T: Column>(&self, col: &str) -> Result<T, sqlx::Error>;
}

impl Get for SqliteRow {
    fn col<T: Column>(&self, col: &str) -> Result<T, sqlx::Error> {
        T::sqlite(self, col)
    }
}

impl Get for PgRow {
    fn col<T: Column>(&self, col: &str) -> Result<T, sqlx::Error> {
        T::pg(self, col)
    }
}

pub(super) fn opt_id<T: std::str::FromStr>(raw: Option<String>) -> Result<Option<T>, StoreError> {
    raw.map(|s| parse_id(&s)).transpose()
}

pub(super) fn opt_time(raw: Option<i64>) -> Option<Timestamp> {
    raw.map(Timestamp::from_unix_millis)
}

pub(super) fn api_key_from_row(r: &impl Get) -> Result<ApiKeyRow, StoreError> {
    Ok(ApiKeyRow {
        id: parse_id(&r.col::<String>("id")?)?,
        organization_id: parse_id(&r.col::<String>("organization_id")?)?,
        name: r.col("name")?,
        prefix: r.col("prefix")?,
        key_hash: r.col("key_hash")?,
        created_by: opt_id(r.col("created_by")?)?,
        created_at: Timestamp::from_unix_millis(r.col("created_at")?),
        last_used_at: opt_time(r.col("last_used_at")?),
        revoked_at: opt_time(r.col("revoked_at")?),
    })
}

pub(super) fn parse_status(raw: &str) -> Result<ConversationStatus, StoreError> {
    ConversationStatus::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("bad status {raw:?}")))
}

pub(super) fn opt_project(
    raw: Option<String>,
) -> Result<Option<parley_shared::ProjectId>, StoreError> {
    raw.map(|s| parse_id(&s)).transpose()
}

pub(super) fn project_from_row(r: &impl Get, prefix: &str) -> Result<Option<Project>, StoreError> {
    let col = |name: &str| format!("{prefix}{name}");
    let Some(id) = r.col::<Option<String>>(col("id").as_str())? else {
        return Ok(None);
    };
    Ok(Some(Project {
        id: parse_id(&id)?,
        name: r.col(col("name").as_str())?,
        created_at: Timestamp::from_unix_millis(r.col(col("created_at").as_str())?),
        updated_at: Timestamp::from_unix_millis(r.col(col("updated_at").as_str())?),
    }))
}

pub(super) fn settings_from_row(r: &impl Get) -> Result<WidgetSettings, StoreError> {
    Ok(WidgetSettings {
        display_name: r.col("display_name")?,
        greeting: r.col("greeting")?,
        suggested_messages: json_list(&r.col::<String>("suggested_messages")?)?,
        accent_color: r.col("accent_color")?,
        allowed_origins: json_list(&r.col::<String>("allowed_origins")?)?,
        reply_time_minutes: r
            .col::<Option<i64>>("reply_time_minutes")?
            .and_then(|m| u32::try_from(m).ok()),
        unread_preview: r.col::<i64>("unread_preview")? != 0,
    })
}

pub(super) fn role_of(raw: &str) -> Result<Role, StoreError> {
    Role::parse(raw).ok_or_else(|| StoreError::Corrupt(format!("bad role {raw:?}")))
}

/// Unique violations become `Conflict`; anything else stays a database error.
pub(super) fn conflict_or(e: sqlx::Error) -> StoreError {
    if is_unique_violation(&e) {
        StoreError::Conflict
    } else {
        StoreError::Database(e)
    }
}

pub(super) fn user_from_row(row: &impl Get) -> Result<User, StoreError> {
    Ok(User {
        id: parse_id(&row.col::<String>("id")?)?,
        email: row.col("email")?,
        password_hash: row.col("password_hash")?,
        display_name: row.col("display_name")?,
        created_at: Timestamp::from_unix_millis(row.col("created_at")?),
        session_epoch: row.col("session_epoch")?,
    })
}

pub(super) fn invite_from_row(row: &impl Get) -> Result<InviteRow, StoreError> {
    Ok(InviteRow {
        id: parse_id::<InviteId>(&row.col::<String>("id")?)?,
        organization_id: parse_id(&row.col::<String>("organization_id")?)?,
        token_hash: row.col("token_hash")?,
        role: role_of(&row.col::<String>("role")?)?,
        created_by: parse_id(&row.col::<String>("created_by")?)?,
        created_at: Timestamp::from_unix_millis(row.col("created_at")?),
        expires_at: Timestamp::from_unix_millis(row.col("expires_at")?),
        used_at: row
            .col::<Option<i64>>("used_at")?
            .map(Timestamp::from_unix_millis),
    })
}

pub(super) fn inbox_item_from_row(row: &impl Get) -> Result<InboxItem, StoreError> {
    Ok(InboxItem {
        conversation: conversation_from_row(row)?.conversation,
        contact: ContactSummary {
            name: row.col("contact_name")?,
            email: row.col("contact_email")?,
        },
        unread_count: u64_of(row.col("unread_count")?),
    })
}

pub(super) fn json_list(raw: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(super) fn contact_session_from_row(r: &impl Get) -> Result<ContactSession, StoreError> {
    Ok(ContactSession {
        id: parse_id(&r.col::<String>("id")?)?,
        organization_id: parse_id(&r.col::<String>("organization_id")?)?,
        token_hash: r.col("token_hash")?,
        name: r.col("name")?,
        email: r.col("email")?,
        metadata: r.col("metadata")?,
        created_at: Timestamp::from_unix_millis(r.col("created_at")?),
        expires_at: Timestamp::from_unix_millis(r.col("expires_at")?),
        external_id: r.col("external_id")?,
        verified: r.col::<i64>("verified")? != 0,
        revoked: r.col::<Option<i64>>("revoked_at")?.is_some(),
        identity_required: r.col::<i64>("identity_required")? != 0,
    })
}

/// Reads a message from `message_columns!`, each prefixed by `prefix`.
pub(super) fn message_from_row(row: &impl Get, prefix: &str) -> Result<Message, StoreError> {
    let col = |name: &str| format!("{prefix}{name}");
    let role: String = row.col(col("role").as_str())?;
    Ok(Message {
        id: parse_id::<MessageId>(&row.col::<String>(col("id").as_str())?)?,
        conversation_id: parse_id(&row.col::<String>(col("conversation_id").as_str())?)?,
        seq: u64_of(row.col(col("seq").as_str())?),
        role: MessageRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("bad role {role:?}")))?,
        author_name: row.col(col("author_name").as_str())?,
        content: row.col(col("content").as_str())?,
        created_at: Timestamp::from_unix_millis(row.col(col("created_at").as_str())?),
        rating: row
            .col::<Option<String>>(col("accuracy").as_str())?
            .and_then(|a| parley_shared::public::Accuracy::parse(&a))
            .map(|accuracy| -> Result<_, StoreError> {
                Ok(parley_shared::api::Rating {
                    accuracy,
                    feedback: row.col(col("feedback").as_str())?,
                })
            })
            .transpose()?,
        previous_message_id: row
            .col::<Option<String>>(col("previous_message_id").as_str())?
            .map(|id| parse_id(&id))
            .transpose()?,
        sibling_index: u32::try_from(row.col::<i64>(col("sibling_index").as_str())?)
            .map_err(|_| StoreError::Corrupt("bad sibling_index".into()))?,
    })
}

pub(super) fn conversation_from_row(row: &impl Get) -> Result<OwnedConversation, StoreError> {
    let status: String = row.col("status")?;
    let last_message = match row.col::<Option<String>>("m_id")? {
        Some(_) => Some(message_from_row(row, "m_")?),
        None => None,
    };
    Ok(OwnedConversation {
        contact_session_id: parse_id(&row.col::<String>("contact_session_id")?)?,
        conversation: Conversation {
            id: parse_id(&row.col::<String>("id")?)?,
            organization_id: parse_id(&row.col::<String>("organization_id")?)?,
            status: parse_status(&status)?,
            created_at: Timestamp::from_unix_millis(row.col("created_at")?),
            updated_at: Timestamp::from_unix_millis(row.col("updated_at")?),
            last_seq: u64_of(row.col("last_seq")?),
            last_message,
            responder_active: row.col::<i64>("responder_active")? != 0,
            project_id: opt_project(row.col("project_id")?)?,
            contact_read_seq: u64_of(row.col("contact_read_seq")?),
            staff_read_seq: u64_of(row.col("staff_read_seq")?),
            unread_count: u32::try_from(row.col::<i64>("contact_unread")?).unwrap_or(u32::MAX),
        },
    })
}

pub(super) fn organization_from_row(row: &impl Get) -> Result<Organization, StoreError> {
    Ok(Organization {
        id: parse_id(&row.col::<String>("id")?)?,
        name: row.col("name")?,
        created_at: Timestamp::from_unix_millis(row.col("created_at")?),
        updated_at: Timestamp::from_unix_millis(row.col("updated_at")?),
    })
}

/// Reads a `webhook_endpoints` row (`SELECT e.*`) with its event types.
pub(super) fn endpoint_from_row(
    r: &impl Get,
    events: Vec<WebhookEventType>,
) -> Result<EndpointRow, StoreError> {
    Ok(EndpointRow {
        endpoint: WebhookEndpoint {
            id: parse_id(&r.col::<String>("id")?)?,
            url: r.col("url")?,
            events,
            secret: r.col("secret")?,
            previous_secret_until: opt_time(r.col("previous_secret_until")?),
            enabled: r.col::<i64>("enabled")? != 0,
            disabled_reason: r.col("disabled_reason")?,
            failing_since: opt_time(r.col("failing_since")?),
            created_at: Timestamp::from_unix_millis(r.col("created_at")?),
        },
        organization_id: parse_id(&r.col::<String>("organization_id")?)?,
        previous_secret: r.col("previous_secret")?,
    })
}

/// Reads a `webhook_deliveries` row, each column prefixed by `prefix`.
pub(super) fn delivery_from_row(r: &impl Get, prefix: &str) -> Result<WebhookDelivery, StoreError> {
    let col = |name: &str| format!("{prefix}{name}");
    let event: String = r.col(col("event_type").as_str())?;
    let state: String = r.col(col("state").as_str())?;
    Ok(WebhookDelivery {
        id: parse_id(&r.col::<String>(col("id").as_str())?)?,
        endpoint_id: parse_id(&r.col::<String>(col("endpoint_id").as_str())?)?,
        event_type: WebhookEventType::parse(&event)
            .ok_or_else(|| StoreError::Corrupt(format!("bad event type {event:?}")))?,
        payload: r.col(col("payload").as_str())?,
        state: WebhookDeliveryState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("bad delivery state {state:?}")))?,
        attempts: u32::try_from(r.col::<i64>(col("attempts").as_str())?).unwrap_or(u32::MAX),
        last_status_code: r
            .col::<Option<i64>>(col("last_status_code").as_str())?
            .and_then(|c| u16::try_from(c).ok()),
        last_error: r.col(col("last_error").as_str())?,
        last_attempt_at: opt_time(r.col(col("last_attempt_at").as_str())?),
        created_at: Timestamp::from_unix_millis(r.col(col("created_at").as_str())?),
    })
}
