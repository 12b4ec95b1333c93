//! A visitor's conversations: start, list, read, escalate ("Talk to a person").

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ClientIp, Contact, ConversationPath, Json, PageQuery, Query};

use super::session::ProjectQuery;
use crate::conversations::{self};
use crate::error::Result;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::api::{Conversation, Page};
use parley_shared::{ConversationId, ErrorBody};

#[utoipa::path(post, path = "/conversations", tag = "widget", params(ProjectQuery), responses((status = 201, description = "The new conversation (`unresolved`)", body = Conversation), (status = 403, description = "Verified visitors only (`identity_required`)", body = ErrorBody), (status = 404, description = "Unknown `projectId` (`not_found`)", body = ErrorBody), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn create_conversation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    Query(q): Query<ProjectQuery>,
) -> Result<(StatusCode, Json<Conversation>), ApiError> {
    state.limits.conversation(session.id, ip)?;
    let conversation = conversations::create(&state, &session, q.project_id).await?;
    Ok((StatusCode::CREATED, Json(conversation)))
}

#[utoipa::path(get, path = "/conversations", tag = "widget", params(PageQuery), responses((status = 200, description = "The contact's conversations, latest activity first", body = Page<Conversation>), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn list_conversations(
    State(state): State<AppState>,
    Contact(session): Contact,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Conversation>>> {
    conversations::list_own(&state, &session, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 200, description = "The conversation", body = Conversation), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn get_conversation(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
) -> Result<Json<Conversation>> {
    conversations::get_own(&state, &session, id).await.map(Json)
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/escalate", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 200, description = "The conversation, now `escalated` (unchanged if it already was)", body = Conversation), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 409, description = "The conversation is resolved (`conversation_resolved`)", body = ErrorBody)), security(("contact_session" = [])))]
/// "Talk to a person": hands the conversation to the organization's staff.
pub(super) async fn escalate(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
) -> Result<Json<Conversation>> {
    conversations::escalate_own(&state, &session, id)
        .await
        .map(Json)
}
