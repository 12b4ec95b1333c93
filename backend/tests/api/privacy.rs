//! Privacy: export and erasure of a contact's data on request (GDPR), and retention.

use crate::helpers::{TestApp, assert_error};
use parley_shared::ErrorCode;
use parley_shared::staff::{ContactExport, ErasureReport};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn an_export_holds_every_session_conversation_and_message_of_the_email_and_nothing_else() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let other = app.sign_up("owner@other.test", "Other").await;
    // Two sessions of the same person (say, two devices), one of someone else.
    let phone = app.visitor(owner.org(), "Ada").await;
    let laptop = app.visitor(owner.org(), "Ada").await;
    let stranger = app.visitor(owner.org(), "Bob").await;
    let first = phone.start_conversation().await;
    phone.say(first.id, "first question").await;
    app.staff_reply(first.id, "first answer").await;
    let second = laptop.start_conversation().await;
    laptop.say(second.id, "second question").await;
    let elsewhere = stranger.start_conversation().await;
    stranger.say(elsewhere.id, "not Ada's").await;

    let response = owner
        .post(
            "/api/dashboard/contacts/export",
            json!({"email": "ADA@example.com"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let export: ContactExport = response.json().await.unwrap();
    assert_eq!(export.email, "ada@example.com");
    assert_eq!(export.sessions.len(), 2);
    assert_eq!(
        export.sessions[0].metadata.timezone.as_deref(),
        Some("Europe/Paris")
    );
    let mut texts: Vec<_> = export
        .conversations
        .iter()
        .flat_map(|c| c.messages.iter().map(|m| m.content.clone()))
        .collect();
    texts.sort();
    assert_eq!(texts, ["first answer", "first question", "second question"]);

    // Another organization holds nothing about her; agents may not export; bad input is 422.
    let foreign: ContactExport = other
        .post(
            "/api/dashboard/contacts/export",
            json!({"email": "ada@example.com"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(foreign.sessions.is_empty() && foreign.conversations.is_empty());
    let agent = owner.invite_new("agent", "agent@acme.test").await;
    assert_error(
        agent
            .post(
                "/api/dashboard/contacts/export",
                json!({"email": "ada@example.com"}),
            )
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    assert_error(
        owner
            .post(
                "/api/dashboard/contacts/export",
                json!({"email": "not an email"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
}

#[tokio::test]
async fn an_erasure_deletes_the_contact_everywhere_and_only_them() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let other = app.sign_up("owner@other.test", "Other").await;
    let ada = app.visitor(owner.org(), "Ada").await;
    let bob = app.visitor(owner.org(), "Bob").await;
    let ada_elsewhere = app.visitor(other.org(), "Ada").await;
    let hers = ada.start_conversation().await;
    ada.say(hers.id, "please forget me").await;
    app.staff_reply(hers.id, "will do").await;
    owner
        .post(
            &format!("/api/dashboard/conversations/{}/read", hers.id),
            json!({"seq": 2}),
        )
        .await;
    let his = bob.start_conversation().await;
    bob.say(his.id, "keep me").await;
    let theirs = ada_elsewhere.start_conversation().await;
    ada_elsewhere.say(theirs.id, "other organization").await;

    // Another organization's erasure of the same email does not touch this one's data.
    let none: ErasureReport = other
        .post(
            "/api/dashboard/contacts/erase",
            json!({"email": "bob@example.com"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((none.sessions, none.conversations), (0, 0));

    let response = owner
        .post(
            "/api/dashboard/contacts/erase",
            json!({"email": "ada@example.com"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let report: ErasureReport = response.json().await.unwrap();
    assert_eq!(
        (report.sessions, report.conversations, report.messages),
        (1, 1, 2)
    );

    assert_error(
        ada.get("/api/widget/contact-session").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionInvalid,
    )
    .await;
    assert_error(
        owner
            .get(&format!("/api/dashboard/conversations/{}", hers.id))
            .await,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
    let export: ContactExport = owner
        .post(
            "/api/dashboard/contacts/export",
            json!({"email": "ada@example.com"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(export.sessions.is_empty() && export.conversations.is_empty());
    // Everyone else is untouched.
    assert_eq!(bob.messages(his.id).await.len(), 1);
    assert_eq!(ada_elsewhere.messages(theirs.id).await.len(), 1);
}

#[tokio::test]
async fn retention_deletes_old_conversations_and_sessions_and_keeps_recent_ones() {
    let app = TestApp::spawn_with(|c| c.retention_days = 30).await;
    let org = app.organization("Acme").await;
    let old = app.visitor(org, "Old").await;
    let old_conversation = old.start_conversation().await;
    old.say(old_conversation.id, "from long ago").await;
    // Past 30 days of inactivity, and expired (24 h sessions) more than 30 days ago.
    app.clock.advance_secs(32 * 86_400);
    let recent = app.visitor(org, "Recent").await;
    let recent_conversation = recent.start_conversation().await;
    recent.say(recent_conversation.id, "from today").await;

    let report = parley_backend::contacts::privacy::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(
        (report.conversations, report.messages, report.sessions),
        (1, 1, 1)
    );
    assert!(
        app.state
            .store
            .conversation(old_conversation.id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(recent.messages(recent_conversation.id).await.len(), 1);
    // A second pass finds nothing more.
    let again = parley_backend::contacts::privacy::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(again.conversations + again.sessions, 0);
}

#[tokio::test]
async fn with_retention_off_nothing_is_deleted() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Old").await;
    let conversation = visitor.start_conversation().await;
    app.clock.advance_secs(3650 * 86_400);
    let report = parley_backend::contacts::privacy::sweep(&app.state)
        .await
        .unwrap();
    assert_eq!(report.conversations + report.sessions, 0);
    assert!(
        app.state
            .store
            .conversation(conversation.id)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn the_retention_task_runs_by_itself() {
    let app = TestApp::spawn_with(|c| {
        c.retention_days = 30;
        c.retention_sweep_secs = 1;
    })
    .await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Old").await;
    let conversation = visitor.start_conversation().await;
    app.clock.advance_secs(31 * 86_400);
    // The task's next pass is at most a second away.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while app
        .state
        .store
        .conversation(conversation.id)
        .await
        .unwrap()
        .is_some()
    {
        assert!(std::time::Instant::now() < deadline, "never deleted");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Issue 21, finding 3: SQL `LOWER()` folds ASCII only on SQLite, so a contact who typed
/// `ÉLISE.x@…` was exported and erased as nothing. Lookups compare one normalization made
/// in Rust, whatever case the visitor or the operator typed.
#[tokio::test]
async fn emails_with_non_ascii_capitals_are_exported_and_erased_in_any_case() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let response = app
        .post_session(json!({"organizationId": owner.org(), "name": "Élise",
                             "email": "ÉLISE.x@example.com"}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let elise = crate::helpers::Visitor {
        app: &app,
        token: response
            .json::<parley_shared::api::ContactSessionCreated>()
            .await
            .unwrap()
            .token,
    };
    let hers = elise.start_conversation().await;
    elise.say(hers.id, "effacez-moi").await;

    let export: ContactExport = owner
        .post(
            "/api/dashboard/contacts/export",
            json!({"email": "élise.X@example.com"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(export.sessions.len(), 1);
    assert_eq!(export.conversations.len(), 1);
    let report: ErasureReport = owner
        .post(
            "/api/dashboard/contacts/erase",
            json!({"email": "Élise.x@EXAMPLE.com"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (report.sessions, report.conversations, report.messages),
        (1, 1, 1)
    );
    assert_error(
        elise.get("/api/widget/contact-session").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::SessionInvalid,
    )
    .await;
}
