//! The public REST API (`/chat/*`, `x-api-key`), exactly as seed 003 documents it, plus API
//! key management for the dashboard. Field names and enum spellings follow the seed.

use crate::ids::{ConversationId, MessageId, OrganizationId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// Title of a chat that has none (seed 003's default).
pub const DEFAULT_CHAT_TITLE: &str = "Nouvelle discussion";

/// `organization` of a [`Chat`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChatOrganization {
    /// Organization ID.
    pub id: OrganizationId,
    /// Its name.
    pub name: String,
    /// Always `REGULAR`.
    pub scope: String,
    /// Creation.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// One element of `GET /chat/list` (a conversation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Chat {
    /// The conversation ID (UUID).
    pub id: ConversationId,
    /// `"Nouvelle discussion"` unless titled.
    pub title: Option<String>,
    /// Creation.
    pub created_at: Timestamp,
    /// Last activity.
    pub updated_at: Timestamp,
    /// The organization.
    pub organization_id: OrganizationId,
    /// The project (website) it started on; `null` without projects.
    pub project_id: Option<String>,
    /// `{"source": "web", …the contact session's browser metadata}`.
    pub metadata: serde_json::Value,
    /// The organization.
    pub organization: ChatOrganization,
    /// The project, or `null`.
    pub project: Option<serde_json::Value>,
    /// Number of messages.
    pub messages_length: u64,
}

/// Who wrote a [`ChatMessage`] (seed 003's enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChatRole {
    /// The contact.
    User,
    /// The AI responder, or an operator (identified in `metadata.operator`).
    Assistant,
    /// Parley itself.
    System,
    /// A tool's output.
    Tool,
}

/// A visitor's rating of a message (seed 003's enum).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Accuracy {
    /// Thumbs up.
    Positive,
    /// Thumbs down.
    Negative,
    /// Rated without a verdict (comment only).
    NotSpecified,
}

impl Accuracy {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Positive => "POSITIVE",
            Self::Negative => "NEGATIVE",
            Self::NotSpecified => "NOT_SPECIFIED",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "POSITIVE" => Some(Self::Positive),
            "NEGATIVE" => Some(Self::Negative),
            "NOT_SPECIFIED" => Some(Self::NotSpecified),
            _ => None,
        }
    }
}

/// A part of a message (text only, for now).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UiPart {
    /// Always `text`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text.
    pub text: String,
}

/// `message.metadata` of the Vercel AI SDK form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UiMessageMetadata {
    /// Same as `messageId` (the seed's field name for the stored record's ID).
    pub prisma_message_id: MessageId,
    /// The message ID.
    pub message_id: MessageId,
    /// Parent in the tree.
    pub previous_message_id: Option<MessageId>,
    /// Depth (0 = root).
    pub depth: u64,
    /// Index among siblings.
    pub sibling_index: u64,
    /// Highest sibling index among this message's siblings.
    pub max_sibling_index: u64,
    /// Creation.
    pub created_at: Timestamp,
}

/// The Vercel AI SDK `UIMessage` form of a message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UiMessage {
    /// The message ID.
    pub id: MessageId,
    /// `user`, `assistant`, `system` or `tool`.
    pub role: String,
    /// `[{type: "text", text}]`.
    pub parts: Vec<UiPart>,
    /// Tree position and creation time.
    pub metadata: UiMessageMetadata,
}

/// One element of `GET /chat/:chatId/messages`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChatMessage {
    /// Message ID.
    pub id: MessageId,
    /// Its chat.
    pub chat_id: ConversationId,
    /// Author kind.
    pub role: ChatRole,
    /// The text.
    pub content: String,
    /// `[{type: "text", text}]`.
    pub parts: Vec<UiPart>,
    /// `{}` for contacts; `{"operator": {"id", "displayName"}}` for operator replies.
    pub metadata: serde_json::Value,
    /// The UIMessage form.
    pub message: Option<UiMessage>,
    /// Creation.
    pub created_at: Timestamp,
    /// Last change (feedback), else creation.
    pub updated_at: Timestamp,
    /// Depth in the tree (0 = root).
    pub depth: u64,
    /// Parent, `null` for the first message.
    pub previous_message_id: Option<MessageId>,
    /// The root of its branch, `null` for the root itself.
    pub root_message_id: Option<MessageId>,
    /// Index among siblings (0 = first).
    pub sibling_index: u64,
    /// The visitor's rating, if any.
    pub accuracy: Option<Accuracy>,
    /// The visitor's comment, if any.
    pub feedback: Option<String>,
}

/// An API key as the dashboard lists it (the key itself is shown once, at creation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Key record ID.
    pub id: crate::ids::ApiKeyId,
    /// A label.
    pub name: String,
    /// The key's first characters (`pk_…`).
    pub prefix: String,
    /// Creation.
    pub created_at: Timestamp,
    /// Last use by the public API, if any (updated at most once a minute).
    pub last_used_at: Option<Timestamp>,
}

/// `POST /api/dashboard/api-keys` (owners and admins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKey {
    /// A label (1–80 characters).
    pub name: String,
}

/// `201` answer to [`CreateApiKey`]: the key, shown this once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyCreated {
    /// The record.
    pub api_key: ApiKey,
    /// The key to send as `x-api-key` (`pk_` + 256 random bits, base64url).
    pub key: String,
}
