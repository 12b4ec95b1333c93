//! The one error body every Parley HTTP endpoint answers with, and its machine codes.

use serde::{Deserialize, Serialize};

/// Stable, machine-readable error codes (`snake_case` on the wire). Clients match on these,
/// never on `message`, which is for people and may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is malformed (bad query string, unreadable body).
    BadRequest,
    /// 400: the body is not valid JSON.
    InvalidJson,
    /// 415: the body is not declared as `application/json`.
    UnsupportedMediaType,
    /// 422: the JSON is well-formed but a field is missing, of the wrong type or invalid.
    ValidationFailed,
    /// 422: a message's content is empty or only white space.
    MessageEmpty,
    /// 413 / 422: a message's content is over the configured limit (4,000 characters by default).
    MessageTooLong,
    /// 413: the request body is over the server's size limit.
    PayloadTooLarge,
    /// 401: no contact session credential, or one the server does not know.
    SessionInvalid,
    /// 401: the contact session credential has expired: identify again.
    SessionExpired,
    /// 401: the identity from the organization's site does not verify (wrong hash or
    /// signature, expired or malformed token, or no identity secret set up).
    IdentityInvalid,
    /// 403: the organization takes chats from verified visitors only.
    IdentityRequired,
    /// 403: the organization's staff blocked this contact.
    ContactBlocked,
    /// 404: a link from an email is unknown, expired or revoked (the conversation was
    /// erased).
    LinkInvalid,
    /// 409: the session is verified as another user; start a new session instead.
    IdentityMismatch,
    /// 401: the staff/admin credential is missing, wrong or expired: log in again.
    Unauthorized,
    /// 401: wrong email or password.
    InvalidCredentials,
    /// 403: the caller's role does not allow this (agents cannot manage the organization).
    Forbidden,
    /// 409: an account with this email exists already.
    EmailTaken,
    /// 409: the organization must keep at least one owner.
    LastOwner,
    /// 404: the invite is unknown, used or expired.
    InviteNotFound,
    /// 404: no such member in this organization.
    MemberNotFound,
    /// 404: the organization ID is unknown or malformed.
    OrganizationNotFound,
    /// 404: the conversation does not exist or is not the caller's (existence is not leaked).
    ConversationNotFound,
    /// 404: no such route or record.
    NotFound,
    /// 405: the route exists but not with this method.
    MethodNotAllowed,
    /// 409: the conversation is resolved and takes no new contact messages: start a new one.
    ConversationResolved,
    /// 409: a message with this client-chosen ID already exists with other content or elsewhere.
    MessageIdConflict,
    /// 409: a conversation with this client-chosen ID exists and is another visitor's.
    ConversationIdConflict,
    /// 409: the AI responder no longer answers in this conversation (a person took over).
    ResponderInactive,
    /// 414: the URL is longer than the server accepts (8 KiB).
    UriTooLong,
    /// 431: too many request headers (over 64) or too large (over 16 KiB in all).
    HeadersTooLarge,
    /// 408: the request (or its body's upload) took too long.
    RequestTimeout,
    /// 429: too many requests; see `Retry-After`.
    RateLimited,
    /// 503: this instance cannot serve yet or any more (`/readyz`: database unreachable).
    NotReady,
    /// 500: something failed on the server; details are in the server log only.
    Internal,
}

/// The JSON body of every error response: `{"statusCode": 404, "code": "...", "message": "..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// The HTTP status code, repeated in the body for clients that only see the body.
    pub status_code: u16,
    /// The machine code; absent only in bodies whose shape a contract fixes without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<ErrorCode>,
    /// A sentence for people.
    pub message: String,
    /// The request's ID (the `x-request-id` response header too), to quote when reporting a
    /// problem: it names the request's log lines. Absent in live-socket `error` frames and
    /// in seed 003's two fixed bodies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}
