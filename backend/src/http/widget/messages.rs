//! Messages of a visitor's conversation: read, send, rate, edit, regenerate the AI answer.

use crate::conversations::messages;
use crate::error::Result;
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{
    ClientIp, Contact, ContactConversation, Json, MessagePath, PageQuery, Query, Stored,
};
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::api::{Message, Page, Rating, Regenerate, SendMessage};
use parley_shared::{ConversationId, ErrorBody, MessageId};

#[utoipa::path(get, path = "/conversations/{conversation_id}/messages", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), PageQuery), responses((status = 200, description = "Messages in `seq` order", body = Page<Message>), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn list_messages(
    State(state): State<AppState>,
    ContactConversation(own): ContactConversation,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Message>>> {
    messages::list_own(&state, &own, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

/// `201` for a new message, `200` for a retried one (same ID): the same body either way.
#[utoipa::path(post, path = "/conversations/{conversation_id}/messages", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = SendMessage, responses((status = 201, description = "Stored", body = Message), (status = 200, description = "A retry of a message already stored (same ID)", body = Message), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 409, description = "Resolved conversation, or the ID is taken by other content (`conversation_resolved`, `message_id_conflict`)", body = ErrorBody), (status = 413, description = "Body over 64 KiB", body = ErrorBody), (status = 422, description = "Empty or too long content (`message_empty`, `message_too_long`, `validation_failed`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn send_message(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ContactConversation(own): ContactConversation,
    Json(req): Json<SendMessage>,
) -> Result<Stored<Message>, ApiError> {
    state
        .limits
        .message(own.session.id, ip, own.session.organization_id)?;
    let (message, created) = messages::send_as_contact(&state, &own, req).await?;
    Ok(Stored(message, created))
}

/// `PUT /conversations/{id}/messages/{messageId}/rating` with a [`Rating`]: the updated message.
#[utoipa::path(put, path = "/conversations/{conversation_id}/messages/{message_id}/rating", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), ("message_id" = MessageId, Path, description = "The message")), request_body = Rating, responses((status = 200, description = "The rated message", body = Message), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation or message, or not the caller's", body = ErrorBody), (status = 422, description = "Not an assistant or operator message, or an invalid rating", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn rate_message(
    State(state): State<AppState>,
    Contact(session): Contact,
    MessagePath(conversation, message): MessagePath,
    Json(rating): Json<Rating>,
) -> Result<Json<Message>> {
    messages::rate(&state, &session, conversation, message, rating)
        .await
        .map(Json)
}

/// `POST /conversations/{id}/messages/{messageId}/edits` with a [`SendMessage`]: the edited
/// text as a sibling branch; `201` when created, `200` for a retried edit.
#[utoipa::path(post, path = "/conversations/{conversation_id}/messages/{message_id}/edits", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), ("message_id" = MessageId, Path, description = "The message")), request_body = SendMessage, responses((status = 201, description = "The edit, stored as a sibling branch of the original", body = Message), (status = 200, description = "A retried edit", body = Message), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation or message, or not the caller's", body = ErrorBody), (status = 409, description = "Resolved conversation or ID conflict", body = ErrorBody), (status = 422, description = "Empty or too long content (`message_empty`, `message_too_long`, `validation_failed`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn edit_message(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    MessagePath(conversation, original): MessagePath,
    Json(req): Json<SendMessage>,
) -> Result<Stored<Message>, ApiError> {
    state
        .limits
        .message(session.id, ip, session.organization_id)?;
    let (message, created) =
        messages::edit_as_contact(&state, &session, conversation, original, req).await?;
    Ok(Stored(message, created))
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/messages/{message_id}/regenerate", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), ("message_id" = MessageId, Path, description = "The assistant answer to replace")), request_body = Regenerate, responses((status = 202, description = "A new answer is being written; it arrives live as a sibling of the old one"), (status = 401, description = "No, unknown or expired contact session", body = ErrorBody), (status = 404, description = "Unknown conversation or message, or not the caller's", body = ErrorBody), (status = 409, description = "Resolved, or a person has taken over (`conversation_resolved`, `responder_inactive`)", body = ErrorBody), (status = 422, description = "Not an assistant answer", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
/// Asks the AI responder for another answer (idempotent by the request's `id`).
pub(super) async fn regenerate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    MessagePath(conversation, message): MessagePath,
    Json(req): Json<Regenerate>,
) -> Result<StatusCode, ApiError> {
    state
        .limits
        .message(session.id, ip, session.organization_id)?;
    crate::responder::regenerate(&state, &session, conversation, message, req.id).await?;
    Ok(StatusCode::ACCEPTED)
}
