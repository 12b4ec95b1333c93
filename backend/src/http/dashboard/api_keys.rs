//! Public API keys: list, create (shown once), revoke.

use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::extract::{Json, PathParam};
use crate::http::staff_session::Staff;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::public::{ApiKey, ApiKeyCreated, CreateApiKey};
use parley_shared::{ApiKeyId, ErrorBody};

#[utoipa::path(get, path = "/api-keys", tag = "dashboard", responses((status = 200, description = "Keys by visible prefix", body = Vec<ApiKey>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn list_api_keys(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<ApiKey>>> {
    crate::conversations::public_api::list_keys(&state, &op)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api-keys", tag = "dashboard", request_body = CreateApiKey, responses((status = 201, description = "The key, shown once", body = ApiKeyCreated), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn create_api_key(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateApiKey>,
) -> Result<(StatusCode, Json<ApiKeyCreated>)> {
    let created = crate::conversations::public_api::create_for(&state, &op, &req.name).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api-keys/{key_id}", tag = "dashboard", params(("key_id" = ApiKeyId, Path, description = "The key record")), responses((status = 204, description = "Revoked"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such key", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn revoke_api_key(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: ApiKeyId = raw.parse().map_err(|_| Error::ApiKeyNotFound)?;
    crate::conversations::public_api::revoke_key(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
