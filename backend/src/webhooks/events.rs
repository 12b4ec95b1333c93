//! Webhook events: what happened, recorded as a `webhook.event` job only when an endpoint
//! listens, then fanned out into one delivery (and one `webhook.deliver` job) per
//! subscribed endpoint.
//!
//! `message.created` commits with its message (`NewMessage::event_job`). The other events
//! are recorded right after their cause commits: a crash between the two loses that event
//! (logged if recording fails); their causes' transactions do not take jobs yet.
//!
//! Delivery bodies follow the Standard Webhooks shape:
//! `{"type": "message.created", "timestamp": "2026-12-03T10:00:00.000Z", "data": {...}}`,
//! where `data` holds the API's own objects (`conversation`, `message`, `contact`), read
//! when the event is fanned out (a message erased meanwhile is not sent).

use super::delivery;
use crate::error::Result;
use crate::jobs::{Kind, Outcome, Policy};
use crate::state::State;
use crate::store::{ContactSession, Job, NewDelivery, NewJob};
use async_trait::async_trait;
use parley_shared::api::ConversationStatus;
use parley_shared::staff::{WebhookDelivery, WebhookDeliveryState, WebhookEventType};
use parley_shared::{
    ContactSessionId, ConversationId, MessageId, OrganizationId, Timestamp, WebhookDeliveryId,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::time::Duration;
use uuid::Uuid;

/// The fan-out kind's name in `jobs.kind`.
pub const EVENT: &str = "webhook.event";

/// Namespace of `message.created` event IDs (one event per message, retries included).
const MESSAGE_EVENT_NAMESPACE: Uuid = Uuid::from_u128(0x5d1c_4a7e_9b0f_4c3e_8a61_2f7d_0e9b_b101);
/// Namespace of delivery IDs (one per event and endpoint, however often the fan-out runs).
const DELIVERY_NAMESPACE: Uuid = Uuid::from_u128(0x5d1c_4a7e_9b0f_4c3e_8a61_2f7d_0e9b_b102);

/// An event: the `webhook.event` job's payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: WebhookEventType,
    /// When.
    pub occurred_at: Timestamp,
    /// The conversation it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<ConversationId>,
    /// The message it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// The contact it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_session_id: Option<ContactSessionId>,
    /// For a status change: the status it had, and the one it took.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<ConversationStatus>,
    /// For a status change: the new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
}

impl Event {
    fn new(event_type: WebhookEventType, occurred_at: Timestamp) -> Self {
        Self {
            event_type,
            occurred_at,
            conversation_id: None,
            message_id: None,
            contact_session_id: None,
            previous_status: None,
            status: None,
        }
    }

    fn job(&self, id: Uuid, org: OrganizationId) -> NewJob {
        NewJob {
            id,
            kind: EVENT,
            organization_id: org,
            conversation_id: self.conversation_id,
            // Plain IDs and enums cannot fail to serialize.
            payload: serde_json::to_string(self).unwrap_or_default(),
        }
    }
}

/// The `message.created` event of a message about to be stored (see
/// `NewMessage::event_job`); its ID follows from the message's.
pub fn message_created(
    org: OrganizationId,
    conversation: ConversationId,
    message: MessageId,
    at: Timestamp,
) -> NewJob {
    let mut event = Event::new(WebhookEventType::MessageCreated, at);
    event.conversation_id = Some(conversation);
    event.message_id = Some(message);
    event.job(
        Uuid::new_v5(&MESSAGE_EVENT_NAMESPACE, message.0.as_bytes()),
        org,
    )
}

/// Records an event after its cause committed, if an endpoint listens; a failure is logged,
/// not returned (the cause stands; see the module notes).
async fn record(state: &State, org: OrganizationId, event: Event) {
    let job = event.job(Uuid::new_v4(), org);
    match state
        .store
        .record_webhook_event(&job, event.event_type, event.occurred_at)
        .await
    {
        Ok(true) => state.jobs.ring(EVENT),
        Ok(false) => {}
        Err(e) => {
            tracing::warn!(event = event.event_type.as_str(), error = %e, "a webhook event was not recorded")
        }
    }
}

/// `conversation.created`.
pub async fn conversation_created(state: &State, org: OrganizationId, id: ConversationId) {
    let mut event = Event::new(WebhookEventType::ConversationCreated, state.clock.now());
    event.conversation_id = Some(id);
    record(state, org, event).await;
}

/// `conversation.status_changed`, when the status did change.
pub async fn status_changed(
    state: &State,
    org: OrganizationId,
    id: ConversationId,
    previous: ConversationStatus,
    status: ConversationStatus,
) {
    if previous == status {
        return;
    }
    let mut event = Event::new(
        WebhookEventType::ConversationStatusChanged,
        state.clock.now(),
    );
    event.conversation_id = Some(id);
    event.previous_status = Some(previous);
    event.status = Some(status);
    record(state, org, event).await;
}

/// `contact.created`: a visitor identified.
pub async fn contact_created(state: &State, org: OrganizationId, id: ContactSessionId) {
    let mut event = Event::new(WebhookEventType::ContactCreated, state.clock.now());
    event.contact_session_id = Some(id);
    record(state, org, event).await;
}

/// `rating.given`: a visitor rated an answer.
pub async fn rating_given(
    state: &State,
    org: OrganizationId,
    conversation: ConversationId,
    message: MessageId,
) {
    let mut event = Event::new(WebhookEventType::RatingGiven, state.clock.now());
    event.conversation_id = Some(conversation);
    event.message_id = Some(message);
    record(state, org, event).await;
}

/// A contact as webhooks show it.
fn contact_json(s: &ContactSession) -> Value {
    json!({
        "id": s.id,
        "organizationId": s.organization_id,
        "name": s.name,
        "email": s.email,
        "verified": s.verified,
        "externalId": s.external_id,
        "metadata": serde_json::from_str::<Value>(&s.metadata).unwrap_or(Value::Null),
        "createdAt": s.created_at,
    })
}

/// The delivery body of `event`, reading its subjects now; `None` when one is gone.
async fn body(state: &State, event: &Event) -> Result<Option<String>> {
    let store = &state.store;
    let data = match event.event_type {
        WebhookEventType::ConversationCreated | WebhookEventType::ConversationStatusChanged => {
            let Some(id) = event.conversation_id else {
                return Ok(None);
            };
            let Some(owned) = store.conversation(id).await? else {
                return Ok(None);
            };
            let mut conversation = owned.conversation;
            if let Some(status) = event.status {
                // The status of this event, not a later one.
                conversation.status = status;
            }
            let contact = store.contact_session(owned.contact_session_id).await?;
            json!({
                "conversation": conversation,
                "previousStatus": event.previous_status,
                "contact": contact.as_ref().map(contact_json),
            })
        }
        WebhookEventType::MessageCreated | WebhookEventType::RatingGiven => {
            let Some(message) = event.message_id else {
                return Ok(None);
            };
            let Some(message) = store.message(message).await? else {
                return Ok(None);
            };
            json!({ "message": message })
        }
        WebhookEventType::ContactCreated => {
            let Some(id) = event.contact_session_id else {
                return Ok(None);
            };
            let Some(contact) = store.contact_session(id).await? else {
                return Ok(None);
            };
            json!({ "contact": contact_json(&contact) })
        }
        WebhookEventType::Test => return Ok(None),
    };
    Ok(Some(envelope(event.event_type, event.occurred_at, data)))
}

/// The Standard Webhooks body: `{"type", "timestamp", "data"}`.
pub(super) fn envelope(event_type: WebhookEventType, at: Timestamp, data: Value) -> String {
    json!({ "type": event_type, "timestamp": at, "data": data }).to_string()
}

/// Fans an event out into deliveries, as a kind of job.
pub struct FanOut;

#[async_trait]
impl Kind for FanOut {
    fn name(&self) -> &'static str {
        EVENT
    }

    fn policy(&self, _state: &State) -> Policy {
        // Only the database can fail here: retry quickly, for a while.
        Policy {
            lease: Duration::from_secs(60),
            retry_base: Duration::from_secs(1),
            max_retry_delay: Duration::from_secs(60),
            max_attempts: 20,
        }
    }

    async fn run(&self, state: &State, job: &Job) -> Result<Outcome> {
        let Ok(event) = serde_json::from_str::<Event>(&job.payload) else {
            return Ok(Outcome::Dropped("unreadable payload".into()));
        };
        let endpoints = state
            .store
            .subscribed_webhook_endpoints(job.organization_id, event.event_type)
            .await?;
        if endpoints.is_empty() {
            return Ok(Outcome::Done);
        }
        let Some(body) = body(state, &event).await? else {
            return Ok(Outcome::Dropped("its subject is gone".into()));
        };
        let deliveries: Vec<NewDelivery> = endpoints
            .iter()
            .map(|endpoint| {
                let id = WebhookDeliveryId(Uuid::new_v5(
                    &DELIVERY_NAMESPACE,
                    format!("{}/{}", job.id, endpoint.endpoint.id).as_bytes(),
                ));
                NewDelivery {
                    delivery: WebhookDelivery {
                        id,
                        endpoint_id: endpoint.endpoint.id,
                        event_type: event.event_type,
                        payload: body.clone(),
                        state: WebhookDeliveryState::Pending,
                        attempts: 0,
                        last_status_code: None,
                        last_error: None,
                        last_attempt_at: None,
                        created_at: event.occurred_at,
                    },
                    organization_id: job.organization_id,
                    conversation_id: event.conversation_id,
                    contact_session_id: event.contact_session_id,
                    job: Some(delivery::job(
                        job.organization_id,
                        id,
                        event.conversation_id,
                        id.0,
                    )),
                }
            })
            .collect();
        state
            .store
            .create_webhook_deliveries(&deliveries, state.clock.now())
            .await?;
        for _ in &deliveries {
            state.jobs.ring(delivery::DELIVER);
        }
        Ok(Outcome::Done)
    }

    async fn give_up(&self, _state: &State, _job: &Job, _why: &str) -> Result<()> {
        Ok(())
    }
}
