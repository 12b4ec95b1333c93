//! Members of the organization and invites (create, list, revoke, look up, accept).

use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{Json, PathParam, Query};
use crate::http::staff_session::{MaybeStaff, Staff, logged_in, now_secs};
use crate::staff::members;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use parley_shared::staff::{
    AcceptInvite, CreateInvite, Invite, InviteCreated, InviteInfo, Me, Member,
};
use parley_shared::{ErrorBody, InviteId, UserId};
use serde::Deserialize;

#[utoipa::path(get, path = "/members", tag = "dashboard", responses((status = 200, description = "Members of the organization", body = Vec<Member>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn list_members(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Member>>> {
    members::list(&state, &op).await.map(Json)
}

#[utoipa::path(delete, path = "/members/{user_id}", tag = "dashboard", params(("user_id" = UserId, Path, description = "The member")), responses((status = 204, description = "Removed"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody), (status = 409, description = "The last owner cannot be removed (`last_owner`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn remove_member(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let user: UserId = raw.parse().map_err(|_| Error::MemberNotFound)?;
    members::remove(&state, &op, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/invites", tag = "dashboard", responses((status = 200, description = "Pending invites", body = Vec<Invite>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn list_invites(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Invite>>> {
    members::list_invites(&state, &op).await.map(Json)
}

#[utoipa::path(post, path = "/invites", tag = "dashboard", request_body = CreateInvite, responses((status = 201, description = "The invite and its single-use link (shown once)", body = InviteCreated), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn create_invite(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateInvite>,
) -> Result<(StatusCode, Json<InviteCreated>)> {
    let created = members::create_invite(&state, &op, req.role).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/invites/{invite_id}", tag = "dashboard", params(("invite_id" = InviteId, Path, description = "The invite")), responses((status = 204, description = "Revoked"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such invite (`invite_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn revoke_invite(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: InviteId = raw.parse().map_err(|_| Error::InviteNotFound)?;
    members::revoke_invite(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TokenQuery {
    token: String,
}

#[utoipa::path(get, path = "/invites/lookup", tag = "dashboard", params(TokenQuery), responses((status = 200, description = "What the invite grants", body = InviteInfo), (status = 404, description = "Unknown, used or expired invite (`invite_not_found`)", body = ErrorBody)), security(()))]
pub(super) async fn lookup_invite(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Json<InviteInfo>> {
    members::lookup(&state, &q.token).await.map(Json)
}

#[utoipa::path(post, path = "/invites/accept", tag = "dashboard", request_body = AcceptInvite, responses((status = 200, description = "Logged in: the operator and organizations; sets the `parley_staff` session cookie", body = Me), (status = 404, description = "Unknown, used or expired invite (`invite_not_found`)", body = ErrorBody), (status = 409, description = "Email already registered (`email_taken`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(()))]
pub(super) async fn accept_invite(
    State(state): State<AppState>,
    MaybeStaff(claims): MaybeStaff,
    Json(req): Json<AcceptInvite>,
) -> Result<Response, ApiError> {
    let current = claims.as_ref().map(|c| c.sub);
    let (user, org) = members::accept(&state, req, current).await?;
    let auth_time = claims.map_or_else(|| now_secs(&state), |c| c.auth_time);
    logged_in(&state, StatusCode::OK, user, org, auth_time).await
}
