//! Types shared by Parley's backend (native) and its WebAssembly apps (wasm32).
//!
//! Everything here is plain data plus pure validation: serde only, no I/O, so the same
//! definitions describe the wire format on both sides and cannot drift apart.

pub mod api;
#[cfg(feature = "verify")]
pub mod cursor;
pub mod error;
#[cfg(feature = "verify")]
pub mod identity;
pub mod ids;
pub mod limits;
pub mod live;
pub mod public;
pub mod staff;
pub mod timestamp;
pub mod tree;

pub use error::{ErrorBody, ErrorCode};
pub use ids::{
    ApiKeyId, ArticleId, ContactSessionId, ConversationId, InviteId, MessageId, OrganizationId,
    ProjectId, UserId, WebhookDeliveryId, WebhookEndpointId,
};
pub use timestamp::Timestamp;
