//! Application assembly: shared state, listeners, serving.

use crate::clock::Clock;
use crate::config::Config;
use crate::live::Hub;
use crate::store::{self, Store};
use crate::{demo, http, organizations, sessions};
use anyhow::Context;
use parley_shared::OrganizationId;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;

/// Everything a request handler may use; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Live fan-out.
    pub hub: Arc<Hub>,
    /// The current time.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub config: Arc<Config>,
    /// SHA-256 (hex) of the admin API's bearer token.
    pub admin_token_hash: Arc<str>,
    /// Folder of the built web assets (`widget/…`, `dashboard/…`), if one was found.
    pub assets_dir: Option<Arc<Path>>,
    /// Staff session signing keys and login throttling.
    pub accounts: Arc<crate::accounts::Accounts>,
    /// The AI responder's wake-up bell and HTTP client.
    pub responder: Arc<crate::responder::Responder>,
    /// Set to `true` when the server is shutting down: live sockets close with a
    /// "restarting, reconnect" frame instead of being cut.
    pub stopping: Arc<tokio::sync::watch::Sender<bool>>,
    /// The widget API's rate limits.
    pub limits: Arc<crate::limits::Limits>,
    /// The URL browsers reach this server at (no trailing slash).
    pub public_url: Arc<str>,
}

/// A bound, ready-to-serve Parley: the API listener and, with `demo`, the demo site's.
pub struct Application {
    listener: TcpListener,
    demo: Option<(TcpListener, OrganizationId)>,
    demo_operator: Option<(String, String)>,
    state: AppState,
    public_url: String,
}

/// Reads the admin token from configuration, else from `DATA_DIR/admin-token`, creating
/// that file (mode 0600) with a fresh random token the first time.
pub fn admin_token(config: &Config) -> anyhow::Result<String> {
    secret(config, config.admin_token.as_ref(), "admin-token")
}

/// A secret from configuration, else from `DATA_DIR/FILE`, created (mode 0600) with 256
/// fresh random bits the first time.
pub fn secret(config: &Config, configured: Option<&String>, file: &str) -> anyhow::Result<String> {
    if let Some(value) = configured {
        return Ok(value.clone());
    }
    let path = config.data_dir.join(file);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(existing.trim().to_owned());
    }
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating {}", config.data_dir.display()))?;
    // Instances starting together on one data folder must agree on one secret: write it
    // whole to a private temporary file, then publish it with an atomic, create-only link.
    // Whoever loses the race reads the winner's.
    let token = sessions::new_token();
    let tmp = config
        .data_dir
        .join(format!(".{file}.{}", &sessions::new_token()[..12]));
    write_private(&tmp, &token).with_context(|| format!("writing {}", tmp.display()))?;
    let published = std::fs::hard_link(&tmp, &path);
    let _ = std::fs::remove_file(&tmp);
    match published {
        Ok(()) => Ok(token),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?
                .trim()
                .to_owned())
        }
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

/// The configured assets folder, else `./dist`, else the workspace's `dist/` (where
/// `cargo xtask build-widget` writes), whichever holds `widget/index.html` first.
fn find_assets_dir(config: &Config) -> Option<PathBuf> {
    if let Some(dir) = &config.assets_dir {
        return Some(dir.clone());
    }
    [
        PathBuf::from("dist"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"),
    ]
    .into_iter()
    .find(|dir| dir.join("widget/index.html").is_file())
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
        let admin_token_hash = sessions::hash_token(&admin_token(&config)?);
        let jwt_secret = secret(&config, config.jwt_secret.as_ref(), "jwt-secret")?;
        let accounts = Arc::new(crate::accounts::Accounts::new(jwt_secret.as_bytes()));
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
        let assets_dir = find_assets_dir(&config).map(Arc::from);
        let state = AppState {
            store,
            hub,
            clock,
            config: Arc::new(config.clone()),
            admin_token_hash: Arc::from(admin_token_hash),
            assets_dir,
            accounts,
            public_url: Arc::from(public_url.as_str()),
            responder: Arc::new(crate::responder::Responder::new(config.responder_tuning())),
            stopping: Arc::new(tokio::sync::watch::Sender::new(false)),
            limits: Arc::new(crate::limits::Limits::new(!config.no_rate_limits)),
        };
        let demo_operator = match &demo {
            Some((_, org)) => {
                crate::demo::ensure_knowledge_base(&state, org.id).await?;
                Some(crate::accounts::ensure_demo_operator(&state, org).await?)
            }
            None => None,
        };
        let demo = demo.map(|(listener, org)| (listener, org.id));
        Ok(Self {
            listener,
            demo,
            demo_operator,
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
        if let Some(assets) = &self.state.assets_dir {
            tracing::info!(dir = %assets.display(), "serving widget assets");
        } else {
            tracing::warn!("widget not built: run `cargo xtask build-widget`");
        }
        crate::responder::spawn_workers(&self.state);
        crate::privacy::spawn_retention(&self.state);
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(());
        let demo_task = self.demo.map(|(listener, org)| {
            let router = demo::router(self.state.clone(), org);
            let mut rx = stop_rx.clone();
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = rx.changed().await;
                    })
                    .await
            })
        });
        let stopping = self.state.stopping.clone();
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
        if let Some(task) = demo_task {
            task.await??;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callers_racing_on_one_data_folder_all_get_the_same_generated_secret() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::for_data_dir(dir.path().to_path_buf());
        let secrets: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..16)
                .map(|_| scope.spawn(|| secret(&config, None, "jwt-secret").expect("secret")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        assert!(
            secrets.iter().all(|s| s == &secrets[0] && s.len() == 43),
            "{secrets:?}"
        );
        let files = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(files, 1, "no temporary files left behind");
    }
}
