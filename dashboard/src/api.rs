//! Calls to the dashboard API (same origin, so the browser sends the session cookie).

use gloo_net::http::{Request, RequestBuilder, Response};
use parley_shared::ErrorCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A failed call: HTTP status (0 for a network failure), the server's code and message.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    /// HTTP status, or 0.
    pub status: u16,
    /// Machine code, if the server sent one.
    pub code: Option<ErrorCode>,
    /// A sentence to show.
    pub message: String,
}

impl ApiError {
    /// The session is missing or over: show the login screen.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401 && self.code != Some(ErrorCode::InvalidCredentials)
    }
}

fn network() -> ApiError {
    ApiError {
        status: 0,
        code: None,
        message: "Network error: check your connection.".into(),
    }
}

async fn read<T: DeserializeOwned>(
    result: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = result.map_err(|_| network())?;
    let status = response.status();
    if response.ok() {
        // 204 has no body: read it as JSON `null`.
        let text = response.text().await.map_err(|_| network())?;
        let text = if text.is_empty() {
            "null".to_owned()
        } else {
            text
        };
        return serde_json::from_str(&text).map_err(|e| ApiError {
            status,
            code: None,
            message: format!("Unexpected answer from the server: {e}"),
        });
    }
    match response.json::<parley_shared::ErrorBody>().await {
        Ok(body) => Err(ApiError {
            status,
            code: body.code,
            message: body.message,
        }),
        Err(_) => Err(ApiError {
            status,
            code: None,
            message: format!("The server answered {status}."),
        }),
    }
}

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    read(Request::get(path).send().await).await
}

async fn with_body<B: Serialize, T: DeserializeOwned>(
    builder: RequestBuilder,
    body: &B,
) -> Result<T, ApiError> {
    match builder.json(body) {
        Ok(request) => read(request.send().await).await,
        Err(e) => Err(ApiError {
            status: 0,
            code: None,
            message: e.to_string(),
        }),
    }
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    with_body(Request::post(path), body).await
}

/// `PUT path` with a JSON body.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    with_body(Request::put(path), body).await
}

/// `PATCH path` with a JSON body.
pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    with_body(Request::patch(path), body).await
}

/// `DELETE path`.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    read::<serde_json::Value>(Request::delete(path).send().await)
        .await
        .map(|_| ())
}

/// `POST path` without a body, for actions answered `204`.
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    read::<serde_json::Value>(Request::post(path).send().await)
        .await
        .map(|_| ())
}
