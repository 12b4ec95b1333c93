//! Webhook endpoints through the public API (`/api/webhooks`, `x-api-key`): an
//! organization's own systems register, change and remove where its events go. The
//! delivery log, "send test" and "redeliver" are in the dashboard.

use super::AppState;
use super::extract::{Json, PathParam};
use super::public::ApiKeyOrg;
use crate::error::{Error, Result};
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::staff::{CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookEndpoint};
use parley_shared::{ErrorBody, WebhookEndpointId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
}

fn endpoint_id(raw: &str) -> Result<WebhookEndpointId> {
    raw.parse().map_err(|_| Error::WebhookEndpointNotFound)
}

#[utoipa::path(get, path = "/webhooks", tag = "public", responses((status = 200, description = "The organization's webhook endpoints, oldest first, with their secrets", body = Vec<WebhookEndpoint>), (status = 401, description = "Missing, unknown or revoked key", body = ErrorBody)), security(("api_key" = [])))]
/// The organization's webhook endpoints.
async fn list(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
) -> Result<Json<Vec<WebhookEndpoint>>> {
    crate::webhooks::list(&state, org).await.map(Json)
}

#[utoipa::path(post, path = "/webhooks", tag = "public", request_body = CreateWebhookEndpoint, responses((status = 201, description = "The new endpoint and its signing secret", body = WebhookEndpoint), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Missing, unknown or revoked key", body = ErrorBody), (status = 422, description = "Invalid URL or event types, or 20 endpoints already (`validation_failed`)", body = ErrorBody)), security(("api_key" = [])))]
/// Registers a webhook endpoint.
async fn create(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    Json(req): Json<CreateWebhookEndpoint>,
) -> Result<(StatusCode, Json<WebhookEndpoint>)> {
    let endpoint = crate::webhooks::create(&state, org, req).await?;
    Ok((StatusCode::CREATED, Json(endpoint)))
}

#[utoipa::path(patch, path = "/webhooks/{endpoint_id}", tag = "public", params(("endpoint_id" = WebhookEndpointId, Path, description = "The endpoint")), request_body = UpdateWebhookEndpoint, responses((status = 200, description = "The changed endpoint", body = WebhookEndpoint), (status = 400, description = "Malformed JSON", body = ErrorBody), (status = 401, description = "Missing, unknown or revoked key", body = ErrorBody), (status = 404, description = "No such endpoint", body = ErrorBody), (status = 422, description = "Invalid URL or event types", body = ErrorBody)), security(("api_key" = [])))]
/// Changes an endpoint: URL, event types, on/off, or a new secret.
async fn update(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    PathParam(raw): PathParam,
    Json(req): Json<UpdateWebhookEndpoint>,
) -> Result<Json<WebhookEndpoint>> {
    crate::webhooks::update(&state, org, endpoint_id(&raw)?, req)
        .await
        .map(Json)
}

#[utoipa::path(delete, path = "/webhooks/{endpoint_id}", tag = "public", params(("endpoint_id" = WebhookEndpointId, Path, description = "The endpoint")), responses((status = 204, description = "Deleted, with its delivery log"), (status = 401, description = "Missing, unknown or revoked key", body = ErrorBody), (status = 404, description = "No such endpoint", body = ErrorBody)), security(("api_key" = [])))]
/// Deletes an endpoint.
async fn delete(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    crate::webhooks::delete(&state, org, endpoint_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
