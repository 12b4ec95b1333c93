//! The one place where errors become HTTP responses: `{"statusCode","code","message"}`.
//! [`ApiError`] is the domain's [`Error`] plus what only the transport can fail with.

use crate::error::Error;
use crate::store::StoreError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parley_shared::{ErrorBody, ErrorCode};

/// Everything a request can fail with: a domain error, or one of the transport's own.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A domain rule refused the request (mapped below).
    #[error(transparent)]
    Domain(#[from] Error),
    /// 400 `invalid_json`: the body is not valid JSON.
    #[error("{0}")]
    InvalidJson(String),
    /// 415 `unsupported_media_type`.
    #[error("expected a JSON body with `Content-Type: application/json`")]
    UnsupportedMediaType,
    /// 413 `payload_too_large`: body over [`super::MAX_BODY_BYTES`].
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// 414 `uri_too_long`: over [`super::MAX_URI_BYTES`].
    #[error("the URL is too long")]
    UriTooLong,
    /// 431 `headers_too_large`: over [`super::MAX_HEADERS`] or [`super::MAX_HEADER_BYTES`].
    #[error("the request headers are too many or too large")]
    HeadersTooLarge,
    /// 408 `request_timeout`: the request took longer than the server allows.
    #[error("the request took too long")]
    RequestTimeout,
    /// 404 `not_found`: no such route.
    #[error("no such route")]
    RouteNotFound,
    /// 403 `forbidden`: a browser sent a cookie-authenticated write or socket upgrade from
    /// another origin (see `http::same_origin`).
    #[error("refused: this request came from another site")]
    CrossOrigin,
    /// 405 `method_not_allowed`.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// 429 `rate_limited`, with `Retry-After`.
    #[error(
        "too many requests right now; please try again in {}",
        super::limits::plain_wait(*.retry_after_secs)
    )]
    RateLimited {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// 503 `not_ready`: `/readyz` found the database unreachable (the cause).
    #[error("not ready: {0}")]
    NotReady(String),
    /// 503: the widget has not been built into the assets folder.
    #[error("the widget is not built: run `cargo xtask build-widget`")]
    WidgetNotBuilt,
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Domain(Error::Store(e))
    }
}

impl From<parley_shared::limits::FieldError> for ApiError {
    fn from(e: parley_shared::limits::FieldError) -> Self {
        ApiError::Domain(Error::Field(e))
    }
}

/// Result of a handler or extractor.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

impl ApiError {
    /// Status and machine code of this error.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        use ErrorCode as C;
        use StatusCode as S;
        match self {
            ApiError::Domain(e) => domain_status_and_code(e),
            ApiError::InvalidJson(_) => (S::BAD_REQUEST, C::InvalidJson),
            ApiError::UnsupportedMediaType => (S::UNSUPPORTED_MEDIA_TYPE, C::UnsupportedMediaType),
            ApiError::PayloadTooLarge => (S::PAYLOAD_TOO_LARGE, C::PayloadTooLarge),
            ApiError::RateLimited { .. } => (S::TOO_MANY_REQUESTS, C::RateLimited),
            ApiError::RequestTimeout => (S::REQUEST_TIMEOUT, C::RequestTimeout),
            ApiError::UriTooLong => (S::URI_TOO_LONG, C::UriTooLong),
            ApiError::HeadersTooLarge => (S::REQUEST_HEADER_FIELDS_TOO_LARGE, C::HeadersTooLarge),
            ApiError::RouteNotFound => (S::NOT_FOUND, C::NotFound),
            ApiError::MethodNotAllowed => (S::METHOD_NOT_ALLOWED, C::MethodNotAllowed),
            ApiError::CrossOrigin => (S::FORBIDDEN, C::Forbidden),
            ApiError::NotReady(_) => (S::SERVICE_UNAVAILABLE, C::NotReady),
            ApiError::WidgetNotBuilt => (S::SERVICE_UNAVAILABLE, C::Internal),
        }
    }
}

/// Status and machine code of a domain error.
fn domain_status_and_code(e: &Error) -> (StatusCode, ErrorCode) {
    use ErrorCode as C;
    use StatusCode as S;
    match e {
        Error::BadRequest(_) => (S::BAD_REQUEST, C::BadRequest),
        Error::Validation(_) | Error::Field(_) => (S::UNPROCESSABLE_ENTITY, C::ValidationFailed),
        Error::MessageEmpty => (S::UNPROCESSABLE_ENTITY, C::MessageEmpty),
        Error::MessageTooLong { .. } => (S::PAYLOAD_TOO_LARGE, C::MessageTooLong),
        Error::SessionInvalid => (S::UNAUTHORIZED, C::SessionInvalid),
        Error::SessionExpired => (S::UNAUTHORIZED, C::SessionExpired),
        Error::IdentityInvalid => (S::UNAUTHORIZED, C::IdentityInvalid),
        Error::IdentityRequired => (S::FORBIDDEN, C::IdentityRequired),
        Error::ContactBlocked => (S::FORBIDDEN, C::ContactBlocked),
        Error::LinkInvalid => (S::NOT_FOUND, C::LinkInvalid),
        Error::IdentityMismatch => (S::CONFLICT, C::IdentityMismatch),
        Error::Unauthorized => (S::UNAUTHORIZED, C::Unauthorized),
        Error::InvalidCredentials => (S::UNAUTHORIZED, C::InvalidCredentials),
        Error::Forbidden(_) => (S::FORBIDDEN, C::Forbidden),
        Error::EmailTaken => (S::CONFLICT, C::EmailTaken),
        Error::LastOwner => (S::CONFLICT, C::LastOwner),
        Error::InviteNotFound => (S::NOT_FOUND, C::InviteNotFound),
        Error::MemberNotFound => (S::NOT_FOUND, C::MemberNotFound),
        Error::ApiKeyInvalid => (S::UNAUTHORIZED, C::Unauthorized),
        Error::ChatNotFound => (S::NOT_FOUND, C::NotFound),
        Error::ApiKeyNotFound => (S::NOT_FOUND, C::NotFound),
        Error::MessageNotFound => (S::NOT_FOUND, C::NotFound),
        Error::ProjectNotFound => (S::NOT_FOUND, C::NotFound),
        Error::ArticleNotFound => (S::NOT_FOUND, C::NotFound),
        Error::WebhookEndpointNotFound => (S::NOT_FOUND, C::NotFound),
        Error::WebhookDeliveryNotFound => (S::NOT_FOUND, C::NotFound),
        Error::ResponderInactive => (S::CONFLICT, C::ResponderInactive),
        Error::OrganizationNotFound => (S::NOT_FOUND, C::OrganizationNotFound),
        Error::ConversationNotFound => (S::NOT_FOUND, C::ConversationNotFound),
        Error::ConversationResolved => (S::CONFLICT, C::ConversationResolved),
        Error::MessageIdConflict => (S::CONFLICT, C::MessageIdConflict),
        Error::ConversationIdConflict => (S::CONFLICT, C::ConversationIdConflict),
        Error::Store(_) => (S::INTERNAL_SERVER_ERROR, C::Internal),
    }
}

impl Error {
    /// The JSON body of this domain error (also sent in live-socket `error` frames).
    /// Server faults are logged here, once, with their cause; the client gets a generic
    /// sentence. The public API's two errors (seed 003) carry no `code`.
    pub fn body(&self) -> ErrorBody {
        let (status, code) = domain_status_and_code(self);
        let message = if status.is_server_error() {
            tracing::error!(error = %self, cause = ?self, "request failed");
            "internal server error".to_owned()
        } else {
            self.to_string()
        };
        let code = (!matches!(self, Error::ApiKeyInvalid | Error::ChatNotFound)).then_some(code);
        ErrorBody {
            status_code: status.as_u16(),
            code,
            message,
            request_id: None,
        }
    }
}

impl ApiError {
    /// 422 `validation_failed` with `message`.
    pub fn validation(message: impl Into<String>) -> Self {
        ApiError::Domain(Error::Validation(message.into()))
    }

    /// 400 `bad_request` with `message`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Domain(Error::BadRequest(message.into()))
    }

    /// The JSON body of this error (see [`Error::body`]).
    pub fn body(&self) -> ErrorBody {
        if let ApiError::Domain(e) = self {
            return e.body();
        }
        let (status, code) = self.status_and_code();
        ErrorBody {
            status_code: status.as_u16(),
            code: Some(code),
            message: self.to_string(),
            request_id: None,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        ApiError::Domain(self).into_response()
    }
}

tokio::task_local! {
    /// The ID of the request being answered (set by [`with_request_id`]), for error bodies.
    static REQUEST_ID: Option<String>;
}

/// Middleware: runs the rest of the request with its `x-request-id` at hand, so every error
/// body built while answering it names it. Sits just inside the layer that sets the ID,
/// outside the timeout and limits, whose errors carry it too.
pub async fn with_request_id(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    REQUEST_ID.scope(id, next.run(req)).await
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = self.body();
        // Seed 003's bodies (no `code`) keep their exact shape.
        if body.code.is_some() {
            body.request_id = REQUEST_ID.try_with(Clone::clone).ok().flatten();
        }
        let status =
            StatusCode::from_u16(body.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(body)).into_response();
        if let ApiError::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}
