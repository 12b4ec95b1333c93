//! The widget's API (`/api/widget`): what a visitor's browser may call.

use super::extract::{Contact, ConversationPath, Json, PageQuery, PathParam, Query, Stored};
use super::live;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::{conversations, messages, sessions, settings};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use parley_shared::OrganizationId;
use parley_shared::api::{
    ContactSession, ContactSessionCreated, Conversation, CreateContactSession, Message, Page,
    Rating, SendMessage, WidgetConfig,
};
use serde::Deserialize;

pub(super) fn router() -> Router<AppState> {
    // The embed script reads the public configuration from the customer's page.
    let public = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET]);
    Router::new()
        .route(
            "/organizations/{organization_id}",
            get(organization).layer(public),
        )
        .route("/contact-sessions", axum::routing::post(create_session))
        .route("/contact-session", get(current_session))
        .route(
            "/conversations",
            get(list_conversations).post(create_conversation),
        )
        .route("/conversations/{conversation_id}", get(get_conversation))
        .route(
            "/conversations/{conversation_id}/messages",
            get(list_messages).post(send_message),
        )
        .route(
            "/conversations/{conversation_id}/messages/{message_id}/rating",
            axum::routing::put(rate_message),
        )
        .route(
            "/conversations/{conversation_id}/messages/{message_id}/edits",
            axum::routing::post(edit_message),
        )
        .route("/live", get(live::upgrade))
}

/// `GET /organizations/{id}`: 404 `organization_not_found` when unknown or malformed.
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
#[derive(Debug, Deserialize)]
struct ProjectQuery {
    #[serde(rename = "projectId")]
    project_id: Option<parley_shared::ProjectId>,
}

async fn create_session(
    State(state): State<AppState>,
    Json(req): Json<CreateContactSession>,
) -> Result<(StatusCode, Json<ContactSessionCreated>)> {
    let created = sessions::create(&state, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn current_session(Contact(session): Contact) -> Json<ContactSession> {
    Json(sessions::view(&session))
}

async fn create_conversation(
    State(state): State<AppState>,
    Contact(session): Contact,
    Query(q): Query<ProjectQuery>,
) -> Result<(StatusCode, Json<Conversation>)> {
    let conversation = conversations::create(&state, &session, q.project_id).await?;
    Ok((StatusCode::CREATED, Json(conversation)))
}

async fn list_conversations(
    State(state): State<AppState>,
    Contact(session): Contact,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Conversation>>> {
    conversations::list_own(&state, &session, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

async fn get_conversation(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
) -> Result<Json<Conversation>> {
    conversations::get_own(&state, &session, id).await.map(Json)
}

async fn list_messages(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Message>>> {
    messages::list_own(&state, &session, id, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

/// `201` for a new message, `200` for a retried one (same ID): the same body either way.
async fn send_message(
    State(state): State<AppState>,
    Contact(session): Contact,
    ConversationPath(id): ConversationPath,
    Json(req): Json<SendMessage>,
) -> Result<Stored<Message>> {
    let (message, created) = messages::send_as_contact(&state, &session, id, req).await?;
    Ok(Stored(message, created))
}

/// `PUT /conversations/{id}/messages/{messageId}/rating` with a [`Rating`]: the updated message.
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
async fn edit_message(
    State(state): State<AppState>,
    Contact(session): Contact,
    axum::extract::Path((conversation, original)): axum::extract::Path<(String, String)>,
    Json(req): Json<SendMessage>,
) -> Result<Stored<Message>> {
    let conversation = conversation
        .parse()
        .map_err(|_| Error::ConversationNotFound)?;
    let original = original.parse().map_err(|_| Error::MessageNotFound)?;
    let (message, created) =
        messages::edit_as_contact(&state, &session, conversation, original, req).await?;
    Ok(Stored(message, created))
}
