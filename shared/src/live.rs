//! The live-update protocol on `GET /api/widget/live` (a WebSocket; JSON text frames).
//!
//! The client's first frame is [`ClientFrame::Subscribe`] (browsers cannot put headers on a
//! WebSocket, and the credential must never be in a URL). The server answers
//! [`ServerFrame::Ready`], then every message with `seq > afterSeq` in order, then new
//! events as they happen. To resume after a drop, reconnect with the highest `seq` seen:
//! nothing is missed and nothing is sent twice.

use crate::api::{Conversation, ConversationStatus, Message};
use crate::error::ErrorBody;
use crate::ids::ConversationId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// Frames the client sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Fields are renamed per variant, not with `rename_all_fields`, which utoipa ignores: the
// OpenAPI document then spelled them in snake_case (issue 21, finding 9).
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ClientFrame {
    /// Authenticate and follow one conversation, replaying messages after `after_seq`.
    #[serde(rename_all = "camelCase")]
    Subscribe {
        /// The contact session credential.
        token: String,
        /// The conversation to follow (must be the session's own).
        conversation_id: ConversationId,
        /// The highest `seq` the client already has (0 for none).
        after_seq: u64,
    },
    /// The visitor is typing in the subscribed conversation (at most one every
    /// [`crate::limits::TYPING_SEND_EVERY_MS`]). Relayed to the team, never stored.
    Typing,
    /// The visitor has seen the subscribed conversation up to `seq` (sent while the widget is
    /// open, visible and showing it). Stored, never moving backwards; the team sees "Seen".
    Read {
        /// The highest `seq` shown to the visitor.
        seq: u64,
    },
    /// Instead of `subscribe`: follow the session's conversations as a list (unread counts,
    /// last message, status), for the selection screen and the launcher's unread badge. The
    /// server answers [`ServerFrame::Conversations`], then [`ServerFrame::Conversation`] for
    /// each change.
    Watch {
        /// The contact session credential.
        token: String,
    },
}

/// Frames the server sends.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// Fields are renamed per variant, not with `rename_all_fields`, which utoipa ignores: the
// OpenAPI document then spelled them in snake_case (issue 21, finding 9).
#[serde(tag = "type", rename_all = "camelCase")]
pub enum ServerFrame {
    /// The subscription is accepted; the conversation as it is now.
    Ready {
        /// Current state of the conversation.
        conversation: Conversation,
    },
    /// A message, new or replayed.
    Message {
        /// The message.
        message: Message,
    },
    /// The conversation's status changed.
    #[serde(rename_all = "camelCase")]
    Status {
        /// Which conversation.
        conversation_id: ConversationId,
        /// Its new status.
        status: ConversationStatus,
        /// When it changed.
        updated_at: Timestamp,
    },
    /// The AI responder is writing an answer: `content` is the text so far (empty at first:
    /// show a typing indicator). Not stored: the stored message with the same `messageId`
    /// replaces it, and a reconnecting client simply waits for that message.
    #[serde(rename_all = "camelCase")]
    Draft {
        /// Which conversation.
        conversation_id: ConversationId,
        /// The ID the answer will be stored under.
        message_id: crate::ids::MessageId,
        /// The responder's display name.
        author_name: String,
        /// The answer so far.
        content: String,
    },
    /// A person is typing in the conversation: the visitor, or an operator (with their
    /// display name). Show it for [`crate::limits::TYPING_SHOWN_MS`] unless another comes
    /// or their message arrives. Never stored, not replayed after a reconnection.
    #[serde(rename_all = "camelCase")]
    Typing {
        /// Which conversation.
        conversation_id: ConversationId,
        /// `contact` or `operator`.
        role: crate::api::MessageRole,
        /// The operator's display name (none for the visitor).
        author_name: Option<String>,
    },
    /// Someone has seen the conversation up to `seq`: the visitor (`contact`; the team shows
    /// "Seen" under its replies up to there) or an operator (`operator`; the widget shows
    /// "Seen" under the visitor's messages up to there). Stored: `Conversation`'s
    /// `contactReadSeq` and `staffReadSeq` give it after a reconnection.
    #[serde(rename_all = "camelCase")]
    Read {
        /// Which conversation.
        conversation_id: ConversationId,
        /// `contact` or `operator`.
        role: crate::api::MessageRole,
        /// The highest `seq` seen.
        seq: u64,
    },
    /// Answer to `watch`: the session's conversations, most recent activity first (at most
    /// [`crate::limits::WATCH_CONVERSATIONS`]).
    Conversations {
        /// Each with its `unreadCount`.
        conversations: Vec<Conversation>,
    },
    /// On a `watch` socket: one of the session's conversations changed (a reply, a status, a
    /// read position); its new state.
    Conversation {
        /// The conversation as it is now.
        conversation: Conversation,
    },
    /// The subscription was refused or ended; the server closes the socket after this.
    Error {
        /// The same body an HTTP error would carry (e.g. 401 `session_expired`).
        error: ErrorBody,
    },
}
