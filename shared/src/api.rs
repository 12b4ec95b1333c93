//! Request and response bodies of the widget API (`/api/widget/...`) and the interim admin
//! API (`/api/admin/...`). Field names are camelCase on the wire, like the seeds'.

use crate::ids::{ContactSessionId, ConversationId, MessageId, OrganizationId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// `GET /api/widget/organizations/{organizationId}`: what the widget and the embed script
/// need to show themselves (the organization's widget settings, public parts only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WidgetConfig {
    /// The organization the widget belongs to.
    pub organization_id: OrganizationId,
    /// Name shown in the widget header (the settings' display name, else the organization's).
    pub name: String,
    /// Shown at the start of every chat, as from the organization.
    #[serde(default)]
    pub greeting: Option<String>,
    /// Up to 3 first messages the visitor can click to send.
    #[serde(default)]
    pub suggested_messages: Vec<String>,
    /// Accent color, `#rrggbb`.
    #[serde(default)]
    pub accent_color: Option<String>,
    /// Origins allowed to embed the widget; empty means any.
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// "Verified only": the organization takes chats only from visitors its own site has
    /// identified ([`Identity`]); the widget then shows no name/email form.
    #[serde(default)]
    pub identity_required: bool,
    /// The usual time to a person's reply (minutes), stated after "Talk to a person".
    #[serde(default)]
    pub reply_time_minutes: Option<u32>,
    /// Whether the launcher previews an unread reply beside its badge.
    #[serde(default)]
    pub unread_preview: bool,
}

/// Browser facts the widget reports when a contact session starts (seed 001's
/// `metadata`). Every field is optional; strings longer than
/// [`crate::limits::MAX_METADATA_CHARS`] are cut by the server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ContactMetadata {
    /// `navigator.userAgent`.
    pub user_agent: Option<String>,
    /// `navigator.language`, e.g. `fr-FR`.
    pub language: Option<String>,
    /// `navigator.languages`.
    pub languages: Option<Vec<String>>,
    /// `navigator.platform`.
    pub platform: Option<String>,
    /// `navigator.vendor`.
    pub vendor: Option<String>,
    /// Screen size in CSS pixels, `WIDTHxHEIGHT`.
    pub screen_resolution: Option<String>,
    /// Viewport size in CSS pixels, `WIDTHxHEIGHT`.
    pub viewport_size: Option<String>,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub timezone: Option<String>,
    /// `Date.getTimezoneOffset()`: minutes to add to local time to get UTC (Paris in winter: -60).
    pub timezone_offset: Option<i32>,
    /// `navigator.cookieEnabled`.
    pub cookie_enabled: Option<bool>,
    /// The host page's `document.referrer`.
    pub referrer: Option<String>,
    /// The URL of the host page the widget is embedded in.
    pub current_url: Option<String>,
}

/// `POST /api/widget/contact-sessions`: identify a visitor of an organization, by the form
/// (`name`, `email`) or by the organization's own site ([`Identity`]).
/// Errors: 404 `organization_not_found`; 422 `validation_failed` (name or email); 401
/// `identity_invalid` (a wrong signature or hash, an expired token); 403 `identity_required`
/// (the organization takes verified visitors only) and `contact_blocked`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateContactSession {
    /// The organization whose widget the visitor is using.
    pub organization_id: OrganizationId,
    /// The visitor's name (1–80 characters after trimming); may be omitted with an
    /// `identity` that names the visitor.
    #[serde(default)]
    pub name: String,
    /// The visitor's email address; may be omitted with an `identity` that carries one.
    #[serde(default)]
    pub email: String,
    /// Browser metadata.
    #[serde(default)]
    pub metadata: ContactMetadata,
    /// The visitor as the organization's own site identified them (identity verification).
    #[serde(default)]
    pub identity: Option<Identity>,
}

/// A visitor identified by the organization's own backend (identity verification, as
/// Intercom and Chatwoot offer it), passed by the host page with `Parley('identify', {...})`.
/// Two forms, both keyed by the organization's identity secret (dashboard → Settings →
/// Identity verification):
/// - `userId` + `userHash`: `userHash` is the lowercase hex HMAC-SHA256 of `userId`;
///   `email` and `name` travel beside it unsigned;
/// - `token`: a JWT signed with HS256 (the only algorithm accepted) whose claims are `sub`
///   (the user ID), `exp` (required, Unix seconds), and optionally `email` and `name`.
///
/// Signatures are compared in constant time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct Identity {
    /// The user's ID in the organization's own system (1–200 characters).
    pub user_id: Option<String>,
    /// HMAC-SHA256 of `userId`, lowercase hex (64 characters).
    pub user_hash: Option<String>,
    /// The user's email.
    pub email: Option<String>,
    /// The user's name.
    pub name: Option<String>,
    /// The signed JWT form (instead of `userId` + `userHash`).
    pub token: Option<String>,
}

/// `POST /api/widget/contact-session/identify`: the visitor was identified by the host site
/// after starting to chat anonymously. The session keeps its conversations, takes the
/// verified name and email, and gets a **new credential** (the old one stops working).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentifyContact {
    /// The identity, as in [`CreateContactSession::identity`].
    pub identity: Identity,
}

/// A contact session as its holder sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactSession {
    /// The session's ID (not a credential).
    pub contact_session_id: ContactSessionId,
    /// The organization it belongs to.
    pub organization_id: OrganizationId,
    /// The contact's name.
    pub name: String,
    /// The contact's email.
    pub email: String,
    /// Identified by the organization's own site ([`Identity`]), not just by the form.
    #[serde(default)]
    pub verified: bool,
    /// When it expires unless used (24 h after creation; using it within 4 h of expiry
    /// pushes this to 24 h from then; seed 001's numbers).
    pub expires_at: Timestamp,
}

/// `201` answer to [`CreateContactSession`]: the session and its bearer credential.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContactSessionCreated {
    /// The session.
    #[serde(flatten)]
    pub session: ContactSession,
    /// The credential (256 random bits, base64url). Send it as `Authorization: Bearer TOKEN`;
    /// never put it in a URL. The server keeps only its SHA-256 hash, so it is shown once.
    pub token: String,
}

/// A conversation's state (seed 001).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Open; the default for a new conversation.
    Unresolved,
    /// Handed to a person.
    Escalated,
    /// Closed; takes no new contact messages.
    Resolved,
}

impl ConversationStatus {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unresolved => "unresolved",
            Self::Escalated => "escalated",
            Self::Resolved => "resolved",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unresolved" => Some(Self::Unresolved),
            "escalated" => Some(Self::Escalated),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageRole {
    /// The visitor.
    Contact,
    /// A member of the organization's support staff (operator/agent).
    Operator,
    /// The AI responder.
    Assistant,
    /// An event written by Parley itself.
    System,
}

impl MessageRole {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Operator => "operator",
            Self::Assistant => "assistant",
            Self::System => "system",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "contact" => Some(Self::Contact),
            "operator" => Some(Self::Operator),
            "assistant" => Some(Self::Assistant),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// One message of a conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// The message ID (chosen by the sender's client for contact messages).
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// Position in the conversation: 1, 2, 3… dense and unique; live updates resume from it.
    pub seq: u64,
    /// Who wrote it.
    pub role: MessageRole,
    /// The sender's display name for operator and assistant messages; `None` for the contact.
    pub author_name: Option<String>,
    /// The text, as sent. Always rendered as text, never as HTML.
    pub content: String,
    /// When the server accepted it.
    pub created_at: Timestamp,
    /// The contact's rating of this answer, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// The message this one follows in the message tree (seed 003's `previousMessageId`);
    /// `None` for a first message.
    #[serde(default)]
    pub previous_message_id: Option<MessageId>,
    /// Position among the messages that follow the same parent: 0 for the original, 1, 2…
    /// for each edit or regenerated answer (seed 003's `siblingIndex`).
    #[serde(default)]
    pub sibling_index: u32,
}

/// A contact's rating of an operator or assistant message (seed 003's `accuracy` and
/// `feedback`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Rating {
    /// Thumbs up, down, or no verdict.
    pub accuracy: crate::public::Accuracy,
    /// An optional comment (at most 1,000 characters).
    #[serde(default)]
    pub feedback: Option<String>,
}

/// A conversation as its contact sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    /// The conversation ID.
    pub id: ConversationId,
    /// The organization it belongs to.
    pub organization_id: OrganizationId,
    /// Its status.
    pub status: ConversationStatus,
    /// When it was created.
    pub created_at: Timestamp,
    /// Last activity: creation, a message or a status change.
    pub updated_at: Timestamp,
    /// The `seq` of its newest message (0 when it has none).
    pub last_seq: u64,
    /// Its newest message, for the selection screen's preview.
    pub last_message: Option<Message>,
    /// Whether the AI responder still answers in it: on at the start, off once an operator
    /// replies or switches it off (an operator can switch it back on).
    #[serde(default)]
    pub responder_active: bool,
    /// The project (website) it started on, if the widget named one.
    #[serde(default)]
    pub project_id: Option<crate::ids::ProjectId>,
    /// The highest `seq` the visitor has seen (0: none): the team's "Seen" under its replies.
    #[serde(default)]
    pub contact_read_seq: u64,
    /// The highest `seq` any operator has seen (0: none): the visitor's "Seen".
    #[serde(default)]
    pub staff_read_seq: u64,
    /// Replies (from an operator or the assistant) after `contactReadSeq`: the visitor's
    /// unread count (the widget's list and launcher badge).
    #[serde(default)]
    pub unread_count: u32,
}

/// `POST /api/widget/continue`: the secret of a "Continue the conversation" link from an
/// email (the widget reads it from its URL's `continue` parameter).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContinueConversation {
    /// The link's secret.
    pub token: String,
}

/// Answer to [`ContinueConversation`]: the visitor's session with a fresh credential (the
/// previous one stops working) and the conversation to open.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ConversationContinued {
    /// The session and its new bearer token.
    pub created: ContactSessionCreated,
    /// The conversation the email was about.
    pub conversation_id: ConversationId,
}

/// `POST /api/widget/conversations/{id}/messages`: a contact's message.
/// `201` with the [`Message`] when created, `200` with the same message when `id` was already
/// sent (a retry). Errors: 422 `message_empty`, 413 `message_too_long`, 409
/// `conversation_resolved`, 409 `message_id_conflict`, 404 `conversation_not_found`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SendMessage {
    /// A fresh UUID chosen by the client; resending the same ID never makes a second message.
    pub id: MessageId,
    /// The text (non-blank, at most 4,000 characters by default).
    pub content: String,
}

/// `POST /api/admin/conversations/{id}/messages`: a staff reply (interim admin API).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffReply {
    /// Optional client-chosen ID for idempotent retries; the server picks one when absent.
    #[serde(default)]
    pub id: Option<MessageId>,
    /// The text.
    pub content: String,
    /// The operator's display name shown to the contact (default "Support").
    #[serde(default)]
    pub author_name: Option<String>,
}

/// `PATCH /api/admin/conversations/{id}`: change a conversation's status.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UpdateConversation {
    /// The new status.
    pub status: ConversationStatus,
}

/// One page of a list. `nextCursor` is opaque; pass it back as `cursor` for the next page;
/// `null` means this is the last page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// The cursor of the next page, if any.
    pub next_cursor: Option<String>,
}

/// `POST /api/widget/conversations/{id}/messages/{messageId}/regenerate`: ask the AI
/// responder for another answer in place of `messageId` (an assistant message); the new
/// answer becomes its sibling in the message tree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Regenerate {
    /// Client-chosen request ID: repeating a request with the same ID asks only once.
    pub id: uuid::Uuid,
}
