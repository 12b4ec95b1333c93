//! The access matrix, generated from the OpenAPI document: every documented operation that
//! needs a credential is called by its rightful caller (must succeed, so the route really
//! reaches the data) and by every foreign actor (another contact session of the same
//! organization, a contact of another organization, another organization's operator and API
//! key, no credential, the owner's credentials once expired or revoked). A foreign actor gets
//! 401 or 404, or, on a route naming none of the owner's records, its own data: never a byte
//! of the owner's. Random IDs (proptest) never reach a record either.

use crate::helpers::{TestApp, Visitor};
use crate::live::Live;
use parley_shared::api::{Message, MessageRole};
use parley_shared::live::ServerFrame;
use proptest::prelude::*;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

/// Everything one organization owns, and strings that must never reach anyone else.
struct World<'a> {
    owner_cookie: String,
    visitor: Visitor<'a>,
    api_key: String,
    revoked_key: String,
    ids: Vec<(&'static str, String)>,
    /// The contact's own message (for edits) and the assistant's answer (ratings, regenerate).
    contact_message: String,
    assistant_message: String,
    markers: Vec<String>,
    password: &'static str,
    identity_secret: String,
    visitor_email: String,
}

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Actor {
    /// The owner's credential for the route's audience.
    Owner,
    /// A second contact session of the same organization.
    OtherVisitor,
    /// A contact of another organization.
    ForeignVisitor,
    /// An operator of another organization.
    ForeignOperator,
    /// An API key of another organization.
    ForeignApiKey,
    /// No credential at all.
    Nobody,
    /// The owner's credentials after 25 h (contact session and staff session expired) and a
    /// revoked API key of the owner.
    Expired,
}

const FOREIGN: [Actor; 5] = [
    Actor::OtherVisitor,
    Actor::ForeignVisitor,
    Actor::ForeignOperator,
    Actor::ForeignApiKey,
    Actor::Nobody,
];

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::new_v4().simple())
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

/// Signs up an organization with a visitor, a conversation with a contact message and the
/// responder's answer, a second member, an invite, a project, an article, API keys and a
/// webhook endpoint with a (test) delivery.
async fn world(app: &TestApp) -> World<'_> {
    let email = format!("{}@owner.test", unique("o"));
    let owner = app.sign_up(&email, &unique("Org ")).await;
    let org = owner.org();
    let article_title = unique("Article ");
    let article: Value = json_of(
        owner
            .post(
                "/api/dashboard/articles",
                json!({"title": article_title, "body": "## Opening hours\nWe open at nine."}),
            )
            .await,
    )
    .await;
    owner
        .request(
            Method::PUT,
            "/api/dashboard/responder",
            Some(json!({"enabled": true, "provider": "knowledge_base"})),
        )
        .await;
    let name = unique("Zed");
    let visitor = app.visitor(org, &name).await;
    let conversation = visitor.start_conversation().await;
    let secret = unique("secret question ");
    let mut live = Live::subscribed(app, &visitor, conversation.id, 0).await;
    let asked = visitor
        .say(conversation.id, &format!("When do you open? {secret}"))
        .await;
    let answer: Message = loop {
        if let ServerFrame::Message { message } = live.next().await
            && message.role == MessageRole::Assistant
        {
            break message;
        }
    };
    let member = owner
        .invite_new("agent", &format!("{}@member.test", unique("m")))
        .await;
    let invite = json_of(
        owner
            .post("/api/dashboard/invites", json!({"role": "agent"}))
            .await,
    )
    .await;
    let project_name = unique("Site ");
    let project = json_of(
        owner
            .post("/api/dashboard/projects", json!({"name": project_name}))
            .await,
    )
    .await;
    let key = json_of(
        owner
            .post("/api/dashboard/api-keys", json!({"name": "reader"}))
            .await,
    )
    .await;
    let revoked = json_of(
        owner
            .post("/api/dashboard/api-keys", json!({"name": "old"}))
            .await,
    )
    .await;
    let revoked_id = revoked["apiKey"]["id"].as_str().unwrap();
    assert!(
        owner
            .delete(&format!("/api/dashboard/api-keys/{revoked_id}"))
            .await
            .status()
            .is_success()
    );
    let receiver = crate::receiver::Receiver::start(&[]).await;
    let endpoint = json_of(
        owner
            .post(
                "/api/dashboard/webhooks",
                json!({"url": receiver.url, "events": ["message.created"]}),
            )
            .await,
    )
    .await;
    let endpoint_id = endpoint["id"].as_str().unwrap().to_owned();
    let delivery = json_of(
        owner
            .post(
                &format!("/api/dashboard/webhooks/{endpoint_id}/test"),
                json!({}),
            )
            .await,
    )
    .await;
    let identity: Value = json_of(owner.get("/api/dashboard/identity").await).await;
    let conversation_id = conversation.id.to_string();
    let ids = vec![
        ("conversation_id", conversation_id.clone()),
        ("chatId", conversation_id.clone()),
        ("organization_id", org.to_string()),
        ("user_id", member.me.user.id.to_string()),
        (
            "invite_id",
            invite["invite"]["id"].as_str().unwrap().to_owned(),
        ),
        ("key_id", key["apiKey"]["id"].as_str().unwrap().to_owned()),
        ("project_id", project["id"].as_str().unwrap().to_owned()),
        ("article_id", article["id"].as_str().unwrap().to_owned()),
        ("endpoint_id", endpoint_id),
        ("delivery_id", delivery["id"].as_str().unwrap().to_owned()),
    ];
    World {
        owner_cookie: owner.cookie.clone(),
        visitor,
        api_key: key["key"].as_str().unwrap().to_owned(),
        revoked_key: revoked["key"].as_str().unwrap().to_owned(),
        contact_message: asked.id.to_string(),
        assistant_message: answer.id.to_string(),
        markers: vec![
            conversation_id,
            secret,
            name.clone(),
            name.to_lowercase(),
            article_title,
            project_name,
            email,
            endpoint["secret"].as_str().unwrap().to_owned(),
        ],
        ids,
        password: "correct horse battery",
        identity_secret: identity["secret"].as_str().unwrap().to_owned(),
        visitor_email: format!("{}@example.com", name.to_lowercase()),
    }
}

impl World<'_> {
    /// The documented path with this world's IDs in it.
    fn path(&self, template: &str) -> String {
        let mut path = template.to_owned();
        for (name, id) in &self.ids {
            path = path.replace(&format!("{{{name}}}"), id);
        }
        let message = if template.ends_with("/edits") {
            &self.contact_message
        } else {
            &self.assistant_message
        };
        path = path.replace("{message_id}", message);
        assert!(!path.contains('{'), "no ID for a parameter of {template}");
        path
    }
}

/// A body the rightful caller's request succeeds with (`None`: no body).
fn body_for(w: &World<'_>, method: &str, template: &str) -> Option<Value> {
    let id = || uuid::Uuid::new_v4().to_string();
    let body = match (method, template) {
        ("post", "/api/widget/conversations/{conversation_id}/messages")
        | ("post", "/api/widget/conversations/{conversation_id}/messages/{message_id}/edits") => {
            json!({"id": id(), "content": "hello again"})
        }
        (
            "post",
            "/api/widget/conversations/{conversation_id}/messages/{message_id}/regenerate",
        ) => {
            json!({"id": id()})
        }
        ("put", "/api/widget/conversations/{conversation_id}/messages/{message_id}/rating") => {
            json!({"accuracy": "POSITIVE", "feedback": "thanks"})
        }
        ("post", "/api/dashboard/conversations/{conversation_id}/messages") => {
            json!({"id": id(), "content": "an operator's answer"})
        }
        ("patch", "/api/dashboard/conversations/{conversation_id}")
        | ("patch", "/api/admin/conversations/{conversation_id}") => {
            json!({"status": "escalated"})
        }
        ("post", "/api/dashboard/conversations/{conversation_id}/read") => json!({"seq": 1}),
        ("put", "/api/dashboard/conversations/{conversation_id}/responder") => {
            json!({"active": false})
        }
        ("post", "/api/dashboard/password") => {
            json!({"currentPassword": w.password, "newPassword": "another long password"})
        }
        ("post", "/api/dashboard/switch-organization") => {
            json!({"organizationId": w.ids[2].1})
        }
        ("post", "/api/widget/contact-session/identify") => json!({"identity": {
            "userId": "user-1",
            "userHash": parley_backend::contacts::identity::user_hash(&w.identity_secret, "user-1"),
            "email": "user-1@example.com",
        }}),
        ("post", "/api/dashboard/contacts/export") | ("post", "/api/dashboard/contacts/erase") => {
            json!({ "email": w.visitor_email })
        }
        ("post", "/api/dashboard/invites") => json!({"role": "agent"}),
        ("post", "/api/dashboard/api-keys") => json!({"name": "another"}),
        ("post", "/api/dashboard/projects") => json!({"name": "Another site"}),
        ("post", "/api/dashboard/articles") => json!({"title": "Prices", "body": "Ten euros."}),
        ("post", "/api/dashboard/webhooks") | ("post", "/api/webhooks") => {
            json!({"url": "https://example.com/hook", "events": ["contact.created"]})
        }
        ("post", "/api/admin/conversations/{conversation_id}/messages") => {
            json!({"content": "from a script", "authorName": "Bot"})
        }
        ("post", _) | ("patch", _) | ("put", _) => json!({}),
        _ => return None,
    };
    Some(body)
}

/// For a settings `PUT`: what the owner's `GET` of the same path gives (writing it back).
async fn current(app: &TestApp, w: &World<'_>, path: &str) -> Value {
    let read = app
        .client
        .get(app.url(path))
        .header("cookie", &w.owner_cookie)
        .send()
        .await
        .unwrap();
    assert!(read.status().is_success(), "GET {path} for its PUT");
    json_of(read).await
}

/// Adds `actor`'s credential for `scheme` (the route's documented security scheme).
fn authorize(
    request: RequestBuilder,
    actor: Actor,
    scheme: &str,
    app: &TestApp,
    w: &World<'_>,
    other: &World<'_>,
    same_org_visitor: &Visitor<'_>,
) -> RequestBuilder {
    match actor {
        Actor::Owner | Actor::Expired => match scheme {
            "contact_session" => request.bearer_auth(&w.visitor.token),
            "staff_session" => request.header("cookie", &w.owner_cookie),
            "api_key" if actor == Actor::Expired => request.header("x-api-key", &w.revoked_key),
            "api_key" => request.header("x-api-key", &w.api_key),
            "admin_token" if actor == Actor::Expired => request.bearer_auth("not-the-admin-token"),
            "admin_token" => request.bearer_auth(&app.admin_token),
            other => panic!("unknown security scheme {other}"),
        },
        Actor::OtherVisitor => request.bearer_auth(&same_org_visitor.token),
        Actor::ForeignVisitor => request.bearer_auth(&other.visitor.token),
        Actor::ForeignOperator => request.header("cookie", &other.owner_cookie),
        Actor::ForeignApiKey => request.header("x-api-key", &other.api_key),
        Actor::Nobody => request,
    }
}

/// Every operation that needs a credential: (method, path template, security scheme).
async fn operations(app: &TestApp) -> Vec<(String, String, String)> {
    let doc: Value = json_of(
        app.client
            .get(app.url("/api/openapi.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scheme = op["security"][0]
                .as_object()
                .and_then(|s| s.keys().next().cloned());
            // Live sockets authenticate in their first frame (tested in `live.rs` and
            // `dashboard.rs`); public routes have no owner.
            if path.ends_with("/live") {
                continue;
            }
            if let Some(scheme) = scheme {
                ops.push((method.clone(), path.clone(), scheme));
            }
        }
    }
    ops
}

#[tokio::test]
async fn no_foreign_actor_reaches_another_owners_records_on_any_route() {
    let app = TestApp::spawn_with(|c| c.responder_stream_ms = 0).await;
    let ops = operations(&app).await;
    assert!(ops.len() >= 40, "only {} operations", ops.len());
    let mut calls = 0;
    for (method, template, scheme) in &ops {
        // A fresh pair of organizations per operation: some calls (log out, password, revoke)
        // change the credentials of whoever makes them.
        let w = world(&app).await;
        let other = world(&app).await;
        let same_org_visitor = app
            .visitor(w.ids[2].1.parse().unwrap(), &unique("Other"))
            .await;
        let path = w.path(template);
        let mut body = body_for(&w, method, template);
        if method == "put" && body == Some(json!({})) {
            body = Some(current(&app, &w, &path).await);
        }
        // A route names one of the owner's records in its path or its body.
        let names_a_record = template.contains('{')
            || body
                .as_ref()
                .is_some_and(|b| w.ids.iter().any(|(_, id)| b.to_string().contains(id)));
        let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let send = |actor: Actor| {
            let mut request = app.client.request(m.clone(), app.url(&path));
            if let Some(body) = &body {
                request = request.json(body);
            }
            authorize(request, actor, scheme, &app, &w, &other, &same_org_visitor).send()
        };
        for actor in FOREIGN {
            // The admin token is the operator of the whole installation: no organization's
            // credential is a "foreign" admin; only no credential applies.
            if scheme == "admin_token" && actor != Actor::Nobody {
                continue;
            }
            let response = send(actor).await.unwrap();
            let status = response.status().as_u16();
            let text = response.text().await.unwrap();
            let context = format!("{method} {template} as {actor:?}: {status} {text}");
            match status {
                401 | 404 => {}
                200..=299 if !names_a_record => {}
                _ => panic!("{context}"),
            }
            // What the caller sent (an email to export, say) may come back; nothing else.
            let sent = body.as_ref().map(Value::to_string).unwrap_or_default();
            for marker in w.markers.iter().filter(|m| !sent.contains(m.as_str())) {
                assert!(
                    !text.contains(marker.as_str()),
                    "leak of {marker}: {context}"
                );
            }
            // Only a contact of the same organization may know which organization it is.
            if actor != Actor::OtherVisitor {
                let org = &w.ids[2].1;
                assert!(!text.contains(org.as_str()), "leak of {org}: {context}");
            }
            calls += 1;
        }
        let response = send(Actor::Owner).await.unwrap();
        let status = response.status();
        assert!(
            status.is_success(),
            "{method} {template} as its owner: {status} {}",
            response.text().await.unwrap()
        );
        app.clock.advance_secs(25 * 3600);
        let response = send(Actor::Expired).await.unwrap();
        assert_eq!(
            response.status().as_u16(),
            401,
            "{method} {template} with expired or revoked credentials"
        );
        calls += 2;
    }
    assert!(calls > 250, "only {calls} calls");
}

/// Random path IDs (UUIDs and arbitrary segments), with the rightful caller's credentials,
/// answer 404 on every route that names a record, never a record and never a 5xx.
#[test]
fn random_ids_never_reach_a_record() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(TestApp::spawn());
    let w = runtime.block_on(world(&app));
    let ops: Vec<_> = runtime
        .block_on(operations(&app))
        .into_iter()
        .filter(|(_, path, _)| path.contains('{'))
        .collect();
    let id = prop_oneof![
        any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        // "." and ".." are not IDs: URL parsing resolves them away (to another route).
        "[A-Za-z0-9._~-]{1,64}".prop_filter("a dot segment", |s| s != "." && s != ".."),
        // The owner's own IDs with one character changed.
        (0usize..36, "[0-9a-f]").prop_map(|(i, c)| {
            let mut s = uuid::Uuid::nil().to_string().into_bytes();
            s[i] = c.as_bytes()[0];
            String::from_utf8(s).unwrap()
        }),
    ];
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    });
    runner
        .run(&(0..ops.len(), id), |(i, random)| {
            let (method, template, scheme) = &ops[i];
            // Replace every parameter with the random ID.
            let path = template
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        random.as_str()
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = body_for(&w, method, template);
            let (status, text) = runtime.block_on(async {
                let mut request = app.client.request(m, app.url(&path));
                if let Some(body) = body {
                    request = request.json(&body);
                }
                let request = authorize(request, Actor::Owner, scheme, &app, &w, &w, &w.visitor);
                let response = request.send().await.unwrap();
                (response.status().as_u16(), response.text().await.unwrap())
            });
            prop_assert_eq!(status, 404, "{} {} → {}", method, path, text);
            Ok(())
        })
        .unwrap();
}
