//! The widget's API (`/api/widget`): what a visitor's browser may call.

use super::AppState;
use super::error::ApiError;
use super::extract::{
    ClientIp, Contact, ContactConversation, ConversationPath, Json, PageQuery, PathParam, Query,
    Stored,
};
use super::live;
use crate::contacts::sessions;
use crate::conversations::{self, messages};
use crate::error::{Error, Result};
use crate::settings;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::api::{
    ContactSession, ContactSessionCreated, Conversation, CreateContactSession, IdentifyContact,
    Message, Page, Rating, Regenerate, SendMessage, WidgetConfig,
};
use parley_shared::{ConversationId, ErrorBody, MessageId, OrganizationId};
use serde::Deserialize;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    // The embed script reads the public configuration from the customer's page.
    let public = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET]);
    OpenApiRouter::new()
        .routes(routes!(organization).layer(public))
        .routes(routes!(create_session))
        .routes(routes!(current_session))
        .routes(routes!(identify))
        .routes(routes!(list_conversations, create_conversation))
        .routes(routes!(get_conversation))
        .routes(routes!(list_messages, send_message))
        .routes(routes!(rate_message))
        .routes(routes!(edit_message))
        .routes(routes!(regenerate))
        .routes(routes!(escalate))
        .routes(routes!(live::upgrade))
}

/// `GET /organizations/{id}`: 404 `organization_not_found` when unknown or malformed.
#[utoipa::path(get, path = "/organizations/{organization_id}", tag = "widget", params(("organization_id" = OrganizationId, Path, description = "The organization"), ProjectQuery), responses((status = 200, description = "The widget's public configuration", body = WidgetConfig), (status = 404, description = "Unknown or malformed organization (`organization_not_found`)", body = ErrorBody)), security(()))]
async fn organization(
    State(state): State<AppState>,
    PathParam(raw): PathParam,
    Query(q): Query<ProjectQuery>,
) -> Result<Json<WidgetConfig>> {
    let id: OrganizationId = raw.parse().map_err(|_| Error::OrganizationNotFound)?;
    settings::widget_config(&state, id, q.project_id)
        .await
        .map(Json)
}

/// `?projectId=…`: the website the widget is embedded on (`data-project-id`).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ProjectQuery {
    #[serde(rename = "projectId")]
    project_id: Option<parley_shared::ProjectId>,
}

#[utoipa::path(post, path = "/contact-sessions", tag = "widget", request_body = CreateContactSession, responses((status = 201, description = "The session and its bearer token (shown once)", body = ContactSessionCreated), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 404, description = "Unknown organization (`organization_not_found`)", body = ErrorBody), (status = 401, description = "The identity does not verify (`identity_invalid`)", body = ErrorBody), (status = 403, description = "Verified visitors only, or a blocked contact (`identity_required`, `contact_blocked`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(()))]
async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<CreateContactSession>,
) -> Result<(StatusCode, Json<ContactSessionCreated>), ApiError> {
    state.limits.session(ip)?;
    let created = sessions::create(&state, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/contact-session", tag = "widget", responses((status = 200, description = "The caller's contact session", body = ContactSession), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody)), security(("contact_session" = [])))]
async fn current_session(Contact(session): Contact) -> Json<ContactSession> {
    Json(sessions::view(&session))
}

#[utoipa::path(post, path = "/contact-session/identify", tag = "widget", request_body = IdentifyContact, responses((status = 200, description = "The session, now verified, and its new bearer token (the old one no longer works)", body = ContactSessionCreated), (status = 401, description = "No, unknown or expired contact session, or an identity that does not verify (`session_invalid`, `session_expired`, `identity_invalid`)", body = ErrorBody), (status = 403, description = "The contact is blocked (`contact_blocked`)", body = ErrorBody), (status = 409, description = "The session is verified as another user (`identity_mismatch`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("contact_session" = [])))]
/// The host site identified the visitor: verify, and rotate the credential.
async fn identify(
    State(state): State<AppState>,
    Contact(session): Contact,
    Json(req): Json<IdentifyContact>,
) -> Result<Json<ContactSessionCreated>> {
    sessions::identify(&state, &session, &req.identity)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/conversations", tag = "widget", params(ProjectQuery), responses((status = 201, description = "The new conversation (`unresolved`)", body = Conversation), (status = 403, description = "Verified visitors only (`identity_required`)", body = ErrorBody), (status = 404, description = "Unknown `projectId` (`not_found`)", body = ErrorBody), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
async fn create_conversation(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    Query(q): Query<ProjectQuery>,
) -> Result<(StatusCode, Json<Conversation>), ApiError> {
    state.limits.conversation(ip)?;
    let conversation = conversations::create(&state, &session, q.project_id).await?;
    Ok((StatusCode::CREATED, Json(conversation)))
}

#[utoipa::path(get, path = "/conversations", tag = "widget", params(PageQuery), responses((status = 200, description = "The contact's conversations, latest activity first", body = Page<Conversation>), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody)), security(("contact_session" = [])))]
async fn list_conversations(
    State(state): State<AppState>,
    Contact(session): Contact,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Conversation>>> {
    conversations::list_own(&state, &session, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 200, description = "The conversation", body = Conversation), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("contact_session" = [])))]
async fn get_conversation(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
) -> Result<Json<Conversation>> {
    conversations::get_own(&state, &session, id).await.map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}/messages", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), PageQuery), responses((status = 200, description = "Messages in `seq` order", body = Page<Message>), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("contact_session" = [])))]
async fn list_messages(
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
async fn send_message(
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
async fn rate_message(
    State(state): State<AppState>,
    Contact(session): Contact,
    axum::extract::Path((conversation, message)): axum::extract::Path<(String, String)>,
    Json(rating): Json<Rating>,
) -> Result<Json<Message>> {
    let conversation = conversation
        .parse()
        .map_err(|_| Error::ConversationNotFound)?;
    let message = message.parse().map_err(|_| Error::MessageNotFound)?;
    messages::rate(&state, &session, conversation, message, rating)
        .await
        .map(Json)
}

/// `POST /conversations/{id}/messages/{messageId}/edits` with a [`SendMessage`]: the edited
/// text as a sibling branch; `201` when created, `200` for a retried edit.
#[utoipa::path(post, path = "/conversations/{conversation_id}/messages/{message_id}/edits", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), ("message_id" = MessageId, Path, description = "The message")), request_body = SendMessage, responses((status = 201, description = "The edit, stored as a sibling branch of the original", body = Message), (status = 200, description = "A retried edit", body = Message), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation or message, or not the caller's", body = ErrorBody), (status = 409, description = "Resolved conversation or ID conflict", body = ErrorBody), (status = 422, description = "Empty or too long content (`message_empty`, `message_too_long`, `validation_failed`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
async fn edit_message(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    axum::extract::Path((conversation, original)): axum::extract::Path<(String, String)>,
    Json(req): Json<SendMessage>,
) -> Result<Stored<Message>, ApiError> {
    let conversation = conversation
        .parse()
        .map_err(|_| Error::ConversationNotFound)?;
    let original = original.parse().map_err(|_| Error::MessageNotFound)?;
    state
        .limits
        .message(session.id, ip, session.organization_id)?;
    let (message, created) =
        messages::edit_as_contact(&state, &session, conversation, original, req).await?;
    Ok(Stored(message, created))
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/escalate", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 200, description = "The conversation, now `escalated` (unchanged if it already was)", body = Conversation), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 409, description = "The conversation is resolved (`conversation_resolved`)", body = ErrorBody)), security(("contact_session" = [])))]
/// "Talk to a person": hands the conversation to the organization's staff.
async fn escalate(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
) -> Result<Json<Conversation>> {
    conversations::escalate_own(&state, &session, id)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/messages/{message_id}/regenerate", tag = "widget", params(("conversation_id" = ConversationId, Path, description = "The conversation"), ("message_id" = MessageId, Path, description = "The assistant answer to replace")), request_body = Regenerate, responses((status = 202, description = "A new answer is being written; it arrives live as a sibling of the old one"), (status = 401, description = "No, unknown or expired contact session", body = ErrorBody), (status = 404, description = "Unknown conversation or message, or not the caller's", body = ErrorBody), (status = 409, description = "Resolved, or a person has taken over (`conversation_resolved`, `responder_inactive`)", body = ErrorBody), (status = 422, description = "Not an assistant answer", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("contact_session" = [])))]
/// Asks the AI responder for another answer (idempotent by the request's `id`).
async fn regenerate(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Contact(session): Contact,
    axum::extract::Path((conversation, message)): axum::extract::Path<(String, String)>,
    Json(req): Json<Regenerate>,
) -> Result<StatusCode, ApiError> {
    let conversation = conversation
        .parse()
        .map_err(|_| Error::ConversationNotFound)?;
    let message = message.parse().map_err(|_| Error::MessageNotFound)?;
    state
        .limits
        .message(session.id, ip, session.organization_id)?;
    crate::responder::regenerate(&state, &session, conversation, message, req.id).await?;
    Ok(StatusCode::ACCEPTED)
}
