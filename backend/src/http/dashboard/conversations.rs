//! The inbox and one conversation: its messages, replies, status, read marker, blocking its contact, its AI responder switch.

use crate::error::Result;
use crate::http::AppState;
use crate::http::extract::{ConversationPath, Json, PageQuery, Query, Stored};
use crate::http::staff_session::Staff;
use crate::staff::inbox as staff;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::api::{Conversation, Message, Page, UpdateConversation};
use parley_shared::staff::SetResponder;
use parley_shared::staff::{ConversationDetail, InboxFilter, InboxItem, MarkRead, OperatorReply};
use parley_shared::{ConversationId, ErrorBody};
use serde::Deserialize;

/// `?status=waiting|unresolved|escalated|resolved|all&cursor=…&limit=…` (default `waiting`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct InboxQuery {
    #[serde(default)]
    status: InboxFilter,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/conversations", tag = "dashboard", params(InboxQuery), responses((status = 200, description = "Inbox rows, latest activity first", body = Page<InboxItem>), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn inbox(
    State(state): State<AppState>,
    Staff(op): Staff,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Page<InboxItem>>> {
    staff::inbox(&state, &op, q.status, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 200, description = "The conversation with its contact", body = ConversationDetail), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn conversation(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
) -> Result<Json<ConversationDetail>> {
    staff::detail(&state, &op, id).await.map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}/messages", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation"), PageQuery), responses((status = 200, description = "Messages in `seq` order", body = Page<Message>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn messages(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Message>>> {
    staff::messages(&state, &op, id, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/messages", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = OperatorReply, responses((status = 201, description = "Stored under the operator's name", body = Message), (status = 200, description = "A retried reply (same ID)", body = Message), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 409, description = "ID conflict", body = ErrorBody), (status = 422, description = "Empty or too long content (`message_empty`, `message_too_long`, `validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn reply(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<OperatorReply>,
) -> Result<Stored<Message>> {
    let (message, created) = staff::reply(&state, &op, id, req).await?;
    Ok(Stored(message, created))
}

#[utoipa::path(patch, path = "/conversations/{conversation_id}", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = UpdateConversation, responses((status = 200, description = "The conversation with its new status", body = Conversation), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn update_conversation(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<UpdateConversation>,
) -> Result<Json<Conversation>> {
    staff::set_status(&state, &op, id, req.status)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/read", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = MarkRead, responses((status = 204, description = "Read up to `seq` for this operator"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn mark_read(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<MarkRead>,
) -> Result<StatusCode> {
    staff::mark_read(&state, &op, id, req.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/block", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 204, description = "The contact is blocked: their sessions are revoked and their email refused"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
/// "Block contact": revokes the conversation's contact and refuses their email.
pub(super) async fn block_contact(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
) -> Result<StatusCode> {
    staff::block_contact(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/conversations/{conversation_id}/responder", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = SetResponder, responses((status = 200, description = "The conversation with `responderActive` as asked", body = Conversation), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "Unknown conversation (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Switches the AI responder on or off in one conversation.
pub(super) async fn set_conversation_responder(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<SetResponder>,
) -> Result<Json<Conversation>> {
    crate::responder::set_active(&state, &op, id, req.active)
        .await
        .map(Json)
}
