//! The `webhook.deliver` job: one signed POST per attempt, retried for about a day.
//!
//! - Signature (Standard Webhooks, as Svix and others send it): headers `webhook-id`
//!   (`msg_` + the delivery ID, the same on every attempt so receivers can drop
//!   duplicates), `webhook-timestamp` (Unix seconds of this attempt) and
//!   `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` under the
//!   secret's bytes; during a rotation a second `v1,` signature under the previous secret,
//!   space-separated).
//! - A 2xx answer delivers; network errors, timeouts, 408, 429 and 5xx are retried with
//!   backoff and jitter (by default 5 s doubling to 2 h, 23 attempts: about a day); any
//!   other answer fails the delivery at once (the receiver refused it: retrying would not
//!   change that). A refused private destination is not retried either.
//! - An endpoint whose attempts have all failed for `disable_after` (a day) is disabled
//!   with its reason; the dashboard shows it until someone enables it again.

use super::events::envelope;
use crate::error::Result;
use crate::jobs::{Kind, Outcome, Policy};
use crate::outbound::Refused;
use crate::state::State;
use crate::store::{AttemptRecord, EndpointRow, Job, NewDelivery, NewJob};
use async_trait::async_trait;
use parley_shared::staff::{WebhookDelivery, WebhookDeliveryState, WebhookEventType};
use parley_shared::{ConversationId, OrganizationId, WebhookDeliveryId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// The delivery kind's name in `jobs.kind`.
pub const DELIVER: &str = "webhook.deliver";
/// Longest pause between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(2 * 3600);
/// The `User-Agent` of deliveries.
const USER_AGENT: &str = concat!("Parley-Webhooks/", env!("CARGO_PKG_VERSION"));

/// The job's parameters (`jobs.payload`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    delivery_id: WebhookDeliveryId,
}

/// A job sending `delivery`, under job ID `id` (the delivery's own ID for its first send, a
/// fresh one for a redelivery).
pub(super) fn job(
    org: OrganizationId,
    delivery: WebhookDeliveryId,
    conversation: Option<ConversationId>,
    id: uuid::Uuid,
) -> NewJob {
    NewJob {
        id,
        kind: DELIVER,
        organization_id: org,
        conversation_id: conversation,
        // An ID cannot fail to serialize.
        payload: serde_json::to_string(&Payload {
            delivery_id: delivery,
        })
        .unwrap_or_default(),
    }
}

/// The `webhook-id` header of a delivery.
pub fn message_id(delivery: WebhookDeliveryId) -> String {
    format!("msg_{}", delivery.0.simple())
}

/// How an attempt ended.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    /// 2xx.
    Delivered,
    /// Worth another attempt (network, timeout, 408, 429, 5xx).
    Retry,
    /// Another attempt would fail the same way.
    Final,
}

/// One attempt's result.
struct Attempted {
    verdict: Verdict,
    status_code: Option<u16>,
    error: Option<String>,
}

/// The `webhook-signature` value for `body` sent as `id` at `timestamp` (Unix seconds):
/// one `v1,` signature per secret.
fn signatures(secrets: &[&str], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|secret| {
            let signer = standardwebhooks::Webhook::new(secret).ok()?;
            signer.sign(id, timestamp, body.as_bytes()).ok()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// POSTs `delivery` to its endpoint once.
async fn attempt(state: &State, delivery: &WebhookDelivery, endpoint: &EndpointRow) -> Attempted {
    let failed = |verdict, status_code, error: String| Attempted {
        verdict,
        status_code,
        error: Some(error),
    };
    let now = time::OffsetDateTime::now_utc();
    let timestamp = now.unix_timestamp();
    let mut secrets = vec![endpoint.endpoint.secret.as_str()];
    let rotating = endpoint
        .endpoint
        .previous_secret_until
        .is_some_and(|until| until > state.clock.now());
    if let (true, Some(previous)) = (rotating, &endpoint.previous_secret) {
        secrets.push(previous);
    }
    let id = message_id(delivery.id);
    let signature = signatures(&secrets, &id, timestamp, &delivery.payload);
    let webhooks = &state.webhooks;
    let client = match webhooks.outbound.checked(&endpoint.endpoint.url) {
        Ok(client) => client,
        Err(refused) => return failed(Verdict::Final, None, refused),
    };
    let sent = client
        .post(&endpoint.endpoint.url)
        .timeout(webhooks.tuning.timeout)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, USER_AGENT)
        .header(standardwebhooks::HEADER_WEBHOOK_ID, &id)
        .header(
            standardwebhooks::HEADER_WEBHOOK_TIMESTAMP,
            timestamp.to_string(),
        )
        .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
        .body(delivery.payload.clone())
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let code = Some(status.as_u16());
            if status.is_success() {
                Attempted {
                    verdict: Verdict::Delivered,
                    status_code: code,
                    error: None,
                }
            } else if status.is_server_error()
                || status == reqwest::StatusCode::REQUEST_TIMEOUT
                || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            {
                failed(Verdict::Retry, code, format!("HTTP {status}"))
            } else {
                failed(Verdict::Final, code, format!("HTTP {status}"))
            }
        }
        Err(e) if refused(&e) => failed(Verdict::Final, None, describe(&e)),
        Err(e) => failed(Verdict::Retry, None, describe(&e)),
    }
}

/// Whether the request was refused by the private-destination rule (after DNS).
fn refused(e: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        if cause.is::<Refused>() {
            return true;
        }
        source = cause.source();
    }
    false
}

/// A short reason for the delivery log: the error and its innermost cause.
fn describe(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut inner = std::error::Error::source(e);
    let mut last = None;
    while let Some(cause) = inner {
        last = Some(cause.to_string());
        inner = cause.source();
    }
    match last {
        Some(cause) => format!("{what}: {cause}"),
        None => what.to_owned(),
    }
}

/// "Send test": a `webhook.test` delivery attempted now and logged as it ended (not
/// retried, and not counted in the endpoint's failures).
pub(super) async fn send_test(state: &State, endpoint: &EndpointRow) -> Result<WebhookDelivery> {
    let now = state.clock.now();
    let data = json!({
        "endpointId": endpoint.endpoint.id,
        "text": "A test delivery from Parley: your endpoint received and verified it.",
    });
    let mut delivery = WebhookDelivery {
        id: WebhookDeliveryId::new_random(),
        endpoint_id: endpoint.endpoint.id,
        event_type: WebhookEventType::Test,
        payload: envelope(WebhookEventType::Test, now, data),
        state: WebhookDeliveryState::Pending,
        attempts: 1,
        last_status_code: None,
        last_error: None,
        last_attempt_at: Some(now),
        created_at: now,
    };
    let attempted = attempt(state, &delivery, endpoint).await;
    delivery.state = match attempted.verdict {
        Verdict::Delivered => WebhookDeliveryState::Delivered,
        Verdict::Retry | Verdict::Final => WebhookDeliveryState::Failed,
    };
    delivery.last_status_code = attempted.status_code;
    delivery.last_error = attempted.error;
    count(&attempted.verdict, true);
    state
        .store
        .create_webhook_deliveries(
            &[NewDelivery {
                delivery: delivery.clone(),
                organization_id: endpoint.organization_id,
                conversation_id: None,
                contact_session_id: None,
                job: None,
            }],
            now,
        )
        .await?;
    Ok(delivery)
}

/// Counts an attempt in `/metrics`.
fn count(verdict: &Verdict, last: bool) {
    let outcome = match verdict {
        Verdict::Delivered => "delivered",
        Verdict::Retry if !last => "retry",
        Verdict::Retry | Verdict::Final => "failed",
    };
    metrics::counter!("parley_webhook_attempts_total", "outcome" => outcome).increment(1);
}

/// Sends webhook deliveries, as a kind of job.
pub struct Deliver;

#[async_trait]
impl Kind for Deliver {
    fn name(&self) -> &'static str {
        DELIVER
    }

    fn policy(&self, state: &State) -> Policy {
        let tuning = &state.webhooks.tuning;
        Policy {
            // Past the POST's own limit, so a live attempt is never taken over; short
            // enough that a crashed instance's attempt is soon taken over by another.
            lease: tuning.timeout * 2 + Duration::from_secs(1),
            retry_base: tuning.retry_base,
            max_retry_delay: MAX_RETRY_DELAY,
            max_attempts: tuning.max_attempts,
        }
    }

    async fn run(&self, state: &State, job: &Job) -> Result<Outcome> {
        let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
            return Ok(Outcome::Dropped("unreadable payload".into()));
        };
        let Some((delivery, endpoint)) = state.store.webhook_delivery(payload.delivery_id).await?
        else {
            return Ok(Outcome::Dropped("delivery or endpoint deleted".into()));
        };
        // Delivered by a run that died before finishing its job: never twice after a 2xx.
        if delivery.state != WebhookDeliveryState::Pending {
            return Ok(Outcome::Done);
        }
        if !endpoint.endpoint.enabled {
            state
                .store
                .set_webhook_delivery_state(delivery.id, WebhookDeliveryState::Failed)
                .await?;
            return Ok(Outcome::Dropped("endpoint disabled".into()));
        }
        let attempted = attempt(state, &delivery, &endpoint).await;
        let last = job.attempts >= self.policy(state).max_attempts;
        count(&attempted.verdict, last);
        let delivered = attempted.verdict == Verdict::Delivered;
        let record = AttemptRecord {
            status_code: attempted.status_code,
            error: attempted.error.clone(),
            state: match attempted.verdict {
                Verdict::Delivered => WebhookDeliveryState::Delivered,
                Verdict::Retry if !last => WebhookDeliveryState::Pending,
                Verdict::Retry | Verdict::Final => WebhookDeliveryState::Failed,
            },
            at: state.clock.now(),
        };
        let failing_since = state
            .store
            .record_webhook_attempt(delivery.id, &record)
            .await?;
        if delivered {
            return Ok(Outcome::Done);
        }
        let why = attempted.error.unwrap_or_default();
        let disable_after = state.webhooks.tuning.disable_after;
        let failing_for = failing_since
            .map(|since| record.at.unix_millis() - since.unix_millis())
            .unwrap_or(0);
        if failing_for >= i64::try_from(disable_after.as_millis()).unwrap_or(i64::MAX) {
            let reason = format!(
                "Disabled by Parley: every delivery failed for {} hours (last: {why}).",
                disable_after.as_secs() / 3600
            );
            tracing::warn!(endpoint = %endpoint.endpoint.id, organization = %endpoint.organization_id, "{reason}");
            state
                .store
                .disable_webhook_endpoint(endpoint.endpoint.id, &reason)
                .await?;
            state
                .store
                .set_webhook_delivery_state(delivery.id, WebhookDeliveryState::Failed)
                .await?;
            return Ok(Outcome::Dropped(reason));
        }
        Ok(match attempted.verdict {
            Verdict::Retry => Outcome::Retry(why),
            _ => Outcome::GiveUp(why),
        })
    }

    async fn give_up(&self, state: &State, job: &Job, _why: &str) -> Result<()> {
        if let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) {
            state
                .store
                .set_webhook_delivery_state(payload.delivery_id, WebhookDeliveryState::Failed)
                .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_with_either_secret_during_a_rotation() {
        let (old, new) = (
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_c2VjcmV0LXR3by1ieXRlcw==",
        );
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let body = r#"{"type":"message.created"}"#;
        let header = signatures(&[new, old], "msg_1", now, body);
        assert_eq!(header.split(' ').count(), 2);
        let mut headers = axum::http::HeaderMap::new();
        headers.insert("webhook-id", "msg_1".parse().unwrap());
        headers.insert("webhook-timestamp", now.to_string().parse().unwrap());
        headers.insert("webhook-signature", header.parse().unwrap());
        for secret in [old, new] {
            standardwebhooks::Webhook::new(secret)
                .unwrap()
                .verify(body.as_bytes(), &headers)
                .unwrap();
        }
        let other = standardwebhooks::Webhook::new("whsec_b3RoZXI=").unwrap();
        assert!(other.verify(body.as_bytes(), &headers).is_err());
    }
}
