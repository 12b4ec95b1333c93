//! Outgoing webhooks: the endpoints an organization registers and the log of their
//! deliveries (`/api/dashboard/webhooks...`, and `/api/webhooks` with an API key).

use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// What happened; an endpoint receives the types it subscribed to. The wire spelling is
/// the Standard Webhooks `type` of the delivery's body (`conversation.created`, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventType {
    /// A visitor started a conversation; `data` is the conversation.
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    /// A conversation became `unresolved`, `escalated` or `resolved`; `data` is the
    /// conversation and its `previousStatus`.
    #[serde(rename = "conversation.status_changed")]
    ConversationStatusChanged,
    /// A message was stored (visitor, operator or AI responder); `data` is the message.
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A visitor identified (a new contact session); `data` is the contact.
    #[serde(rename = "contact.created")]
    ContactCreated,
    /// A visitor rated an answer; `data` is the rated message.
    #[serde(rename = "rating.given")]
    RatingGiven,
    /// "Send test" in the dashboard: sent to that endpoint only, never subscribed to.
    #[serde(rename = "webhook.test")]
    Test,
}

impl WebhookEventType {
    /// The types an endpoint may subscribe to, in the order the dashboard lists them.
    pub const SUBSCRIBABLE: [Self; 5] = [
        Self::ConversationCreated,
        Self::ConversationStatusChanged,
        Self::MessageCreated,
        Self::ContactCreated,
        Self::RatingGiven,
    ];

    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversationCreated => "conversation.created",
            Self::ConversationStatusChanged => "conversation.status_changed",
            Self::MessageCreated => "message.created",
            Self::ContactCreated => "contact.created",
            Self::RatingGiven => "rating.given",
            Self::Test => "webhook.test",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Test]
            .into_iter()
            .chain(Self::SUBSCRIBABLE)
            .find(|t| t.as_str() == s)
    }
}

/// A registered endpoint. The signing secret (`whsec_` + base64 of 24 random bytes, the
/// Standard Webhooks form) is shown to the organization's managers and API keys, who need
/// it to check signatures.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEndpoint {
    /// Its ID.
    pub id: WebhookEndpointId,
    /// Where deliveries are POSTed (`http` or `https`).
    pub url: String,
    /// The event types it receives.
    pub events: Vec<WebhookEventType>,
    /// The current signing secret.
    pub secret: String,
    /// Until when (after a rotation) deliveries are also signed with the previous secret,
    /// so receivers can switch without losing any; `null` when there is none.
    pub previous_secret_until: Option<Timestamp>,
    /// Whether deliveries are sent. Set to `false` by hand, or by Parley after the endpoint
    /// failed for a day (then `disabledReason` says so).
    pub enabled: bool,
    /// Why Parley disabled it, if it did.
    pub disabled_reason: Option<String>,
    /// Since when every attempt has failed; `null` while it answers.
    pub failing_since: Option<Timestamp>,
    /// When it was registered.
    pub created_at: Timestamp,
}

/// `POST .../webhooks`: register an endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateWebhookEndpoint {
    /// An `http(s)` URL, at most 2,048 characters; private and loopback hosts are refused
    /// when delivering unless the instance allows them.
    pub url: String,
    /// At least one of [`WebhookEventType::SUBSCRIBABLE`].
    pub events: Vec<WebhookEventType>,
}

/// `PATCH .../webhooks/{id}`: change what is given; enabling again clears the failure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateWebhookEndpoint {
    /// A new URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A new set of event types (at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<WebhookEventType>>,
    /// Switch deliveries on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Replace the secret; the old one keeps signing deliveries for 24 hours as well.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub rotate_secret: bool,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookDeliveryState {
    /// Waiting for its first or next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: a 4xx other than 408/429, a day of failures, or a disabled endpoint.
    Failed,
}

impl WebhookDeliveryState {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|t| t.as_str() == s)
    }
}

/// One event for one endpoint, with its latest attempt (the delivery log).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    /// Its ID; `msg_` + this ID without hyphens is the `webhook-id` header.
    pub id: WebhookDeliveryId,
    /// The endpoint.
    pub endpoint_id: WebhookEndpointId,
    /// What happened.
    pub event_type: WebhookEventType,
    /// The exact JSON body sent.
    pub payload: String,
    /// Where it stands.
    pub state: WebhookDeliveryState,
    /// Attempts so far.
    pub attempts: u32,
    /// The HTTP status of the latest attempt, if one answered.
    pub last_status_code: Option<u16>,
    /// Why the latest attempt failed (network error, status), if it did.
    pub last_error: Option<String>,
    /// When the latest attempt was made.
    pub last_attempt_at: Option<Timestamp>,
    /// When the event happened.
    pub created_at: Timestamp,
}
