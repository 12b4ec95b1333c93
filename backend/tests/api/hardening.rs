//! Transport hardening: security headers on every response, a strict Content-Security-Policy
//! on the web apps, and a time limit on slow requests (a JSON 408, like every error).

use crate::helpers::TestApp;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn every_response_forbids_sniffing_and_referrers() {
    let app = TestApp::spawn().await;
    for path in [
        "/healthz",
        "/embed.js",
        "/api/widget/contact-session",
        "/nope",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer", "{path}");
    }
}

/// Private answers are never stored by browsers or shared caches, and the API docs page
/// cannot be framed by another site (issue 21, finding 11).
#[tokio::test]
async fn api_answers_are_not_cached_and_the_docs_cannot_be_framed() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let visitor = app.visitor(staff.org(), "Bob").await;
    for r in [
        staff.get("/api/dashboard/me").await,
        visitor.get("/api/widget/contact-session").await,
        app.client
            .get(app.url("/api/widget/conversations"))
            .send()
            .await
            .unwrap(),
    ] {
        let path = r.url().path().to_owned();
        assert_eq!(r.headers()["cache-control"], "no-store", "{path}");
    }
    let docs = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), reqwest::StatusCode::OK);
    assert_eq!(docs.headers()["x-frame-options"], "DENY");
    let csp = docs.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
}

#[tokio::test]
async fn the_web_apps_run_under_a_strict_content_security_policy() {
    let app = TestApp::spawn().await;
    assert!(app.state.assets.is_some(), "the web apps are not built");
    let org = app.organization("Acme").await;
    let widget = app
        .client
        .get(app.url(&format!("/widget?organizationId={org}")))
        .send()
        .await
        .unwrap();
    let dashboard = app.client.get(app.url("/dashboard")).send().await.unwrap();
    for (page, ancestors) in [
        (widget, "frame-ancestors *"),
        (dashboard, "frame-ancestors 'none'"),
    ] {
        let csp = page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        for directive in [
            "default-src 'self'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            ancestors,
        ] {
            assert!(csp.contains(directive), "{directive} missing from {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline'; script") && !csp.contains("script-src 'self' 'unsafe"),
            "{csp}"
        );
    }
}

/// A client that sends headers and then stalls its body gets a JSON 408 once the request
/// time limit passes, and the server is not held up.
#[tokio::test]
async fn a_stalled_upload_gets_a_json_408() {
    let app = TestApp::spawn_with(|c| c.request_timeout_ms = 300).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut socket = tokio::net::TcpStream::connect(&addr).await.unwrap();
    socket
        .write_all(
            b"POST /api/widget/contact-sessions HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || String::from_utf8_lossy(&answer).contains("}") {
                break;
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no answer to a stalled upload");
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("\"code\":\"request_timeout\""), "{text}");
    assert!(text.contains("\"statusCode\":408"), "{text}");
    // Others are served meanwhile.
    let ok = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

/// Oversized URLs and header sets are refused with our JSON error before any handler, and
/// the server keeps serving.
#[tokio::test]
async fn over_long_urls_and_oversized_headers_get_json_414_and_431() {
    use crate::helpers::assert_error;
    use parley_shared::ErrorCode;
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let long = format!("/api/widget/conversations?cursor={}", "a".repeat(9000));
    assert_error(
        app.client.get(app.url(&long)).send().await.unwrap(),
        StatusCode::URI_TOO_LONG,
        ErrorCode::UriTooLong,
    )
    .await;
    // 120: more than hyper's default of 100, which answered with an empty body.
    let mut many = app.client.get(app.url("/healthz"));
    for i in 0..120 {
        many = many.header(format!("x-filler-{i}"), "1");
    }
    assert_error(
        many.send().await.unwrap(),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ErrorCode::HeadersTooLarge,
    )
    .await;
    let big = app
        .client
        .get(app.url("/healthz"))
        .header("x-filler", "b".repeat(20_000))
        .send()
        .await
        .unwrap();
    assert_error(
        big,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ErrorCode::HeadersTooLarge,
    )
    .await;
    // Ordinary requests still pass.
    let ok = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
}

/// A client that trickles its request headers (slowloris) is disconnected once the header
/// deadline passes; everyone else is served meanwhile.
#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off() {
    let app = TestApp::spawn_with(|c| c.header_timeout_ms = 300).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: parley\r\n")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 256];
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            // One more header byte every 100 ms: never idle, never done.
            let _ = slow.write_all(b"X").await;
            match tokio::time::timeout(std::time::Duration::from_millis(100), slow.read(&mut buf))
                .await
            {
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => {}
                Err(_) => {}
            }
        }
    })
    .await;
    assert_eq!(outcome, Ok(true), "the trickling client was never cut off");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    let ok = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(ok.status(), 200);
}

/// Reads one HTTP/1.1 answer with a JSON body from `socket` (5 s deadline).
async fn read_answer(socket: &mut tokio::net::TcpStream) -> String {
    let mut answer = Vec::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut buf = [0u8; 4096];
        loop {
            let n = socket.read(&mut buf).await.unwrap();
            answer.extend_from_slice(&buf[..n]);
            if n == 0 || String::from_utf8_lossy(&answer).ends_with('}') {
                break;
            }
        }
    })
    .await
    .expect("an answer within 5 s");
    String::from_utf8_lossy(&answer).to_lowercase()
}

/// Issue 21, finding 7: an answer sent before the request's body was read (here a 401 from
/// the credential check) says `Connection: close`, since the connection cannot carry another
/// request; an answer after the whole body was read keeps the connection.
#[tokio::test]
async fn an_answer_sent_before_the_body_was_read_closes_the_connection() {
    let app = TestApp::spawn().await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut early = tokio::net::TcpStream::connect(&addr).await.unwrap();
    early
        .write_all(
            b"POST /api/widget/conversations HTTP/1.1\r\nHost: x\r\n\
              Authorization: Bearer nope\r\nContent-Type: application/json\r\n\
              Content-Length: 1000\r\n\r\n{\"a\":",
        )
        .await
        .unwrap();
    let text = read_answer(&mut early).await;
    assert!(text.starts_with("http/1.1 401"), "{text}");
    assert!(text.contains("\r\nconnection: close\r\n"), "{text}");

    let mut read_whole = tokio::net::TcpStream::connect(&addr).await.unwrap();
    read_whole
        .write_all(
            b"POST /api/widget/contact-sessions HTTP/1.1\r\nHost: x\r\n\
              Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
        )
        .await
        .unwrap();
    let text = read_answer(&mut read_whole).await;
    assert!(text.starts_with("http/1.1 422"), "{text}");
    assert!(!text.contains("connection: close"), "{text}");
}

/// Issue 21, finding 8: a path segment that is not UTF-8 once decoded gets our JSON error,
/// where axum answered `400 text/plain`.
#[tokio::test]
async fn undecodable_path_segments_get_a_json_error() {
    use crate::helpers::assert_error;
    use parley_shared::ErrorCode;
    use reqwest::StatusCode;
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    for (method, path) in [
        (
            reqwest::Method::PUT,
            format!(
                "/api/widget/conversations/{}/messages/%FF%FE/rating",
                conversation.id
            ),
        ),
        (
            reqwest::Method::POST,
            "/api/widget/conversations/%FF%FE/messages/%FF/edits".to_owned(),
        ),
        (
            reqwest::Method::POST,
            "/api/widget/conversations/%FF%FE/messages/%FF/regenerate".to_owned(),
        ),
    ] {
        let response = app
            .client
            .request(method, app.url(&path))
            .bearer_auth(&visitor.token)
            .json(&serde_json::json!({}))
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
}

/// Every answer names its request (`x-request-id`, a UUID), errors included; an ID set by a
/// proxy in front is kept, so one ID follows the request through both logs.
#[tokio::test]
async fn every_answer_names_its_request() {
    let app = TestApp::spawn().await;
    for path in ["/healthz", "/api/no-such-route"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{path}: {id}");
    }
    let response = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "from-the-proxy-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "from-the-proxy-42");

    // Error bodies carry it too (to quote in a bug report), from handlers, extractors and
    // the fallback alike; seed 003's fixed bodies keep their exact shape.
    let bad_json = app
        .client
        .post(app.url("/api/widget/contact-sessions"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    for response in [
        app.client
            .get(app.url("/api/no-such-route"))
            .send()
            .await
            .unwrap(),
        bad_json,
        app.client
            .get(app.url("/api/dashboard/me"))
            .send()
            .await
            .unwrap(),
    ] {
        let header = response.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["requestId"], header.as_str(), "{body}");
    }
    let seed = app.client.get(app.url("/chat/list")).send().await.unwrap();
    assert_eq!(
        seed.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!({"statusCode": 401, "message": "API Key invalide"})
    );
}
