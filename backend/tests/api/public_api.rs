//! The public REST API against seed 003's contract: shapes, ordering, exact errors, paging,
//! the message tree, and API keys.

use crate::helpers::{Staff, TestApp, assert_error};
use parley_shared::ErrorCode;
use parley_shared::public::{ApiKey, ApiKeyCreated};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

async fn key(staff: &Staff<'_>) -> String {
    let response = staff
        .post("/api/dashboard/api-keys", json!({"name": "Reporting"}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: ApiKeyCreated = response.json().await.unwrap();
    assert!(created.key.starts_with("pk_") && created.key.starts_with(&created.api_key.prefix));
    created.key
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(k) = key {
        request = request.header("x-api-key", k);
    }
    request.send().await.unwrap()
}

fn is_iso_ms(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 24 && s.ends_with('Z') && s.as_bytes()[10] == b'T' && s.as_bytes()[19] == b'.'
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every key of `expected` is in `actual` with the same JSON type (null allowed where the
/// seed allows it), recursively for objects.
fn assert_same_shape(expected: &Value, actual: &Value, nullable: &[&str], path: &str) {
    let (Value::Object(e), Value::Object(a)) = (expected, actual) else {
        return;
    };
    for (k, ev) in e {
        let av = a.get(k).unwrap_or_else(|| panic!("{path}.{k} is missing"));
        let ok = type_of(ev) == type_of(av)
            || (nullable.contains(&k.as_str()) && (av.is_null() || ev.is_null()));
        assert!(
            ok,
            "{path}.{k}: expected {}, got {}",
            type_of(ev),
            type_of(av)
        );
        assert_same_shape(ev, av, nullable, &format!("{path}.{k}"));
    }
}

/// A chat with a contact message and an operator reply, and a key for its organization.
async fn setup(app: &TestApp) -> (Staff<'_>, String, parley_shared::ConversationId) {
    let staff = app.sign_up("ada@example.com", "Mon Organisation").await;
    let visitor = app.visitor(staff.org(), "Bob").await;
    let older = visitor.start_conversation().await;
    visitor.say(older.id, "older chat").await;
    app.clock.advance_secs(5);
    let conversation = visitor.start_conversation().await;
    visitor
        .say(conversation.id, "Qu'est-ce que le DTU 65.12 ?")
        .await;
    app.clock.advance_secs(15);
    let path = format!("/api/dashboard/conversations/{}/messages", conversation.id);
    assert_eq!(
        staff
            .post(&path, json!({"content": "Le DTU 65.12 est un document…"}))
            .await
            .status(),
        StatusCode::CREATED
    );
    let key = key(&staff).await;
    (staff, key, conversation.id)
}

#[tokio::test]
async fn chat_list_has_the_seed_shape_newest_first() {
    let app = TestApp::spawn().await;
    let (staff, key, latest) = setup(&app).await;
    let response = get(&app, "/chat/list", Some(&key)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let chats: Vec<Value> = response.json().await.unwrap();
    assert_eq!(chats.len(), 2);
    let seed = json!({
        "id": "b7e23a8b-8c4a-4e2a-9c1a-2f5e4d6a7b8c", "title": "Discussion sur le DTU 65.12",
        "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-20T14:45:00.000Z",
        "organizationId": "org-123-456", "projectId": "proj-789-abc",
        "metadata": {"source": "web", "userAgent": "Mozilla/5.0..."},
        "organization": {"id": "org-123-456", "name": "Mon Organisation", "scope": "REGULAR",
                         "createdAt": "2024-01-01T00:00:00.000Z", "updatedAt": "2024-01-01T00:00:00.000Z"},
        "project": {"id": "p"}, "messagesLength": 12
    });
    for chat in &chats {
        assert_same_shape(&seed, chat, &["projectId", "project", "title"], "chat");
        for field in ["createdAt", "updatedAt"] {
            assert!(is_iso_ms(&chat[field]), "{field}: {}", chat[field]);
            assert!(is_iso_ms(&chat["organization"][field]));
        }
        assert_eq!(chat["title"], "Nouvelle discussion");
        assert_eq!(chat["organization"]["scope"], "REGULAR");
        assert_eq!(chat["organization"]["name"], "Mon Organisation");
        assert_eq!(chat["organizationId"], json!(staff.org()));
        assert_eq!(
            (chat["projectId"].clone(), chat["project"].clone()),
            (Value::Null, Value::Null)
        );
        assert_eq!(chat["metadata"]["source"], "web");
        assert_eq!(chat["metadata"]["userAgent"], "test");
    }
    assert_eq!(chats[0]["id"], json!(latest), "most recently updated first");
    assert_eq!(chats[0]["messagesLength"], 2);
    assert_eq!(chats[1]["messagesLength"], 1);
    assert!(chats[0]["updatedAt"].as_str() > chats[1]["updatedAt"].as_str());
}

#[tokio::test]
async fn chat_messages_have_the_seed_shape_in_chronological_order() {
    let app = TestApp::spawn().await;
    let (staff, key, chat) = setup(&app).await;
    let messages: Vec<Value> = get(&app, &format!("/chat/{chat}/messages"), Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages.len(), 2);
    let seed = json!({
        "id": "msg_abc123def456", "chatId": "b7e23a8b", "role": "USER", "content": "Qu'est-ce que le DTU 65.12 ?",
        "parts": [], "metadata": {},
        "message": {"id": "msg_abc123def456", "role": "user", "parts": [{"type": "text", "text": "…"}],
            "metadata": {"prismaMessageId": "m", "messageId": "m", "previousMessageId": null, "depth": 0,
                         "siblingIndex": 0, "maxSiblingIndex": 0, "createdAt": "2024-01-15T10:30:00.000Z"}},
        "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-15T10:30:00.000Z",
        "depth": 0, "previousMessageId": null, "rootMessageId": null, "siblingIndex": 0,
        "accuracy": null, "feedback": null
    });
    for m in &messages {
        assert_same_shape(
            &seed,
            m,
            &[
                "previousMessageId",
                "rootMessageId",
                "accuracy",
                "feedback",
                "message",
            ],
            "message",
        );
        assert!(
            is_iso_ms(&m["createdAt"])
                && is_iso_ms(&m["updatedAt"])
                && is_iso_ms(&m["message"]["metadata"]["createdAt"])
        );
        assert_eq!(m["chatId"], json!(chat));
        assert_eq!(m["message"]["id"], m["id"]);
        assert_eq!(m["message"]["metadata"]["messageId"], m["id"]);
        assert_eq!(
            m["message"]["parts"][0],
            json!({"type": "text", "text": m["content"]})
        );
    }
    let (first, second) = (&messages[0], &messages[1]);
    assert_eq!(
        (first["role"].as_str(), first["message"]["role"].as_str()),
        (Some("USER"), Some("user"))
    );
    assert_eq!(first["content"], "Qu'est-ce que le DTU 65.12 ?");
    assert_eq!(
        (first["depth"].clone(), first["previousMessageId"].clone()),
        (json!(0), Value::Null)
    );
    assert_eq!(
        (second["role"].as_str(), second["message"]["role"].as_str()),
        (Some("ASSISTANT"), Some("assistant"))
    );
    assert_eq!(second["previousMessageId"], first["id"]);
    assert_eq!(second["rootMessageId"], first["id"]);
    assert_eq!(second["depth"], 1);
    assert_eq!(
        second["message"]["metadata"]["previousMessageId"],
        first["id"]
    );
    // The operator is identified in metadata (never by email).
    assert_eq!(second["metadata"]["operator"]["displayName"], "Camille");
    assert_eq!(
        second["metadata"]["operator"]["id"],
        json!(staff.me.user.id)
    );
    assert!(
        !serde_json::to_string(&messages)
            .unwrap()
            .contains("ada@example.com")
    );
    assert!(first["createdAt"].as_str() < second["createdAt"].as_str());
}

/// Seed 003's `buildTree`, line for line: children of a message are the messages whose
/// `previousMessageId` is its ID, ordered by `siblingIndex`.
fn build_tree(messages: &[Value], id: &Value) -> Value {
    let message_map: HashMap<String, &Value> = messages
        .iter()
        .map(|m| (m["id"].as_str().unwrap().to_owned(), m))
        .collect();
    let mut children: Vec<&Value> = messages
        .iter()
        .filter(|m| &m["previousMessageId"] == id)
        .collect();
    children.sort_by_key(|m| m["siblingIndex"].as_u64());
    let mut node = (*message_map[id.as_str().unwrap()]).clone();
    node["children"] = Value::Array(
        children
            .iter()
            .map(|c| build_tree(messages, &c["id"]))
            .collect(),
    );
    node
}

#[tokio::test]
async fn the_seeds_build_tree_rebuilds_the_conversation_as_a_chain() {
    let app = TestApp::spawn().await;
    let (staff, key, chat) = setup(&app).await;
    let visitor_reply = format!("/api/dashboard/conversations/{chat}/messages");
    staff
        .post(&visitor_reply, json!({"content": "third"}))
        .await;
    let messages: Vec<Value> = get(&app, &format!("/chat/{chat}/messages"), Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let roots: Vec<&Value> = messages
        .iter()
        .filter(|m| m["previousMessageId"].is_null())
        .collect();
    assert_eq!(roots.len(), 1);
    let mut node = build_tree(&messages, &roots[0]["id"]);
    let mut chain = Vec::new();
    loop {
        chain.push(node["content"].as_str().unwrap().to_owned());
        let children = node["children"].as_array().unwrap().clone();
        assert!(children.len() <= 1, "a linear chat is a chain");
        match children.into_iter().next() {
            Some(child) => node = child,
            None => break,
        }
    }
    assert_eq!(
        chain,
        vec![
            "Qu'est-ce que le DTU 65.12 ?",
            "Le DTU 65.12 est un document…",
            "third"
        ]
    );
}

#[tokio::test]
async fn missing_unknown_and_revoked_keys_get_the_seeds_401() {
    let app = TestApp::spawn().await;
    let (staff, key, chat) = setup(&app).await;
    let expected = json!({"statusCode": 401, "message": "API Key invalide"});
    let listed: Vec<ApiKey> = staff
        .get("/api/dashboard/api-keys")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert!(
        !serde_json::to_string(&listed).unwrap().contains(&key),
        "a key is shown only once"
    );
    let revoke = staff
        .delete(&format!("/api/dashboard/api-keys/{}", listed[0].id))
        .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    for k in [
        None,
        Some("pk_unknown"),
        Some("nonsense"),
        Some(key.as_str()),
    ] {
        for path in ["/chat/list".to_owned(), format!("/chat/{chat}/messages")] {
            let response = get(&app, &path, k).await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
            assert_eq!(response.json::<Value>().await.unwrap(), expected);
        }
    }
}

#[tokio::test]
async fn another_organizations_chat_gets_the_seeds_404() {
    let app = TestApp::spawn().await;
    let (_, _, chat) = setup(&app).await;
    let other = app.sign_up("eve@example.com", "Other").await;
    let other_key = key(&other).await;
    let expected = json!({"statusCode": 404, "message": "Chat non trouvé"});
    for id in [
        chat.to_string(),
        "00000000-0000-4000-8000-000000000000".into(),
        "not-a-uuid".into(),
    ] {
        let response = get(&app, &format!("/chat/{id}/messages"), Some(&other_key)).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.json::<Value>().await.unwrap(), expected);
    }
    let theirs: Vec<Value> = get(&app, "/chat/list", Some(&other_key))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty());
}

#[tokio::test]
async fn chat_list_pages_with_limit_and_cursor_without_changing_the_default() {
    let app = TestApp::spawn().await;
    let (_, key, _) = setup(&app).await;
    let all: Vec<Value> = get(&app, "/chat/list", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let first = get(&app, "/chat/list?limit=1", Some(&key)).await;
    let cursor = first.headers()["x-next-cursor"]
        .to_str()
        .unwrap()
        .to_owned();
    let first: Vec<Value> = first.json().await.unwrap();
    let second = get(
        &app,
        &format!("/chat/list?limit=1&cursor={cursor}"),
        Some(&key),
    )
    .await;
    assert!(second.headers().get("x-next-cursor").is_none(), "last page");
    let second: Vec<Value> = second.json().await.unwrap();
    assert_eq!(vec![first[0].clone(), second[0].clone()], all);
    let bad = get(&app, "/chat/list?limit=x", Some(&key)).await;
    assert_error(bad, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
}

#[tokio::test]
async fn only_owners_and_admins_manage_api_keys() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("ada@example.com", "Acme").await;
    let agent = owner.invite_new("agent", "sam@example.com").await;
    for response in [
        agent.get("/api/dashboard/api-keys").await,
        agent
            .post("/api/dashboard/api-keys", json!({"name": "x"}))
            .await,
    ] {
        assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    let blank = owner
        .post("/api/dashboard/api-keys", json!({"name": " "}))
        .await;
    assert_error(
        blank,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
}

#[tokio::test]
async fn a_visitors_rating_of_an_answer_shows_in_the_dashboard_and_the_api() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let visitor = app.visitor(staff.org(), "Bob").await;
    let conversation = visitor.start_conversation().await;
    let question = visitor.say(conversation.id, "Une question").await;
    let answer: parley_shared::api::Message = staff
        .post(
            &format!("/api/dashboard/conversations/{}/messages", conversation.id),
            json!({"content": "Une réponse"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let rate = |message: parley_shared::MessageId, body: Value| {
        let path = format!(
            "/api/widget/conversations/{}/messages/{message}/rating",
            conversation.id
        );
        app.client
            .put(app.url(&path))
            .bearer_auth(&visitor.token)
            .json(&body)
            .send()
    };
    // Rated a moment after it was written, so the API's updatedAt moves.
    app.clock.advance_secs(1);
    let rated = rate(
        answer.id,
        json!({"accuracy": "NEGATIVE", "feedback": "  Pas clair  "}),
    )
    .await
    .unwrap();
    assert_eq!(rated.status(), StatusCode::OK);
    let rated: parley_shared::api::Message = rated.json().await.unwrap();
    assert_eq!(
        rated.rating.as_ref().and_then(|r| r.feedback.as_deref()),
        Some("Pas clair")
    );

    // Refusals: own message (422), unknown message (404), bad verdict (422), long comment (422).
    assert_error(
        rate(question.id, json!({"accuracy": "POSITIVE"}))
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_error(
        rate(
            parley_shared::MessageId::new_random(),
            json!({"accuracy": "POSITIVE"}),
        )
        .await
        .unwrap(),
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    assert_error(
        rate(answer.id, json!({"accuracy": "GREAT"})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_error(
        rate(
            answer.id,
            json!({"accuracy": "POSITIVE", "feedback": "x".repeat(1001)}),
        )
        .await
        .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    // Another contact cannot rate it.
    let stranger = app.visitor(staff.org(), "Eve").await;
    let path = format!(
        "/api/widget/conversations/{}/messages/{}/rating",
        conversation.id, answer.id
    );
    let foreign = app
        .client
        .put(app.url(&path))
        .bearer_auth(&stranger.token)
        .json(&json!({"accuracy": "POSITIVE"}))
        .send()
        .await
        .unwrap();
    assert_error(
        foreign,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;

    // The dashboard sees it on the message...
    let listed: parley_shared::api::Page<parley_shared::api::Message> = staff
        .get(&format!(
            "/api/dashboard/conversations/{}/messages",
            conversation.id
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.items[1].rating, rated.rating);
    // ...and the public API as accuracy / feedback, with updatedAt moved.
    let key = key(&staff).await;
    app.clock.advance_secs(1);
    let messages: Vec<Value> = get(
        &app,
        &format!("/chat/{}/messages", conversation.id),
        Some(&key),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(
        (
            messages[1]["accuracy"].clone(),
            messages[1]["feedback"].clone()
        ),
        (json!("NEGATIVE"), json!("Pas clair"))
    );
    assert_ne!(messages[1]["updatedAt"], messages[1]["createdAt"]);
    assert_eq!(
        (
            messages[0]["accuracy"].clone(),
            messages[0]["feedback"].clone()
        ),
        (Value::Null, Value::Null)
    );
}

#[tokio::test]
async fn projects_have_their_own_widget_settings_and_appear_in_the_chat_list() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let created = staff
        .post("/api/dashboard/projects", json!({"name": "Shop"}))
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let project: parley_shared::staff::Project = created.json().await.unwrap();
    let listed: Vec<parley_shared::staff::Project> = staff
        .get("/api/dashboard/projects")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed, vec![project.clone()]);

    // Organization default, then the project's own settings.
    staff
        .request(
            Method::PUT,
            "/api/dashboard/settings",
            Some(json!({"accentColor": "#111111"})),
        )
        .await;
    let path = format!("/api/dashboard/projects/{}/settings", project.id);
    let inherited: parley_shared::staff::WidgetSettings =
        staff.get(&path).await.json().await.unwrap();
    assert_eq!(inherited.accent_color.as_deref(), Some("#111111"));
    let saved = staff
        .request(
            Method::PUT,
            &path,
            Some(json!({"accentColor": "#222222", "allowedOrigins": ["https://shop.example"]})),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let config = |query: String| {
        app.client
            .get(app.url(&format!("/api/widget/organizations/{}{query}", staff.org())))
            .send()
    };
    let org_config: Value = config(String::new()).await.unwrap().json().await.unwrap();
    let shop_config: Value = config(format!("?projectId={}", project.id))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            org_config["accentColor"].as_str(),
            shop_config["accentColor"].as_str()
        ),
        (Some("#111111"), Some("#222222"))
    );
    let page = app
        .client
        .get(app.url(&format!(
            "/widget?organizationId={}&projectId={}",
            staff.org(),
            project.id
        )))
        .send()
        .await
        .unwrap();
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .ends_with("; frame-ancestors https://shop.example")
    );

    // A conversation started on the project carries it, up to the public API.
    let visitor = app.visitor(staff.org(), "Bob").await;
    let started = app
        .client
        .post(app.url(&format!(
            "/api/widget/conversations?projectId={}",
            project.id
        )))
        .bearer_auth(&visitor.token)
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::CREATED);
    let conversation: parley_shared::api::Conversation = started.json().await.unwrap();
    assert_eq!(conversation.project_id, Some(project.id));
    let key = key(&staff).await;
    let chats: Vec<Value> = get(&app, "/chat/list", Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(chats[0]["projectId"], json!(project.id));
    assert_eq!(chats[0]["project"]["name"], "Shop");
    assert_eq!(chats[0]["project"]["organizationId"], json!(staff.org()));
    assert!(
        is_iso_ms(&chats[0]["project"]["createdAt"])
            && is_iso_ms(&chats[0]["project"]["updatedAt"])
    );

    // Another organization's project is refused everywhere.
    let other = app.sign_up("eve@example.com", "Other").await;
    let foreign: parley_shared::staff::Project = other
        .post("/api/dashboard/projects", json!({"name": "Theirs"}))
        .await
        .json()
        .await
        .unwrap();
    let refused = app
        .client
        .post(app.url(&format!(
            "/api/widget/conversations?projectId={}",
            foreign.id
        )))
        .bearer_auth(&visitor.token)
        .send()
        .await
        .unwrap();
    assert_error(refused, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_error(
        config(format!("?projectId={}", foreign.id)).await.unwrap(),
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let theirs = staff
        .get(&format!("/api/dashboard/projects/{}/settings", foreign.id))
        .await;
    assert_error(theirs, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn only_managers_create_projects_or_change_their_settings() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("ada@example.com", "Acme").await;
    let project: parley_shared::staff::Project = owner
        .post("/api/dashboard/projects", json!({"name": "Shop"}))
        .await
        .json()
        .await
        .unwrap();
    let agent = owner.invite_new("agent", "sam@example.com").await;
    assert_eq!(
        agent.get("/api/dashboard/projects").await.status(),
        StatusCode::OK
    );
    for response in [
        agent
            .post("/api/dashboard/projects", json!({"name": "Mine"}))
            .await,
        agent
            .request(
                Method::PUT,
                &format!("/api/dashboard/projects/{}/settings", project.id),
                Some(json!({})),
            )
            .await,
    ] {
        assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    let blank = owner
        .post("/api/dashboard/projects", json!({"name": ""}))
        .await;
    assert_error(
        blank,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
}

#[tokio::test]
async fn editing_a_message_creates_a_sibling_branch_that_the_conversation_continues_from() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let visitor = app.visitor(staff.org(), "Bob").await;
    let chat = visitor.start_conversation().await.id;
    let reply = |text: &'static str| {
        let (staff, path) = (
            &staff,
            format!("/api/dashboard/conversations/{chat}/messages"),
        );
        async move { staff.post(&path, json!({"content": text})).await }
    };
    let q1 = visitor.say(chat, "Q1").await;
    reply("A1").await;
    let q2 = visitor.say(chat, "Q2").await;
    let edit = |original: parley_shared::MessageId, id: parley_shared::MessageId, text: &str| {
        let path = format!("/api/widget/conversations/{chat}/messages/{original}/edits");
        let (visitor, body) = (&visitor, json!({"id": id, "content": text}));
        async move { visitor.post_json(&path, &body).await }
    };
    let edit_id = parley_shared::MessageId::new_random();
    let edited = edit(q2.id, edit_id, "Q2 (edited)").await;
    assert_eq!(edited.status(), StatusCode::CREATED);
    assert_eq!(
        edit(q2.id, edit_id, "Q2 (edited)").await.status(),
        StatusCode::OK,
        "a retried edit is one edit"
    );
    reply("A2").await;

    let key = key(&staff).await;
    let messages: Vec<Value> = get(&app, &format!("/chat/{chat}/messages"), Some(&key))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(messages.len(), 5);
    let by_content = |c: &str| messages.iter().find(|m| m["content"] == c).unwrap().clone();
    let (a1, old, new, a2) = (
        by_content("A1"),
        by_content("Q2"),
        by_content("Q2 (edited)"),
        by_content("A2"),
    );
    assert_eq!(
        (
            old["previousMessageId"].clone(),
            new["previousMessageId"].clone()
        ),
        (a1["id"].clone(), a1["id"].clone())
    );
    assert_eq!(
        (old["siblingIndex"].clone(), new["siblingIndex"].clone()),
        (json!(0), json!(1))
    );
    assert_eq!(
        (old["depth"].clone(), new["depth"].clone()),
        (json!(2), json!(2))
    );
    for m in [&old, &new] {
        assert_eq!(m["message"]["metadata"]["maxSiblingIndex"], 1);
        assert_eq!(m["rootMessageId"], json!(q1.id));
    }
    assert_eq!(
        a2["previousMessageId"], new["id"],
        "the conversation continues from the edit"
    );
    assert_eq!(a2["depth"], 3);

    // The seed's buildTree: Q1 → A1 → [Q2, Q2 (edited) → A2].
    let tree = build_tree(&messages, &json!(q1.id));
    let a1_node = &tree["children"][0];
    let branches: Vec<&str> = a1_node["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert_eq!(branches, vec!["Q2", "Q2 (edited)"]);
    assert_eq!(a1_node["children"][1]["children"][0]["content"], "A2");
    assert!(
        a1_node["children"][0]["children"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Editing the first message makes a second root.
    edit(q1.id, parley_shared::MessageId::new_random(), "Q1 (edited)").await;
    let messages: Vec<Value> = get(&app, &format!("/chat/{chat}/messages"), Some(&key))
        .await
        .json()
        .await
        .unwrap();
    let roots: Vec<u64> = messages
        .iter()
        .filter(|m| m["previousMessageId"].is_null())
        .map(|m| m["siblingIndex"].as_u64().unwrap())
        .collect();
    assert_eq!(roots, vec![0, 1]);

    // Refusals: an operator's message (422), an unknown one (404), another contact (404).
    let a1_id: parley_shared::MessageId = serde_json::from_value(a1["id"].clone()).unwrap();
    assert_error(
        edit(a1_id, parley_shared::MessageId::new_random(), "x").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_error(
        edit(
            parley_shared::MessageId::new_random(),
            parley_shared::MessageId::new_random(),
            "x",
        )
        .await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    let stranger = app.visitor(staff.org(), "Eve").await;
    let foreign = stranger
        .post_json(
            &format!("/api/widget/conversations/{chat}/messages/{}/edits", q2.id),
            &json!({"id": parley_shared::MessageId::new_random(), "content": "x"}),
        )
        .await;
    assert_error(
        foreign,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
}
