//! Messages: sending (idempotent on the client's message ID), listing, live publication.

use crate::conversations::{OwnConversation, get_own, page_limit};
use crate::error::{Error, Result};
use crate::state::State;
use crate::store::{ContactSession, Inserted, NewMessage};
use parley_shared::api::{ConversationStatus, Message, MessageRole, Page, SendMessage, StaffReply};
use parley_shared::limits::{ContentError, validate_content};
use parley_shared::{ConversationId, MessageId, OrganizationId};

/// Display name of staff replies that name no operator.
const DEFAULT_STAFF_NAME: &str = "Support";

fn check_content(state: &State, content: &str) -> Result<()> {
    validate_content(content, state.config.max_message_chars).map_err(|e| match e {
        ContentError::Empty => Error::MessageEmpty,
        ContentError::TooLong { max } => Error::MessageTooLong { max },
    })
}

/// Whether a stored message is the one `new` describes (a retried send).
fn same_message(stored: &Message, new: &NewMessage) -> bool {
    stored.conversation_id == new.conversation_id
        && stored.role == new.role
        && stored.content == new.content
}

/// Stores `new` and publishes it; a replay of an existing ID returns the stored message if
/// it is the same message, `MessageIdConflict` otherwise. The bool is `true` when created.
async fn insert(
    state: &State,
    org: OrganizationId,
    mut new: NewMessage,
) -> Result<(Message, bool)> {
    // Every stored message is a `message.created` webhook event (committed with it). Its
    // worker finds it at its next poll: ringing here would cost a claim query per message
    // on the hot path, for organizations that mostly have no webhooks.
    new.event_job = Some(crate::webhooks::events::message_created(
        org,
        new.conversation_id,
        new.id,
        new.created_at,
    ));
    match state.store.insert_message(&new).await? {
        Inserted::Created(message) => {
            state.hub.message_created(org, &message);
            if new.answer_job.is_some() {
                state.jobs.ring(crate::responder::ANSWER);
            }

            Ok((message, true))
        }
        Inserted::Existing(message) if same_message(&message, &new) => Ok((message, false)),
        Inserted::Existing(_) => Err(Error::MessageIdConflict),
    }
}

/// A contact's message in their own conversation (checked by the caller, see
/// [`OwnConversation`]). Errors: `MessageEmpty`, `MessageTooLong`, `ConversationResolved`,
/// `MessageIdConflict`.
pub async fn send_as_contact(
    state: &State,
    own: &OwnConversation,
    req: SendMessage,
) -> Result<(Message, bool)> {
    check_content(state, &req.content)?;
    let new = NewMessage {
        id: req.id,
        conversation_id: own.id,
        role: MessageRole::Contact,
        author_name: None,
        author_id: None,
        content: req.content,
        created_at: state.clock.now(),
        sibling_of: None,
        // A visitor's message asks the assistant for an answer.
        answer_job: Some(crate::responder::job_for(
            req.id,
            own.session.organization_id,
            own.id,
        )),
        event_job: None,
        stops_responder: false,
    };
    if own.status == ConversationStatus::Resolved {
        // A retry of a message accepted before the conversation was resolved still succeeds.
        return match state.store.message(new.id).await? {
            Some(existing) if same_message(&existing, &new) => Ok((existing, false)),
            _ => Err(Error::ConversationResolved),
        };
    }
    insert(state, own.session.organization_id, new).await
}

/// A staff reply (interim admin API until the dashboard exists). Errors:
/// `ConversationNotFound`, `MessageEmpty`, `MessageTooLong`, `MessageIdConflict`.
pub async fn send_as_staff(
    state: &State,
    conversation_id: ConversationId,
    req: StaffReply,
) -> Result<(Message, bool)> {
    let owned = state
        .store
        .conversation(conversation_id)
        .await?
        .ok_or(Error::ConversationNotFound)?;
    let author = req
        .author_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| DEFAULT_STAFF_NAME.to_owned());
    let new = NewMessage {
        id: req.id.unwrap_or_else(MessageId::new_random),
        conversation_id,
        role: MessageRole::Operator,
        author_name: Some(author),
        author_id: None,
        content: req.content,
        created_at: state.clock.now(),
        sibling_of: None,
        answer_job: None,
        event_job: None,
        // A person has answered: the assistant steps back.
        stops_responder: true,
    };
    store_staff_message(state, owned.conversation.organization_id, new).await
}

/// Checks and stores a staff message (operator or admin API) and publishes it.
pub async fn store_staff_message(
    state: &State,
    org: OrganizationId,
    new: NewMessage,
) -> Result<(Message, bool)> {
    check_content(state, &new.content)?;
    let conversation = new.conversation_id;
    let (message, created) = insert(state, org, new).await?;
    if created && message.role == parley_shared::api::MessageRole::Operator {
        // Emailed later if the visitor has not seen it by then (issue 15).
        crate::email::reply_stored(state, org, conversation, &message).await;
    }
    Ok((message, created))
}

/// Messages of the session's own conversation (checked by the caller, see
/// [`OwnConversation`]) in `seq` order, after the `cursor` (a previous page's `nextCursor`,
/// i.e. a `seq`; malformed → `BadRequest`).
pub async fn list_own(
    state: &State,
    own: &OwnConversation,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Message>> {
    page(state, own.id, cursor, limit).await
}

/// A page of a conversation's messages after `cursor` (a `seq`; malformed → `BadRequest`),
/// for callers that have checked access.
pub async fn page(
    state: &State,
    conversation_id: ConversationId,
    cursor: Option<&str>,
    limit: Option<u32>,
) -> Result<Page<Message>> {
    let after: u64 = match cursor {
        Some(c) => c
            .parse()
            .map_err(|_| Error::BadRequest("invalid cursor".into()))?,
        None => 0,
    };
    let limit = page_limit(limit);
    let mut items = state
        .store
        .messages_after(conversation_id, after, limit + 1)
        .await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next_cursor = if more {
        items.last().map(|m| m.seq.to_string())
    } else {
        None
    };
    Ok(Page { items, next_cursor })
}

/// Longest feedback comment, in characters.
pub const MAX_FEEDBACK_CHARS: usize = 1000;

/// The contact rates an answer in their own conversation. Errors: `ConversationNotFound`
/// (not theirs), `MessageNotFound` (not in this conversation), `Validation` (their own or a
/// system message, or a comment over 1,000 characters).
pub async fn rate(
    state: &State,
    session: &ContactSession,
    conversation_id: ConversationId,
    message_id: MessageId,
    rating: parley_shared::api::Rating,
) -> Result<Message> {
    get_own(state, session, conversation_id).await?;
    let mut message = match state.store.message(message_id).await? {
        Some(m) if m.conversation_id == conversation_id => m,
        _ => return Err(Error::MessageNotFound),
    };
    if !matches!(message.role, MessageRole::Operator | MessageRole::Assistant) {
        return Err(Error::Validation(
            "only answers from the team or the assistant can be rated".into(),
        ));
    }
    let feedback = rating
        .feedback
        .map(|f| f.trim().to_owned())
        .filter(|f| !f.is_empty());
    if feedback
        .as_ref()
        .is_some_and(|f| f.chars().count() > MAX_FEEDBACK_CHARS)
    {
        return Err(Error::Validation(
            "the comment is too long (1,000 characters at most)".into(),
        ));
    }
    let rating = parley_shared::api::Rating {
        accuracy: rating.accuracy,
        feedback,
    };
    state
        .store
        .set_rating(message_id, &rating, state.clock.now())
        .await?;
    crate::webhooks::events::rating_given(
        state,
        session.organization_id,
        conversation_id,
        message_id,
    )
    .await;
    message.rating = Some(rating);
    Ok(message)
}

/// The contact edits one of their messages: the new text becomes a sibling of `original` in
/// the message tree (seed 003's branches), and the conversation continues from it. `req.id`
/// makes retries idempotent as for sends. Errors: `ConversationNotFound`, `MessageNotFound`,
/// `Validation` (not one of the contact's messages), `MessageEmpty`, `MessageTooLong`,
/// `ConversationResolved`, `MessageIdConflict`.
pub async fn edit_as_contact(
    state: &State,
    session: &ContactSession,
    conversation_id: ConversationId,
    original: MessageId,
    req: SendMessage,
) -> Result<(Message, bool)> {
    let conversation = get_own(state, session, conversation_id).await?;
    match state.store.message(original).await? {
        Some(m) if m.conversation_id == conversation_id && m.role == MessageRole::Contact => {}
        Some(m) if m.conversation_id == conversation_id => {
            return Err(Error::Validation(
                "only your own messages can be edited".into(),
            ));
        }
        _ => return Err(Error::MessageNotFound),
    }
    check_content(state, &req.content)?;
    let new = NewMessage {
        id: req.id,
        conversation_id,
        role: MessageRole::Contact,
        author_name: None,
        author_id: None,
        content: req.content,
        created_at: state.clock.now(),
        sibling_of: Some(original),
        answer_job: Some(crate::responder::job_for(
            req.id,
            conversation.organization_id,
            conversation_id,
        )),
        event_job: None,
        stops_responder: false,
    };
    if conversation.status == ConversationStatus::Resolved {
        return match state.store.message(new.id).await? {
            Some(existing) if same_message(&existing, &new) => Ok((existing, false)),
            _ => Err(Error::ConversationResolved),
        };
    }
    insert(state, session.organization_id, new).await
}
