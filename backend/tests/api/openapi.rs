//! The OpenAPI document: served, version 3.1, and in step with the router both ways.

use crate::helpers::TestApp;
use reqwest::Method;
use serde_json::Value;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

async fn document(app: &TestApp) -> Value {
    let resp = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// `/a/{x}/b` with every parameter replaced by a fresh UUID.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|seg| {
            if seg.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                seg.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(app: &TestApp, method: &str, path: &str) -> (u16, Value) {
    let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let mut req = app.client.request(method.clone(), app.url(path));
    if [Method::POST, Method::PUT, Method::PATCH].contains(&method) {
        req = req.json(&serde_json::json!({}));
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_document_is_openapi_3_1_with_every_api_area_and_its_credentials() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    for expected in [
        "/chat/list",
        "/chat/{chatId}/messages",
        "/api/widget/contact-sessions",
        "/api/widget/conversations/{conversation_id}/messages",
        "/api/widget/live",
        "/api/dashboard/conversations",
        "/api/dashboard/live",
        "/api/admin/conversations/{conversation_id}/messages",
    ] {
        assert!(paths.contains_key(expected), "{expected} missing");
    }
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    for scheme in ["contact_session", "staff_session", "api_key", "admin_token"] {
        assert!(schemes.contains_key(scheme), "{scheme} missing");
    }
    assert_eq!(schemes["api_key"]["name"], "x-api-key");
    // Seed 003's chat and message shapes are described field by field.
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let chat_message = schemas["ChatMessage"]["properties"].as_object().unwrap();
    for field in [
        "id",
        "chatId",
        "role",
        "previousMessageId",
        "siblingIndex",
        "accuracy",
    ] {
        assert!(
            chat_message.contains_key(field),
            "ChatMessage.{field} missing"
        );
    }
    // Every operation says who may call it and what its errors look like.
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            assert!(op["security"].is_array(), "{method} {path}: no security");
            assert!(
                op["responses"].as_object().unwrap().len() >= 2 || path.ends_with("/logout"),
                "{method} {path}: errors undocumented"
            );
        }
    }
}

/// Document → router: every documented operation is served (a missing route would answer the
/// router's own 404 "no such route" or 405), and every other method on a documented path is 405.
#[tokio::test]
async fn every_documented_operation_is_served_and_nothing_else_on_its_path() {
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for (path, item) in paths {
        let concrete = concrete(path);
        let item = item.as_object().unwrap();
        for method in METHODS {
            let (status, body) = call(&app, method, &concrete).await;
            if item.contains_key(method) {
                assert_ne!(status, 405, "{method} {path} not served");
                assert!(
                    !(status == 404 && body["message"] == "no such route"),
                    "{method} {path} not served: {body}"
                );
                assert!(status < 500, "{method} {path}: {status} {body}");
                checked += 1;
            } else {
                assert_eq!(status, 405, "{method} {path} served but undocumented");
            }
        }
    }
    assert!(checked >= 40, "only {checked} operations");
}

/// Router → document: API routes can only be registered through `utoipa_axum::routes!`,
/// which takes the path and method from the documented attribute. Plain `.route(` calls are
/// allowed only for what is not API (health, assets, pages); this fails if one appears in an
/// API module.
#[test]
fn api_routes_are_registered_only_through_the_documented_macro() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http");
    // Not the API: the router itself (health, readiness), the web apps, and `/metrics`
    // (served on its own listener).
    let not_api = ["mod.rs", "assets.rs", "metrics.rs"];
    let mut api_modules = 0;
    // Every file under src/http, with its path relative to it (`widget/messages.rs`).
    let mut files = Vec::new();
    let mut folders = vec![dir.clone()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 10, "found only {} files", files.len());
    for path in files {
        let name = path
            .strip_prefix(&dir)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let source = std::fs::read_to_string(&path)
            .unwrap()
            .replace("OpenApiRouter::new()", "OpenApiRouter");
        if not_api.contains(&name.as_str()) {
            continue;
        }
        for forbidden in [
            ".route(",
            ".route_service(",
            ".nest_service(",
            "Router::new()",
        ] {
            assert!(
                !source.contains(forbidden),
                "{name} registers a route with `{forbidden}`, bypassing the OpenAPI document"
            );
        }
        if source.contains("routes!(") {
            api_modules += 1;
        }
    }
    assert!(api_modules >= 4, "found {api_modules} API modules");
    // There, plain routes serve only non-API paths.
    for name in not_api {
        let source = std::fs::read_to_string(dir.join(name)).unwrap();
        for line in source.lines().filter(|l| l.contains(".route(")) {
            assert!(
                !line.contains("\"/api/") && !line.contains("\"/chat"),
                "{name}: {line}"
            );
        }
    }
}

#[tokio::test]
async fn the_docs_page_is_served() {
    let app = TestApp::spawn().await;
    let resp = app.client.get(app.url("/api/docs/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let html = resp.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    let init = app
        .client
        .get(app.url("/api/docs/swagger-initializer.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"), "{init}");
}

/// The object schema of `frames`' variant tagged `tag` (its `type` property's one value).
fn variant<'a>(doc: &'a Value, frames: &str, tag: &str) -> &'a serde_json::Map<String, Value> {
    doc["components"]["schemas"][frames]["oneOf"]
        .as_array()
        .unwrap_or_else(|| panic!("{frames} is a oneOf"))
        .iter()
        .find(|v| {
            let t = &v["properties"]["type"];
            t["enum"]
                .as_array()
                .is_some_and(|e| e.contains(&tag.into()))
                || t["const"] == tag
        })
        .unwrap_or_else(|| panic!("{frames} has a `{tag}` variant"))["properties"]
        .as_object()
        .unwrap()
}

/// Issue 21, finding 9: the socket frames were documented in snake_case while the server
/// reads camelCase, so a client generated from the document could not subscribe. A frame
/// built from the document's property names now subscribes on a real socket, and every
/// frame's properties are camelCase.
#[tokio::test]
async fn a_live_frame_built_from_the_document_subscribes() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    let app = TestApp::spawn().await;
    let doc = document(&app).await;
    for frames in [
        "ClientFrame",
        "ServerFrame",
        "StaffClientFrame",
        "StaffServerFrame",
    ] {
        for v in doc["components"]["schemas"][frames]["oneOf"]
            .as_array()
            .unwrap()
        {
            for name in v["properties"].as_object().unwrap().keys() {
                assert!(!name.contains('_'), "{frames}.{name} is not camelCase");
            }
        }
    }

    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut frame = serde_json::Map::new();
    for name in variant(&doc, "ClientFrame", "subscribe").keys() {
        let value = match name.as_str() {
            "type" => "subscribe".into(),
            "token" => visitor.token.clone().into(),
            "conversationId" => conversation.id.to_string().into(),
            "afterSeq" => 0.into(),
            other => panic!("unexpected property {other}"),
        };
        frame.insert(name.clone(), value);
    }
    let url = format!("{}/api/widget/live", app.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    socket
        .send(WsMessage::text(Value::Object(frame).to_string()))
        .await
        .unwrap();
    let first = tokio::time::timeout(std::time::Duration::from_secs(5), socket.next())
        .await
        .expect("a frame within 5 s")
        .unwrap()
        .unwrap();
    let first: Value = serde_json::from_str(first.to_text().unwrap()).unwrap();
    assert_eq!(first["type"], "ready", "{first}");
}
