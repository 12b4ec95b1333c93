//! Calls to the dashboard API (same origin, so the browser sends the session cookie),
//! through the apps' shared client (`parley-client`).

pub use parley_client::ApiError;
use parley_client::request;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `GET path`.
pub async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    request::get(path).send().await
}

/// `POST path` with a JSON body.
pub async fn post<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    request::post(path).json(body).await
}

/// `PUT path` with a JSON body.
pub async fn put<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    request::put(path).json(body).await
}

/// `PATCH path` with a JSON body.
pub async fn patch<B: Serialize, T: DeserializeOwned>(path: &str, body: &B) -> Result<T, ApiError> {
    request::patch(path).json(body).await
}

/// `DELETE path`.
pub async fn delete(path: &str) -> Result<(), ApiError> {
    request::delete(path)
        .send::<serde_json::Value>()
        .await
        .map(|_| ())
}

/// `POST path` without a body, for actions answered `204`.
pub async fn post_empty(path: &str) -> Result<(), ApiError> {
    request::post(path)
        .send::<serde_json::Value>()
        .await
        .map(|_| ())
}
