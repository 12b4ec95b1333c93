use crate::helpers::{ClockExt, TestApp, assert_error};
use parley_shared::ErrorCode;
use parley_shared::api::{ContactSession, ContactSessionCreated};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_visitor_with_valid_name_and_email_gets_a_session_expiring_in_24_hours() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let response = app
        .post_session(json!({
            "organizationId": org, "name": "  Ada Lovelace ", "email": "ada@example.com",
            "metadata": {"userAgent": "Mozilla/5.0", "languages": ["fr-FR", "en"], "timezoneOffset": -60,
                         "cookieEnabled": true, "currentUrl": "https://shop.example/cart"}
        }))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: ContactSessionCreated = response.json().await.unwrap();
    assert_eq!(created.session.name, "Ada Lovelace");
    assert_eq!(created.session.organization_id, org);
    assert!(created.token.len() >= 43, "at least 256 bits of credential");
    let ttl = created.session.expires_at.unix_millis() - app.clock.now_ms();
    assert_eq!(ttl, 24 * 3600 * 1000);
}

#[tokio::test]
async fn the_credential_is_stored_only_as_a_hash() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let stored = app
        .state
        .store
        .contact_session_by_token_hash(&parley_backend::contacts::sessions::hash_token(
            &visitor.token,
        ))
        .await
        .unwrap()
        .expect("found by hash");
    assert_ne!(stored.token_hash, visitor.token);
}

#[tokio::test]
async fn invalid_names_and_emails_are_422_with_a_clear_message() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    for (name, email) in [
        ("Ada", "not-an-email"),
        ("Ada", "ada@localhost"),
        ("   ", "ada@example.com"),
        ("Ada", ""),
    ] {
        let response = app
            .post_session(json!({"organizationId": org, "name": name, "email": email}))
            .await;
        let body = assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
        assert!(
            body.message.contains("name") || body.message.contains("email"),
            "{}",
            body.message
        );
    }
}

#[tokio::test]
async fn a_session_for_an_unknown_organization_is_404() {
    let app = TestApp::spawn().await;
    let response = app
        .post_session(
            json!({"organizationId": "00000000-0000-4000-8000-000000000000",
                             "name": "Ada", "email": "ada@example.com"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::NOT_FOUND,
        ErrorCode::OrganizationNotFound,
    )
    .await;
}

#[tokio::test]
async fn missing_or_unknown_credentials_are_401_session_invalid() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(app.url("/api/widget/contact-session"))
        .send()
        .await
        .unwrap();
    assert_error(
        response,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionInvalid,
    )
    .await;
    for token in ["nope", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let response = app
            .client
            .get(app.url("/api/widget/conversations"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_error(
            response,
            StatusCode::UNAUTHORIZED,
            ErrorCode::SessionInvalid,
        )
        .await;
    }
}

#[tokio::test]
async fn an_expired_session_is_401_session_expired() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    app.clock.advance_secs(24 * 3600);
    let response = visitor.get("/api/widget/conversations").await;
    assert_error(
        response,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionExpired,
    )
    .await;
}

#[tokio::test]
async fn using_a_session_within_4_hours_of_expiry_extends_it_to_24_hours_from_now() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;

    // 19 h in: 5 h left, outside the refresh window, so unchanged.
    app.clock.advance_secs(19 * 3600);
    let before: ContactSession = visitor
        .get("/api/widget/contact-session")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        before.expires_at.unix_millis() - app.clock.now_ms(),
        5 * 3600 * 1000
    );

    // 21 h in: 3 h left, so using it extends it to a full 24 h from now.
    app.clock.advance_secs(2 * 3600);
    let conversation = visitor.start_conversation().await;
    let after: ContactSession = visitor
        .get("/api/widget/contact-session")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after.expires_at.unix_millis() - app.clock.now_ms(),
        24 * 3600 * 1000
    );

    // Sending counts as use too: 23 h later it is still alive, and extended again.
    app.clock.advance_secs(23 * 3600);
    visitor.say(conversation.id, "still here").await;
    app.clock.advance_secs(23 * 3600);
    let response = visitor.get("/api/widget/contact-session").await;
    assert_eq!(response.status(), StatusCode::OK);
}
