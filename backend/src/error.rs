//! The domain's error type: what a rule can refuse. Transport failures (bad JSON, limits,
//! timeouts, unknown routes) are `http::error::ApiError`'s own; the mapping of both to
//! HTTP (status, code, message) lives in one place, `http::error`.

use crate::store::StoreError;
use parley_shared::limits::FieldError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 400 `bad_request`: malformed query string, cursor or body.
    #[error("{0}")]
    BadRequest(String),
    /// 422 `validation_failed`: JSON of the wrong shape or a field refused.
    #[error("{0}")]
    Validation(String),
    /// 422 `validation_failed` for one field.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// 422 `message_empty`.
    #[error("the message is empty")]
    MessageEmpty,
    /// 413 `message_too_long`.
    #[error("the message is longer than {max} characters")]
    MessageTooLong {
        /// The limit, in characters.
        max: usize,
    },
    /// 401 `session_invalid`.
    #[error("the contact session is missing or invalid")]
    SessionInvalid,
    /// 401 `session_expired`.
    #[error("the contact session has expired")]
    SessionExpired,
    /// 401 `identity_invalid`: the host site's identity does not verify.
    #[error("the visitor's identity could not be verified")]
    IdentityInvalid,
    /// 403 `identity_required`: verified visitors only.
    #[error("this chat is open to signed-in users of the site only")]
    IdentityRequired,
    /// 403 `contact_blocked`.
    #[error("this contact cannot start chats here")]
    ContactBlocked,
    /// 404 `link_invalid`: an emailed link that is unknown, expired or revoked.
    #[error("this link is unknown or has expired")]
    LinkInvalid,
    /// 409 `identity_mismatch`: the session belongs to another verified user.
    #[error("this session belongs to another user; start a new one")]
    IdentityMismatch,
    /// 401 `unauthorized`: no valid admin token or staff session.
    #[error("authentication required")]
    Unauthorized,
    /// 401 `invalid_credentials`.
    #[error("wrong email or password")]
    InvalidCredentials,
    /// 403 `forbidden`.
    #[error("{0}")]
    Forbidden(&'static str),
    /// 409 `email_taken`.
    #[error("an account with this email exists already; log in instead")]
    EmailTaken,
    /// 409 `last_owner`.
    #[error("the organization must keep at least one owner")]
    LastOwner,
    /// 404 `invite_not_found`.
    #[error("this invite is unknown, used or expired")]
    InviteNotFound,
    /// 404 `member_not_found`.
    #[error("no such member in this organization")]
    MemberNotFound,
    /// 401 `{"statusCode":401,"message":"API Key invalide"}` (seed 003's exact body).
    #[error("API Key invalide")]
    ApiKeyInvalid,
    /// 404 `{"statusCode":404,"message":"Chat non trouvé"}` (seed 003's exact body).
    #[error("Chat non trouvé")]
    ChatNotFound,
    /// 404 `not_found`: no such project in this organization.
    #[error("project not found")]
    ProjectNotFound,
    /// 409 `responder_inactive`: the AI responder no longer answers in this conversation.
    #[error("the assistant no longer answers in this conversation; a person will reply")]
    ResponderInactive,
    /// 404 `not_found`: no such knowledge-base article in this organization.
    #[error("article not found")]
    ArticleNotFound,
    /// 404 `not_found`: no such webhook endpoint in this organization.
    #[error("webhook endpoint not found")]
    WebhookEndpointNotFound,
    /// 404 `not_found`: no such webhook delivery in this organization.
    #[error("webhook delivery not found")]
    WebhookDeliveryNotFound,
    /// 404 `message_not_found`.
    #[error("message not found")]
    MessageNotFound,
    /// 404 `api_key_not_found` (dashboard).
    #[error("no such API key")]
    ApiKeyNotFound,
    /// 404 `organization_not_found`.
    #[error("organization not found")]
    OrganizationNotFound,
    /// 404 `conversation_not_found`.
    #[error("conversation not found")]
    ConversationNotFound,
    /// 409 `conversation_resolved`.
    #[error("this conversation is resolved; start a new one")]
    ConversationResolved,
    /// 409 `message_id_conflict`.
    #[error("a different message already has this ID")]
    MessageIdConflict,
    /// 409 `conversation_id_conflict`: a conversation of another session has that ID.
    #[error("this conversation ID is already taken")]
    ConversationIdConflict,
    /// 500: a storage failure; logged with its cause, answered generically.
    #[error("storage failure")]
    Store(#[from] StoreError),
}

/// Result with the backend's error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
