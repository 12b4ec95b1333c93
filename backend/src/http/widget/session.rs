//! The organization's public widget configuration and the visitor's contact session: create, read, identify.

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ClientIp, Contact, Json, PathParam, Query};

use crate::contacts::sessions;
use crate::error::{Error, Result};
use crate::settings;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::api::{
    ContactSession, ContactSessionCreated, CreateContactSession, IdentifyContact, WidgetConfig,
};
use parley_shared::{ErrorBody, OrganizationId};
use serde::Deserialize;

/// `GET /organizations/{id}`: 404 `organization_not_found` when unknown or malformed.
#[utoipa::path(get, path = "/organizations/{organization_id}", tag = "widget", params(("organization_id" = OrganizationId, Path, description = "The organization"), ProjectQuery), responses((status = 200, description = "The widget's public configuration", body = WidgetConfig), (status = 404, description = "Unknown or malformed organization (`organization_not_found`)", body = ErrorBody)), security(()))]
pub(super) async fn organization(
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
pub(super) struct ProjectQuery {
    #[serde(rename = "projectId")]
    pub(super) project_id: Option<parley_shared::ProjectId>,
}

#[utoipa::path(post, path = "/contact-sessions", tag = "widget", request_body = CreateContactSession, responses((status = 201, description = "The session and its bearer token (shown once)", body = ContactSessionCreated), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 404, description = "Unknown organization (`organization_not_found`)", body = ErrorBody), (status = 401, description = "The identity does not verify (`identity_invalid`)", body = ErrorBody), (status = 403, description = "Verified visitors only, or a blocked contact (`identity_required`, `contact_blocked`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody), (status = 429, description = "Too many requests; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(()))]
pub(super) async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<CreateContactSession>,
) -> Result<(StatusCode, Json<ContactSessionCreated>), ApiError> {
    state.limits.session(ip)?;
    let created = sessions::create(&state, req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/contact-session", tag = "widget", responses((status = 200, description = "The caller's contact session", body = ContactSession), (status = 401, description = "No, unknown or expired contact session (`session_invalid`, `session_expired`)", body = ErrorBody)), security(("contact_session" = [])))]
pub(super) async fn current_session(Contact(session): Contact) -> Json<ContactSession> {
    Json(sessions::view(&session))
}

#[utoipa::path(post, path = "/contact-session/identify", tag = "widget", request_body = IdentifyContact, responses((status = 200, description = "The session, now verified, and its new bearer token (the old one no longer works)", body = ContactSessionCreated), (status = 401, description = "No, unknown or expired contact session, or an identity that does not verify (`session_invalid`, `session_expired`, `identity_invalid`)", body = ErrorBody), (status = 403, description = "The contact is blocked (`contact_blocked`)", body = ErrorBody), (status = 409, description = "The session is verified as another user (`identity_mismatch`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("contact_session" = [])))]
/// The host site identified the visitor: verify, and rotate the credential.
pub(super) async fn identify(
    State(state): State<AppState>,
    Contact(session): Contact,
    Json(req): Json<IdentifyContact>,
) -> Result<Json<ContactSessionCreated>> {
    sessions::identify(&state, &session, &req.identity)
        .await
        .map(Json)
}
