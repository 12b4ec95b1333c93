//! HTTP surface: one router per audience, merged here with the shared layers.

mod admin;
mod assets;
mod dashboard;
pub mod error;
pub mod extract;
mod live;
mod public;
mod staff_live;
mod widget;

use crate::app::AppState;
use crate::error::Error;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tower_http::trace::TraceLayer;

/// Largest request body accepted, in bytes (a 4,000-character message is at most 16 KB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The whole API: health, widget assets and embed script, widget API, live, admin API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(assets::router(&state))
        .nest("/api/widget", widget::router())
        .nest("/api/admin", admin::router())
        .nest("/api/dashboard", dashboard::router(&state))
        .nest("/chat", public::router())
        .fallback(|| async { Error::RouteNotFound })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
