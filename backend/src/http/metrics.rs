//! `/metrics` in the Prometheus text format (issue 20), opt-in on its own address
//! (`--metrics-bind`), so it is never public by accident. Counters and histograms are
//! recorded where things happen with the `metrics` macros (no-ops when no recorder is
//! installed); database gauges (job backlog, pool use) are read at each scrape.
//!
//! What is exported, all prefixed `parley_`:
//! - `http_requests_total{method, route, status}`, `http_request_duration_seconds{route}`
//!   (route: the matched pattern, e.g. `/api/widget/conversations/{conversation_id}`);
//! - `live_sockets{audience}` (widget, dashboard) open now;
//! - `messages_stored_total`, `group_commit_batch_size`, `group_commit_seconds`;
//! - `jobs_total{kind, outcome}` (done, retry, gave_up), `jobs_backlog{kind}` and
//!   `jobs_oldest_age_seconds{kind}` (unfinished jobs);
//! - `webhook_attempts_total{outcome}` (delivered, retry, failed);
//! - `rate_limited_total{limit}`;
//! - `db_pool_connections{state}` (open, idle).

use super::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

/// The process's recorder: installed by the first server that asks (tests run several in
/// one process; they share it).
static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder once per process; `None` if another recorder was
/// installed first.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
                ])
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// Middleware: counts each request by method, matched route and status, and times it.
pub async fn record(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::histogram!("parley_http_request_duration_seconds", "route" => route.clone())
        .record(started.elapsed().as_secs_f64());
    metrics::counter!("parley_http_requests_total", "method" => method, "route" => route, "status" => status)
        .increment(1);
    response
}

/// `GET /metrics`: reads the database gauges, then renders everything recorded.
async fn scrape(State((state, handle)): State<(AppState, PrometheusHandle)>) -> String {
    match state.store.job_backlog(state.clock.now()).await {
        Ok(backlog) => {
            for b in backlog {
                metrics::gauge!("parley_jobs_backlog", "kind" => b.kind.clone())
                    .set(b.count as f64);
                metrics::gauge!("parley_jobs_oldest_age_seconds", "kind" => b.kind)
                    .set(b.oldest_age_secs);
            }
        }
        Err(e) => tracing::warn!(error = %e, "reading the job backlog for /metrics"),
    }
    let (open, idle) = state.store.pool_connections();
    metrics::gauge!("parley_db_pool_connections", "state" => "open").set(open as f64);
    metrics::gauge!("parley_db_pool_connections", "state" => "idle").set(idle as f64);
    handle.render()
}

/// The metrics listener's router.
pub fn router(state: AppState, handle: PrometheusHandle) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(scrape))
        .with_state((state, handle))
}

/// Counts an open live socket of `audience` while it lives.
pub struct OpenSocket(&'static str);

impl OpenSocket {
    /// A socket of `audience` (`widget`, `dashboard`) opened.
    pub fn new(audience: &'static str) -> Self {
        metrics::gauge!("parley_live_sockets", "audience" => audience).increment(1.0);
        Self(audience)
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        metrics::gauge!("parley_live_sockets", "audience" => self.0).decrement(1.0);
    }
}
