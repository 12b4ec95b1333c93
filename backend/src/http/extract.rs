//! Extractors whose rejections are Parley's JSON errors, and the two credential checks.

use super::AppState;
use super::error::ApiError;
use crate::contacts::sessions;
use crate::error::Error;
use crate::store::ContactSession;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use parley_shared::{ConversationId, MessageId};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// JSON body in, JSON body out. Bad syntax → 400 `invalid_json`, wrong shape → 422
/// `validation_failed`, missing content type → 415, over the body limit → 413. A string
/// holding a NUL character (`\u0000`) is refused with 422 too: PostgreSQL cannot store one
/// in text, and no legitimate chat text needs it.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::PayloadTooLarge
                } else {
                    ApiError::bad_request(e.body_text())
                }
            })?;
        if has_nul_escape(&bytes) {
            return Err(ApiError::validation(
                "text may not contain NUL characters (\\u0000)",
            ));
        }
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::InvalidJson(e.body_text())),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::validation(e.body_text())),
            Err(e) => Err(ApiError::bad_request(e.body_text())),
        }
    }
}

/// `application/json`, or an `application/…+json` type, as axum's own extractor accepts.
fn json_content_type(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| {
            v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
        })
}

/// Whether JSON text holds the escape `\u0000` (a NUL in a string). Raw NUL bytes are not
/// valid JSON at all; an escape counts when an odd run of backslashes precedes `u0000`
/// (`\\u0000` is a backslash followed by the text "u0000").
fn has_nul_escape(json: &[u8]) -> bool {
    json.windows(5).enumerate().any(|(i, w)| {
        w == b"u0000" && json[..i].iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
    })
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// Query string; anything unparsable → 400 `bad_request`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|e: QueryRejection| ApiError::bad_request(e.body_text()))
    }
}

/// One raw path segment; IDs are parsed by the handler so each kind answers its own 404.
pub struct PathParam(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PathParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_: PathRejection| ApiError::RouteNotFound)
    }
}

/// The `{conversation_id}` path segment, parsed before any body is read: malformed → 404
/// `conversation_not_found`, exactly like an unknown or foreign ID.
pub struct ConversationPath(pub ConversationId);

impl<S: Send + Sync> FromRequestParts<S> for ConversationPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let PathParam(raw) = PathParam::from_request_parts(parts, state).await?;
        raw.parse()
            .map(Self)
            .map_err(|_| Error::ConversationNotFound.into())
    }
}

/// The `{conversation_id}/messages/{message_id}` path segments, parsed before any body is
/// read: a malformed ID answers 404 like an unknown one (`conversation_not_found`,
/// `message_not_found`), and a segment that is not UTF-8 once decoded (`%FF%FE`) 404
/// `not_found` as JSON, where axum's own rejection was `400 text/plain` (issue 21,
/// finding 8).
pub struct MessagePath(pub ConversationId, pub MessageId);

impl<S: Send + Sync> FromRequestParts<S> for MessagePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((conversation, message)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, state)
                .await
                .map_err(|_: PathRejection| ApiError::RouteNotFound)?;
        let conversation = conversation
            .parse()
            .map_err(|_| Error::ConversationNotFound)?;
        let message = message.parse().map_err(|_| Error::MessageNotFound)?;
        Ok(Self(conversation, message))
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The caller's contact session, from `Authorization: Bearer TOKEN`; using it extends it.
/// Missing or unknown → 401 `session_invalid`; expired → 401 `session_expired`.
pub struct Contact(pub ContactSession);

impl FromRequestParts<AppState> for Contact {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(Error::SessionInvalid)?;
        sessions::authenticate(state, token)
            .await
            .map(Self)
            .map_err(Into::into)
    }
}

/// The caller's contact session (as [`Contact`]) and the path's `{conversation_id}`, which
/// must be theirs, checked in one query. Errors: those of `Contact` first, then 404
/// `conversation_not_found` (malformed, unknown or someone else's conversation).
pub struct ContactConversation(pub crate::conversations::OwnConversation);

impl FromRequestParts<AppState> for ContactConversation {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(Error::SessionInvalid)?.to_owned();
        let id = match ConversationPath::from_request_parts(parts, state).await {
            Ok(ConversationPath(id)) => id,
            Err(e) => {
                // Credential errors come first, as on every contact route.
                sessions::authenticate(state, &token).await?;
                return Err(e);
            }
        };
        let (session, status) = sessions::authenticate_in_conversation(state, &token, id).await?;
        Ok(Self(crate::conversations::OwnConversation {
            session,
            id,
            status,
        }))
    }
}

/// The admin API's credential, `Authorization: Bearer ADMIN_TOKEN`; else 401 `unauthorized`.
/// Hashes are compared, so timing reveals nothing about the token itself.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match bearer(parts) {
            Some(token) if sessions::hash_token(token) == *state.admin_token_hash => Ok(Self),
            _ => Err(Error::Unauthorized.into()),
        }
    }
}

/// `?cursor=…&limit=…` of list endpoints (cursor: a previous page's `nextCursor`).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Where the previous page ended.
    pub cursor: Option<String>,
    /// Page size (clamped to 1–100 by the domain).
    pub limit: Option<u32>,
}

/// A stored message answered `201 Created`, or `200 OK` when the request was a retry of one
/// already stored (idempotent sends, edits and replies).
pub struct Stored<T>(pub T, pub bool);

impl<T: Serialize> IntoResponse for Stored<T> {
    fn into_response(self) -> Response {
        let status = if self.1 {
            StatusCode::CREATED
        } else {
            StatusCode::OK
        };
        (status, axum::Json(self.0)).into_response()
    }
}

/// The client's address, for per-address limits: as resolved by
/// [`client_addr::resolve`](super::client_addr::resolve) (the peer, or behind trusted
/// proxies the forwarded client); absent when not served over TCP.
pub struct ClientIp(pub Option<std::net::IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<super::client_addr::ClientAddr>()
                .map(|c| c.0),
        ))
    }
}

/// A WebSocket upgrade; a plain request to a live endpoint gets our JSON 400
/// (`bad_request`) instead of axum's text answer.
pub struct Upgrade(pub axum::extract::ws::WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::ws::WebSocketUpgrade::from_request_parts(parts, state)
            .await
            .map(Self)
            .map_err(|e| {
                ApiError::bad_request(format!("expected a WebSocket upgrade: {}", e.body_text()))
            })
    }
}
