//! The error of a failed call, as both apps show and match it.

use parley_shared::{ErrorBody, ErrorCode};

/// A failed call: the HTTP status (0 when the network failed or the request could not be
/// built), the server's machine code when it sent one, and a sentence to show.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status, or 0.
    pub status: u16,
    /// The server's machine code, when it sent one.
    pub code: Option<ErrorCode>,
    /// A sentence to show.
    pub message: String,
}

impl ApiError {
    /// No answer: the network failed.
    pub fn network() -> Self {
        Self::local("Network error: check your connection.")
    }

    /// A failure before or after the exchange (status 0), e.g. a body that cannot be encoded.
    pub fn local(message: impl Into<String>) -> Self {
        Self {
            status: 0,
            code: None,
            message: message.into(),
        }
    }

    /// The server's error body, as sent with `status`.
    pub fn from_body(status: u16, body: ErrorBody) -> Self {
        Self {
            status,
            code: body.code,
            message: body.message,
        }
    }

    /// The staff session is missing or over (the dashboard shows its login screen); a wrong
    /// password is not that.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401 && self.code != Some(ErrorCode::InvalidCredentials)
    }

    /// The contact session is gone (expired or unknown): the visitor must identify again.
    pub fn is_session_error(&self) -> bool {
        matches!(
            self.code,
            Some(ErrorCode::SessionExpired | ErrorCode::SessionInvalid)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_password_is_not_a_lost_session_but_an_expired_one_is() {
        let wrong = ApiError {
            status: 401,
            code: Some(ErrorCode::InvalidCredentials),
            message: String::new(),
        };
        let expired = ApiError {
            status: 401,
            code: Some(ErrorCode::Unauthorized),
            message: String::new(),
        };
        assert!(!wrong.is_unauthorized());
        assert!(expired.is_unauthorized());
        let contact = ApiError {
            status: 401,
            code: Some(ErrorCode::SessionExpired),
            message: String::new(),
        };
        assert!(contact.is_session_error() && !wrong.is_session_error());
    }
}
