//! `TestApp`: a running Parley plus typed helpers per actor (visitor, staff).

use parley_backend::clock::ManualClock;
use parley_backend::staff::organizations;
use parley_backend::{Application, Config, secrets};
use parley_shared::api::{ContactSessionCreated, Conversation, Message};
use parley_shared::{ConversationId, ErrorBody, ErrorCode, MessageId, OrganizationId};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tempfile::TempDir;

/// A fresh PostgreSQL database for one test, when `PARLEY_TEST_DATABASE_URL` names a
/// PostgreSQL server (the conformance pass); dropped with the test.
pub struct TestDb {
    admin_url: String,
    name: String,
    /// URL of the fresh database.
    pub url: String,
}

impl TestDb {
    /// `None` in the SQLite pass.
    pub async fn create() -> Option<Self> {
        use sqlx::Connection;
        let admin_url = std::env::var("PARLEY_TEST_DATABASE_URL").ok()?;
        if !admin_url.starts_with("postgres") {
            return None;
        }
        let name = format!("parley_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("PostgreSQL reachable");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(&admin_url);
        let url = format!("{base}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime, which cannot block: use a thread of our own.
        let _ = std::thread::spawn(move || {
            use sqlx::Connection;
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}

/// A running server with its own database and clock.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub admin_token: String,
    pub demo_url: Option<String>,
    /// The `/metrics` URL, when the test set `metrics_bind`.
    pub metrics_url: Option<String>,
    pub demo_operator: Option<(String, String)>,
    pub state: parley_backend::AppState,
    pub config: Config,
    _dir: TempDir,
    _db: Option<TestDb>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::for_data_dir(dir.path().to_path_buf());
        let db = TestDb::create().await;
        config.database_url = db.as_ref().map(|d| d.url.clone());
        // Tests send faster than a visitor may; `limits.rs` switches them back on.
        config.no_rate_limits = true;
        // The fake model servers of the responder tests listen on loopback.
        config.allowed_private_destinations = vec!["127.0.0.0/8".parse().unwrap()];
        adjust(&mut config);
        let clock = Arc::new(ManualClock::starting_now());
        let app = Application::build(config.clone(), clock.clone())
            .await
            .expect("build app");
        let base = app.public_url().to_owned();
        let demo_url = app.demo_url();
        let metrics_url = app.metrics_url();
        let demo_operator = app.demo_operator();
        let state = app.state().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        let admin_token = secrets::admin_token(&config).expect("admin token");
        Self {
            base,
            client: reqwest::Client::new(),
            clock,
            admin_token,
            demo_url,
            metrics_url,
            demo_operator,
            state,
            config,
            _dir: dir,
            _db: db,
        }
    }

    /// A second instance on this one's PostgreSQL database (its own server, hub, pools and
    /// data directory), or `None` in the SQLite pass, which runs one process by design.
    /// The first instance's demo operator logs in here too.
    pub async fn second_instance(&self) -> Option<Self> {
        self.config.database_url.as_ref()?;
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = self.config.clone();
        config.data_dir = dir.path().to_path_buf();
        config.demo = false;
        let clock = self.clock.clone();
        let app = Application::build(config.clone(), clock.clone())
            .await
            .expect("build the second instance");
        let base = app.public_url().to_owned();
        let state = app.state().clone();
        tokio::spawn(app.run_until(std::future::pending()));
        let admin_token = secrets::admin_token(&config).expect("admin token");
        Some(Self {
            base,
            client: reqwest::Client::new(),
            clock,
            admin_token,
            demo_url: None,
            metrics_url: None,
            demo_operator: self.demo_operator.clone(),
            state,
            config,
            _dir: dir,
            _db: None,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new organization, created through the domain layer (as `parley org create` does).
    pub async fn organization(&self, name: &str) -> OrganizationId {
        organizations::create(self.state.store.as_ref(), self.clock.as_ref(), name)
            .await
            .expect("create organization")
            .id
    }

    /// `POST /api/widget/contact-sessions` with raw JSON.
    pub async fn post_session(&self, body: Value) -> Response {
        self.client
            .post(self.url("/api/widget/contact-sessions"))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// A visitor of `org`, identified.
    pub async fn visitor(&self, org: OrganizationId, name: &str) -> Visitor<'_> {
        let response = self
            .post_session(json!({
                "organizationId": org,
                "name": name,
                "email": format!("{}@example.com", name.to_lowercase()),
                "metadata": {"userAgent": "test", "language": "fr-FR", "timezone": "Europe/Paris"}
            }))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: ContactSessionCreated = response.json().await.expect("session json");
        Visitor {
            app: self,
            token: created.token,
        }
    }

    /// A staff reply through the admin API.
    pub async fn staff_reply(&self, conversation: ConversationId, text: &str) -> Message {
        let response = self
            .client
            .post(self.url(&format!("/api/admin/conversations/{conversation}/messages")))
            .bearer_auth(&self.admin_token)
            .json(&json!({"content": text, "authorName": "Camille"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("message json")
    }

    /// Sets a conversation's status through the admin API.
    pub async fn set_status(&self, conversation: ConversationId, status: &str) -> Response {
        self.client
            .patch(self.url(&format!("/api/admin/conversations/{conversation}")))
            .bearer_auth(&self.admin_token)
            .json(&json!({ "status": status }))
            .send()
            .await
            .expect("request")
    }
}

/// Reading the manual clock in tests.
pub trait ClockExt {
    fn now_ms(&self) -> i64;
}

impl ClockExt for ManualClock {
    fn now_ms(&self) -> i64 {
        use parley_backend::clock::Clock;
        self.now().unix_millis()
    }
}

/// An identified visitor (a contact session).
pub struct Visitor<'a> {
    pub app: &'a TestApp,
    pub token: String,
}

impl Visitor<'_> {
    pub async fn get(&self, path: &str) -> Response {
        self.app
            .client
            .get(self.app.url(path))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.app
            .client
            .post(self.app.url(path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn start_conversation(&self) -> Conversation {
        let response = self
            .app
            .client
            .post(self.app.url("/api/widget/conversations"))
            .bearer_auth(&self.token)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("conversation json")
    }

    /// Sends `content` with message ID `id`; returns the raw response.
    pub async fn send(
        &self,
        conversation: ConversationId,
        id: MessageId,
        content: &str,
    ) -> Response {
        self.post_json(
            &format!("/api/widget/conversations/{conversation}/messages"),
            &json!({"id": id, "content": content}),
        )
        .await
    }

    /// Sends a fresh message that must be accepted.
    pub async fn say(&self, conversation: ConversationId, content: &str) -> Message {
        let response = self
            .send(conversation, MessageId::new_random(), content)
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("message json")
    }

    pub async fn messages(&self, conversation: ConversationId) -> Vec<Message> {
        let response = self
            .get(&format!(
                "/api/widget/conversations/{conversation}/messages?limit=100"
            ))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let page: Value = response.json().await.expect("page json");
        serde_json::from_value(page["items"].clone()).expect("messages")
    }
}

/// Asserts an error response: status, JSON body with the same `statusCode`, and `code`.
pub async fn assert_error(response: Response, status: StatusCode, code: ErrorCode) -> ErrorBody {
    assert_eq!(response.status(), status, "unexpected status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "error is JSON, got {content_type}"
    );
    let body: ErrorBody = response.json().await.expect("error body");
    assert_eq!(body.status_code, status.as_u16());
    assert_eq!(body.code, Some(code));
    assert!(!body.message.is_empty());
    body
}

/// A staff member's browser: the session cookie, sent on every request.
pub struct Staff<'a> {
    pub app: &'a TestApp,
    pub cookie: String,
    pub me: parley_shared::staff::Me,
}

/// The `name=value` part of a response's session cookie.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("parley_staff="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

impl TestApp {
    /// Signs up a new owner with a new organization.
    pub async fn sign_up(&self, email: &str, org_name: &str) -> Staff<'_> {
        let response = self
            .client
            .post(self.url("/api/dashboard/signup"))
            .json(&json!({"email": email, "password": "correct horse battery", "organizationName": org_name,
                          "displayName": "Camille"}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::CREATED);
        self.staff_from(response).await
    }

    /// Logs in; panics unless it succeeds.
    pub async fn log_in(&self, email: &str, password: &str) -> Staff<'_> {
        let response = self.raw_log_in(email, password).await;
        assert_eq!(response.status(), StatusCode::OK);
        self.staff_from(response).await
    }

    pub async fn raw_log_in(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/api/dashboard/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("request")
    }

    pub async fn staff_from(&self, response: Response) -> Staff<'_> {
        let cookie = session_cookie(&response).expect("a session cookie");
        let me = response.json().await.expect("me json");
        Staff {
            app: self,
            cookie,
            me,
        }
    }
}

impl Staff<'_> {
    pub fn org(&self) -> OrganizationId {
        self.me.current_organization_id
    }

    pub async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Response {
        let mut request = self
            .app
            .client
            .request(method, self.app.url(path))
            .header("cookie", &self.cookie);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path, None).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.request(reqwest::Method::DELETE, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.request(reqwest::Method::POST, path, Some(body)).await
    }
}

/// A WebSocket client connection.
pub type WsSocket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl Staff<'_> {
    /// The dashboard's live socket, opened with this session's cookie (before `ready`).
    pub async fn live(&self) -> WsSocket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!(
            "{}/api/dashboard/live",
            self.app.base.replace("http://", "ws://")
        );
        let mut request = url.into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", self.cookie.parse().unwrap());
        tokio_tungstenite::connect_async(request)
            .await
            .expect("ws connect")
            .0
    }
}

/// The next frame of a dashboard socket; fails the test after 5 s (waits for the event).
pub async fn next_staff_frame(socket: &mut WsSocket) -> parley_shared::staff::StaffServerFrame {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    loop {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
            .await
            .expect("a frame within 5 s")
            .expect("open")
            .expect("frame");
        if let WsMessage::Text(text) = frame {
            return serde_json::from_str(&text).unwrap();
        }
    }
}

/// The error frame (`{"type": "error", "error": {…}}`, both sockets) `socket` ends with,
/// skipping any other frame; fails the test if none arrives within `within`, or the socket
/// closes without one.
pub async fn error_frame_within(socket: &mut WsSocket, within: std::time::Duration) -> ErrorBody {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let frame = tokio::time::timeout_at(deadline, socket.next())
            .await
            .unwrap_or_else(|_| panic!("no error frame within {within:?}"))
            .expect("an error frame before the socket closed")
            .expect("frame");
        if let WsMessage::Text(text) = frame {
            let frame: Value = serde_json::from_str(&text).unwrap();
            if frame["type"] == "error" {
                return serde_json::from_value(frame["error"].clone()).unwrap();
            }
        }
    }
}

impl<'a> Staff<'a> {
    /// Invites a new account with `role`; returns its logged-in session.
    pub async fn invite_new(&self, role: &str, email: &str) -> Staff<'a> {
        let invite: Value = self
            .post("/api/dashboard/invites", json!({ "role": role }))
            .await
            .json()
            .await
            .expect("invite json");
        let response = self
            .app
            .client
            .post(self.app.url("/api/dashboard/invites/accept"))
            .json(&json!({"token": invite["token"], "email": email, "password": format!("{role} password")}))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        self.app.staff_from(response).await
    }
}
