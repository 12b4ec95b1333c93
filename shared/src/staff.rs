//! The staff dashboard's API (`/api/dashboard/...`) and its live protocol. Field names are
//! camelCase on the wire.

use crate::api::{ContactMetadata, Conversation, ConversationStatus, Message};
use crate::error::ErrorBody;
use crate::ids::{ContactSessionId, ConversationId, InviteId, MessageId, OrganizationId, UserId};
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A member's role in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Full control, including other owners.
    Owner,
    /// Manages members (not owners), invites and settings.
    Admin,
    /// Answers conversations only.
    Agent,
}

impl Role {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }

    /// May manage members, invites and settings.
    pub fn can_manage(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// `POST /api/dashboard/signup`: a new account owning a new organization. `201` + session
/// cookie + [`Me`]. Errors: 422 `validation_failed`, 409 `email_taken`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    /// Login email.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// The organization to create.
    pub organization_name: String,
    /// Name shown to visitors on replies (default: the email's local part).
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/dashboard/login`. `200` + session cookie + [`Me`]. Errors: 401
/// `invalid_credentials`, 429 `rate_limited` (5 failures per 5 minutes per account and per IP).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogIn {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /api/dashboard/password`: changes the logged-in operator's password. `200` + a fresh
/// session cookie + [`Me`]; every other session of the account (other devices) is revoked.
/// Errors: 401 `invalid_credentials` (wrong current password; throttled like log-in, 429
/// `rate_limited`), 422 `validation_failed` (new password under 8 or over 256 characters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// A staff account as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffUser {
    /// Account ID.
    pub id: UserId,
    /// Login email (only ever shown to staff of the same organization).
    pub email: String,
    /// Name shown to visitors.
    pub display_name: String,
}

/// An organization, briefly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizationSummary {
    /// Its ID.
    pub id: OrganizationId,
    /// Its name.
    pub name: String,
}

/// One of the caller's organizations and their role in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// The organization.
    pub organization: OrganizationSummary,
    /// The caller's role there.
    pub role: Role,
}

/// `GET /api/dashboard/me`: who is logged in, where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// The account.
    pub user: StaffUser,
    /// Every organization the account belongs to.
    pub memberships: Vec<Membership>,
    /// The organization every dashboard route is scoped to.
    pub current_organization_id: OrganizationId,
    /// The caller's role in it.
    pub role: Role,
}

/// `POST /api/dashboard/switch-organization`: scope the session to another of the caller's
/// organizations (404 if not a member).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SwitchOrganization {
    /// Target organization.
    pub organization_id: OrganizationId,
}

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

/// `GET`/`PUT /api/dashboard/settings`: the organization's widget settings (PUT: owners
/// and admins; 422 on invalid values).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WidgetSettings {
    /// Name in the widget header (default: the organization's name); ≤ 80 characters.
    pub display_name: Option<String>,
    /// Shown at the start of a chat; ≤ 500 characters.
    pub greeting: Option<String>,
    /// Up to 3 clickable first messages, each ≤ 100 characters.
    pub suggested_messages: Vec<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// Origins (`https://shop.example`) allowed to embed the widget; empty = any. At most 20.
    pub allowed_origins: Vec<String>,
}

/// A member of the current organization (`GET /api/dashboard/members`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The account.
    pub user: StaffUser,
    /// Role in this organization.
    pub role: Role,
    /// When they joined.
    pub joined_at: Timestamp,
}

/// `POST /api/dashboard/invites` (owners and admins; only owners invite owners).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateInvite {
    /// Role the invitee gets.
    pub role: Role,
}

/// A pending invite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    /// Its ID (for revocation; not the secret).
    pub id: InviteId,
    /// Role the invitee gets.
    pub role: Role,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working (7 days after creation).
    pub expires_at: Timestamp,
}

/// `201` answer to [`CreateInvite`]: the link to hand over, shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InviteCreated {
    /// The invite.
    pub invite: Invite,
    /// The single-use secret (256 random bits, base64url).
    pub token: String,
    /// `PUBLIC_URL/dashboard?invite=TOKEN`.
    pub url: String,
}

/// `GET /api/dashboard/invites/lookup?token=…`: what an invite link offers (public).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InviteInfo {
    /// The organization's name.
    pub organization_name: String,
    /// Role offered.
    pub role: Role,
    /// Expiry.
    pub expires_at: Timestamp,
}

/// `POST /api/dashboard/invites/accept`: join with the invite. Logged in: the current account
/// joins. Otherwise `email` + `password` create an account (409 `email_taken` if it exists:
/// log in first). `200` + session cookie + [`Me`]; 404 `invite_not_found` if used or expired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AcceptInvite {
    /// The token from the link.
    pub token: String,
    /// For a new account.
    #[serde(default)]
    pub email: Option<String>,
    /// For a new account.
    #[serde(default)]
    pub password: Option<String>,
    /// For a new account.
    #[serde(default)]
    pub display_name: Option<String>,
}

/// Inbox tab: one status, or all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InboxFilter {
    /// Only `unresolved`.
    #[default]
    Unresolved,
    /// Only `escalated`.
    Escalated,
    /// Only `resolved`.
    Resolved,
    /// Every conversation.
    All,
}

impl InboxFilter {
    /// The status this tab shows (`None` for all).
    pub fn status(self) -> Option<ConversationStatus> {
        match self {
            Self::Unresolved => Some(ConversationStatus::Unresolved),
            Self::Escalated => Some(ConversationStatus::Escalated),
            Self::Resolved => Some(ConversationStatus::Resolved),
            Self::All => None,
        }
    }
}

/// Frames a dashboard sends on `GET /api/dashboard/live` (authenticated by the session
/// cookie on the upgrade request).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum StaffClientFrame {
    /// Follow one conversation's messages after `after_seq` (replayed from the store), or
    /// none. May be sent again to switch; inbox updates flow regardless.
    Follow {
        /// The open conversation, if any.
        conversation_id: Option<ConversationId>,
        /// Highest `seq` the client holds for it.
        after_seq: u64,
    },
}

/// Frames the server sends to a dashboard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
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
    /// Refused or ended (e.g. 401 when the session expired).
    Error {
        /// The error.
        error: ErrorBody,
    },
}

/// One of the organization's websites (`GET`/`POST /api/dashboard/projects`). Embed the
/// widget for it with `data-project-id`; it has its own widget settings
/// (`/api/dashboard/projects/{id}/settings`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Its ID.
    pub id: crate::ids::ProjectId,
    /// A name (1–80 characters).
    pub name: String,
    /// Creation.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// `POST /api/dashboard/projects` (owners and admins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateProject {
    /// Its name.
    pub name: String,
}

/// Where the AI responder's answers come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ResponderProvider {
    /// Offline: the best-matching passages of the organization's articles, quoted.
    #[default]
    KnowledgeBase,
    /// An OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp),
    /// fed with the same passages (retrieval-augmented).
    Openai,
}

impl ResponderProvider {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KnowledgeBase => "knowledge_base",
            Self::Openai => "openai",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "knowledge_base" => Some(Self::KnowledgeBase),
            "openai" => Some(Self::Openai),
            _ => None,
        }
    }
}

/// `GET`/`PUT /api/dashboard/responder`: the organization's AI responder. The provider's API
/// key is write-only: `GET` says only whether one is set.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ResponderSettings {
    /// Whether new contact messages in unresolved conversations get an automatic answer.
    pub enabled: bool,
    /// Where answers come from.
    #[serde(default)]
    pub provider: ResponderProvider,
    /// OpenAI-compatible base URL, e.g. `https://api.openai.com/v1` or
    /// `http://127.0.0.1:11434/v1`; `/chat/completions` is appended.
    #[serde(default)]
    pub base_url: Option<String>,
    /// Model name, e.g. `gpt-4o-mini` or `llama3.2`.
    #[serde(default)]
    pub model: Option<String>,
    /// `PUT` only: a new API key; absent keeps the stored one, `""` removes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    /// `GET` only: whether an API key is stored.
    #[serde(default)]
    pub api_key_set: bool,
    /// The organization's instructions to the model (tone, scope, policies); at most
    /// 4,000 characters.
    #[serde(default)]
    pub instructions: String,
    /// How many recent messages of the conversation the model sees (1–50; seed 002: 10).
    #[serde(default = "default_context_messages")]
    pub context_messages: u32,
}

fn default_context_messages() -> u32 {
    10
}

/// `PUT /api/dashboard/conversations/{id}/responder`: switch the AI responder on or off for
/// one conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetResponder {
    /// On or off.
    pub active: bool,
}

/// A knowledge-base article (`/api/dashboard/articles`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Article {
    /// Its ID.
    pub id: crate::ids::ArticleId,
    /// Title, cited in answers.
    pub title: String,
    /// Markdown text; each `#` heading starts a passage.
    pub body: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// `POST /api/dashboard/articles`: a new article (title 1–200 characters, body 1–50,000).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateArticle {
    /// Title.
    pub title: String,
    /// Markdown text.
    pub body: String,
}

/// `GET /api/dashboard/identity` (owners and admins): the organization's identity
/// verification settings. The secret signs visitors' identities on the organization's own
/// backend (see `parley_shared::api::Identity`); it is generated on first read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentitySettings {
    /// The HMAC-SHA256 / HS256 key (256 random bits, base64url). Keep it on the server side.
    pub secret: String,
    /// "Verified only": refuse chats from visitors the site has not identified.
    pub required: bool,
}

/// `PUT /api/dashboard/identity`: sets "verified only", and with `rotateSecret` replaces the
/// secret (identities signed with the old one stop verifying at once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetIdentity {
    /// "Verified only".
    pub required: bool,
    /// Replace the secret.
    #[serde(default)]
    pub rotate_secret: bool,
}

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
