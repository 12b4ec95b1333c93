//! The embed script (compiled into the binary) and the built widget (served from the
//! assets folder, so a rebuilt widget is picked up without restarting).

use crate::app::AppState;
use crate::error::Error;
use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// The script customers paste on their site (`<script src=".../embed.js" data-organization-id=…>`).
pub const EMBED_JS: &str = include_str!("../../../widget/embed/embed.js");

async fn embed_js() -> impl IntoResponse {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            // Short: customers never change their tag, so fixes must reach them quickly.
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        EMBED_JS,
    )
}

pub(super) fn router(state: &AppState) -> Router<AppState> {
    let router = Router::new().route("/embed.js", get(embed_js));
    let Some(dir) = &state.assets_dir else {
        let not_built = || async { Error::WidgetNotBuilt };
        return router
            .route("/widget", get(not_built))
            .route("/widget/assets/{*path}", get(not_built));
    };
    let widget_dir = dir.join("widget");
    let not_found = (|| async { Error::RouteNotFound }).into_service();
    router
        .route_service("/widget", ServeFile::new(widget_dir.join("index.html")))
        .nest_service(
            "/widget/assets",
            ServeDir::new(&widget_dir).fallback(not_found),
        )
        // File names are not content-hashed yet, so browsers must revalidate (ETag / Last-Modified).
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
