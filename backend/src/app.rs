//! Application assembly: shared state, listeners, serving.

use crate::clock::Clock;
use crate::config::Config;
use crate::contacts::sessions;
use crate::http::AppState;
use crate::live::Hub;
use crate::staff::organizations;
use crate::state::State;
use crate::store::{self};
use crate::{demo, http, secrets};
use anyhow::Context;
use parley_shared::OrganizationId;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Longest wait at shutdown for live sockets to send their close frames.
const SOCKETS_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A bound, ready-to-serve Parley: the API listener and, with `demo`, the demo site's.
pub struct Application {
    listener: TcpListener,
    demo: Option<(TcpListener, OrganizationId)>,
    demo_operator: Option<(String, String)>,
    /// The `/metrics` listener and the recorder's handle, with `--metrics-bind`.
    metrics: Option<(TcpListener, metrics_exporter_prometheus::PrometheusHandle)>,
    state: AppState,
    public_url: String,
}

impl Application {
    /// Opens the database (migrating it), binds the listeners and prepares the state.
    pub async fn build(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let store::Connected { store, notices } =
            store::connect(&config.database_url(), &config.store_options())
                .await
                .context("opening the database")?;
        let hub = Arc::new(Hub::default());
        if let Some(notices) = notices {
            tokio::spawn(crate::live::bridge(notices, store.clone(), hub.clone()));
        }
        let admin_token_hash = sessions::hash_token(&secrets::admin_token(&config)?);
        let jwt_secret = secrets::secret(&config, config.jwt_secret.as_ref(), "jwt-secret")?;
        let staff_keys = Arc::new(http::staff_session::StaffKeys::new(jwt_secret.as_bytes()));
        let listener = TcpListener::bind(config.bind)
            .await
            .with_context(|| format!("binding {}", config.bind))?;
        let addr = listener.local_addr()?;
        let public_url = config
            .public_url
            .clone()
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{addr}"));
        let demo = if config.demo {
            let org = organizations::ensure_demo(store.as_ref(), clock.as_ref()).await?;
            let demo_listener = TcpListener::bind(config.demo_bind)
                .await
                .with_context(|| format!("binding the demo site on {}", config.demo_bind))?;
            Some((demo_listener, org))
        } else {
            None
        };
        let assets = http::assets::Assets::find(config.assets_dir.as_deref());
        let domain = State {
            store,
            hub,
            clock,
            config: Arc::new(config.clone()),
            public_url: Arc::from(public_url.as_str()),
            responder: Arc::new(crate::responder::Responder::new(
                config.responder_tuning(),
                config.destinations(),
            )),
            webhooks: Arc::new(crate::webhooks::Webhooks::new(
                config.webhook_tuning(),
                crate::outbound::Outbound::new(config.destinations()),
            )),
            email: Arc::new(crate::email::Email::from_config(&config)?),
            jobs: Arc::default(),
        };
        let state = AppState {
            domain,
            admin_token_hash: Arc::from(admin_token_hash),
            assets,
            staff_keys,
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            sockets: tokio_util::task::TaskTracker::new(),
            limits: Arc::new(http::limits::Limits::new(!config.no_rate_limits)),
        };
        let demo_operator = match &demo {
            Some((_, org)) => {
                crate::demo::ensure_knowledge_base(&state, org.id).await?;
                Some(crate::staff::accounts::ensure_demo_operator(&state, org).await?)
            }
            None => None,
        };
        let demo = demo.map(|(listener, org)| (listener, org.id));
        let metrics = match config.metrics_bind {
            Some(addr) => {
                let listener = TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding the metrics endpoint on {addr}"))?;
                let handle = http::metrics::install()
                    .context("installing the metrics recorder (another one is installed)")?;
                Some((listener, handle))
            }
            None => None,
        };
        Ok(Self {
            listener,
            demo,
            demo_operator,
            metrics,
            state,
            public_url,
        })
    }

    /// The address the API listens on (the real port when bound to port 0).
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The URL browsers reach the API and widget at.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The demo site's URL, when serving it.
    pub fn demo_url(&self) -> Option<String> {
        let (listener, _) = self.demo.as_ref()?;
        listener.local_addr().ok().map(|a| format!("http://{a}/"))
    }

    /// The `/metrics` URL, with `--metrics-bind`.
    pub fn metrics_url(&self) -> Option<String> {
        let (listener, _) = self.metrics.as_ref()?;
        listener
            .local_addr()
            .ok()
            .map(|a| format!("http://{a}/metrics"))
    }

    /// The demo organization, when serving the demo.
    pub fn demo_organization(&self) -> Option<OrganizationId> {
        self.demo.as_ref().map(|(_, org)| *org)
    }

    /// The demo operator's email and password, when serving the demo.
    pub fn demo_operator(&self) -> Option<(String, String)> {
        self.demo_operator.clone()
    }

    /// The shared state (tests use it to reach the store and clock).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then stops gracefully: no new connections,
    /// requests in flight finish, live sockets are closed with code 1012 (service restart)
    /// so clients reconnect, to another instance or to this one once it is back.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        match &self.state.assets {
            Some(http::assets::Assets::Folder(dir)) => {
                tracing::info!(dir = %dir.display(), "serving the web apps from a folder");
            }
            Some(http::assets::Assets::Embedded) => {}
            None => tracing::warn!(
                "web apps not built: run `cargo xtask build-widget`, then build parley again"
            ),
        }
        crate::responder::spawn_workers(&self.state.domain);
        crate::webhooks::spawn_workers(&self.state.domain);
        crate::email::spawn_workers(&self.state.domain);
        crate::contacts::privacy::spawn_retention(&self.state.domain);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
        let demo_task = self.demo.map(|(listener, org)| {
            let router = demo::router(self.state.domain.clone(), org);
            serve_beside(listener, router, stop_rx.clone())
        });
        let metrics_task = self.metrics.map(|(listener, handle)| {
            let router = http::metrics::router(self.state.clone(), handle);
            serve_beside(listener, router, stop_rx.clone())
        });
        let stopping = self.state.stopping.clone();
        let sockets = self.state.sockets.clone();
        let config = self.state.config.clone();
        let router = http::router(self.state);
        let mut rx = stop_rx;
        tokio::spawn(async move {
            shutdown.await;
            tracing::info!("shutting down: draining requests, closing live connections");
            // Live sockets close themselves (1012, reconnect); requests in flight finish.
            stopping.send_replace(true);
            drop(stop_tx);
        });
        let header_timeout = std::time::Duration::from_millis(config.header_timeout_ms);
        http::serve::serve(self.listener, router, header_timeout, async move {
            let _ = rx.changed().await;
        })
        .await;
        // Live sockets saw `stopping` and are sending their 1012 close frames: let them
        // finish (briefly) rather than cut them when the process ends.
        sockets.close();
        if tokio::time::timeout(SOCKETS_GRACE, sockets.wait())
            .await
            .is_err()
        {
            tracing::warn!("live sockets still open at exit");
        }
        for task in [demo_task, metrics_task].into_iter().flatten() {
            task.await??;
        }
        Ok(())
    }
}

/// Serves a side listener (demo site, metrics) until `stop` changes or closes.
fn serve_beside(
    listener: TcpListener,
    router: axum::Router,
    mut stop: tokio::sync::watch::Receiver<()>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.changed().await;
            })
            .await
    })
}
