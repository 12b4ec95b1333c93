//! GDPR requests about one contact: export and erasure.

use super::*;
use crate::api::{Conversation, Message};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// `POST /api/dashboard/contacts/export` and `/erase` (owners and admins): a data subject's
/// request (GDPR access or erasure), by email. The email travels in the body, not the URL,
/// so it stays out of access logs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactRequest {
    /// The contact's email (matched without regard to case).
    pub email: String,
}

/// One conversation in an export, with every message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ExportedConversation {
    /// The conversation.
    pub conversation: Conversation,
    /// Its messages in `seq` order.
    pub messages: Vec<Message>,
}

/// `200` answer to an export: everything the organization holds about one email.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactExport {
    /// The email asked about (lowercased).
    pub email: String,
    /// When the export was made.
    pub exported_at: Timestamp,
    /// Its sessions (with browser metadata), oldest first.
    pub sessions: Vec<ContactDetails>,
    /// Their conversations.
    pub conversations: Vec<ExportedConversation>,
}

/// `200` answer to an erasure: how much was deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErasureReport {
    /// Contact sessions deleted.
    pub sessions: u64,
    /// Conversations deleted.
    pub conversations: u64,
    /// Messages deleted.
    pub messages: u64,
}
