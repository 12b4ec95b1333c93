//! Rate limits of the widget API (on by default; the other tests switch them off): 429
//! `rate_limited` with `Retry-After`, per contact session, with only high ceilings per client
//! address (offices and proxies put crowds behind one), and a refused message is not stored.

use crate::helpers::{TestApp, assert_error};
use futures_util::StreamExt;
use parley_shared::api::ContactSessionCreated;
use parley_shared::{ErrorCode, MessageId, OrganizationId};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_visitor_sending_too_fast_gets_429_with_retry_after_and_nothing_is_stored() {
    let app = TestApp::spawn_with(|c| c.no_rate_limits = false).await;
    let org = app.organization("Acme").await;
    let ada = app.visitor(org, "Ada").await;
    let conversation = ada.start_conversation().await;
    let mut accepted = 0;
    let mut limited = None;
    for i in 0..15 {
        let r = ada
            .send(
                conversation.id,
                MessageId::new_random(),
                &format!("spam {i}"),
            )
            .await;
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(r);
            break;
        }
        assert_eq!(r.status(), StatusCode::CREATED);
        accepted += 1;
    }
    // A burst of 10 passes, then one a second.
    assert!(
        (10..=11).contains(&accepted),
        "{accepted} accepted before the limit"
    );
    let limited = limited.expect("a 429 within 15 fast sends");
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert_error(
        limited,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
    assert_eq!(ada.messages(conversation.id).await.len(), accepted);

    // Another visitor is not held back by Ada's limit.
    let bob = app.visitor(org, "Bob").await;
    let theirs = bob.start_conversation().await;
    bob.say(theirs.id, "Hello").await;
}

/// Creates a contact session and a conversation as one visitor whose requests carry
/// `X-Forwarded-For: forwarded_for` (if any); the two statuses.
async fn newcomer(
    app: &TestApp,
    org: OrganizationId,
    forwarded_for: Option<&str>,
) -> (StatusCode, Option<StatusCode>) {
    let post = |path: &str| {
        let request = app.client.post(app.url(path));
        match forwarded_for {
            Some(xff) => request.header("x-forwarded-for", xff),
            None => request,
        }
    };
    let r = post("/api/widget/contact-sessions")
        .json(&json!({"organizationId": org, "name": "Léa", "email": "lea@example.fr"}))
        .send()
        .await
        .unwrap();
    if r.status() != StatusCode::CREATED {
        return (r.status(), None);
    }
    let created: ContactSessionCreated = r.json().await.unwrap();
    let r = post("/api/widget/conversations")
        .bearer_auth(&created.token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    (StatusCode::CREATED, Some(r.status()))
}

/// Runs `n` newcomers, 16 at a time; their outcomes in order of completion.
async fn crowd(
    app: &TestApp,
    org: OrganizationId,
    n: usize,
    forwarded_for: impl Fn(usize) -> Option<String>,
) -> Vec<(StatusCode, Option<StatusCode>)> {
    futures_util::stream::iter(0..n)
        .map(|i| {
            let xff = forwarded_for(i);
            async move { newcomer(app, org, xff.as_deref()).await }
        })
        .buffer_unordered(16)
        .collect()
        .await
}

fn all_started(outcomes: &[(StatusCode, Option<StatusCode>)]) -> bool {
    outcomes
        .iter()
        .all(|o| *o == (StatusCode::CREATED, Some(StatusCode::CREATED)))
}

#[tokio::test]
async fn two_hundred_visitors_behind_one_address_all_start_a_conversation() {
    let app = TestApp::spawn_with(|c| c.no_rate_limits = false).await;
    let org = app.organization("Lycée Jean Moulin").await;
    let outcomes = crowd(&app, org, 200, |_| None).await;
    assert!(all_started(&outcomes), "{outcomes:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_visitor_has_their_own_address() {
    let app = TestApp::spawn_with(|c| {
        c.no_rate_limits = false;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let org = app.organization("Acme").await;
    // 200 visitors through the proxy, each from their own address (the client forged the
    // leftmost entry; the proxy appended the real one).
    let outcomes = crowd(&app, org, 200, |i| {
        Some(format!("6.6.6.6, 203.0.113.{}", i % 250 + 1))
    })
    .await;
    assert!(all_started(&outcomes), "{outcomes:?}");
    // One of them floods: they are slowed, and the others are not held back.
    let flood = crowd(&app, org, 600, |_| Some("198.51.100.7".into())).await;
    let refused = flood
        .iter()
        .filter(|o| o.0 == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(refused >= 200, "{refused} of 600 refused");
    assert_eq!(
        newcomer(&app, org, Some("198.51.100.8")).await,
        (StatusCode::CREATED, Some(StatusCode::CREATED))
    );
}

#[tokio::test]
async fn a_flood_from_one_address_is_slowed_and_forged_headers_gain_nothing() {
    let app = TestApp::spawn_with(|c| c.no_rate_limits = false).await;
    let org = app.organization("Acme").await;
    // No trusted proxy: a different X-Forwarded-For on each request changes nothing.
    let flood = crowd(&app, org, 1000, |i| {
        Some(format!("10.0.{}.{}", i / 250, i % 250))
    })
    .await;
    let started = flood.iter().filter(|o| o.0 == StatusCode::CREATED).count();
    assert!(
        (300..=400).contains(&started),
        "{started} of 1000 sessions created"
    );
    let r = app
        .post_session(json!({"organizationId": org, "name": "Léa", "email": "lea@example.fr"}))
        .await;
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    let body = assert_error(r, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
    assert!(body.message.contains("try again in"), "{}", body.message);
}

#[tokio::test]
async fn one_visitor_opens_ten_conversations_at_once_then_waits_at_most_thirty_seconds() {
    let app = TestApp::spawn_with(|c| c.no_rate_limits = false).await;
    let org = app.organization("Acme").await;
    let ada = app.visitor(org, "Ada").await;
    let mut created = 0;
    loop {
        let r = ada.post_json("/api/widget/conversations", &json!({})).await;
        if r.status() != StatusCode::CREATED {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=30).contains(&retry), "Retry-After {retry}");
            assert_error(r, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
            break;
        }
        created += 1;
        assert!(
            created <= 11,
            "an unlimited number of conversations was allowed"
        );
    }
    assert!((10..=11).contains(&created), "{created}");
    // Another visitor at the same address is not held back.
    let bob = app.visitor(org, "Bob").await;
    bob.start_conversation().await;
}
