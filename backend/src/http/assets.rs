//! The embed script and the built web apps, widget and dashboard: compiled into the binary
//! ([`super::embedded`]), or served from `--assets-dir` (development, or a custom build).

use super::AppState;
use super::error::ApiError;
use super::extract::Query;
use crate::settings;
use axum::Router;
use axum::extract::State;
use axum::handler::HandlerWithoutStateExt;
use axum::http::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use parley_shared::OrganizationId;
use serde::Deserialize;
use std::path::Path;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Where the built web apps come from.
#[derive(Clone, Debug)]
pub enum Assets {
    /// `--assets-dir`: files read at each request, so a rebuild shows without a restart.
    Folder(Arc<Path>),
    /// Compiled into the binary ([`super::embedded`]).
    Embedded,
}

impl Assets {
    /// `--assets-dir` if set, else the embedded apps if they were built; `None`: the apps
    /// answer 503 `WidgetNotBuilt`.
    pub fn find(assets_dir: Option<&Path>) -> Option<Self> {
        match assets_dir {
            Some(dir) => Some(Self::Folder(Arc::from(dir))),
            None => super::embedded::present().then_some(Self::Embedded),
        }
    }

    /// The text of `path` (`widget/index.html`…).
    async fn text(&self, path: &str) -> Option<String> {
        match self {
            Self::Folder(dir) => tokio::fs::read_to_string(dir.join(path)).await.ok(),
            Self::Embedded => super::embedded::read(path)
                .and_then(|bytes| String::from_utf8(bytes.into_owned()).ok()),
        }
    }
}

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

#[derive(Deserialize)]
struct WidgetQuery {
    #[serde(rename = "organizationId")]
    organization_id: Option<String>,
    #[serde(rename = "projectId")]
    project_id: Option<String>,
}

/// The widget page. When the organization restricts where it may be embedded, the browser
/// is told so (`frame-ancestors`): other sites cannot frame it.
async fn widget_page(
    State(state): State<AppState>,
    Query(q): Query<WidgetQuery>,
) -> Result<Response, ApiError> {
    let assets = state.assets.as_ref().ok_or(ApiError::WidgetNotBuilt)?;
    let html = assets
        .text("widget/index.html")
        .await
        .ok_or(ApiError::WidgetNotBuilt)?;
    let org: Option<OrganizationId> = q.organization_id.and_then(|raw| raw.parse().ok());
    let project = q.project_id.and_then(|raw| raw.parse().ok());
    let origins = match org {
        // An unknown project falls back to the organization's settings; the widget reports it.
        Some(org) => match settings::effective(&state, org, project).await {
            Ok(s) => s.allowed_origins,
            Err(_) => settings::get(&state, org).await?.allowed_origins,
        },
        None => Vec::new(),
    };
    let mut response = (
        [
            (CONTENT_TYPE, "text/html; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response();
    // Any site may frame the widget unless the organization lists its own.
    let ancestors = if origins.is_empty() {
        "*".to_owned()
    } else {
        origins.join(" ")
    };
    let csp = HeaderValue::from_str(&format!("{APP_CSP}; frame-ancestors {ancestors}"))
        .unwrap_or_else(|_| HeaderValue::from_static(APP_CSP));
    response.headers_mut().insert(CONTENT_SECURITY_POLICY, csp);
    Ok(response)
}

/// The dashboard's policy: [`APP_CSP`], and no site may frame it (clickjacking).
const DASHBOARD_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Content-Security-Policy of the two web apps: their own scripts and WebAssembly only
/// (`'wasm-unsafe-eval'` compiles the wasm; no inline or third-party script), no plugins, no
/// `<base>` rewriting, requests to this server only (`'self'` covers its WebSocket). Inline
/// styles stay allowed: the apps set colors through `style` attributes.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
    style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'";

/// Serves `FILE.br` / `FILE.gz` (written by `cargo xtask build-widget`) when the browser
/// accepts them.
fn precompressed(dir: ServeDir) -> ServeDir {
    dir.precompressed_br().precompressed_gzip()
}

pub(super) fn router(state: &AppState) -> Router<AppState> {
    // Brotli or gzip, as the browser accepts: the wasm files shrink about threefold.
    assets(state).layer(tower_http::compression::CompressionLayer::new())
}

/// Asset names carry their content's hash (written by `cargo xtask build-widget`): a changed
/// file gets a new name, so browsers may keep each one for a year.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

fn assets(state: &AppState) -> Router<AppState> {
    let router = Router::new()
        .route("/embed.js", get(embed_js))
        .route("/widget", get(widget_page));
    match &state.assets {
        None => {
            let not_built = || async { ApiError::WidgetNotBuilt };
            router
                .route("/widget/assets/{*path}", get(not_built))
                .route("/dashboard", get(not_built))
                .route("/dashboard/assets/{*path}", get(not_built))
        }
        Some(Assets::Embedded) => embedded_routes(router),
        Some(Assets::Folder(dir)) => folder_routes(router, dir),
    }
}

/// The apps from the binary (see [`super::embedded::serve`] for encodings and `ETag`s).
fn embedded_routes(router: Router<AppState>) -> Router<AppState> {
    use super::embedded::serve;
    let asset = |app: &'static str| {
        move |axum::extract::Path(path): axum::extract::Path<String>, headers: HeaderMap| async move {
            serve(&format!("{app}/{path}"), &headers, IMMUTABLE)
        }
    };
    router
        .route("/widget/assets/{*path}", get(asset("widget")))
        .route(
            "/dashboard",
            get(|headers: HeaderMap| async move {
                let mut page = serve("dashboard/index.html", &headers, "no-cache");
                page.headers_mut().insert(
                    CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(DASHBOARD_CSP),
                );
                page
            }),
        )
        .route("/dashboard/assets/{*path}", get(asset("dashboard")))
}

/// The apps from `--assets-dir`, read at each request.
fn folder_routes(router: Router<AppState>, dir: &Path) -> Router<AppState> {
    let not_found = || (|| async { ApiError::RouteNotFound }).into_service();
    // Only found files: a 404 (say, during a deploy) must not be cached.
    let immutable = || {
        SetResponseHeaderLayer::overriding(CACHE_CONTROL, |res: &Response<_>| {
            res.status()
                .is_success()
                .then(|| HeaderValue::from_static(IMMUTABLE))
        })
    };
    let assets = |folder: &str| {
        tower::ServiceBuilder::new()
            .layer(immutable())
            .service(precompressed(ServeDir::new(dir.join(folder))).fallback(not_found()))
    };
    router
        .nest_service("/widget/assets", assets("widget"))
        .route_service(
            "/dashboard",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static(DASHBOARD_CSP),
                ))
                .service(ServeFile::new(dir.join("dashboard/index.html"))),
        )
        .nest_service("/dashboard/assets", assets("dashboard"))
        // The pages naming those files are revalidated on each load (ETag / Last-Modified).
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
