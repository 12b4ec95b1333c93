//! Outgoing webhooks against a real receiver on 127.0.0.1: retries keep one `webhook-id`
//! and valid Standard Webhooks signatures, rotation signs with both secrets, the delivery
//! log, "send test" and "redeliver", disabling after a day of failures, the private-address
//! rule, the API-key routes, and (real `parley` processes) no loss or duplicate across a
//! restart and one delivery per event on two instances.

use crate::helpers::{Staff, TestApp, TestDb, assert_error};
use crate::receiver::Receiver;
use parley_backend::webhooks::{delivery, events};
use parley_shared::ErrorCode;
use parley_shared::staff::{WebhookDelivery, WebhookDeliveryState, WebhookEndpoint};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// A test app whose webhook retries and polls are quick.
async fn quick_app(adjust: impl FnOnce(&mut parley_backend::config::Config)) -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhook_retry_ms = 50;
        c.webhook_poll_ms = 50;
        c.webhook_timeout_ms = 2000;
        adjust(c);
    })
    .await
}

async fn register(staff: &Staff<'_>, url: &str, events: &[&str]) -> WebhookEndpoint {
    let response = staff
        .post(
            "/api/dashboard/webhooks",
            json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn log(staff: &Staff<'_>, endpoint: &WebhookEndpoint) -> Vec<WebhookDelivery> {
    let response = staff
        .get(&format!(
            "/api/dashboard/webhooks/{}/deliveries",
            endpoint.id
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Waits until no webhook job is left unfinished, re-checking at each job's end.
async fn settled(app: &TestApp) {
    let mut finished = app.state.jobs.finished();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let mut left = 0;
        for kind in [events::EVENT, delivery::DELIVER] {
            left += app.state.store.unfinished_jobs(kind).await.unwrap();
        }
        if left == 0 {
            return;
        }
        tokio::time::timeout_at(deadline, finished.changed())
            .await
            .expect("webhook jobs finish within 30 s")
            .unwrap();
    }
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_three_deliveries_with_one_id_and_valid_signatures() {
    let app = quick_app(|_| {}).await;
    let staff = app.sign_up("owner@hooks.test", "Hooks").await;
    let mut receiver = Receiver::start(&[503, 503]).await;
    let endpoint = register(&staff, &receiver.url, &["message.created"]).await;
    assert!(endpoint.secret.starts_with("whsec_"));
    assert_eq!(endpoint.events.len(), 1);

    let visitor = app.visitor(staff.org(), "Dana").await;
    let conversation = visitor.start_conversation().await;
    let message = visitor.say(conversation.id, "Bonjour, ma commande ?").await;

    let attempts = [
        receiver.next().await,
        receiver.next().await,
        receiver.next().await,
    ];
    assert_eq!(
        attempts.iter().map(|r| r.status).collect::<Vec<_>>(),
        [503, 503, 200]
    );
    let id = attempts[0].id();
    assert_eq!(id, delivery::message_id(log(&staff, &endpoint).await[0].id));
    for attempt in &attempts {
        assert_eq!(attempt.id(), id, "one webhook-id across retries");
        assert!(attempt.verifies_with(&endpoint.secret));
        assert!(!attempt.verifies_with("whsec_b3RoZXItc2VjcmV0LWJ5dGVz"));
        assert_eq!(attempt.body, attempts[0].body, "the same body every time");
    }
    let body = attempts[0].json();
    assert_eq!(body["type"], "message.created");
    assert_eq!(body["data"]["message"]["id"], json!(message.id));
    assert_eq!(body["data"]["message"]["content"], "Bonjour, ma commande ?");

    settled(&app).await;
    assert!(receiver.pending().is_empty(), "nothing after the 200");
    let logged = log(&staff, &endpoint).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].state, WebhookDeliveryState::Delivered);
    assert_eq!(logged[0].attempts, 3);
    assert_eq!(logged[0].last_status_code, Some(200));
    let endpoints: Vec<WebhookEndpoint> = staff
        .get("/api/dashboard/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        endpoints[0].failing_since, None,
        "a success clears the failure"
    );

    // Rotation: the next deliveries carry a signature under each secret.
    let rotated: WebhookEndpoint = staff
        .request(
            Method::PATCH,
            &format!("/api/dashboard/webhooks/{}", endpoint.id),
            Some(json!({"rotateSecret": true})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_ne!(rotated.secret, endpoint.secret);
    assert!(rotated.previous_secret_until.is_some());
    let test: WebhookDelivery = staff
        .post(
            &format!("/api/dashboard/webhooks/{}/test", endpoint.id),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(test.state, WebhookDeliveryState::Delivered);
    assert_eq!(test.last_status_code, Some(200));
    let got = receiver.next().await;
    assert_eq!(got.json()["type"], "webhook.test");
    assert!(got.verifies_with(&rotated.secret) && got.verifies_with(&endpoint.secret));

    // Redeliver: the same webhook-id again, through the queue.
    let again = staff
        .post(
            &format!(
                "/api/dashboard/webhook-deliveries/{}/redeliver",
                logged[0].id
            ),
            json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::ACCEPTED);
    let redelivered = receiver.next().await;
    assert_eq!(redelivered.id(), id);
    assert_eq!(redelivered.body, attempts[0].body);
    settled(&app).await;
    assert_eq!(
        log(&staff, &endpoint).await.len(),
        2,
        "the test and the message"
    );
}

#[tokio::test]
async fn each_subscribed_event_reaches_the_endpoint_with_its_data() {
    let app = quick_app(|_| {}).await;
    let staff = app.sign_up("owner@events.test", "Events").await;
    let mut receiver = Receiver::start(&[]).await;
    let everything = [
        "conversation.created",
        "conversation.status_changed",
        "contact.created",
        "rating.given",
    ];
    register(&staff, &receiver.url, &everything).await;

    let visitor = app.visitor(staff.org(), "Lou").await;
    let contact = receiver.next().await.json();
    assert_eq!(contact["type"], "contact.created");
    assert_eq!(contact["data"]["contact"]["email"], "lou@example.com");

    let conversation = visitor.start_conversation().await;
    let created = receiver.next().await.json();
    assert_eq!(created["type"], "conversation.created");
    assert_eq!(
        created["data"]["conversation"]["id"],
        json!(conversation.id)
    );
    assert_eq!(created["data"]["contact"]["name"], "Lou");

    // Not subscribed: messages are not sent.
    visitor.say(conversation.id, "Hello").await;
    let reply = app.staff_reply(conversation.id, "Hi Lou").await;
    let rated = app
        .client
        .put(app.url(&format!(
            "/api/widget/conversations/{}/messages/{}/rating",
            conversation.id, reply.id
        )))
        .bearer_auth(&visitor.token)
        .json(&json!({"accuracy": "POSITIVE"}))
        .send()
        .await
        .unwrap();
    assert!(rated.status().is_success(), "{}", rated.status());
    let rating = receiver.next().await.json();
    assert_eq!(rating["type"], "rating.given");
    assert_eq!(rating["data"]["message"]["rating"]["accuracy"], "POSITIVE");

    assert_eq!(
        app.set_status(conversation.id, "resolved").await.status(),
        StatusCode::OK
    );
    let status = receiver.next().await.json();
    assert_eq!(status["type"], "conversation.status_changed");
    assert_eq!(status["data"]["conversation"]["status"], "resolved");
    assert_eq!(status["data"]["previousStatus"], "unresolved");
    settled(&app).await;
    assert!(receiver.pending().is_empty(), "no message.created was sent");
}

#[tokio::test]
async fn an_endpoint_failing_for_a_day_is_disabled_and_can_be_enabled_again() {
    let app = quick_app(|c| {
        c.webhook_attempts = 50;
        // Slow enough that the clock moves between the first attempt and the retry.
        c.webhook_retry_ms = 2000;
        // The operator and the visitor stay signed in across the simulated day.
        (c.staff_idle_secs, c.staff_absolute_secs) = (3 * 86_400, 3 * 86_400);
        c.session_ttl_secs = 3 * 86_400;
    })
    .await;
    let staff = app.sign_up("owner@down.test", "Down").await;
    let mut receiver = Receiver::start(&[500, 500, 500]).await;
    let endpoint = register(&staff, &receiver.url, &["conversation.created"]).await;
    let visitor = app.visitor(staff.org(), "Max").await;
    let mut runs = app.state.jobs.finished();
    visitor.start_conversation().await;
    assert_eq!(receiver.next().await.status, 500);
    // Once the first failure is recorded (re-checked at the end of each job run), a day
    // passes before the next attempt.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while log(&staff, &endpoint).await.first().map(|d| d.attempts) != Some(1) {
        tokio::time::timeout_at(deadline, runs.changed())
            .await
            .expect("the first attempt is logged within 20 s")
            .unwrap();
    }
    app.clock.advance_secs(24 * 3600 + 1);
    assert_eq!(receiver.next().await.status, 500);
    settled(&app).await;
    let endpoints: Vec<WebhookEndpoint> = staff
        .get("/api/dashboard/webhooks")
        .await
        .json()
        .await
        .unwrap();
    assert!(!endpoints[0].enabled);
    let reason = endpoints[0].disabled_reason.clone().unwrap();
    assert!(reason.contains("24 hours"), "{reason}");
    assert_eq!(
        log(&staff, &endpoint).await[0].state,
        WebhookDeliveryState::Failed
    );
    // Disabled: new events are not recorded for it.
    visitor.start_conversation().await;
    settled(&app).await;
    assert!(receiver.pending().is_empty());

    let enabled: WebhookEndpoint = staff
        .request(
            Method::PATCH,
            &format!("/api/dashboard/webhooks/{}", endpoint.id),
            Some(json!({"enabled": true})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        enabled.enabled && enabled.disabled_reason.is_none() && enabled.failing_since.is_none()
    );
    visitor.start_conversation().await;
    let got = receiver.next().await;
    assert_eq!(
        (got.status, got.json()["type"].clone()),
        (500, json!("conversation.created"))
    );
}

#[tokio::test]
async fn private_destinations_are_refused_unless_the_instance_allows_them() {
    let app = quick_app(|c| c.allowed_private_destinations = Vec::new()).await;
    let staff = app.sign_up("owner@ssrf.test", "Ssrf").await;
    let mut receiver = Receiver::start(&[]).await;
    for url in [
        receiver.url.clone(),
        "http://169.254.169.254/latest/meta-data".into(),
        "http://[::1]:6379/".into(),
    ] {
        let response = staff
            .post(
                "/api/dashboard/webhooks",
                json!({"url": url, "events": ["contact.created"]}),
            )
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    // A name is checked after DNS, at each attempt: localhost resolves to loopback.
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let endpoint = register(&staff, &by_name, &["contact.created"]).await;
    let test: WebhookDelivery = staff
        .post(
            &format!("/api/dashboard/webhooks/{}/test", endpoint.id),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(test.state, WebhookDeliveryState::Failed);
    assert_eq!(test.last_status_code, None);
    let why = test.last_error.unwrap();
    assert!(why.contains("private address"), "{why}");
    assert!(
        receiver.pending().is_empty(),
        "nothing reached the receiver"
    );
}

#[tokio::test]
async fn endpoints_are_checked_scoped_and_managed_by_api_key_too() {
    let app = quick_app(|_| {}).await;
    let owner = app.sign_up("owner@manage.test", "Manage").await;
    let agent = owner.invite_new("agent", "agent@manage.test").await;
    let other = app.sign_up("owner@other.test", "Other").await;
    let receiver = Receiver::start(&[]).await;

    for body in [
        json!({"url": "ftp://example.com/hook", "events": ["message.created"]}),
        json!({"url": "not a url", "events": ["message.created"]}),
        json!({"url": "https://user:pw@example.com/", "events": ["message.created"]}),
        json!({"url": "https://example.com/hook", "events": []}),
        json!({"url": "https://example.com/hook", "events": ["webhook.test"]}),
        json!({"url": format!("https://example.com/{}", "a".repeat(2100)), "events": ["message.created"]}),
    ] {
        let response = owner.post("/api/dashboard/webhooks", body.clone()).await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
    let unknown_event = owner
        .post(
            "/api/dashboard/webhooks",
            json!({"url": "https://example.com/hook", "events": ["message.deleted"]}),
        )
        .await;
    assert!(unknown_event.status().is_client_error());
    let agent_create = agent
        .post(
            "/api/dashboard/webhooks",
            json!({"url": receiver.url, "events": ["message.created"]}),
        )
        .await;
    assert_error(agent_create, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_error(
        agent.get("/api/dashboard/webhooks").await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;

    let endpoint = register(
        &owner,
        &receiver.url,
        &["message.created", "message.created"],
    )
    .await;
    assert_eq!(endpoint.events.len(), 1, "repeats are dropped");
    let path = format!("/api/dashboard/webhooks/{}", endpoint.id);
    for (method, path) in [
        (Method::DELETE, path.clone()),
        (Method::GET, format!("{path}/deliveries")),
        (Method::POST, format!("{path}/test")),
    ] {
        let response = other.request(method, &path, Some(json!({}))).await;
        assert_error(response, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
    let malformed = owner.delete("/api/dashboard/webhooks/not-an-id").await;
    assert_error(malformed, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    // The same through the public API with an API key of the organization.
    let key: Value = owner
        .post("/api/dashboard/api-keys", json!({"name": "Ops"}))
        .await
        .json()
        .await
        .unwrap();
    let key = key["key"].as_str().unwrap();
    let listed: Vec<WebhookEndpoint> = app
        .client
        .get(app.url("/api/webhooks"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, vec![endpoint.clone()]);
    let created = app
        .client
        .post(app.url("/api/webhooks"))
        .header("x-api-key", key)
        .json(&json!({"url": "https://example.com/crm", "events": ["contact.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: WebhookEndpoint = created.json().await.unwrap();
    let changed: WebhookEndpoint = app
        .client
        .patch(app.url(&format!("/api/webhooks/{}", created.id)))
        .header("x-api-key", key)
        .json(&json!({"enabled": false, "events": ["rating.given", "contact.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!changed.enabled);
    assert_eq!(changed.events.len(), 2);
    let deleted = app
        .client
        .delete(app.url(&format!("/api/webhooks/{}", created.id)))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let no_key = app
        .client
        .get(app.url("/api/webhooks"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(owner.delete(&path).await.status(), StatusCode::NO_CONTENT);
    assert_eq!(owner.delete(&path).await.status(), StatusCode::NOT_FOUND);
}

/// A `parley serve` process with quick webhook retries, sending to loopback; killed when
/// dropped. Each delivery job it finishes (its JSON debug log line) is sent on `delivered`.
async fn parley(
    dir: &std::path::Path,
    db: Option<&str>,
    delivered: &tokio::sync::mpsc::UnboundedSender<()>,
) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"));
    command
        .args(["serve", "--bind", "127.0.0.1:0", "--no-rate-limits"])
        .args(["--allowed-private-destinations", "127.0.0.0/8"])
        .args(["--webhook-retry-ms", "300", "--webhook-poll-ms", "100"])
        .args([
            "--webhook-timeout-ms",
            "1000",
            "--admin-token",
            "webhook-test-token",
        ])
        .arg("--data-dir")
        .arg(dir)
        .args(["--log-format", "json"])
        .env("RUST_LOG", "warn,parley_backend::jobs=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if let Some(url) = db {
        command.args(["--database-url", url]);
    }
    let mut child = command.spawn().unwrap();
    let mut log = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let delivered = delivered.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = log.next_line().await {
            if line.contains("job finished") && line.contains(delivery::DELIVER) {
                let _ = delivered.send(());
            }
        }
    });
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first
        .strip_prefix("Parley is listening on ")
        .unwrap()
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base)
}

/// Sets up an organization with an endpoint on `base`; (cookie, org, endpoint).
async fn remote_setup(base: &str, url: &str, email: &str) -> (String, String, WebhookEndpoint) {
    let client = reqwest::Client::new();
    let signup = client
        .post(format!("{base}/api/dashboard/signup"))
        .json(&json!({"email": email, "password": "correct horse battery",
            "organizationName": "Remote", "displayName": "Op"}))
        .send()
        .await
        .unwrap();
    let cookie = crate::helpers::session_cookie(&signup).unwrap();
    let me: Value = signup.json().await.unwrap();
    let org = me["currentOrganizationId"].as_str().unwrap().to_owned();
    let endpoint: WebhookEndpoint = client
        .post(format!("{base}/api/dashboard/webhooks"))
        .header("cookie", &cookie)
        .json(&json!({"url": url, "events": ["contact.created"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (cookie, org, endpoint)
}

/// A new visitor of `org` on `base`: one `contact.created` event.
async fn remote_visitor(base: &str, org: &str, n: usize) {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/widget/contact-sessions"))
        .json(&json!({"organizationId": org, "name": format!("V{n}"),
            "email": format!("v{n}@example.com"), "metadata": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// Waits (20 s at most) until `count` delivery jobs have finished in the processes.
async fn finished_deliveries(done: &mut tokio::sync::mpsc::UnboundedReceiver<()>, count: usize) {
    for _ in 0..count {
        tokio::time::timeout(Duration::from_secs(20), done.recv())
            .await
            .expect("a delivery job finishes within 20 s")
            .unwrap();
    }
}

async fn remote_log(base: &str, cookie: &str, endpoint: &WebhookEndpoint) -> Vec<WebhookDelivery> {
    reqwest::Client::new()
        .get(format!(
            "{base}/api/dashboard/webhooks/{}/deliveries",
            endpoint.id
        ))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_restart_between_attempts_loses_no_delivery_and_duplicates_none_after_a_200() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create().await;
    let url = db.as_ref().map(|d| d.url.clone());
    let mut receiver = Receiver::start(&[503]).await;
    let (tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    let (mut first, base) = parley(dir.path(), url.as_deref(), &tx).await;
    let (cookie, org, endpoint) = remote_setup(&base, &receiver.url, "o@restart.test").await;
    remote_visitor(&base, &org, 1).await;
    let failed = receiver.next().await;
    assert_eq!(failed.status, 503);
    // Killed while its delivery waits for a retry (or, at worst, before it recorded the
    // attempt: its lease then runs out and another process takes the job over).
    first.kill().await.unwrap();
    let (mut second, base) = parley(dir.path(), url.as_deref(), &tx).await;
    let delivered = receiver.next().await;
    assert_eq!((delivered.status, delivered.id()), (200, failed.id()));
    assert!(delivered.verifies_with(&endpoint.secret));
    // The log says delivered once the job is done (polled with a deadline).
    finished_deliveries(&mut done, 1).await;
    let logged = remote_log(&base, &cookie, &endpoint).await;
    assert_eq!(logged[0].state, WebhookDeliveryState::Delivered);
    // Another restart, then a new event: it arrives, the delivered one does not again.
    second.kill().await.unwrap();
    let (_third, base) = parley(dir.path(), url.as_deref(), &tx).await;
    remote_visitor(&base, &org, 2).await;
    let next = receiver.next().await;
    assert_ne!(next.id(), failed.id());
    assert!(receiver.pending().is_empty());
    let logged = remote_log(&base, &cookie, &endpoint).await;
    assert_eq!(logged.len(), 2);
    let first_delivery = logged
        .iter()
        .find(|d| delivery::message_id(d.id) == failed.id())
        .unwrap();
    assert_eq!(first_delivery.state, WebhookDeliveryState::Delivered);
}

#[tokio::test]
async fn on_two_instances_each_event_is_delivered_once() {
    // Several processes share a database only on PostgreSQL.
    let Some(db) = TestDb::create().await else {
        return;
    };
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut receiver = Receiver::start(&[]).await;
    let (tx, mut done) = tokio::sync::mpsc::unbounded_channel();
    let (_a, a) = parley(a_dir.path(), Some(&db.url), &tx).await;
    let (_b, b) = parley(b_dir.path(), Some(&db.url), &tx).await;
    let (cookie, org, endpoint) = remote_setup(&a, &receiver.url, "o@twice.test").await;
    let events = 20;
    for n in 0..events {
        remote_visitor(if n % 2 == 0 { &a } else { &b }, &org, n).await;
    }
    let mut ids = std::collections::HashSet::new();
    for _ in 0..events {
        let got = receiver.next().await;
        assert!(ids.insert(got.id()), "delivered twice: {}", got.id());
    }
    // A last event, sent after every earlier one was delivered: still no duplicate.
    remote_visitor(&b, &org, events).await;
    let last = receiver.next().await;
    assert!(ids.insert(last.id()));
    assert!(receiver.pending().is_empty());
    // Each delivery job's end is logged by its process: wait for all of them.
    finished_deliveries(&mut done, events + 1).await;
    let logged = remote_log(&a, &cookie, &endpoint).await;
    assert!(
        logged
            .iter()
            .all(|d| d.state == WebhookDeliveryState::Delivered),
        "{logged:?}"
    );
    assert_eq!(logged.len(), events + 1);
    assert!(logged.iter().all(|d| d.attempts == 1), "{logged:?}");
}
