//! HTTP surface: one router per audience, merged here with the shared layers.

mod admin;
pub mod assets;
pub mod client_addr;
mod dashboard;
mod email;
mod embedded;
pub mod error;
pub mod extract;
pub mod limits;
mod live;
pub mod login_throttle;
pub mod metrics;
pub mod openapi;
mod public;
mod same_origin;
pub mod serve;
pub mod staff_session;
mod unread_body;
mod webhooks;
mod widget;

use crate::state::State;
use axum::Router;
use axum::error_handling::HandleErrorLayer;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::get;
use error::ApiError;
use std::sync::Arc;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_swagger_ui::SwaggerUi;

/// What a request handler may use: the domain's [`State`] (reached through `Deref`, so
/// handlers pass `&state` to domain functions) plus what only the transport needs.
#[derive(Clone)]
pub struct AppState {
    /// The domain's dependencies.
    pub domain: State,
    /// SHA-256 (hex) of the admin API's bearer token.
    pub admin_token_hash: Arc<str>,
    /// Where the built web apps come from; `None` when they were not built.
    pub assets: Option<assets::Assets>,
    /// Staff session signing keys and the log-in throttle.
    pub staff_keys: Arc<staff_session::StaffKeys>,
    /// Set to `true` when the server is shutting down: live sockets close with a
    /// "restarting, reconnect" frame instead of being cut.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// The open live sockets (upgraded connections are outside the server's graceful
    /// shutdown): shutdown waits for them to send their close frame before the process ends.
    pub sockets: tokio_util::task::TaskTracker,
    /// The widget API's rate limits.
    pub limits: Arc<limits::Limits>,
}

impl std::ops::Deref for AppState {
    type Target = State;

    fn deref(&self) -> &State {
        &self.domain
    }
}

/// Largest request body accepted, in bytes (a 4,000-character message is at most 16 KB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Longest URL (path and query) accepted, in bytes.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most request headers accepted (below hyper's own 100, so the refusal is our JSON 431).
pub const MAX_HEADERS: usize = 64;
/// Largest total of request header names and values accepted, in bytes.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Refuses over-long URLs (414) and oversized header sets (431) before any handler runs.
async fn request_limits(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let uri_bytes = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::UriTooLong.into_response();
    }
    let headers = req.headers();
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if headers.len() > MAX_HEADERS || header_bytes > MAX_HEADER_BYTES {
        return ApiError::HeadersTooLarge.into_response();
    }
    next.run(req).await
}

/// `GET /readyz`: 200 `ready` once this instance can serve: its database answers a query
/// (migrations were applied before the server started listening) and, on PostgreSQL, its
/// LISTEN connection is up (else its clients would miss other instances' messages); else
/// 503 `not_ready`. `/healthz` only says the process is up; a load balancer routes by this.
async fn readyz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, ApiError> {
    if state.store.listening() == Some(false) {
        return Err(ApiError::NotReady(
            "not listening for other instances' changes (PostgreSQL LISTEN); reconnecting".into(),
        ));
    }
    state
        .store
        .ping()
        .await
        .map_err(|e| ApiError::NotReady(e.to_string()))?;
    Ok("ready")
}

/// The whole service: health, assets and embed script, the documented API (widget, live,
/// dashboard, admin, `/chat`), and its OpenAPI document and docs page.
pub fn router(state: AppState) -> Router {
    let (api, mut document) = api(&state).split_for_parts();
    openapi::add_common_errors(&mut document);
    let metrics = state.config.metrics_bind.is_some();
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(assets::router(&state))
        // Private answers (sessions, conversations) must not sit in any cache.
        .merge(api.layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        )))
        .merge(
            Router::from(SwaggerUi::new(openapi::DOCS_PATH).url(openapi::DOCUMENT_PATH, document))
                // The docs page is not to be framed (clickjacking).
                .layer(SetResponseHeaderLayer::overriding(
                    header::X_FRAME_OPTIONS,
                    HeaderValue::from_static("DENY"),
                ))
                .layer(SetResponseHeaderLayer::if_not_present(
                    header::CONTENT_SECURITY_POLICY,
                    HeaderValue::from_static("frame-ancestors 'none'"),
                )),
        )
        .fallback(|| async { ApiError::RouteNotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed });
    // Per-route counts need the matched route, known inside the router: a route layer.
    let router = if metrics {
        router.layer(axum::middleware::from_fn(metrics::record))
    } else {
        router
    };
    router
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(request_limits))
        // Every response: no MIME sniffing, and no Referer leaving Parley's pages.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // A request (a slow client's upload included) gets 30 s by default, then a JSON 408; live
        // sockets, once upgraded, are not requests any more.
        .layer(
            tower::ServiceBuilder::new()
                .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
                    ApiError::RequestTimeout
                }))
                .layer(tower::timeout::TimeoutLayer::new(
                    std::time::Duration::from_millis(state.config.request_timeout_ms),
                )),
        )
        .layer(axum::middleware::from_fn(unread_body::close_if_unread))
        // Every answer names its request (`x-request-id`), as the request's log lines do.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
        // The client address is known to the log line and every handler.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(state.config.trusted_proxies()),
            client_addr::resolve,
        ))
        // Error bodies name the request (`requestId`), whatever layer inside answers.
        .layer(axum::middleware::from_fn(error::with_request_id))
        // Outermost: an ID per request (a UUID), unless a proxy in front already set one.
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// The request log's span: its ID (`x-request-id`, also in the answer), method, path and the
/// client's address (behind trusted proxies, the forwarded client, not the proxy).
fn request_span(req: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let client = req
        .extensions()
        .get::<client_addr::ClientAddr>()
        .map(|c| c.0.to_string());
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    // Info, like the server's default filter, so every line logged while serving a request
    // (warnings included) names it.
    tracing::info_span!(
        "request",
        request_id = id,
        method = %req.method(),
        uri = %req.uri(),
        client = client.as_deref().unwrap_or("-"),
    )
}

/// Every API route, with the document generated from them.
fn api(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .nest("/api/widget", widget::router())
        .nest("/api/admin", admin::router())
        .nest("/api/dashboard", dashboard::router(state))
        .nest("/chat", public::router())
        .nest("/api", webhooks::router())
        .nest("/api/email", email::router())
}

/// The OpenAPI document alone (for `parley openapi` and tests that do not start a server).
pub fn openapi_document(state: &AppState) -> utoipa::openapi::OpenApi {
    let mut document = api(state).into_openapi();
    openapi::add_common_errors(&mut document);
    document
}
