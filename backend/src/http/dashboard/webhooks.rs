//! Webhook endpoints, their delivery log, "send test" and "redeliver" (owners and admins:
//! the list shows signing secrets).

use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::extract::{Json, PathParam};
use crate::http::staff_session::Staff;
use crate::staff::accounts::Operator;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::staff::{
    CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookEndpoint,
};
use parley_shared::{ErrorBody, OrganizationId, WebhookDeliveryId, WebhookEndpointId};

/// The manager's organization; agents get 403.
fn managed(op: &Operator) -> Result<OrganizationId> {
    op.require_manager()?;
    Ok(op.organization_id)
}

fn endpoint_id(raw: &str) -> Result<WebhookEndpointId> {
    raw.parse().map_err(|_| Error::WebhookEndpointNotFound)
}

#[utoipa::path(get, path = "/webhooks", tag = "dashboard", responses((status = 200, description = "The organization's webhook endpoints, oldest first, with their secrets", body = Vec<WebhookEndpoint>), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
/// The organization's webhook endpoints.
pub(super) async fn list_webhooks(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<WebhookEndpoint>>> {
    crate::webhooks::list(&state, managed(&op)?).await.map(Json)
}

#[utoipa::path(post, path = "/webhooks", tag = "dashboard", request_body = CreateWebhookEndpoint, responses((status = 201, description = "The new endpoint and its signing secret", body = WebhookEndpoint), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks", body = ErrorBody), (status = 422, description = "Invalid URL or event types, or 20 endpoints already (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Registers a webhook endpoint.
pub(super) async fn create_webhook(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateWebhookEndpoint>,
) -> Result<(StatusCode, Json<WebhookEndpoint>)> {
    let endpoint = crate::webhooks::create(&state, managed(&op)?, req).await?;
    Ok((StatusCode::CREATED, Json(endpoint)))
}

#[utoipa::path(patch, path = "/webhooks/{endpoint_id}", tag = "dashboard", params(("endpoint_id" = WebhookEndpointId, Path, description = "The endpoint")), request_body = UpdateWebhookEndpoint, responses((status = 200, description = "The changed endpoint", body = WebhookEndpoint), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks", body = ErrorBody), (status = 404, description = "No such endpoint", body = ErrorBody), (status = 422, description = "Invalid URL or event types", body = ErrorBody)), security(("staff_session" = [])))]
/// Changes an endpoint: URL, event types, on/off, or a new secret.
pub(super) async fn update_webhook(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
    Json(req): Json<UpdateWebhookEndpoint>,
) -> Result<Json<WebhookEndpoint>> {
    let org = managed(&op)?;
    crate::webhooks::update(&state, org, endpoint_id(&raw)?, req)
        .await
        .map(Json)
}

#[utoipa::path(delete, path = "/webhooks/{endpoint_id}", tag = "dashboard", params(("endpoint_id" = WebhookEndpointId, Path, description = "The endpoint")), responses((status = 204, description = "Deleted, with its delivery log"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks", body = ErrorBody), (status = 404, description = "No such endpoint", body = ErrorBody)), security(("staff_session" = [])))]
/// Deletes an endpoint.
pub(super) async fn delete_webhook(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let org = managed(&op)?;
    crate::webhooks::delete(&state, org, endpoint_id(&raw)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/webhooks/{endpoint_id}/deliveries", tag = "dashboard", params(("endpoint_id" = WebhookEndpointId, Path, description = "The endpoint")), responses((status = 200, description = "Its latest 50 deliveries, newest first", body = Vec<WebhookDelivery>), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks", body = ErrorBody), (status = 404, description = "No such endpoint", body = ErrorBody)), security(("staff_session" = [])))]
/// An endpoint's delivery log.
pub(super) async fn list_deliveries(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<Json<Vec<WebhookDelivery>>> {
    let org = managed(&op)?;
    crate::webhooks::deliveries(&state, org, endpoint_id(&raw)?)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/webhooks/{endpoint_id}/test", tag = "dashboard", params(("endpoint_id" = WebhookEndpointId, Path, description = "The endpoint")), responses((status = 200, description = "The `webhook.test` delivery, attempted once (`delivered` or `failed`, with the endpoint's answer)", body = WebhookDelivery), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks", body = ErrorBody), (status = 404, description = "No such endpoint", body = ErrorBody)), security(("staff_session" = [])))]
/// Sends a test event to the endpoint now.
pub(super) async fn test_webhook(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<Json<WebhookDelivery>> {
    let org = managed(&op)?;
    crate::webhooks::send_test(&state, org, endpoint_id(&raw)?)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/webhook-deliveries/{delivery_id}/redeliver", tag = "dashboard", params(("delivery_id" = WebhookDeliveryId, Path, description = "The delivery")), responses((status = 202, description = "Queued again (`pending`), with the same `webhook-id`", body = WebhookDelivery), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot manage webhooks", body = ErrorBody), (status = 404, description = "No such delivery", body = ErrorBody)), security(("staff_session" = [])))]
/// Sends a delivery again.
pub(super) async fn redeliver_webhook(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<(StatusCode, Json<WebhookDelivery>)> {
    let org = managed(&op)?;
    let id: WebhookDeliveryId = raw.parse().map_err(|_| Error::WebhookDeliveryNotFound)?;
    let delivery = crate::webhooks::redeliver(&state, org, id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
