//! Headless Chromium for the browser tests (`backend/tests/api/browser/`) and the
//! time-to-interactive benchmark (`bench/`): one launcher, so both drive the same browser
//! the same way. Needs Debian's `chromium` and `chromium-driver`.

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long chromedriver may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A chromedriver process on a free local port, killed when dropped.
pub struct Chromedriver {
    child: Child,
    port: u16,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Chromedriver {
    /// Starts chromedriver and waits (at most 15 s) until it accepts connections.
    /// Errors: not installed, or not listening in time.
    pub fn start() -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("chromedriver (Debian: chromium-driver)")?;
        let driver = Chromedriver { child, port };
        let deadline = Instant::now() + START_TIMEOUT;
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                bail!("chromedriver did not start within {START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(driver)
    }

    /// A new headless Chromium session (1280×900) using `profile` as its user-data folder:
    /// a fresh folder is a first-time visitor (cold cache, empty storage).
    pub async fn session(&self, profile: &Path) -> Result<Client> {
        // Builds that link two rustls crypto back ends (fantoccini's and reqwest's) must pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .unwrap_or("chromium");
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": binary,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.display()),
                ]
            }),
        );
        ClientBuilder::rustls()?
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .context("a WebDriver session")
    }
}
