//! The one place where errors become HTTP responses: `{"statusCode","code","message"}`.

use crate::error::Error;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use parley_shared::{ErrorBody, ErrorCode};

impl Error {
    /// Status and machine code of this error.
    pub fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        use ErrorCode as C;
        use StatusCode as S;
        match self {
            Error::BadRequest(_) => (S::BAD_REQUEST, C::BadRequest),
            Error::InvalidJson(_) => (S::BAD_REQUEST, C::InvalidJson),
            Error::UnsupportedMediaType => (S::UNSUPPORTED_MEDIA_TYPE, C::UnsupportedMediaType),
            Error::PayloadTooLarge => (S::PAYLOAD_TOO_LARGE, C::PayloadTooLarge),
            Error::Validation(_) | Error::Field(_) => {
                (S::UNPROCESSABLE_ENTITY, C::ValidationFailed)
            }
            Error::MessageEmpty => (S::UNPROCESSABLE_ENTITY, C::MessageEmpty),
            Error::MessageTooLong { .. } => (S::PAYLOAD_TOO_LARGE, C::MessageTooLong),
            Error::SessionInvalid => (S::UNAUTHORIZED, C::SessionInvalid),
            Error::SessionExpired => (S::UNAUTHORIZED, C::SessionExpired),
            Error::IdentityInvalid => (S::UNAUTHORIZED, C::IdentityInvalid),
            Error::IdentityRequired => (S::FORBIDDEN, C::IdentityRequired),
            Error::ContactBlocked => (S::FORBIDDEN, C::ContactBlocked),
            Error::IdentityMismatch => (S::CONFLICT, C::IdentityMismatch),
            Error::Unauthorized => (S::UNAUTHORIZED, C::Unauthorized),
            Error::InvalidCredentials => (S::UNAUTHORIZED, C::InvalidCredentials),
            Error::Forbidden(_) => (S::FORBIDDEN, C::Forbidden),
            Error::EmailTaken => (S::CONFLICT, C::EmailTaken),
            Error::LastOwner => (S::CONFLICT, C::LastOwner),
            Error::InviteNotFound => (S::NOT_FOUND, C::InviteNotFound),
            Error::MemberNotFound => (S::NOT_FOUND, C::MemberNotFound),
            Error::RateLimited { .. } => (S::TOO_MANY_REQUESTS, C::RateLimited),
            Error::ApiKeyInvalid => (S::UNAUTHORIZED, C::Unauthorized),
            Error::ChatNotFound => (S::NOT_FOUND, C::NotFound),
            Error::ApiKeyNotFound => (S::NOT_FOUND, C::NotFound),
            Error::MessageNotFound => (S::NOT_FOUND, C::NotFound),
            Error::ProjectNotFound => (S::NOT_FOUND, C::NotFound),
            Error::ArticleNotFound => (S::NOT_FOUND, C::NotFound),
            Error::ResponderInactive => (S::CONFLICT, C::ResponderInactive),
            Error::RequestTimeout => (S::REQUEST_TIMEOUT, C::RequestTimeout),
            Error::UriTooLong => (S::URI_TOO_LONG, C::UriTooLong),
            Error::HeadersTooLarge => (S::REQUEST_HEADER_FIELDS_TOO_LARGE, C::HeadersTooLarge),
            Error::OrganizationNotFound => (S::NOT_FOUND, C::OrganizationNotFound),
            Error::ConversationNotFound => (S::NOT_FOUND, C::ConversationNotFound),
            Error::RouteNotFound => (S::NOT_FOUND, C::NotFound),
            Error::MethodNotAllowed => (S::METHOD_NOT_ALLOWED, C::MethodNotAllowed),
            Error::ConversationResolved => (S::CONFLICT, C::ConversationResolved),
            Error::MessageIdConflict => (S::CONFLICT, C::MessageIdConflict),
            Error::WidgetNotBuilt => (S::SERVICE_UNAVAILABLE, C::Internal),
            Error::Store(_) => (S::INTERNAL_SERVER_ERROR, C::Internal),
        }
    }

    /// The JSON body of this error. Server faults are logged here, once, with their cause;
    /// the client gets a generic sentence.
    pub fn body(&self) -> ErrorBody {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() && !matches!(self, Error::WidgetNotBuilt) {
            tracing::error!(error = %self, cause = ?self, "request failed");
            "internal server error".to_owned()
        } else {
            self.to_string()
        };
        // The public API's contract (seed 003) fixes its error bodies without a code.
        let code = (!matches!(self, Error::ApiKeyInvalid | Error::ChatNotFound)).then_some(code);
        ErrorBody {
            status_code: status.as_u16(),
            code,
            message,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let body = self.body();
        let status =
            StatusCode::from_u16(body.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(body)).into_response();
        if let Error::RateLimited { retry_after_secs } = self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(retry_after_secs),
            );
        }
        response
    }
}
