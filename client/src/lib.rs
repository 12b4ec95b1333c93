//! What the widget and the dashboard both need from the server, written once: JSON calls
//! that turn Parley's `{"statusCode","code","message"}` bodies into [`ApiError`]
//! ([`request`]), and the live socket's URL and reconnection backoff ([`live`]).
//! Builds for wasm32 (its home) and natively (so the workspace's checks cover it).

mod error;
pub mod live;
pub mod request;

pub use error::ApiError;
