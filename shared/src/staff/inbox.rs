//! The inbox and one conversation as the dashboard shows it, and the dashboard's live protocol.

use crate::api::{ContactMetadata, Conversation, ConversationStatus, Message};
use crate::error::ErrorBody;
use crate::ids::{ContactSessionId, ConversationId, MessageId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// The contact of a conversation, briefly (inbox rows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactSummary {
    /// Name given in the widget.
    pub name: String,
    /// Email given in the widget.
    pub email: String,
}

/// One row of the inbox (`GET /api/dashboard/conversations?status=…`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    /// The conversation, with its last message.
    pub conversation: Conversation,
    /// Who started it.
    pub contact: ContactSummary,
    /// Contact messages newer than what the caller has read.
    pub unread_count: u64,
}

/// The contact panel of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactDetails {
    /// The contact session.
    pub contact_session_id: ContactSessionId,
    /// Name given in the widget.
    pub name: String,
    /// Email given in the widget.
    pub email: String,
    /// Browser metadata reported by the widget.
    pub metadata: ContactMetadata,
    /// When the session started.
    pub created_at: Timestamp,
    /// When it expires unless used.
    pub expires_at: Timestamp,
    /// Identified by the organization's own site (identity verification).
    #[serde(default)]
    pub verified: bool,
    /// The user's ID on the organization's site, when verified.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Blocked by staff: the contact's sessions are revoked and their email refused.
    #[serde(default)]
    pub blocked: bool,
}

/// `GET /api/dashboard/conversations/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConversationDetail {
    /// The conversation.
    pub conversation: Conversation,
    /// Its contact.
    pub contact: ContactDetails,
}

/// `POST /api/dashboard/conversations/{id}/messages`: an operator's reply, shown to the
/// visitor with the operator's display name. Idempotent on `id` like contact messages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OperatorReply {
    /// Client-chosen ID (a fresh UUID); the server picks one when absent.
    #[serde(default)]
    pub id: Option<MessageId>,
    /// The text (non-blank, at most 4,000 characters by default).
    pub content: String,
}

/// `POST /api/dashboard/conversations/{id}/read`: the caller has seen up to `seq`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MarkRead {
    /// Highest message `seq` seen.
    pub seq: u64,
}

/// Inbox tab: one status, or all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboxFilter {
    /// Everything waiting for a person: `escalated` first, then `unresolved` (an escalated
    /// visitor asked for a person and must not be missed; Chatwoot's "open" view hides
    /// neither). The dashboard opens on it.
    #[default]
    Waiting,
    /// Only `unresolved`.
    Unresolved,
    /// Only `escalated`.
    Escalated,
    /// Only `resolved`.
    Resolved,
    /// Every conversation.
    All,
}

impl InboxFilter {
    /// The wire spelling (also the `?filter=` value).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Unresolved => "unresolved",
            Self::Escalated => "escalated",
            Self::Resolved => "resolved",
            Self::All => "all",
        }
    }

    /// Whether this view shows a conversation of `status`.
    pub fn includes(self, status: ConversationStatus) -> bool {
        match self {
            Self::Waiting => status != ConversationStatus::Resolved,
            Self::Unresolved => status == ConversationStatus::Unresolved,
            Self::Escalated => status == ConversationStatus::Escalated,
            Self::Resolved => status == ConversationStatus::Resolved,
            Self::All => true,
        }
    }

    /// The group a conversation of `status` sorts in, higher first (then most recent
    /// activity first): escalated above unresolved in "Waiting", one group elsewhere.
    pub fn rank(self, status: ConversationStatus) -> i64 {
        i64::from(self == Self::Waiting && status == ConversationStatus::Escalated)
    }
}

/// Frames a dashboard sends on `GET /api/dashboard/live` (authenticated by the session
/// cookie on the upgrade request).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Fields are renamed per variant, not with `rename_all_fields`, which utoipa ignores: the
// OpenAPI document then spelled them in snake_case (issue 21, finding 9).
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StaffClientFrame {
    /// Follow one conversation's messages after `after_seq` (replayed from the store), or
    /// none. May be sent again to switch; inbox updates flow regardless.
    #[serde(rename_all = "camelCase")]
    Follow {
        /// The open conversation, if any.
        conversation_id: Option<ConversationId>,
        /// Highest `seq` the client holds for it.
        after_seq: u64,
    },
    /// The operator is typing a reply in the followed conversation (at most one every
    /// [`crate::limits::TYPING_SEND_EVERY_MS`]); the visitor sees it. Never stored.
    #[serde(rename_all = "camelCase")]
    Typing {
        /// The followed conversation (other IDs are ignored).
        conversation_id: ConversationId,
    },
}

/// Frames the server sends to a dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Fields are renamed per variant, not with `rename_all_fields`, which utoipa ignores: the
// OpenAPI document then spelled them in snake_case (issue 21, finding 9).
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StaffServerFrame {
    /// Connected; inbox updates follow. (Clients refetch their inbox page on every `ready`,
    /// which makes reconnection gap-free.)
    Ready,
    /// A conversation was created or changed (new message, status): its current row.
    Inbox {
        /// The row, from the receiving operator's point of view (unread count).
        item: InboxItem,
    },
    /// A message of the followed conversation, new or replayed, in `seq` order.
    Message {
        /// The message.
        message: Message,
    },
    /// The visitor is typing in the followed conversation: show it for
    /// [`crate::limits::TYPING_SHOWN_MS`] unless another comes or their message arrives.
    #[serde(rename_all = "camelCase")]
    Typing {
        /// The followed conversation.
        conversation_id: ConversationId,
    },
    /// The visitor has seen the followed conversation up to `seq`: show "Seen" under the
    /// team's replies up to there (the initial position is the conversation's
    /// `contactReadSeq`).
    #[serde(rename_all = "camelCase")]
    Read {
        /// The followed conversation.
        conversation_id: ConversationId,
        /// The highest `seq` the visitor has seen.
        seq: u64,
    },
    /// Refused or ended (e.g. 401 when the session expired).
    Error {
        /// The error.
        error: ErrorBody,
    },
}
