//! What operators do in their current organization: the inbox, a conversation with its
//! contact, replies, status changes, read markers. Every function checks that the
//! conversation belongs to the operator's organization; any other ID is `ConversationNotFound`.

use crate::conversations::messages;
use crate::conversations::{decode_cursor, encode_ranked_cursor, page_limit};
use crate::error::{Error, Result};
use crate::live;
use crate::staff::accounts::Operator;
use crate::state::State;
use crate::store::{NewMessage, OwnedConversation, ReadMark, Reader, Revocation};
use parley_shared::api::{Conversation, ConversationStatus, Message, MessageRole, Page};
use parley_shared::staff::{
    ContactDetails, ConversationDetail, InboxFilter, InboxItem, OperatorReply,
};
use parley_shared::{ConversationId, MessageId};

/// The conversation, if it belongs to the operator's organization.
async fn own(state: &State, op: &Operator, id: ConversationId) -> Result<OwnedConversation> {
    match state.store.conversation(id).await? {
        Some(owned) if owned.conversation.organization_id == op.organization_id => Ok(owned),
        _ => Err(Error::ConversationNotFound),
    }
}

/// The operator's organization's conversation `id` with its contact session.
async fn own_with_contact(
    state: &State,
    op: &Operator,
    id: ConversationId,
) -> Result<(OwnedConversation, crate::store::ContactSession)> {
    let owned = own(state, op, id).await?;
    let session = state
        .store
        .contact_session(owned.contact_session_id)
        .await?
        .ok_or(Error::ConversationNotFound)?;
    Ok((owned, session))
}

/// One inbox tab, most recent activity first, in cursor pages.
pub async fn inbox(
    state: &State,
    op: &Operator,
    filter: InboxFilter,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<InboxItem>> {
    let limit = page_limit(limit);
    let cursor = cursor.map(decode_cursor).transpose()?;
    let mut items = state
        .store
        .inbox(op.organization_id, filter, op.user.id, cursor, limit + 1)
        .await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items
            .last()
            .map(|i| encode_ranked_cursor(filter.rank(i.conversation.status), &i.conversation))
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// The inbox rows of `ids` as `op` sees them (live updates), in the order of `ids`; IDs
/// outside `op`'s organization or unknown are left out.
pub async fn inbox_items(
    state: &State,
    op: &Operator,
    ids: &[ConversationId],
) -> Result<Vec<InboxItem>> {
    let mut items: Vec<InboxItem> = state
        .store
        .inbox_items(ids, op.user.id)
        .await?
        .into_iter()
        .filter(|item| item.conversation.organization_id == op.organization_id)
        .collect();
    items.sort_by_key(|item| ids.iter().position(|id| *id == item.conversation.id));
    Ok(items)
}

/// The conversation with its contact panel.
pub async fn detail(
    state: &State,
    op: &Operator,
    id: ConversationId,
) -> Result<ConversationDetail> {
    let (owned, session) = own_with_contact(state, op, id).await?;
    Ok(ConversationDetail {
        conversation: owned.conversation,
        contact: contact_details(session),
    })
}

/// A contact session as staff see it (the dashboard's contact panel, data exports).
pub fn contact_details(session: crate::store::ContactSession) -> ContactDetails {
    ContactDetails {
        contact_session_id: session.id,
        metadata: serde_json::from_str(&session.metadata).unwrap_or_default(),
        name: session.name,
        email: session.email,
        created_at: session.created_at,
        expires_at: session.expires_at,
        verified: session.verified,
        external_id: session.external_id,
        blocked: session.revoked,
    }
}

/// Blocks the contact of conversation `id` ("block contact"): every session of their email
/// in the organization is revoked at once (their requests answer 401, their open live
/// sockets end) and the email can start no new session. Any operator may block.
pub async fn block_contact(state: &State, op: &Operator, id: ConversationId) -> Result<()> {
    let (_, session) = own_with_contact(state, op, id).await?;
    let email = parley_shared::limits::email_key(&session.email);
    state
        .store
        .block_contact(op.organization_id, &email, state.clock.now())
        .await?;
    let revocation = Revocation::Contacts {
        organization_id: op.organization_id,
        email: Some(email),
    };
    live::revoke(state, revocation).await;
    Ok(())
}

/// Messages in `seq` order after `cursor` (a `seq`).
pub async fn messages(
    state: &State,
    op: &Operator,
    id: ConversationId,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Message>> {
    own(state, op, id).await?;
    messages::page(state, id, cursor, limit).await
}

/// An operator's reply, shown to the visitor with the operator's display name.
pub async fn reply(
    state: &State,
    op: &Operator,
    id: ConversationId,
    req: OperatorReply,
) -> Result<(Message, bool)> {
    own(state, op, id).await?;
    let new = NewMessage {
        id: req.id.unwrap_or_else(MessageId::new_random),
        conversation_id: id,
        role: MessageRole::Operator,
        author_name: Some(op.user.display_name.clone()),
        author_id: Some(op.user.id),
        content: req.content,
        created_at: state.clock.now(),
        sibling_of: None,
        answer_job: None,
        event_job: None,
        // A person has answered: the assistant steps back.
        stops_responder: true,
    };
    messages::store_staff_message(state, op.organization_id, new).await
}

/// Resolve, escalate or reopen.
pub async fn set_status(
    state: &State,
    op: &Operator,
    id: ConversationId,
    status: ConversationStatus,
) -> Result<Conversation> {
    own(state, op, id).await?;
    crate::conversations::set_status(state, id, status).await
}

/// Records that `op` has read `id` up to `seq`: their unread count, and the visitor's
/// "Seen" when the team's position moved (other instances hear of both from the store).
pub async fn mark_read(state: &State, op: &Operator, id: ConversationId, seq: u64) -> Result<()> {
    own(state, op, id).await?;
    let org = op.organization_id;
    let mark = ReadMark {
        organization_id: org,
        conversation_id: id,
        reader: Reader::Operator(op.user.id),
        seq,
    };
    if let Some(seq) = state.store.record_read(mark).await? {
        state
            .hub
            .read(id, parley_shared::api::MessageRole::Operator, seq);
    }
    // The operator's other dashboards clear the badge too.
    state.hub.inbox_changed(org, id);
    Ok(())
}
