//! Signing up, logging in and out, the current operator, password and organization switch.

use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::error::ApiError;
use crate::http::extract::{ClientIp, Json};
use crate::http::staff_session::{MaybeStaff, Session, Staff, clear_cookie, logged_in, now_secs};
use crate::staff::accounts;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse, Response};
use parley_shared::ErrorBody;
use parley_shared::staff::{ChangePassword, LogIn, Me, SignUp, SwitchOrganization};

#[utoipa::path(post, path = "/signup", tag = "dashboard", request_body = SignUp, responses((status = 201, description = "Account and organization created; sets the session cookie", body = Me), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 409, description = "Email already registered (`email_taken`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(()))]
pub(super) async fn sign_up(
    State(state): State<AppState>,
    Json(req): Json<SignUp>,
) -> Result<Response, ApiError> {
    let (user, org) = accounts::sign_up(&state, req).await?;
    logged_in(&state, StatusCode::CREATED, user.id, org, now_secs(&state)).await
}

#[utoipa::path(post, path = "/login", tag = "dashboard", request_body = LogIn, responses((status = 200, description = "Logged in: the operator and organizations; sets the `parley_staff` session cookie", body = Me), (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ErrorBody), (status = 429, description = "Too many attempts; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(()))]
pub(super) async fn log_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LogIn>,
) -> Result<Response, ApiError> {
    let email = parley_shared::limits::email_key(&req.email);
    let throttle = &state.staff_keys.throttle;
    throttle.check(&email, ip)?;
    let (user, org) = accounts::log_in(&state, req).await.inspect_err(|e| {
        if matches!(e, Error::InvalidCredentials) {
            throttle.failed(&email, ip);
        }
    })?;
    logged_in(&state, StatusCode::OK, user.id, org, now_secs(&state)).await
}

#[utoipa::path(post, path = "/logout", tag = "dashboard", responses((status = 204, description = "Every session of the account revoked (all devices); cookie cleared")), security(()))]
/// Logs out: revokes every session of the account, here and on other devices.
pub(super) async fn log_out(
    State(state): State<AppState>,
    MaybeStaff(claims): MaybeStaff,
) -> Result<impl IntoResponse> {
    if let Some(c) = claims {
        accounts::log_out(&state, c.sub).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, clear_cookie())]),
    ))
}

#[utoipa::path(get, path = "/me", tag = "dashboard", responses((status = 200, description = "The operator, current organization and memberships", body = Me), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn me(State(state): State<AppState>, Staff(op): Staff) -> Result<Json<Me>> {
    accounts::me(&state, &op).await.map(Json)
}

#[utoipa::path(post, path = "/password", tag = "dashboard", request_body = ChangePassword, responses((status = 200, description = "Password changed; every other session of the account is revoked and this one gets a fresh `parley_staff` cookie", body = Me), (status = 401, description = "Not logged in, or a wrong current password (`unauthorized`, `invalid_credentials`)", body = ErrorBody), (status = 422, description = "The new password is too short or too long (`validation_failed`)", body = ErrorBody), (status = 429, description = "Too many attempts; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Changes the operator's password and revokes the account's other sessions.
pub(super) async fn change_password(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ChangePassword>,
) -> Result<Response, ApiError> {
    // A refused new password is not a guess at the current one: it does not count.
    parley_shared::limits::validate_password(&req.new_password)?;
    let throttle = &state.staff_keys.throttle;
    throttle.check(&op.user.email, None)?;
    accounts::change_password(&state, &op, req)
        .await
        .inspect_err(|e| {
            if matches!(e, Error::InvalidCredentials) {
                throttle.failed(&op.user.email, None);
            }
        })?;
    logged_in(
        &state,
        StatusCode::OK,
        op.user.id,
        op.organization_id,
        now_secs(&state),
    )
    .await
}

/// 404 `not_found` for an organization the caller does not belong to.
#[utoipa::path(post, path = "/switch-organization", tag = "dashboard", request_body = SwitchOrganization, responses((status = 200, description = "Logged in: the operator and organizations; sets the `parley_staff` session cookie", body = Me), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Not a member of that organization", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn switch_organization(
    State(state): State<AppState>,
    Staff(op): Staff,
    Session(claims): Session,
    Json(req): Json<SwitchOrganization>,
) -> Result<Response, ApiError> {
    state
        .store
        .membership(op.user.id, req.organization_id)
        .await?
        .ok_or(ApiError::RouteNotFound)?;
    logged_in(
        &state,
        StatusCode::OK,
        op.user.id,
        req.organization_id,
        claims.auth_time,
    )
    .await
}
