//! Run-time configuration: command-line flags with `PARLEY_*` environment fallbacks.
//! Every setting has a default, so `parley` runs with nothing set.

use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings of `parley serve` (and of the commands that open the database).
#[derive(Clone, Debug, Args)]
pub struct Config {
    /// Address the HTTP server listens on.
    #[arg(
        long,
        global = true,
        env = "PARLEY_BIND",
        default_value = "127.0.0.1:8080"
    )]
    pub bind: SocketAddr,

    /// Database URL: `sqlite://PATH` (default: `DATA_DIR/parley.db`) or
    /// `postgres://USER@HOST:PORT/DB` (several instances may share one).
    #[arg(long, global = true, env = "PARLEY_DATABASE_URL")]
    pub database_url: Option<String>,

    /// Most pooled database connections (SQLite: readers; it always has one writer).
    #[arg(
        long,
        global = true,
        env = "PARLEY_DB_MAX_CONNECTIONS",
        default_value_t = 10
    )]
    pub db_max_connections: u32,

    /// Longest wait for a pooled connection, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub db_acquire_timeout_ms: u64,

    /// PostgreSQL `statement_timeout`, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub db_statement_timeout_ms: u64,

    /// SQLite `busy_timeout`, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_DB_BUSY_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub db_busy_timeout_ms: u64,

    /// Folder for the default database and the generated admin token.
    #[arg(long, global = true, env = "PARLEY_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,

    /// The URL browsers reach this server at (used in the demo page's script tag);
    /// default `http://` + the bound address.
    #[arg(long, global = true, env = "PARLEY_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Folder holding the built web apps (`widget/index.html`…), read at each request;
    /// default: the apps compiled into the binary (`dist/` when it was built; debug builds
    /// read the workspace's `dist/` at run time).
    #[arg(long, global = true, env = "PARLEY_ASSETS_DIR")]
    pub assets_dir: Option<PathBuf>,

    /// Contact session lifetime, in seconds (seed 001: 24 h).
    #[arg(long, global = true, env = "PARLEY_SESSION_TTL_SECS", default_value_t = 24 * 3600)]
    pub session_ttl_secs: i64,

    /// A session used when it has less than this many seconds left is extended to a full
    /// lifetime from then (seed 001: 4 h).
    #[arg(long, global = true, env = "PARLEY_SESSION_REFRESH_SECS", default_value_t = 4 * 3600)]
    pub session_refresh_secs: i64,

    /// Longest message, in characters.
    #[arg(long, global = true, env = "PARLEY_MAX_MESSAGE_CHARS", default_value_t = parley_shared::limits::DEFAULT_MAX_MESSAGE_CHARS)]
    pub max_message_chars: usize,

    /// Bearer token of the interim admin API; default: generated once into DATA_DIR/admin-token.
    #[arg(
        long,
        global = true,
        env = "PARLEY_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub admin_token: Option<String>,

    /// Key that signs staff session tokens (HS256); default: generated once into
    /// DATA_DIR/jwt-secret. All instances sharing a database must share it.
    #[arg(long, global = true, env = "PARLEY_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// A staff session ends after this many seconds without a request (renewed while used).
    #[arg(long, global = true, env = "PARLEY_STAFF_IDLE_SECS", default_value_t = 30 * 60)]
    pub staff_idle_secs: i64,

    /// A staff session ends this many seconds after login, however active.
    #[arg(long, global = true, env = "PARLEY_STAFF_ABSOLUTE_SECS", default_value_t = 12 * 3600)]
    pub staff_absolute_secs: i64,

    /// Interval of live-socket pings, in milliseconds (keeps proxies' idle timers alive and
    /// re-checks sessions); raise proxies' idle timeouts above it.
    #[arg(
        long,
        global = true,
        env = "PARLEY_LIVE_PING_MS",
        default_value_t = 25_000
    )]
    pub live_ping_ms: u64,

    /// Switch off the widget API's rate limits (benchmarks, load tests, trusted setups).
    #[arg(long, global = true, env = "PARLEY_NO_RATE_LIMITS")]
    pub no_rate_limits: bool,

    /// Reverse proxies whose forwarding header is believed: comma-separated CIDR blocks or
    /// addresses (e.g. `127.0.0.1,10.0.0.0/8`). Default none: the socket's peer is the
    /// client and forwarding headers are ignored (anyone can write them). Behind a proxy,
    /// set it, or every visitor shares the proxy's address in limits and logs.
    #[arg(
        long,
        global = true,
        env = "PARLEY_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_parser = parse_network
    )]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// Address of the Prometheus `/metrics` endpoint (e.g. `127.0.0.1:9090`); default none:
    /// no metrics are recorded. Keep it off the public network.
    #[arg(long, global = true, env = "PARLEY_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,

    /// Private networks that outgoing requests to organization-chosen URLs (the AI
    /// responder's model URL) may reach, comma-separated (e.g. `127.0.0.1/32` for a local
    /// Ollama). Default none: anyone who signs up chooses those URLs, and loopback, private
    /// and link-local addresses (cloud metadata) are the host's, not theirs.
    #[arg(
        long,
        global = true,
        env = "PARLEY_ALLOWED_PRIVATE_DESTINATIONS",
        value_delimiter = ',',
        value_parser = parse_network
    )]
    pub allowed_private_destinations: Vec<ipnet::IpNet>,

    /// The header the trusted proxies write the client's address in.
    #[arg(
        long,
        global = true,
        env = "PARLEY_FORWARDED_HEADER",
        value_enum,
        default_value_t
    )]
    pub forwarded_header: ForwardedHeader,

    /// Longest a request may take, its body's upload included, in milliseconds (then 408).
    #[arg(
        long,
        global = true,
        env = "PARLEY_REQUEST_TIMEOUT_MS",
        default_value_t = 30_000
    )]
    pub request_timeout_ms: u64,

    /// AI responder workers per process.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_WORKERS",
        default_value_t = 2
    )]
    pub responder_workers: usize,

    /// How often idle responder workers look for due jobs, in milliseconds (new jobs of this
    /// process wake them at once).
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_POLL_MS",
        default_value_t = 1000
    )]
    pub responder_poll_ms: u64,

    /// How long a client may take to send a request's headers, in milliseconds; slower
    /// connections are closed (slowloris).
    #[arg(
        long,
        global = true,
        env = "PARLEY_HEADER_TIMEOUT_MS",
        default_value_t = 10_000
    )]
    pub header_timeout_ms: u64,

    /// Retention, in days: conversations without activity for this long, and sessions expired
    /// this long ago, are deleted by a background task. `0` keeps everything.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RETENTION_DAYS",
        default_value_t = 0
    )]
    pub retention_days: u64,

    /// How often the retention task runs, in seconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RETENTION_SWEEP_SECS",
        default_value_t = 3600
    )]
    pub retention_sweep_secs: u64,

    /// How long a claimed responder job is held, in milliseconds, before another worker may
    /// take it over (a crashed worker's job resumes after this). Keep it above the timeout.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_LEASE_MS",
        default_value_t = 120_000
    )]
    pub responder_lease_ms: u64,

    /// First retry delay of a failed provider call, in milliseconds (doubled each attempt).
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_RETRY_MS",
        default_value_t = 1000
    )]
    pub responder_retry_ms: u64,

    /// Attempts per answer before the visitor is told a person will reply.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_ATTEMPTS",
        default_value_t = 4
    )]
    pub responder_attempts: u32,

    /// Limit of one provider request (including the streamed answer), in milliseconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_TIMEOUT_MS",
        default_value_t = 60_000
    )]
    pub responder_timeout_ms: u64,

    /// Pause between the pieces of a streamed knowledge-base answer, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_RESPONDER_STREAM_MS",
        default_value_t = 40
    )]
    pub responder_stream_ms: u64,

    /// Webhook delivery workers per process (each sends one delivery at a time).
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_WORKERS",
        default_value_t = 2
    )]
    pub webhook_workers: usize,

    /// How often idle webhook workers look for due jobs, in milliseconds (the events of
    /// messages, other instances' jobs and retries that came due wait for this).
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_POLL_MS",
        default_value_t = 1000
    )]
    pub webhook_poll_ms: u64,

    /// First retry delay of a failed webhook delivery, in milliseconds (doubled each attempt,
    /// at most 2 hours, ±20 % jitter).
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_RETRY_MS",
        default_value_t = 5000
    )]
    pub webhook_retry_ms: u64,

    /// Attempts per webhook delivery before it fails (23 from 5 s spans about a day).
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_ATTEMPTS",
        default_value_t = 23
    )]
    pub webhook_attempts: u32,

    /// Limit of one webhook POST, connection included, in milliseconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_TIMEOUT_MS",
        default_value_t = 15_000
    )]
    pub webhook_timeout_ms: u64,

    /// How long, in seconds, a webhook endpoint may fail every attempt before it is
    /// disabled (its owners see why in the dashboard).
    #[arg(
        long,
        global = true,
        env = "PARLEY_WEBHOOK_DISABLE_AFTER_SECS",
        default_value_t = 86_400
    )]
    pub webhook_disable_after_secs: u64,

    /// The SMTP server replies are emailed through, as a URL: `smtps://user:pass@host`
    /// (TLS), `smtp://host:587?tls=required` (STARTTLS), `smtp://127.0.0.1:1025` (plain, a
    /// local relay). Without it, email is off and the dashboard says so.
    #[arg(long, global = true, env = "PARLEY_SMTP_URL")]
    pub smtp_url: Option<String>,

    /// The sender of Parley's emails, e.g. `Acme Support <support@acme.example>`.
    #[arg(long, global = true, env = "PARLEY_EMAIL_FROM")]
    pub email_from: Option<String>,

    /// How long a person's reply may stay unseen by the visitor before it is emailed to
    /// them, in seconds.
    #[arg(
        long,
        global = true,
        env = "PARLEY_EMAIL_AFTER_SECS",
        default_value_t = 120
    )]
    pub email_after_secs: u64,

    /// Email workers per process (0: none, the jobs wait for another instance).
    #[arg(long, global = true, env = "PARLEY_EMAIL_WORKERS", default_value_t = 1)]
    pub email_workers: usize,

    /// Also serve a demo "customer website" (on `--demo-bind`) for a demo organization.
    #[arg(long, global = true, env = "PARLEY_DEMO")]
    pub demo: bool,

    /// Address of the demo website; another port, so the widget is embedded cross-origin.
    #[arg(
        long,
        global = true,
        env = "PARLEY_DEMO_BIND",
        default_value = "127.0.0.1:8081"
    )]
    pub demo_bind: SocketAddr,
}

impl Config {
    /// The configured database URL, or the default SQLite file in the data folder.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("parley.db").display()),
        }
    }

    /// The database connection settings.
    pub fn store_options(&self) -> crate::store::StoreOptions {
        use std::time::Duration;
        crate::store::StoreOptions {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_millis(self.db_acquire_timeout_ms),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
            busy_timeout: Duration::from_millis(self.db_busy_timeout_ms),
        }
    }

    /// The responder workers' settings.
    pub fn responder_tuning(&self) -> crate::responder::Tuning {
        use std::time::Duration;
        crate::responder::Tuning {
            workers: self.responder_workers,
            poll: Duration::from_millis(self.responder_poll_ms.max(10)),
            lease: Duration::from_millis(self.responder_lease_ms),
            retry_base: Duration::from_millis(self.responder_retry_ms),
            max_attempts: self.responder_attempts.max(1),
            timeout: Duration::from_millis(self.responder_timeout_ms),
            stream_step: Duration::from_millis(self.responder_stream_ms),
        }
    }

    /// Webhook deliveries' attempts and timing, from these settings.
    pub fn webhook_tuning(&self) -> crate::webhooks::Tuning {
        use std::time::Duration;
        crate::webhooks::Tuning {
            workers: self.webhook_workers,
            poll: Duration::from_millis(self.webhook_poll_ms.max(10)),
            retry_base: Duration::from_millis(self.webhook_retry_ms),
            max_attempts: self.webhook_attempts.max(1),
            timeout: Duration::from_millis(self.webhook_timeout_ms),
            disable_after: Duration::from_secs(self.webhook_disable_after_secs),
        }
    }

    /// Where outgoing requests to organization-chosen URLs may go.
    pub fn destinations(&self) -> crate::outbound::Destinations {
        crate::outbound::Destinations {
            allowed_private: self.allowed_private_destinations.clone(),
        }
    }

    /// The client-address rule these settings describe.
    pub fn trusted_proxies(&self) -> crate::http::client_addr::TrustedProxies {
        crate::http::client_addr::TrustedProxies {
            networks: self.trusted_proxies.clone(),
            header: self.forwarded_header,
        }
    }

    /// Defaults for tests and embedding: everything as with no flags, in `data_dir`.
    pub fn for_data_dir(data_dir: PathBuf) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: None,
            db_max_connections: 10,
            db_acquire_timeout_ms: 5000,
            db_statement_timeout_ms: 10_000,
            db_busy_timeout_ms: 5000,
            data_dir,
            public_url: None,
            assets_dir: None,
            session_ttl_secs: 24 * 3600,
            session_refresh_secs: 4 * 3600,
            max_message_chars: parley_shared::limits::DEFAULT_MAX_MESSAGE_CHARS,
            admin_token: None,
            jwt_secret: None,
            trusted_proxies: Vec::new(),
            allowed_private_destinations: Vec::new(),
            metrics_bind: None,
            forwarded_header: ForwardedHeader::default(),
            staff_idle_secs: 30 * 60,
            staff_absolute_secs: 12 * 3600,
            live_ping_ms: 25_000,
            no_rate_limits: false,
            request_timeout_ms: 30_000,
            responder_workers: 2,
            responder_poll_ms: 1000,
            responder_lease_ms: 120_000,
            header_timeout_ms: 10_000,
            retention_days: 0,
            retention_sweep_secs: 3600,
            responder_retry_ms: 1000,
            responder_attempts: 4,
            responder_timeout_ms: 60_000,
            responder_stream_ms: 40,
            webhook_workers: 2,
            webhook_poll_ms: 1000,
            webhook_retry_ms: 5000,
            webhook_attempts: 23,
            webhook_timeout_ms: 15_000,
            webhook_disable_after_secs: 24 * 3600,
            smtp_url: None,
            email_from: None,
            email_after_secs: 120,
            email_workers: 1,
            demo: false,
            demo_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }
}

/// Which header trusted proxies record the addresses they saw in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, HAProxy, most load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for="[2001:db8::1]:4711"` (RFC 7239).
    Forwarded,
}

/// A CIDR block (`10.0.0.0/8`, `2001:db8::/32`) or a single address (`127.0.0.1`).
fn parse_network(raw: &str) -> Result<ipnet::IpNet, String> {
    let raw = raw.trim();
    raw.parse::<ipnet::IpNet>()
        .or_else(|_| raw.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an address nor a CIDR block (e.g. 10.0.0.0/8)"))
}
