//! Widget settings (organization-wide and per project), projects, identity verification.

use crate::contacts::identity;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::extract::{Json, PathParam};
use crate::http::staff_session::Staff;
use crate::settings;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::staff::{CreateProject, IdentitySettings, Project, SetIdentity};
use parley_shared::staff::{EmailStatus, WidgetSettings};
use parley_shared::{ErrorBody, ProjectId};

#[utoipa::path(get, path = "/identity", tag = "dashboard", responses((status = 200, description = "Identity verification settings, with the secret (generated on first read)", body = IdentitySettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn get_identity(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<IdentitySettings>> {
    op.require_manager()?;
    let row = identity::settings_row(&state, op.organization_id).await?;
    Ok(Json(identity::view(&row)))
}

#[utoipa::path(put, path = "/identity", tag = "dashboard", request_body = SetIdentity, responses((status = 200, description = "The settings as saved", body = IdentitySettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn put_identity(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<SetIdentity>,
) -> Result<Json<IdentitySettings>> {
    op.require_manager()?;
    let row = identity::update(&state, op.organization_id, req.required, req.rotate_secret).await?;
    Ok(Json(identity::view(&row)))
}

#[utoipa::path(get, path = "/email-status", tag = "dashboard", responses((status = 200, description = "Whether replies are emailed to visitors who left, and after how long", body = EmailStatus), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Whether this server emails unseen replies (the settings page says so when it does not).
pub(super) async fn email_status(
    State(state): State<AppState>,
    Staff(_op): Staff,
) -> Json<EmailStatus> {
    Json(EmailStatus {
        enabled: state.email.enabled(),
        after_seconds: state.email.tuning.after.as_secs(),
    })
}

#[utoipa::path(get, path = "/settings", tag = "dashboard", responses((status = 200, description = "The organization's widget settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn get_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<WidgetSettings>> {
    settings::get(&state, op.organization_id).await.map(Json)
}

#[utoipa::path(put, path = "/settings", tag = "dashboard", request_body = WidgetSettings, responses((status = 200, description = "Saved settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn put_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<WidgetSettings>,
) -> Result<Json<WidgetSettings>> {
    op.require_manager()?;
    settings::put(&state, op.organization_id, req)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/projects", tag = "dashboard", responses((status = 200, description = "The organization's websites", body = Vec<Project>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn list_projects(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Project>>> {
    settings::projects(&state, &op).await.map(Json)
}

#[utoipa::path(post, path = "/projects", tag = "dashboard", request_body = CreateProject, responses((status = 201, description = "The new project", body = Project), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn create_project(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateProject>,
) -> Result<(StatusCode, Json<Project>)> {
    let project = settings::create_project(&state, &op, &req.name).await?;
    Ok((StatusCode::CREATED, Json(project)))
}

pub(super) fn project_id(raw: &str) -> Result<ProjectId> {
    raw.parse().map_err(|_| Error::ProjectNotFound)
}

#[utoipa::path(get, path = "/projects/{project_id}/settings", tag = "dashboard", params(("project_id" = ProjectId, Path, description = "The project")), responses((status = 200, description = "The project's widget settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "No such project", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn get_project_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<Json<WidgetSettings>> {
    settings::get_for_project(&state, &op, project_id(&raw)?)
        .await
        .map(Json)
}

#[utoipa::path(put, path = "/projects/{project_id}/settings", tag = "dashboard", params(("project_id" = ProjectId, Path, description = "The project")), request_body = WidgetSettings, responses((status = 200, description = "Saved settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such project", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn put_project_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
    Json(req): Json<WidgetSettings>,
) -> Result<Json<WidgetSettings>> {
    settings::put_for_project(&state, &op, project_id(&raw)?, req)
        .await
        .map(Json)
}
