//! Typed identifiers: a UUID per kind of record, so a conversation ID can never be passed
//! where an organization ID is expected. On the wire each is the hyphenated UUID string.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new random (version 4) identifier.
            pub fn new_random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            /// Parses any UUID form `uuid` accepts; malformed input is an error, never a panic.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

typed_id!(
    /// Identifies an organization (a tenant: the business that embeds the widget).
    OrganizationId
);
typed_id!(
    /// Identifies a contact session (a visitor identified by name and email, with an expiry).
    ContactSessionId
);
typed_id!(
    /// Identifies a conversation between a contact and the organization's support staff.
    ConversationId
);
typed_id!(
    /// Identifies a message. Chosen by the client on send, which makes retries idempotent.
    MessageId
);
typed_id!(
    /// Identifies a member of support staff (an operator/agent account).
    UserId
);
typed_id!(
    /// Identifies an invitation to join an organization.
    InviteId
);
typed_id!(
    /// Identifies an API key record (not the key itself).
    ApiKeyId
);
typed_id!(
    /// Identifies a project: one of an organization's websites.
    ProjectId
);
typed_id!(
    /// Identifies a knowledge-base article.
    ArticleId
);
typed_id!(
    /// Identifies a webhook endpoint: a URL an organization registered for events.
    WebhookEndpointId
);
typed_id!(
    /// Identifies a webhook delivery: one event for one endpoint. Its `msg_`-prefixed form
    /// is the `webhook-id` header, the same on every attempt.
    WebhookDeliveryId
);
