//! Rate limits of the widget API (on by default; the other tests switch them off): 429
//! `rate_limited` with `Retry-After`, per contact session and per client address, and a
//! refused message is not stored.

use crate::helpers::{TestApp, assert_error};
use parley_shared::{ErrorCode, MessageId};
use reqwest::StatusCode;

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

#[tokio::test]
async fn one_address_may_open_six_conversations_per_twelve_hours() {
    let app = TestApp::spawn_with(|c| c.no_rate_limits = false).await;
    let org = app.organization("Acme").await;
    let ada = app.visitor(org, "Ada").await;
    let mut created = 0;
    loop {
        let r = ada
            .post_json("/api/widget/conversations", &serde_json::json!({}))
            .await;
        if r.status() != StatusCode::CREATED {
            let retry: u64 = r.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(retry > 3600, "Retry-After {retry}");
            assert_error(r, StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited).await;
            break;
        }
        created += 1;
        assert!(created <= 6, "a seventh conversation was allowed");
    }
    assert_eq!(created, 6);
}
