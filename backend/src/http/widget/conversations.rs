//! A visitor's conversations: start, list, read, escalate ("Talk to a person").

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ClientIp, Contact, ConversationPath, Json, PageQuery, Query};

use crate::conversations::{self};
use crate::error::Result;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::api::{Conversation, Page};
use parley_shared::{ConversationId, ErrorBody};

/// `?projectId=…&id=…`: the website, and the conversation's ID when the widget chose it.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct NewConversationQuery {
    /// The website the widget is embedded on (`data-project-id`).
    #[serde(rename = "projectId")]
    project_id: Option<parley_shared::ProjectId>,
    /// An ID chosen by the widget when the visitor sends the first message: a retry with the
    /// same ID answers the same conversation (200) instead of making another.
    id: Option<ConversationId>,
}

#[utoipa::path(post, path = "/conversations", tag = "widget", params(NewConversationQuery), responses((status = 201, description = "The new conversation (`unresolved`)", body = Conversation), (status = 200, description = "A retry: the caller's conversation of that `id`", body = Conversation), (status = 400, description = "Malformed query string", body = ErrorBody), (status = 409, description = "That `id` is taken by another conversation (`conversation_id_conflict`)", body = ErrorBody), (status = 403, description = "Verified visitors only (`identity_required`)", body = ErrorBody), (status = 404, description = "Unknown `projectId` (`not_found`)", body = ErrorBody), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn create_conversation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    Query(q): Query<NewConversationQuery>,
) -> Result<(StatusCode, Json<Conversation>), ApiError> {
    if let Some(id) = q.id
        && let Some(existing) = conversations::retry_of(&state, &session, id).await?
    {
        return Ok((StatusCode::OK, Json(existing)));
    }
    state.limits.conversation(session.id, ip)?;
    let conversation = conversations::create(&state, &session, q.project_id, q.id).await?;
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
