//! JSON calls to Parley's API on the page's own origin. A successful answer is read as
//! JSON (an empty body, as in `202`/`204`, reads as `null`, so `()` works); any other
//! status becomes an [`ApiError`] carrying the server's code and message.

use crate::ApiError;
use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A call being built: `get("/api/…").bearer(token).send().await`.
pub struct Call(RequestBuilder);

/// `GET path`.
pub fn get(path: &str) -> Call {
    Call(Request::get(path))
}

/// `POST path`.
pub fn post(path: &str) -> Call {
    Call(Request::post(path))
}

/// `PUT path`.
pub fn put(path: &str) -> Call {
    Call(Request::put(path))
}

/// `PATCH path`.
pub fn patch(path: &str) -> Call {
    Call(Request::patch(path))
}

/// `DELETE path`.
pub fn delete(path: &str) -> Call {
    Call(Request::delete(path))
}

impl Call {
    /// Adds `Authorization: Bearer token` (the widget's contact session; the dashboard
    /// relies on its same-origin cookie instead).
    pub fn bearer(self, token: &str) -> Self {
        Self(self.0.header("Authorization", &format!("Bearer {token}")))
    }

    /// Sends without a body; the answer read as `T`.
    pub async fn send<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        read(self.0.send().await).await
    }

    /// Sends `body` as JSON; the answer read as `T`.
    pub async fn json<B: Serialize, T: DeserializeOwned>(self, body: &B) -> Result<T, ApiError> {
        match self.0.json(body) {
            Ok(request) => read(request.send().await).await,
            Err(e) => Err(ApiError::local(e.to_string())),
        }
    }
}

async fn read<T: DeserializeOwned>(
    result: Result<Response, gloo_net::Error>,
) -> Result<T, ApiError> {
    let response = result.map_err(|_| ApiError::network())?;
    let status = response.status();
    if response.ok() {
        let text = response.text().await.map_err(|_| ApiError::network())?;
        let text = if text.is_empty() { "null" } else { &text };
        return serde_json::from_str(text).map_err(|e| ApiError {
            status,
            code: None,
            message: format!("Unexpected answer from the server: {e}"),
        });
    }
    match response.json::<parley_shared::ErrorBody>().await {
        Ok(body) => Err(ApiError::from_body(status, body)),
        Err(_) => Err(ApiError {
            status,
            code: None,
            message: format!("The server answered {status}."),
        }),
    }
}
