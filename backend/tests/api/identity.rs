//! Identity verification (the organization's site vouches for a visitor), "verified only",
//! credential rotation on identification, and staff blocking a contact.

use crate::helpers::{ClockExt, Staff, TestApp, assert_error};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use parley_backend::contacts::identity::user_hash;
use parley_shared::ErrorCode;
use parley_shared::api::ContactSessionCreated;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The organization's identity-verification secret.
pub(crate) async fn secret(owner: &Staff<'_>) -> String {
    let settings: Value = owner
        .get("/api/dashboard/identity")
        .await
        .json()
        .await
        .unwrap();
    settings["secret"].as_str().unwrap().to_owned()
}

/// Sets "verified only" (and rotates the secret with `rotate`); the saved settings.
pub(crate) async fn set_required(owner: &Staff<'_>, required: bool, rotate: bool) -> Value {
    let response = owner
        .request(
            reqwest::Method::PUT,
            "/api/dashboard/identity",
            Some(json!({"required": required, "rotateSecret": rotate})),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn jwt(secret: &str, claims: Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn identified(org: impl serde::Serialize, identity: Value) -> Value {
    json!({"organizationId": org, "identity": identity, "metadata": {}})
}

#[tokio::test]
async fn a_visitor_signed_by_the_site_gets_a_verified_session_without_the_form() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let secret = secret(&owner).await;
    // The HMAC form.
    let response = app
        .post_session(identified(
            owner.org(),
            json!({"userId": "user-42", "userHash": user_hash(&secret, "user-42"),
                   "email": "ada@example.com", "name": "Ada Lovelace"}),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: ContactSessionCreated = response.json().await.unwrap();
    assert!(created.session.verified);
    assert_eq!(created.session.name, "Ada Lovelace");
    assert_eq!(created.session.email, "ada@example.com");
    // The JWT form, with `exp` checked against the server's clock.
    let exp = app.clock.now_ms() / 1000 + 600;
    let token = jwt(
        &secret,
        json!({"sub": "user-7", "exp": exp, "email": "grace@example.com", "name": "Grace"}),
    );
    let response = app
        .post_session(identified(owner.org(), json!({ "token": token })))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: ContactSessionCreated = response.json().await.unwrap();
    assert!(created.session.verified);
    assert_eq!(created.session.name, "Grace");
    // Staff see who it is.
    let visitor = crate::helpers::Visitor {
        app: &app,
        token: created.token,
    };
    let conversation = visitor.start_conversation().await;
    let detail: Value = owner
        .get(&format!("/api/dashboard/conversations/{}", conversation.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["contact"]["verified"], true);
    assert_eq!(detail["contact"]["externalId"], "user-7");

    app.clock.advance_secs(601);
    assert_error(
        app.post_session(identified(owner.org(), json!({ "token": token })))
            .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::IdentityInvalid,
    )
    .await;
}

#[tokio::test]
async fn forged_or_foreign_identities_are_refused() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let other = app.sign_up("owner@other.test", "Other").await;
    let secret = secret(&owner).await;
    let foreign = self::secret(&other).await;
    let exp = app.clock.now_ms() / 1000 + 600;
    let hs512 = encode(
        &Header::new(Algorithm::HS512),
        &json!({"sub": "1", "exp": exp, "email": "a@example.com"}),
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap();
    for identity in [
        json!({"userId": "1", "userHash": user_hash(&secret, "2"), "email": "a@example.com"}),
        json!({"userId": "1", "userHash": user_hash(&foreign, "1"), "email": "a@example.com"}),
        json!({"userId": "1", "userHash": "", "email": "a@example.com"}),
        json!({"userId": "1", "email": "a@example.com"}),
        json!({"token": jwt(&foreign, json!({"sub": "1", "exp": exp, "email": "a@example.com"}))}),
        json!({ "token": hs512 }),
        json!({"token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIiwiZXhwIjo5OTk5OTk5OTk5fQ."}),
        json!({"token": "not a token"}),
    ] {
        assert_error(
            app.post_session(identified(owner.org(), identity.clone()))
                .await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::IdentityInvalid,
        )
        .await;
    }
    // An organization that never set up identity verification verifies nothing.
    let fresh = app.organization("Fresh").await;
    assert_error(
        app.post_session(identified(
            fresh,
            json!({"userId": "1", "userHash": user_hash("", "1"), "email": "a@example.com"}),
        ))
        .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::IdentityInvalid,
    )
    .await;
    // A rotated secret invalidates identities signed with the old one.
    let good =
        json!({"userId": "1", "userHash": user_hash(&secret, "1"), "email": "a@example.com"});
    assert_eq!(
        app.post_session(identified(owner.org(), good.clone()))
            .await
            .status(),
        StatusCode::CREATED
    );
    let rotated = set_required(&owner, false, true).await;
    assert_ne!(rotated["secret"], secret.as_str());
    assert_error(
        app.post_session(identified(owner.org(), good)).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::IdentityInvalid,
    )
    .await;
    // Agents cannot read the secret.
    let agent = owner.invite_new("agent", "agent@acme.test").await;
    assert_error(
        agent.get("/api/dashboard/identity").await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
}

#[tokio::test]
async fn verified_only_refuses_anonymous_visitors_old_and_new() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let anonymous = app.visitor(owner.org(), "Anon").await;
    let secret = secret(&owner).await;
    set_required(&owner, true, false).await;
    let config: Value = app
        .client
        .get(app.url(&format!("/api/widget/organizations/{}", owner.org())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["identityRequired"], true);
    assert_error(
        app.post_session(
            json!({"organizationId": owner.org(), "name": "Anon", "email": "anon@example.com"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        ErrorCode::IdentityRequired,
    )
    .await;
    // A session begun before the switch cannot chat either.
    assert_error(
        anonymous
            .post_json("/api/widget/conversations", &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::IdentityRequired,
    )
    .await;
    let response = app
        .post_session(identified(
            owner.org(),
            json!({"userId": "9", "userHash": user_hash(&secret, "9"), "email": "nine@example.com"}),
        ))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn identifying_an_anonymous_session_rotates_its_credential_and_keeps_its_chats() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let secret = secret(&owner).await;
    let visitor = app.visitor(owner.org(), "Anon").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "before signing in").await;
    let identity = json!({"identity": {"userId": "u1", "userHash": user_hash(&secret, "u1"),
                                        "email": "ada@example.com", "name": "Ada"}});
    let response = visitor
        .post_json("/api/widget/contact-session/identify", &identity)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated: ContactSessionCreated = response.json().await.unwrap();
    assert_ne!(rotated.token, visitor.token);
    assert!(rotated.session.verified);
    assert_eq!(rotated.session.email, "ada@example.com");
    // The old credential is dead; the new one sees the same conversations.
    assert_error(
        visitor.get("/api/widget/contact-session").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionInvalid,
    )
    .await;
    let identified = crate::helpers::Visitor {
        app: &app,
        token: rotated.token,
    };
    assert_eq!(identified.messages(conversation.id).await.len(), 1);
    // Verified as u1, the session cannot become someone else.
    assert_error(
        identified
            .post_json(
                "/api/widget/contact-session/identify",
                &json!({"identity": {"userId": "u2", "userHash": user_hash(&secret, "u2"),
                                     "email": "eve@example.com"}}),
            )
            .await,
        StatusCode::CONFLICT,
        ErrorCode::IdentityMismatch,
    )
    .await;
}

#[tokio::test]
async fn a_blocked_contact_loses_their_sessions_and_cannot_start_again() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let spammer = app.visitor(owner.org(), "Spammer").await;
    let second_tab = app.visitor(owner.org(), "Spammer").await;
    let bystander = app.visitor(owner.org(), "Bystander").await;
    let conversation = spammer.start_conversation().await;
    spammer.say(conversation.id, "buy cheap watches").await;
    let response = owner
        .post(
            &format!("/api/dashboard/conversations/{}/block", conversation.id),
            json!({}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for session in [&spammer, &second_tab] {
        assert_error(
            session.get("/api/widget/conversations").await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::SessionInvalid,
        )
        .await;
    }
    assert_error(
        app.post_session(json!({"organizationId": owner.org(), "name": "Spammer", "email": "SPAMMER@example.com"}))
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::ContactBlocked,
    )
    .await;
    assert_eq!(
        bystander.get("/api/widget/conversations").await.status(),
        StatusCode::OK
    );
    let detail: Value = owner
        .get(&format!("/api/dashboard/conversations/{}", conversation.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["contact"]["blocked"], true);
}
