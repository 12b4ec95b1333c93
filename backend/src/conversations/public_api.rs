//! The public REST API of seed 003 (`GET /chat/list`, `GET /chat/:chatId/messages`, keyed by
//! `x-api-key`) and the API keys behind it.
//!
//! Mapping: chats are conversations; roles are `USER` (contact), `ASSISTANT` (AI responder
//! and operators, the operator named in `metadata.operator`), `SYSTEM`. Keys are `pk_` + 256
//! random bits; only their SHA-256 is stored.

use crate::clock::Clock;
use crate::contacts::sessions::{hash_token, new_token};
use crate::conversations::{decode_cursor, encode_cursor};
use crate::error::{Error, Result};
use crate::staff::accounts::Operator;
use crate::state::State;
use crate::store::{ApiKeyRow, ChatRow, Organization, Store, TreeMessage};
use parley_shared::api::MessageRole;
use parley_shared::limits::{MAX_PAGE_LIMIT, validate_label};
use parley_shared::public::{
    Accuracy, ApiKey, ApiKeyCreated, Chat, ChatMessage, ChatOrganization, ChatRole,
    DEFAULT_CHAT_TITLE, UiMessage, UiMessageMetadata, UiPart,
};
use parley_shared::{ApiKeyId, ConversationId, MessageId, OrganizationId, UserId};
use serde_json::{Value, json};
use std::collections::HashMap;

/// Characters of a key shown in listings (`pk_` + 7).
const PREFIX_CHARS: usize = 10;
/// `last_used_at` is written at most this often per key, in milliseconds.
const TOUCH_EVERY_MS: i64 = 60_000;

fn view(k: &ApiKeyRow) -> ApiKey {
    ApiKey {
        id: k.id,
        name: k.name.clone(),
        prefix: k.prefix.clone(),
        created_at: k.created_at,
        last_used_at: k.last_used_at,
    }
}

/// Creates a key for `org` (dashboard: managers; CLI: anyone with database access).
pub async fn create_key(
    store: &dyn Store,
    clock: &dyn Clock,
    org: OrganizationId,
    name: &str,
    by: Option<UserId>,
) -> Result<ApiKeyCreated> {
    let name = validate_label(name, "name")?;
    let key = format!("pk_{}", new_token());
    let row = ApiKeyRow {
        id: ApiKeyId::new_random(),
        organization_id: org,
        name,
        prefix: key.chars().take(PREFIX_CHARS).collect(),
        key_hash: hash_token(&key),
        created_by: by,
        created_at: clock.now(),
        last_used_at: None,
        revoked_at: None,
    };
    store.create_api_key(&row).await?;
    Ok(ApiKeyCreated {
        api_key: view(&row),
        key,
    })
}

/// Dashboard: a new key (managers only).
pub async fn create_for(state: &State, op: &Operator, name: &str) -> Result<ApiKeyCreated> {
    op.require_manager()?;
    create_key(
        state.store.as_ref(),
        state.clock.as_ref(),
        op.organization_id,
        name,
        Some(op.user.id),
    )
    .await
}

/// Dashboard: the organization's keys (managers only).
pub async fn list_keys(state: &State, op: &Operator) -> Result<Vec<ApiKey>> {
    op.require_manager()?;
    Ok(state
        .store
        .api_keys(op.organization_id)
        .await?
        .iter()
        .map(view)
        .collect())
}

/// Dashboard: revokes a key (managers only); unknown → `ApiKeyNotFound`.
pub async fn revoke_key(state: &State, op: &Operator, id: ApiKeyId) -> Result<()> {
    op.require_manager()?;
    if state
        .store
        .revoke_api_key(op.organization_id, id, state.clock.now())
        .await?
    {
        Ok(())
    } else {
        Err(Error::ApiKeyNotFound)
    }
}

/// The organization a valid, unrevoked key belongs to; otherwise `ApiKeyInvalid` (401).
pub async fn authenticate(state: &State, key: Option<&str>) -> Result<OrganizationId> {
    let key = key
        .map(str::trim)
        .filter(|k| k.starts_with("pk_"))
        .ok_or(Error::ApiKeyInvalid)?;
    let row = state
        .store
        .api_key_by_hash(&hash_token(key))
        .await?
        .ok_or(Error::ApiKeyInvalid)?;
    let now = state.clock.now();
    if row
        .last_used_at
        .is_none_or(|t| now.unix_millis() - t.unix_millis() >= TOUCH_EVERY_MS)
    {
        state.store.touch_api_key(row.id, now).await?;
    }
    Ok(row.organization_id)
}

fn chat(org: &Organization, row: ChatRow) -> Chat {
    let mut metadata =
        serde_json::from_str::<serde_json::Map<String, Value>>(&row.contact_metadata)
            .unwrap_or_default();
    metadata.retain(|_, v| !v.is_null());
    metadata.insert("source".into(), json!("web"));
    let c = row.conversation;
    Chat {
        id: c.id,
        title: Some(DEFAULT_CHAT_TITLE.to_owned()),
        created_at: c.created_at,
        updated_at: c.updated_at,
        organization_id: c.organization_id,
        project_id: row.project.as_ref().map(|p| p.id.to_string()),
        metadata: Value::Object(metadata),
        organization: ChatOrganization {
            id: org.id,
            name: org.name.clone(),
            scope: "REGULAR".to_owned(),
            created_at: org.created_at,
            updated_at: org.updated_at,
        },
        project: row.project.map(|p| {
            json!({"id": p.id, "name": p.name, "organizationId": org.id,
                   "createdAt": p.created_at, "updatedAt": p.updated_at})
        }),
        messages_length: row.messages_length,
    }
}

/// `GET /chat/list`: every chat of the organization, most recently updated first. With
/// `limit` (1–100), one page and the cursor of the next (`None` at the end).
pub async fn list_chats(
    state: &State,
    org: OrganizationId,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<(Vec<Chat>, Option<String>)> {
    let organization = state
        .store
        .organization(org)
        .await?
        .ok_or(Error::ApiKeyInvalid)?;
    let cursor = cursor.map(decode_cursor).transpose()?;
    let limit = limit.map(|l| l.clamp(1, MAX_PAGE_LIMIT));
    let mut rows = state.store.chats(org, cursor, limit.map(|l| l + 1)).await?;
    let next = match limit {
        Some(l) if rows.len() > l as usize => {
            rows.truncate(l as usize);
            rows.last().map(|r| encode_cursor(&r.conversation))
        }
        _ => None,
    };
    Ok((
        rows.into_iter().map(|r| chat(&organization, r)).collect(),
        next,
    ))
}

fn chat_role(role: MessageRole) -> ChatRole {
    match role {
        MessageRole::Contact => ChatRole::User,
        MessageRole::Operator | MessageRole::Assistant => ChatRole::Assistant,
        MessageRole::System => ChatRole::System,
    }
}

fn chat_message(t: TreeMessage, max_sibling: &HashMap<Option<MessageId>, u64>) -> ChatMessage {
    let m = t.message;
    let role = chat_role(m.role);
    let parts = vec![UiPart {
        kind: "text".to_owned(),
        text: m.content.clone(),
    }];
    let metadata = match (m.role, t.author_id) {
        (MessageRole::Operator, Some(id)) => {
            json!({ "operator": { "id": id, "displayName": m.author_name } })
        }
        (MessageRole::Operator, None) => json!({ "operator": { "displayName": m.author_name } }),
        _ => json!({}),
    };
    let ui_role = match role {
        ChatRole::User => "user",
        ChatRole::Assistant => "assistant",
        ChatRole::System => "system",
        ChatRole::Tool => "tool",
    };
    ChatMessage {
        id: m.id,
        chat_id: m.conversation_id,
        role,
        content: m.content,
        parts: parts.clone(),
        metadata,
        message: Some(UiMessage {
            id: m.id,
            role: ui_role.to_owned(),
            parts,
            metadata: UiMessageMetadata {
                prisma_message_id: m.id,
                message_id: m.id,
                previous_message_id: t.previous_message_id,
                depth: t.depth,
                sibling_index: t.sibling_index,
                max_sibling_index: max_sibling
                    .get(&t.previous_message_id)
                    .copied()
                    .unwrap_or(0),
                created_at: m.created_at,
            },
        }),
        created_at: m.created_at,
        updated_at: t.updated_at.unwrap_or(m.created_at),
        depth: t.depth,
        previous_message_id: t.previous_message_id,
        root_message_id: t.root_message_id,
        sibling_index: t.sibling_index,
        accuracy: t.accuracy.as_deref().and_then(Accuracy::parse),
        feedback: t.feedback,
    }
}

/// `GET /chat/:chatId/messages`: chronological; unknown chat or another organization's →
/// `ChatNotFound` (404).
pub async fn chat_messages(
    state: &State,
    org: OrganizationId,
    raw_id: &str,
) -> Result<Vec<ChatMessage>> {
    let id: ConversationId = raw_id.parse().map_err(|_| Error::ChatNotFound)?;
    match state.store.conversation(id).await? {
        Some(owned) if owned.conversation.organization_id == org => {}
        _ => return Err(Error::ChatNotFound),
    }
    let messages = state.store.tree_messages(id).await?;
    let mut max_sibling: HashMap<Option<MessageId>, u64> = HashMap::new();
    for t in &messages {
        let entry = max_sibling.entry(t.previous_message_id).or_default();
        *entry = (*entry).max(t.sibling_index);
    }
    Ok(messages
        .into_iter()
        .map(|t| chat_message(t, &max_sibling))
        .collect())
}
