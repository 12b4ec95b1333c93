//! The AI responder: the offline knowledge base, an OpenAI-compatible provider (a fake one
//! started by each test, over real HTTP, with scripted answers), hand-over, regeneration,
//! idempotence, and a restart between the question and the answer.

use crate::helpers::{TestApp, Visitor, assert_error};
use crate::live::Live;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Response};
use parley_backend::responder::{self, FAILURE_MESSAGE, HANDOVER_MESSAGE, knowledge};
use parley_shared::api::{ConversationStatus, Message, MessageRole};
use parley_shared::live::ServerFrame;
use parley_shared::staff::{CreateArticle, ResponderProvider, ResponderSettings};
use parley_shared::{ConversationId, ErrorCode, MessageId, OrganizationId};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the fake provider does for one request.
#[derive(Clone)]
pub enum Reply {
    /// `200` with a chat-completion JSON body.
    Json(String),
    /// `200` server-sent events, one chunk per piece, then `[DONE]`.
    Stream(Vec<Value>),
    /// A bare status.
    Status(u16),
    /// Waits this long before answering (longer than the client's timeout).
    Hang(Duration),
}

/// An OpenAI-compatible server on a random port answering from a script; it records
/// every request body.
#[derive(Clone)]
pub struct FakeProvider {
    pub base_url: String,
    script: Arc<Mutex<VecDeque<Reply>>>,
    pub requests: Arc<Mutex<Vec<Value>>>,
}

impl FakeProvider {
    pub async fn start(script: Vec<Reply>) -> Self {
        let fake = Self {
            base_url: String::new(),
            script: Arc::new(Mutex::new(script.into())),
            requests: Arc::new(Mutex::new(Vec::new())),
        };
        let handler = {
            let fake = fake.clone();
            move |headers: HeaderMap, body: String| {
                let fake = fake.clone();
                async move { fake.answer(headers, body).await }
            }
        };
        let router = Router::new().route("/v1/chat/completions", axum::routing::post(handler));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Self {
            base_url: format!("http://{addr}/v1"),
            ..fake
        }
    }

    async fn answer(&self, headers: HeaderMap, body: String) -> Response {
        let value: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        let mut value = value;
        value["_authorization"] = json!(
            headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
        );
        self.requests.lock().unwrap().push(value);
        let reply = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Reply::Status(500));
        match reply {
            Reply::Json(body) => ([("content-type", "application/json")], body).into_response(),
            Reply::Status(code) => AxumStatus::from_u16(code).unwrap().into_response(),
            Reply::Hang(d) => {
                tokio::time::sleep(d).await;
                AxumStatus::GATEWAY_TIMEOUT.into_response()
            }
            Reply::Stream(chunks) => {
                let events = chunks
                    .into_iter()
                    .map(|c| format!("data: {c}\n\n"))
                    .chain(std::iter::once("data: [DONE]\n\n".to_owned()));
                // Pieces arrive apart, as a real model streams them.
                let stream = futures_util::stream::iter(events).then(|e| async move {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    Ok::<_, std::convert::Infallible>(e)
                });
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .body(Body::from_stream(stream))
                    .unwrap()
            }
        }
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

use futures_util::StreamExt;

pub fn completion(content: &str) -> String {
    json!({"id": "c1", "object": "chat.completion", "choices": [
        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
    ]})
    .to_string()
}

fn piece(text: &str) -> Value {
    json!({"choices": [{"index": 0, "delta": {"content": text}}]})
}

/// Fast retries and a short timeout so failure paths finish quickly.
fn quick(c: &mut parley_backend::config::Config) {
    c.responder_retry_ms = 20;
    c.responder_timeout_ms = 400;
    c.responder_attempts = 2;
    c.responder_stream_ms = 5;
    c.responder_poll_ms = 50;
}

async fn use_provider(app: &TestApp, org: OrganizationId, fake: &FakeProvider) {
    responder::save(
        &app.state,
        org,
        ResponderSettings {
            enabled: true,
            provider: ResponderProvider::Openai,
            base_url: Some(fake.base_url.clone()),
            model: Some("test-model".into()),
            api_key: Some("sk-test-secret".into()),
            instructions: "Always sign as Acme.".into(),
            context_messages: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

const FAQ: &[(&str, &str)] = &[
    (
        "Shipping",
        "## Delivery times\nOrders ship within 2 working days. Delivery in France takes 3 to 5 days.\n\n## Tracking\nYou receive a tracking link by email once your parcel leaves the warehouse.",
    ),
    (
        "Returns and refunds",
        "## Returns\nYou can return an item within 30 days of delivery, unused and in its box.\n\n## Refunds\nOnce we receive the return, the refund reaches your card within 5 to 10 working days.",
    ),
    (
        "Account and password",
        "## Resetting your password\nClick \"Forgot password\" on the login page and follow the link we email you. The link is valid for one hour.",
    ),
];

/// Turns the organization's responder on, answering from its knowledge base.
async fn knowledge_base_on(app: &TestApp, org: OrganizationId) {
    responder::save(
        &app.state,
        org,
        ResponderSettings {
            enabled: true,
            context_messages: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn use_knowledge_base(app: &TestApp, org: OrganizationId) {
    for (title, body) in FAQ {
        knowledge::add(
            &app.state,
            org,
            CreateArticle {
                title: (*title).into(),
                body: (*body).into(),
            },
        )
        .await
        .unwrap();
    }
    knowledge_base_on(app, org).await;
}

/// Reads frames until the assistant's stored message; returns it with the drafts seen.
async fn answer_over(live: &mut Live) -> (Message, Vec<String>) {
    let mut drafts = Vec::new();
    loop {
        match live.next().await {
            ServerFrame::Draft { content, .. } => drafts.push(content),
            ServerFrame::Message { message } if message.role == MessageRole::Assistant => {
                return (message, drafts);
            }
            _ => {}
        }
    }
}

async fn assistant_messages(visitor: &Visitor<'_>, conversation: ConversationId) -> Vec<Message> {
    visitor
        .messages(conversation)
        .await
        .into_iter()
        .filter(|m| m.role == MessageRole::Assistant)
        .collect()
}

async fn status_of(visitor: &Visitor<'_>, conversation: ConversationId) -> ConversationStatus {
    let c: Value = visitor
        .get(&format!("/api/widget/conversations/{conversation}"))
        .await
        .json()
        .await
        .unwrap();
    serde_json::from_value(c["status"].clone()).unwrap()
}

#[tokio::test]
async fn the_knowledge_base_answers_from_the_right_article_and_offers_a_person_otherwise() {
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_knowledge_base(&app, org).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;

    let question = visitor
        .say(conversation.id, "How long does a refund take?")
        .await;
    let (answer, drafts) = answer_over(&mut live).await;
    assert!(
        answer.content.contains("5 to 10 working days"),
        "{}",
        answer.content
    );
    assert!(
        answer.content.contains("Returns and refunds › Refunds"),
        "{}",
        answer.content
    );
    assert_eq!(answer.previous_message_id, Some(question.id));
    assert_eq!(answer.author_name.as_deref(), Some("Assistant"));
    // The typing indicator comes first, then the text grows piece by piece.
    assert_eq!(drafts.first().map(String::as_str), Some(""));
    assert!(drafts.len() > 3, "{drafts:?}");
    assert!(
        drafts.windows(2).all(|w| w[1].starts_with(&w[0])),
        "{drafts:?}"
    );

    visitor
        .say(conversation.id, "I forgot my password, how do I reset it?")
        .await;
    let (answer, _) = answer_over(&mut live).await;
    assert!(
        answer.content.contains("Forgot password"),
        "{}",
        answer.content
    );

    visitor
        .say(conversation.id, "Do you sell car insurance?")
        .await;
    let (answer, _) = answer_over(&mut live).await;
    assert_eq!(answer.content, knowledge::NO_MATCH);
    assert_eq!(assistant_messages(&visitor, conversation.id).await.len(), 3);
}

#[tokio::test]
async fn an_openai_answer_streams_in_pieces_with_the_context_the_seed_describes() {
    let fake = FakeProvider::start(vec![Reply::Stream(vec![
        piece("Orders ship "),
        piece("within 2 "),
        piece("working days."),
    ])])
    .await;
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_knowledge_base(&app, org).await;
    use_provider(&app, org, &fake).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    // Twelve earlier messages: only the last ten (the question included) are sent.
    app.state
        .store
        .set_responder_active(conversation.id, false)
        .await
        .unwrap();
    for i in 0..11 {
        visitor.say(conversation.id, &format!("earlier {i}")).await;
    }
    app.state
        .store
        .set_responder_active(conversation.id, true)
        .await
        .unwrap();
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 11).await;
    visitor
        .say(conversation.id, "When will my order ship?")
        .await;
    let (answer, drafts) = answer_over(&mut live).await;
    assert_eq!(answer.content, "Orders ship within 2 working days.");
    assert_eq!(
        drafts,
        vec![
            "",
            "Orders ship ",
            "Orders ship within 2 ",
            "Orders ship within 2 working days."
        ]
    );

    let requests = fake.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request["model"], "test-model");
    assert_eq!(request["stream"], true);
    assert_eq!(request["_authorization"], "Bearer sk-test-secret");
    let tools: Vec<&str> = request["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(tools, vec!["escalate", "resolve"]);
    let messages = request["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().unwrap();
    assert!(system.contains("Always sign as Acme."), "{system}");
    assert!(
        system.contains("Orders ship within 2 working days"),
        "RAG passage: {system}"
    );
    assert_eq!(messages.len(), 1 + 10);
    assert_eq!(messages[1]["content"], "earlier 2");
    assert_eq!(messages[10]["role"], "user");
    assert_eq!(messages[10]["content"], "When will my order ship?");
}

#[tokio::test]
async fn a_plain_json_answer_and_a_429_then_success_give_one_answer_each() {
    let fake = FakeProvider::start(vec![
        Reply::Json(completion("Hello Ada!")),
        Reply::Status(429),
        Reply::Json(completion("Second answer.")),
    ])
    .await;
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_provider(&app, org, &fake).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    visitor.say(conversation.id, "Hi").await;
    assert_eq!(answer_over(&mut live).await.0.content, "Hello Ada!");
    visitor.say(conversation.id, "Again").await;
    assert_eq!(answer_over(&mut live).await.0.content, "Second answer.");
    assert_eq!(fake.request_count(), 3);
    live.assert_quiet().await;
    assert_eq!(assistant_messages(&visitor, conversation.id).await.len(), 2);
}

#[tokio::test]
async fn an_escalate_tool_call_hands_the_conversation_to_a_person() {
    let fake = FakeProvider::start(vec![Reply::Stream(vec![json!({"choices": [{"index": 0,
        "delta": {"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
            "function": {"name": "escalate", "arguments": "{\"reason\":\"asked\"}"}}]}}]})])])
    .await;
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_provider(&app, org, &fake).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    visitor
        .say(conversation.id, "I want to talk to a human")
        .await;
    let (answer, _) = answer_over(&mut live).await;
    assert_eq!(answer.content, HANDOVER_MESSAGE);
    loop {
        if let ServerFrame::Status { status, .. } = live.next().await {
            assert_eq!(status, ConversationStatus::Escalated);
            break;
        }
    }
    // Escalated: the responder no longer answers.
    visitor.say(conversation.id, "Hello?").await;
    live.next().await; // the contact's own message
    live.assert_quiet().await;
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test]
async fn a_resolve_tool_call_closes_the_conversation_after_the_answer() {
    let fake = FakeProvider::start(vec![Reply::Stream(vec![
        piece("Glad it works now. Have a nice day!"),
        json!({"choices": [{"index": 0, "delta": {"tool_calls": [{"index": 0, "id": "call_1",
            "type": "function", "function": {"name": "resolve", "arguments": "{}"}}]}}]}),
    ])])
    .await;
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_provider(&app, org, &fake).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    visitor
        .say(conversation.id, "Thanks, that solved it!")
        .await;
    let (answer, _) = answer_over(&mut live).await;
    assert_eq!(answer.content, "Glad it works now. Have a nice day!");
    loop {
        if let ServerFrame::Status { status, .. } = live.next().await {
            assert_eq!(status, ConversationStatus::Resolved);
            break;
        }
    }
}

#[tokio::test]
async fn a_timeout_or_malformed_json_ends_in_the_visible_failure_message_once() {
    for (script, requests) in [
        (
            vec![
                Reply::Hang(Duration::from_secs(3)),
                Reply::Hang(Duration::from_secs(3)),
            ],
            2,
        ),
        (vec![Reply::Json("{\"choices\": [oops".into())], 1),
    ] {
        let fake = FakeProvider::start(script).await;
        let app = TestApp::spawn_with(quick).await;
        let org = app.organization("Acme").await;
        use_provider(&app, org, &fake).await;
        let visitor = app.visitor(org, "Ada").await;
        let conversation = visitor.start_conversation().await;
        let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
        visitor.say(conversation.id, "Hi").await;
        let (answer, _) = answer_over(&mut live).await;
        assert_eq!(answer.content, FAILURE_MESSAGE);
        assert_eq!(
            status_of(&visitor, conversation.id).await,
            ConversationStatus::Escalated
        );
        live.assert_quiet().await;
        assert_eq!(
            fake.request_count(),
            requests,
            "retries as scripted, no more"
        );
        assert_eq!(assistant_messages(&visitor, conversation.id).await.len(), 1);
    }
}

#[tokio::test]
async fn an_operator_reply_stops_the_responder_until_switched_back_on() {
    let app = TestApp::spawn_with(quick).await;
    let staff = app.sign_up("camille@acme.test", "Acme").await;
    let org = staff.org();
    use_knowledge_base(&app, org).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let reply = staff
        .post(
            &format!("/api/dashboard/conversations/{}/messages", conversation.id),
            json!({"content": "Hi, Camille here."}),
        )
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 1).await;
    visitor
        .say(conversation.id, "How long does a refund take?")
        .await;
    live.next().await; // the question itself
    live.assert_quiet().await;
    assert!(
        assistant_messages(&visitor, conversation.id)
            .await
            .is_empty()
    );

    // An operator switches it back on from the dashboard (another organization cannot).
    let path = format!("/api/dashboard/conversations/{}/responder", conversation.id);
    let stranger = app.sign_up("lead@elsewhere.test", "Elsewhere").await;
    assert_error(
        stranger
            .request(reqwest::Method::PUT, &path, Some(json!({"active": true})))
            .await,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
    let on = staff
        .request(reqwest::Method::PUT, &path, Some(json!({"active": true})))
        .await;
    assert_eq!(on.status(), StatusCode::OK);
    let on: Value = on.json().await.unwrap();
    assert_eq!(on["responderActive"], true);
    visitor
        .say(conversation.id, "How long does a refund take?")
        .await;
    let (answer, _) = answer_over(&mut live).await;
    assert!(answer.content.contains("5 to 10 working days"));
}

#[tokio::test]
async fn regenerating_an_answer_adds_a_sibling_once_per_request() {
    let fake = FakeProvider::start(vec![
        Reply::Json(completion("First try.")),
        Reply::Json(completion("Second try.")),
    ])
    .await;
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_provider(&app, org, &fake).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    let question = visitor.say(conversation.id, "Hi").await;
    let (first, _) = answer_over(&mut live).await;
    let path = format!(
        "/api/widget/conversations/{}/messages/{}/regenerate",
        conversation.id, first.id
    );
    let request = json!({"id": uuid::Uuid::new_v4()});
    for _ in 0..2 {
        let response = visitor.post_json(&path, &request).await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let (second, _) = answer_over(&mut live).await;
    assert_eq!(second.content, "Second try.");
    assert_eq!(second.previous_message_id, Some(question.id));
    assert_eq!(first.sibling_index, 0);
    assert_eq!(second.sibling_index, 1);
    live.assert_quiet().await;
    assert_eq!(fake.request_count(), 2);

    // Only the assistant's answers can be regenerated, and only the caller's.
    let on_question = format!(
        "/api/widget/conversations/{}/messages/{}/regenerate",
        conversation.id, question.id
    );
    assert_error(
        visitor.post_json(&on_question, &request).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let stranger = app.visitor(org, "Eve").await;
    assert_error(
        stranger.post_json(&path, &request).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
}

#[tokio::test]
async fn many_workers_and_many_questions_give_exactly_one_answer_each() {
    let app = TestApp::spawn_with(|c| {
        quick(c);
        c.responder_workers = 4;
        c.responder_stream_ms = 0;
    })
    .await;
    let org = app.organization("Acme").await;
    use_knowledge_base(&app, org).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let questions: Vec<MessageId> = futures_util::future::join_all((0..10).map(|i| {
        let visitor = &visitor;
        async move {
            visitor
                .say(conversation.id, &format!("Question {i} about refunds"))
                .await
                .id
        }
    }))
    .await;
    for _ in 0..100 {
        if assistant_messages(&visitor, conversation.id).await.len() >= 10 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Nothing more can come once every answer job is finished: re-checked at each job's end
    // (the queue's `finished` signal), within a deadline.
    let mut finished = app.state.jobs.finished();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while app
        .state
        .store
        .unfinished_jobs(responder::ANSWER)
        .await
        .unwrap()
        > 0
    {
        tokio::time::timeout_at(deadline, finished.changed())
            .await
            .expect("every answer job finishes within 10 s")
            .unwrap();
    }
    let answers = assistant_messages(&visitor, conversation.id).await;
    let mut ids: Vec<MessageId> = answers.iter().map(|m| m.id).collect();
    let mut expected: Vec<MessageId> = questions
        .iter()
        .map(|q| responder::answer_for(responder::job_for(*q, org, conversation.id).id))
        .collect();
    ids.sort();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn a_visitor_can_ask_for_a_person() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let path = format!("/api/widget/conversations/{}/escalate", conversation.id);
    for _ in 0..2 {
        let response = visitor.post_json(&path, &json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
        let c: Value = response.json().await.unwrap();
        assert_eq!(c["status"], "escalated");
    }
    let stranger = app.visitor(org, "Eve").await;
    assert_error(
        stranger.post_json(&path, &json!({})).await,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
    app.set_status(conversation.id, "resolved").await;
    assert_error(
        visitor.post_json(&path, &json!({})).await,
        StatusCode::CONFLICT,
        ErrorCode::ConversationResolved,
    )
    .await;
}

#[tokio::test]
async fn staff_configure_the_responder_and_the_key_is_never_returned() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let defaults: Value = owner
        .get("/api/dashboard/responder")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(defaults["enabled"], false);
    assert_eq!(defaults["provider"], "knowledge_base");
    assert_eq!(defaults["contextMessages"], 10);
    let put =
        |body: Value| owner.request(reqwest::Method::PUT, "/api/dashboard/responder", Some(body));
    let saved = put(json!({"enabled": true, "provider": "openai", "baseUrl": "http://127.0.0.1:11434/v1",
        "model": "llama3.2", "apiKey": "sk-very-secret", "instructions": "Be brief.", "contextMessages": 10}))
    .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let text = saved.text().await.unwrap();
    assert!(!text.contains("sk-very-secret"), "{text}");
    // Saving without a key keeps it.
    put(
        json!({"enabled": true, "provider": "openai", "baseUrl": "http://127.0.0.1:11434/v1",
        "model": "llama3.2", "instructions": "Be briefer.", "contextMessages": 8}),
    )
    .await;
    let text = owner
        .get("/api/dashboard/responder")
        .await
        .text()
        .await
        .unwrap();
    assert!(!text.contains("sk-very-secret"), "{text}");
    let got: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(got["apiKeySet"], true);
    assert_eq!(got["instructions"], "Be briefer.");
    assert_eq!(got["contextMessages"], 8);
    for bad in [
        json!({"enabled": true, "provider": "openai", "baseUrl": "ftp://x", "model": "m", "contextMessages": 10}),
        json!({"enabled": true, "provider": "openai", "baseUrl": "http://x", "contextMessages": 10}),
        json!({"enabled": true, "contextMessages": 0}),
    ] {
        assert_error(
            put(bad).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    let agent = owner.invite_new("agent", "agent@acme.test").await;
    assert_error(
        agent
            .request(
                reqwest::Method::PUT,
                "/api/dashboard/responder",
                Some(json!({"enabled": false, "contextMessages": 10})),
            )
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;

    // Articles: add, list, delete; another organization sees none of them.
    let created = owner
        .post(
            "/api/dashboard/articles",
            json!({"title": "Refunds", "body": "Within 30 days."}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let article: Value = created.json().await.unwrap();
    let list: Vec<Value> = owner
        .get("/api/dashboard/articles")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_error(
        owner
            .post(
                "/api/dashboard/articles",
                json!({"title": " ", "body": "x"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let other = app.sign_up("other@elsewhere.test", "Elsewhere").await;
    let path = format!(
        "/api/dashboard/articles/{}",
        article["id"].as_str().unwrap()
    );
    assert_error(
        other.delete(&path).await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    assert_eq!(owner.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_error(
        owner.delete(&path).await,
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
}

/// A `parley serve` process on `data_dir`; its base URL.
/// A `parley serve` process on `data_dir`: the process, its base URL, and its job-queue log
/// lines (debug level, so each finished job is announced).
async fn serve(
    data_dir: &std::path::Path,
) -> (
    tokio::process::Child,
    String,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    use tokio::io::AsyncBufReadExt;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--responder-lease-ms",
            "1500",
            // The fake model listens on loopback.
            "--allowed-private-destinations",
            "127.0.0.0/8",
        ])
        .args(["--responder-poll-ms", "100", "--data-dir"])
        .arg(data_dir)
        .env("RUST_LOG", "warn,parley_backend::jobs=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first
        .strip_prefix("Parley is listening on ")
        .unwrap()
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let (log_tx, log_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = stderr.next_line().await {
            let _ = log_tx.send(line);
        }
    });
    (child, base, log_rx)
}

/// The server dies (SIGKILL) after storing the question and while the model is answering;
/// after a restart the job resumes and the answer arrives exactly once.
#[tokio::test]
async fn a_server_killed_before_the_answer_answers_once_after_restart() {
    let fake = FakeProvider::start(vec![
        Reply::Hang(Duration::from_secs(120)),
        Reply::Json(completion("Answer after restart.")),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (mut first, base, _) = serve(dir.path()).await;
    let client = reqwest::Client::new();
    let signup = client
        .post(format!("{base}/api/dashboard/signup"))
        .json(
            &json!({"email": "owner@acme.test", "password": "correct horse battery",
            "organizationName": "Acme", "displayName": "Camille"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let cookie = crate::helpers::session_cookie(&signup).unwrap();
    let me: Value = signup.json().await.unwrap();
    let org = me["currentOrganizationId"].as_str().unwrap().to_owned();
    let saved = client
        .put(format!("{base}/api/dashboard/responder"))
        .header("cookie", &cookie)
        .json(
            &json!({"enabled": true, "provider": "openai", "baseUrl": fake.base_url,
            "model": "m", "contextMessages": 10}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK);
    let session: Value = client
        .post(format!("{base}/api/widget/contact-sessions"))
        .json(&json!({"organizationId": org, "name": "Ada", "email": "ada@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let conversation: Value = client
        .post(format!("{base}/api/widget/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let messages_url = format!(
        "/api/widget/conversations/{}/messages",
        conversation["id"].as_str().unwrap()
    );
    let sent = client
        .post(format!("{base}{messages_url}"))
        .bearer_auth(&token)
        .json(&json!({"id": MessageId::new_random(), "content": "Hello?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::CREATED);
    // The model is answering (the fake holds the request) when the server dies.
    for _ in 0..100 {
        if fake.request_count() == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(fake.request_count(), 1);
    first.kill().await.unwrap();

    let (_second, base, mut logs) = serve(dir.path()).await;
    let assistant = || async {
        let page: Value = client
            .get(format!("{base}{messages_url}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "assistant")
            .map(|m| m["content"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let mut answers = Vec::new();
    for _ in 0..100 {
        answers = assistant().await;
        if !answers.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(answers, vec!["Answer after restart."]);
    // Nothing else comes later: the job ends (announced in the server's log when it is
    // finished), so no run is left that could answer again.
    tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = logs.recv().await {
            if line.contains("job finished") {
                return;
            }
        }
        panic!("the server's log ended before the job finished");
    })
    .await
    .expect("the answer job finishes within 10 s");
    assert_eq!(assistant().await, vec!["Answer after restart."]);
    assert_eq!(fake.request_count(), 2);
}

/// The Debian FAQ (Debian package `debian-faq`), text that nobody on the team wrote: each
/// chapter an article, each numbered question a `##` section.
fn debian_faq() -> Option<Vec<(String, String)>> {
    let output = std::process::Command::new("zcat")
        .arg("/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz")
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    // The text uses no-break spaces after numbers ("Chapter\u{a0}1.").
    let text = String::from_utf8_lossy(&output.stdout).replace('\u{a0}', " ");
    let mut articles: Vec<(String, String)> = Vec::new();
    let mut heading: Option<String> = None;
    let is_heading = |line: &str| {
        let number: String = line
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        number.contains('.')
            && number.ends_with('.')
            && line[number.len()..].starts_with(' ')
            && number.matches('.').count() >= 2
    };
    for line in text.lines() {
        if let Some(title) = line.strip_prefix("Chapter ") {
            let title = title.split_once(". ").map_or(title, |(_, t)| t);
            articles.push((title.trim().to_owned(), String::new()));
            heading = None;
            continue;
        }
        let Some((_, body)) = articles.last_mut() else {
            continue;
        };
        if let Some(h) = heading.as_mut() {
            // A question's heading wraps until the blank line under it.
            if line.trim().is_empty() {
                body.push_str(&format!("\n## {h}\n"));
                heading = None;
            } else {
                h.push(' ');
                h.push_str(line.trim());
            }
        } else if is_heading(line) {
            heading = Some(line.trim().to_owned());
        } else {
            body.push_str(line.trim());
            body.push('\n');
        }
    }
    (articles.len() >= 10).then_some(articles)
}

#[tokio::test]
async fn the_knowledge_base_answers_real_faq_questions_from_the_right_section() {
    let Some(faq) = debian_faq() else {
        if std::env::var_os("PARLEY_REQUIRE_BROWSER").is_some() {
            panic!(
                "the Debian FAQ is required (Debian package debian-faq; cargo xtask test installs it)"
            );
        }
        eprintln!("\n*** SKIPPED: the Debian FAQ (package debian-faq) is not installed ***\n");
        return;
    };
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Debian help desk").await;
    for (title, body) in &faq {
        knowledge::add(
            &app.state,
            org,
            CreateArticle {
                title: title.clone(),
                body: body.clone(),
            },
        )
        .await
        .unwrap();
    }
    knowledge_base_on(&app, org).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    // Questions as a user would type them, and the FAQ section that answers each.
    for (question, section) in [
        (
            "how do you pronounce debian?",
            "How does one pronounce Debian and what does this word mean?",
        ),
        (
            "how to hold back a package with apt",
            "How do I put a package on hold?",
        ),
        (
            "can the system update itself automatically",
            "Can I automatically update the system?",
        ),
        (
            "where do I report a bug in debian",
            "How do I report a bug in Debian?",
        ),
    ] {
        visitor.say(conversation.id, question).await;
        let (answer, _) = answer_over(&mut live).await;
        assert!(
            answer.content.contains(section),
            "{question:?} should be answered from {section:?}, got:\n{}",
            answer.content
        );
    }
    visitor
        .say(conversation.id, "What is a good recipe for chocolate cake?")
        .await;
    let (answer, _) = answer_over(&mut live).await;
    assert_eq!(answer.content, knowledge::NO_MATCH);
}

/// Issue 21, finding 4: anyone who signs up sets the model URL, so the server must not post
/// to the host's private network for them. With no private destination allowed, an address
/// is refused when saved, and a name that resolves to one (checked at each connection) is
/// never connected to: the visitor gets the failure message and a person takes over.
#[tokio::test]
async fn the_model_url_reaches_no_private_address_unless_the_instance_allows_it() {
    let fake = FakeProvider::start(vec![Reply::Json(completion("internal secrets"))]).await;
    let app = TestApp::spawn_with(|c| {
        quick(c);
        c.allowed_private_destinations.clear();
    })
    .await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let put =
        |body: Value| owner.request(reqwest::Method::PUT, "/api/dashboard/responder", Some(body));
    let port = fake.base_url.trim_start_matches("http://127.0.0.1:");
    for private in [
        fake.base_url.clone(),
        "http://169.254.169.254/latest".to_owned(),
        "http://[::1]:6379/v1".to_owned(),
        "http://10.0.0.1/v1".to_owned(),
    ] {
        let body = json!({"enabled": true, "provider": "openai", "baseUrl": private,
                          "model": "m", "contextMessages": 10});
        assert_error(
            put(body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    let by_name = format!("http://localhost:{port}");
    let saved = put(
        json!({"enabled": true, "provider": "openai", "baseUrl": by_name,
                           "model": "m", "contextMessages": 10}),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::OK);

    let visitor = app.visitor(owner.org(), "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    visitor.say(conversation.id, "Hello?").await;
    assert_eq!(answer_over(&mut live).await.0.content, FAILURE_MESSAGE);
    assert_eq!(fake.request_count(), 0, "the private server was reached");
}

/// A model server that answers with a redirect is not followed (a public URL could send
/// the request and its API key on to a private one): the answer fails instead.
#[tokio::test]
async fn the_model_client_follows_no_redirect() {
    let target = FakeProvider::start(vec![Reply::Json(completion("via a redirect"))]).await;
    let location = format!("{}/chat/completions", target.base_url);
    let redirector = axum::Router::new().fallback(move || {
        let location = location.clone();
        async move { (AxumStatus::TEMPORARY_REDIRECT, [("location", location)]) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirecting = FakeProvider {
        base_url: format!("http://{}/v1", listener.local_addr().unwrap()),
        ..target.clone()
    };
    tokio::spawn(async move { axum::serve(listener, redirector).await });
    let app = TestApp::spawn_with(quick).await;
    let org = app.organization("Acme").await;
    use_provider(&app, org, &redirecting).await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    visitor.say(conversation.id, "Hello?").await;
    assert_eq!(answer_over(&mut live).await.0.content, FAILURE_MESSAGE);
    assert_eq!(target.request_count(), 0, "the redirect was followed");
}
