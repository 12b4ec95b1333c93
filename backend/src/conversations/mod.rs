//! Conversations: creation, the owner-only access rule, listing, status changes.
//!
//! Access rule (the check seed 001 found missing): a conversation is visible only to the
//! contact session that started it, inside that session's organization. Any other ID is
//! answered as "not found", so a caller cannot even learn that it exists.
//!
//! Messages (`messages`) and the public REST API's read model of chats (`public_api`) live
//! beside them; attachments will too.

pub mod messages;
pub mod public_api;

use crate::error::{Error, Result};
use crate::state::State;
use crate::store::{ContactSession, ConversationCursor};
use parley_shared::api::{Conversation, ConversationStatus, Page};
use parley_shared::limits::{DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use parley_shared::{ConversationId, ProjectId, Timestamp};

/// Clamps a requested page size into `1..=MAX_PAGE_LIMIT` (default `DEFAULT_PAGE_LIMIT`).
pub fn page_limit(requested: Option<u32>) -> u32 {
    requested
        .unwrap_or(DEFAULT_PAGE_LIMIT)
        .clamp(1, MAX_PAGE_LIMIT)
}

/// The caller's conversation `id`, if a previous attempt created it (a retry); `None` if
/// no conversation has that ID. Errors: `ConversationIdConflict` (another's).
pub async fn retry_of(
    state: &State,
    session: &ContactSession,
    id: ConversationId,
) -> Result<Option<Conversation>> {
    match state.store.conversation(id).await? {
        None => Ok(None),
        Some(owned) if owned.contact_session_id == session.id => Ok(Some(owned.conversation)),
        Some(_) => Err(Error::ConversationIdConflict),
    }
}

/// Starts a new, empty `unresolved` conversation for the session, on `project` (one of the
/// session's organization's projects, else `ProjectNotFound`) if named, under `id` if the
/// widget chose one (it does when the visitor sends the first message, so an abandoned
/// "new chat" leaves nothing in the inbox). Errors: `ConversationIdConflict` when `id` was
/// taken meanwhile by another session.
pub async fn create(
    state: &State,
    session: &ContactSession,
    project: Option<ProjectId>,
    id: Option<ConversationId>,
) -> Result<Conversation> {
    if let Some(project) = project {
        crate::settings::project_of(state, session.organization_id, project).await?;
    }
    let now = state.clock.now();
    let conversation = Conversation {
        id: id.unwrap_or_else(ConversationId::new_random),
        organization_id: session.organization_id,
        status: ConversationStatus::Unresolved,
        created_at: now,
        updated_at: now,
        last_seq: 0,
        last_message: None,
        responder_active: true,
        project_id: project,
        contact_read_seq: 0,
        staff_read_seq: 0,
        unread_count: 0,
    };
    if let Err(e) = state
        .store
        .create_conversation(session.id, &conversation)
        .await
    {
        // Two attempts with one ID raced: the winner's, if it is the caller's, is the answer.
        return match retry_of(state, session, conversation.id).await? {
            Some(existing) => Ok(existing),
            None => Err(e.into()),
        };
    }
    let org = conversation.organization_id;
    state
        .hub
        .conversation_created(org, Some(session.id), conversation.id);
    crate::webhooks::events::conversation_created(
        state,
        conversation.organization_id,
        conversation.id,
    )
    .await;
    Ok(conversation)
}

/// A contact session and one of its own conversations, checked together (see
/// [`crate::contacts::sessions::authenticate_in_conversation`]).
#[derive(Clone, Debug)]
pub struct OwnConversation {
    /// The authenticated session.
    pub session: ContactSession,
    /// The conversation, the session's own.
    pub id: ConversationId,
    /// Its status when checked.
    pub status: ConversationStatus,
}

/// The session's own conversation `id`; anything else is `ConversationNotFound`.
pub async fn get_own(
    state: &State,
    session: &ContactSession,
    id: ConversationId,
) -> Result<Conversation> {
    match state.store.conversation(id).await? {
        Some(owned)
            if owned.contact_session_id == session.id
                && owned.conversation.organization_id == session.organization_id =>
        {
            Ok(owned.conversation)
        }
        _ => Err(Error::ConversationNotFound),
    }
}

/// Records that the visitor has seen their conversation `id` up to `seq` (the caller checked
/// it is the session's own): stored, never backwards, capped at the newest message; when it
/// moved, the team's open views show "Seen" (other instances hear of it from the store).
pub async fn contact_read(
    state: &State,
    session: &ContactSession,
    id: ConversationId,
    seq: u64,
) -> Result<()> {
    let mark = crate::store::ReadMark {
        organization_id: session.organization_id,
        conversation_id: id,
        reader: crate::store::Reader::Contact,
        seq,
    };
    if let Some(seq) = state.store.record_read(mark).await? {
        let role = parley_shared::api::MessageRole::Contact;
        state.hub.read(id, role, seq);
    }
    Ok(())
}

/// The opaque cursor after `c` in a most-recent-first list.
pub fn encode_cursor(c: &Conversation) -> String {
    encode_ranked_cursor(0, c)
}

/// The opaque cursor after `c`, of group `rank`, in a list sorted by group first.
pub fn encode_ranked_cursor(rank: i64, c: &Conversation) -> String {
    parley_shared::cursor::encode(rank, c.updated_at.unix_millis(), c.id.0)
}

/// Parses [`encode_cursor`]'s output; anything else is `BadRequest`.
pub fn decode_cursor(raw: &str) -> Result<ConversationCursor> {
    let (rank, ms, id) = parley_shared::cursor::decode(raw)
        .ok_or_else(|| Error::BadRequest("invalid cursor".into()))?;
    Ok(ConversationCursor {
        rank,
        updated_at: Timestamp::from_unix_millis(ms),
        id: ConversationId(id),
    })
}

/// The session's conversations, most recent activity first; `cursor` is a previous page's
/// `nextCursor` (malformed → `BadRequest`).
pub async fn list_own(
    state: &State,
    session: &ContactSession,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Conversation>> {
    let limit = page_limit(limit);
    let cursor = cursor.map(decode_cursor).transpose()?;
    // One extra row tells whether another page exists.
    let mut items = state
        .store
        .conversations_of_session(session.id, cursor, limit + 1)
        .await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(encode_cursor)
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Sets a conversation's status (staff action) and tells live subscribers.
pub async fn set_status(
    state: &State,
    id: ConversationId,
    status: ConversationStatus,
) -> Result<Conversation> {
    // Read first for the webhook's `previousStatus` (a concurrent change in between is
    // reported from the status read here).
    let previous = state
        .store
        .conversation(id)
        .await?
        .ok_or(Error::ConversationNotFound)?
        .conversation
        .status;
    let conversation = state
        .store
        .set_conversation_status(id, status, state.clock.now())
        .await?
        .ok_or(Error::ConversationNotFound)?;
    state.hub.status_changed(
        conversation.organization_id,
        id,
        status,
        conversation.updated_at,
    );
    crate::webhooks::events::status_changed(
        state,
        conversation.organization_id,
        id,
        previous,
        status,
    )
    .await;
    Ok(conversation)
}

/// The contact asks for a person ("Talk to a person"): `unresolved` → `escalated`; already
/// escalated is a no-op. Errors: `ConversationNotFound`, `ConversationResolved`.
pub async fn escalate_own(
    state: &State,
    session: &ContactSession,
    id: ConversationId,
) -> Result<Conversation> {
    let conversation = get_own(state, session, id).await?;
    match conversation.status {
        ConversationStatus::Escalated => Ok(conversation),
        ConversationStatus::Resolved => Err(Error::ConversationResolved),
        ConversationStatus::Unresolved => {
            set_status(state, id, ConversationStatus::Escalated).await
        }
    }
}
