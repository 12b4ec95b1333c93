//! Outgoing webhooks: organizations register endpoints for event types; each event becomes
//! one signed delivery per subscribed endpoint, sent through the durable job queue.
//!
//! - [`events`]: what happened (recorded as a `webhook.event` job, for messages in the
//!   transaction that stores them) and the fan-out into deliveries.
//! - [`delivery`]: the `webhook.deliver` job: signing (Standard Webhooks), the POST through
//!   [`Outbound`] (no private address unless allowed, no redirects), retries for about a
//!   day, and disabling an endpoint that failed for a day.
//! - Here: registering, changing and listing endpoints, the delivery log, "send test" and
//!   "redeliver" (managers only in the dashboard; any API key of the organization).

pub mod delivery;
pub mod events;

use crate::error::{Error, Result};
use crate::outbound::Outbound;
use crate::state::State;
use crate::store::{EndpointChange, EndpointRow};
use base64::Engine;
use parley_shared::staff::{
    CreateWebhookEndpoint, UpdateWebhookEndpoint, WebhookDelivery, WebhookEndpoint,
    WebhookEventType,
};
use parley_shared::{OrganizationId, WebhookDeliveryId, WebhookEndpointId};
use std::time::Duration;

/// Most endpoints per organization (each event is sent to each of them).
pub const MAX_ENDPOINTS: usize = 20;
/// Longest endpoint URL, in characters.
pub const MAX_URL_CHARS: usize = 2048;
/// Deliveries listed per endpoint in the log.
pub const LOG_LENGTH: u32 = 50;
/// How long the previous secret keeps signing after a rotation, in milliseconds (a day, as
/// Svix and Stripe give receivers to switch).
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3600 * 1000;

/// Attempts, timing and limits of deliveries (from the settings).
#[derive(Clone, Debug)]
pub struct Tuning {
    /// Delivery workers per process.
    pub workers: usize,
    /// Idle polling interval (events of messages, other instances' jobs, retries due).
    pub poll: Duration,
    /// First retry delay; doubled per attempt up to [`delivery::MAX_RETRY_DELAY`].
    pub retry_base: Duration,
    /// Attempts per delivery before giving up (the default spans about a day).
    pub max_attempts: u32,
    /// Limit of one POST, connection included.
    pub timeout: Duration,
    /// How long an endpoint may fail without a success before it is disabled.
    pub disable_after: Duration,
}

/// What deliveries share: the guarded HTTP client and the tuning.
pub struct Webhooks {
    outbound: Outbound,
    tuning: Tuning,
}

impl Webhooks {
    /// Deliveries with `tuning`, sent through `outbound`.
    pub fn new(tuning: Tuning, outbound: Outbound) -> Self {
        Self { outbound, tuning }
    }
}

/// Starts this process's workers for both webhook job kinds.
pub fn spawn_workers(state: &State) {
    let tuning = &state.webhooks.tuning;
    crate::jobs::spawn_workers(state, std::sync::Arc::new(events::FanOut), 1, tuning.poll);
    crate::jobs::spawn_workers(
        state,
        std::sync::Arc::new(delivery::Deliver),
        tuning.workers,
        tuning.poll,
    );
}

/// A new signing secret: `whsec_` and the base64 of 24 random bytes (Standard Webhooks).
fn new_secret() -> String {
    let bytes: [u8; 24] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// Checks an endpoint URL: `http(s)`, a host, at most [`MAX_URL_CHARS`], no credentials, and
/// not a private address written as an IP unless the instance allows it (names are checked
/// after DNS, at each delivery). Errors: `Validation` (422).
fn check_url(state: &State, raw: &str) -> Result<String> {
    let raw = raw.trim();
    let invalid = |why: &str| Error::Validation(format!("url: {why}"));
    if raw.chars().count() > MAX_URL_CHARS {
        return Err(invalid("at most 2,048 characters"));
    }
    let url = url::Url::parse(raw).map_err(|_| invalid("not a valid URL"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("only http and https URLs can receive webhooks"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("put credentials in the receiver, not in the URL"));
    }
    if url.host().is_none() {
        return Err(invalid("a host is required"));
    }
    if state.webhooks.outbound.check(&url).is_err() {
        return Err(invalid(
            "private and loopback addresses are refused on this instance",
        ));
    }
    Ok(url.to_string())
}

/// Checks a subscription list: at least one type, none of them `webhook.test`; sorted,
/// without repeats. Errors: `Validation` (422).
fn check_events(events: &[WebhookEventType]) -> Result<Vec<WebhookEventType>> {
    if events.contains(&WebhookEventType::Test) {
        return Err(Error::Validation(
            "events: webhook.test is sent by \"Send test\" only".into(),
        ));
    }
    let mut events = events.to_vec();
    events.sort();
    events.dedup();
    if events.is_empty() {
        return Err(Error::Validation(
            "events: choose at least one event type".into(),
        ));
    }
    Ok(events)
}

/// The organization's endpoints, oldest first.
pub async fn list(state: &State, org: OrganizationId) -> Result<Vec<WebhookEndpoint>> {
    let rows = state.store.webhook_endpoints(org).await?;
    Ok(rows.into_iter().map(|r| r.endpoint).collect())
}

/// Registers an endpoint with a fresh secret. Errors: `Validation` (bad URL or events, or
/// already [`MAX_ENDPOINTS`]).
pub async fn create(
    state: &State,
    org: OrganizationId,
    req: CreateWebhookEndpoint,
) -> Result<WebhookEndpoint> {
    let url = check_url(state, &req.url)?;
    let events = check_events(&req.events)?;
    if state.store.webhook_endpoints(org).await?.len() >= MAX_ENDPOINTS {
        return Err(Error::Validation(format!(
            "an organization has at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let row = EndpointRow {
        endpoint: WebhookEndpoint {
            id: WebhookEndpointId::new_random(),
            url,
            events,
            secret: new_secret(),
            previous_secret_until: None,
            enabled: true,
            disabled_reason: None,
            failing_since: None,
            created_at: state.clock.now(),
        },
        organization_id: org,
        previous_secret: None,
    };
    state.store.create_webhook_endpoint(&row).await?;
    Ok(row.endpoint)
}

/// Changes an endpoint (see [`UpdateWebhookEndpoint`]). Errors: `WebhookEndpointNotFound`,
/// `Validation`.
pub async fn update(
    state: &State,
    org: OrganizationId,
    id: WebhookEndpointId,
    req: UpdateWebhookEndpoint,
) -> Result<WebhookEndpoint> {
    let change = EndpointChange {
        url: req.url.map(|u| check_url(state, &u)).transpose()?,
        events: req.events.map(|e| check_events(&e)).transpose()?,
        enabled: req.enabled,
        rotate: req.rotate_secret.then(|| {
            (
                new_secret(),
                state.clock.now().plus_millis(ROTATION_OVERLAP_MS),
            )
        }),
    };
    state
        .store
        .update_webhook_endpoint(org, id, &change)
        .await?
        .map(|r| r.endpoint)
        .ok_or(Error::WebhookEndpointNotFound)
}

/// Deletes an endpoint and its delivery log; its pending deliveries are dropped. Errors:
/// `WebhookEndpointNotFound`.
pub async fn delete(state: &State, org: OrganizationId, id: WebhookEndpointId) -> Result<()> {
    if state.store.delete_webhook_endpoint(org, id).await? {
        Ok(())
    } else {
        Err(Error::WebhookEndpointNotFound)
    }
}

/// The endpoint's latest [`LOG_LENGTH`] deliveries, newest first. Errors:
/// `WebhookEndpointNotFound`.
pub async fn deliveries(
    state: &State,
    org: OrganizationId,
    id: WebhookEndpointId,
) -> Result<Vec<WebhookDelivery>> {
    state
        .store
        .webhook_endpoint(org, id)
        .await?
        .ok_or(Error::WebhookEndpointNotFound)?;
    Ok(state.store.webhook_deliveries(org, id, LOG_LENGTH).await?)
}

/// "Send test": a `webhook.test` delivery to this endpoint only, attempted at once (even
/// when the endpoint is disabled, to check it before enabling it again); the delivery as
/// it ended, in the log. A failed test is not retried: "redeliver" it. Errors:
/// `WebhookEndpointNotFound`.
pub async fn send_test(
    state: &State,
    org: OrganizationId,
    id: WebhookEndpointId,
) -> Result<WebhookDelivery> {
    let endpoint = state
        .store
        .webhook_endpoint(org, id)
        .await?
        .ok_or(Error::WebhookEndpointNotFound)?;
    delivery::send_test(state, &endpoint).await
}

/// "Redeliver": sends a delivery again (same `webhook-id`, so receivers can tell), through
/// the queue with its retries. Errors: `WebhookDeliveryNotFound`.
pub async fn redeliver(
    state: &State,
    org: OrganizationId,
    id: WebhookDeliveryId,
) -> Result<WebhookDelivery> {
    let job = delivery::job(org, id, None, uuid::Uuid::new_v4());
    let delivery = state
        .store
        .redeliver_webhook(org, id, &job, state.clock.now())
        .await?
        .ok_or(Error::WebhookDeliveryNotFound)?;
    state.jobs.ring(delivery::DELIVER);
    Ok(delivery)
}
