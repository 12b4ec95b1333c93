use crate::helpers::{TestApp, assert_error};
use parley_shared::ErrorCode;
use parley_shared::api::WidgetConfig;
use reqwest::StatusCode;

#[tokio::test]
async fn health_and_readiness_answer_200() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn widget_configuration_of_an_existing_organization_is_returned() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme Bakery").await;
    let response = app
        .client
        .get(app.url(&format!("/api/widget/organizations/{org}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let config: WidgetConfig = response.json().await.unwrap();
    assert_eq!(config.organization_id, org);
    assert_eq!(config.name, "Acme Bakery");
}

#[tokio::test]
async fn unknown_or_malformed_organization_ids_are_404_json() {
    let app = TestApp::spawn().await;
    for id in [
        "00000000-0000-4000-8000-000000000000",
        "not-a-uuid",
        "%27%3B--",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/widget/organizations/{id}")))
            .send()
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::NOT_FOUND,
            ErrorCode::OrganizationNotFound,
        )
        .await;
    }
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_answer_json_errors() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/nope")).send().await.unwrap();
    assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let response = app
        .client
        .delete(app.url("/api/widget/conversations"))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
    )
    .await;
}

#[tokio::test]
async fn embed_script_is_served_as_javascript() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/embed.js")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/javascript"));
    let body = response.text().await.unwrap();
    assert!(body.contains("data-organization-id"));
    assert!(
        !body.contains("postMessage(message, \"*\")"),
        "never posts to '*'"
    );
}

/// The workspace's `dist/`, where `cargo xtask build-widget` writes the web apps.
fn dist() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist")
}

/// Both ways of serving the web apps: compiled into the binary (the default; debug builds
/// read `dist/` at run time) and from `--assets-dir`.
#[tokio::test]
async fn web_assets_are_served_compressed_when_the_browser_accepts_it() {
    let embedded = TestApp::spawn().await;
    assert!(
        matches!(
            embedded.state.assets,
            Some(parley_backend::http::assets::Assets::Embedded)
        ),
        "the web apps are not built: run `cargo xtask build-widget`"
    );
    served_compressed(&embedded).await;
    // An unchanged page is not sent again.
    let page = embedded
        .client
        .get(embedded.url("/dashboard"))
        .send()
        .await
        .unwrap();
    let tag = page.headers()["etag"].clone();
    let again = embedded
        .client
        .get(embedded.url("/dashboard"))
        .header("if-none-match", tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let folder = TestApp::spawn_with(|c| c.assets_dir = Some(dist())).await;
    assert!(matches!(
        folder.state.assets,
        Some(parley_backend::http::assets::Assets::Folder(_))
    ));
    served_compressed(&folder).await;
}

async fn served_compressed(app: &TestApp) {
    let dir = dist();
    let widget_wasm = hashed(&dir.join("widget"), "parley_widget_bg-", ".wasm");
    let dashboard_wasm = hashed(&dir.join("dashboard"), "parley_dashboard_bg-", ".wasm");
    for (path, encoding) in [
        (format!("/widget/assets/{widget_wasm}"), "br"),
        (format!("/dashboard/assets/{dashboard_wasm}"), "gzip"),
        ("/embed.js".to_owned(), "br"),
    ] {
        let path = path.as_str();
        let plain = app.client.get(app.url(path)).send().await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none());
        let plain_len = plain.bytes().await.unwrap().len();
        let packed = app
            .client
            .get(app.url(path))
            .header("accept-encoding", encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(packed.status(), StatusCode::OK);
        assert_eq!(packed.headers()["content-encoding"], encoding, "{path}");
        let packed_len = packed.bytes().await.unwrap().len();
        assert!(
            packed_len * 2 < plain_len,
            "{path}: {packed_len} vs {plain_len}"
        );
    }
    // The build's maximum-level brotli file is what is sent, not an on-the-fly one, and
    // its content-hashed name lets browsers keep it for a year.
    let prebuilt = std::fs::metadata(dir.join(format!("widget/{widget_wasm}.br")))
        .unwrap()
        .len();
    let sent = app
        .client
        .get(app.url(&format!("/widget/assets/{widget_wasm}")))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(sent.headers()["content-type"], "application/wasm");
    assert_eq!(
        sent.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(sent.bytes().await.unwrap().len() as u64, prebuilt);
    // The pages that name the hashed files are revalidated on every load.
    for page in ["/widget", "/dashboard"] {
        let resp = app.client.get(app.url(page)).send().await.unwrap();
        assert_eq!(resp.headers()["cache-control"], "no-cache", "{page}");
        let html = resp.text().await.unwrap();
        assert!(
            !html.contains("_bg.wasm") && html.contains("/assets/boot-"),
            "{html}"
        );
    }
}

/// The one file in `dir` named `PREFIX<hash>SUFFIX`.
fn hashed(dir: &std::path::Path, prefix: &str, suffix: &str) -> String {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(prefix) && n.ends_with(suffix))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    names[0].clone()
}

/// On PostgreSQL, an instance whose LISTEN connection is down is not ready (its clients
/// would miss other instances' messages), and is again once it reconnected.
#[tokio::test]
async fn readiness_follows_the_listen_connection_on_postgresql() {
    use sqlx::Connection;
    let app = TestApp::spawn().await;
    let Some(url) = app.config.database_url.clone() else {
        return;
    };
    let name = url.rsplit('/').next().unwrap().to_owned();
    let admin_url = std::env::var("PARLEY_TEST_DATABASE_URL").unwrap();
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
    let allow =
        |on: bool| sqlx::AssertSqlSafe(format!("ALTER DATABASE {name} ALLOW_CONNECTIONS {on}"));
    // Every connection is cut and none can come back for now (the LISTEN connection would
    // otherwise come back at once through an idle pooled one).
    sqlx::query(allow(false)).execute(&mut admin).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!cut.is_empty(), "connections to cut");
    // Waits for the listener to be `up` (or down), as it changes (bounded).
    let mut changes = app.state.store.listening_changes().unwrap();
    let mut listening = async |up: bool| {
        tokio::time::timeout(
            std::time::Duration::from_secs(20),
            changes.wait_for(|now| *now == up),
        )
        .await
        .expect("the listener changes within 20 s")
        .unwrap();
    };
    // The database refuses connections: the listener cannot come back, so not ready.
    listening(false).await;
    let down = app.client.get(app.url("/readyz")).send().await.unwrap();
    let body = assert_error(down, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::NotReady).await;
    assert!(body.message.contains("LISTEN"), "{}", body.message);
    sqlx::query(allow(true)).execute(&mut admin).await.unwrap();
    listening(true).await;
    let up = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(up.status(), StatusCode::OK);
    assert_eq!(up.text().await.unwrap(), "ready");
}
