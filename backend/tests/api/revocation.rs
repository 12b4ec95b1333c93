//! Revocation reaches open live sockets at once (issue 21, finding 2): a logout, a password
//! change, a removed membership, a blocked contact and "verified only" end the sockets that
//! hold the revoked credential within a second (the ping that used to catch it comes every
//! 25 s), and leave every other socket open. The two-instance case is in `instances.rs`.

use crate::helpers::{TestApp, WsSocket, error_frame_within, next_staff_frame};
use crate::identity::{secret, set_required};
use crate::live::Live;
use parley_backend::contacts::identity::user_hash;
use parley_shared::api::ContactSessionCreated;
use parley_shared::staff::StaffServerFrame;
use parley_shared::{ConversationId, ErrorCode};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

/// How soon a revoked socket must end: far below the 25 s ping interval.
const AT_ONCE: Duration = Duration::from_secs(1);
const PASSWORD: &str = "correct horse battery";

/// A dashboard socket past its `ready` frame.
async fn ready(mut socket: WsSocket) -> WsSocket {
    assert_eq!(next_staff_frame(&mut socket).await, StaffServerFrame::Ready);
    socket
}

/// The next inbox row's conversation on a dashboard socket.
async fn next_inbox_row(socket: &mut WsSocket) -> ConversationId {
    loop {
        if let StaffServerFrame::Inbox { item } = next_staff_frame(socket).await {
            return item.conversation.id;
        }
    }
}

async fn assert_unauthorized(socket: &mut WsSocket) {
    let error = error_frame_within(socket, AT_ONCE).await;
    assert_eq!(error.code, Some(ErrorCode::Unauthorized), "{error:?}");
}

#[tokio::test]
async fn dashboard_sockets_end_at_once_on_logout_password_change_and_removal() {
    let app = TestApp::spawn().await;
    let laptop = app.sign_up("camille@acme.test", "Acme").await;
    let phone = app.log_in("camille@acme.test", PASSWORD).await;
    let agent = laptop.invite_new("agent", "agent@acme.test").await;
    let bystander = app.sign_up("sam@elsewhere.test", "Elsewhere").await;
    let mut on_laptop = ready(laptop.live().await).await;
    let mut on_phone = ready(phone.live().await).await;
    let mut on_agent = ready(agent.live().await).await;
    let mut on_bystander = ready(bystander.live().await).await;

    // A password change on the laptop ends the phone's socket and the laptop's own (opened
    // with the old cookie; the dashboard reconnects with the fresh one).
    let changed = laptop
        .post(
            "/api/dashboard/password",
            json!({"currentPassword": PASSWORD, "newPassword": "new and long enough"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    assert_unauthorized(&mut on_phone).await;
    assert_unauthorized(&mut on_laptop).await;
    let laptop = app.staff_from(changed).await;
    let mut on_laptop = ready(laptop.live().await).await;

    // Removing the agent ends the agent's socket.
    let removed = laptop
        .delete(&format!("/api/dashboard/members/{}", agent.me.user.id))
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_unauthorized(&mut on_agent).await;

    // Logging out ends the socket of the session that logged out.
    let out = laptop.post("/api/dashboard/logout", json!({})).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_unauthorized(&mut on_laptop).await;

    // Another account's socket is still live.
    let visitor = app.visitor(bystander.org(), "Ada").await;
    let conversation = visitor.start_conversation().await;
    assert_eq!(next_inbox_row(&mut on_bystander).await, conversation.id);
}

/// A contact session created with `body`, and an open socket on a new conversation of it.
async fn following(app: &TestApp, body: Value) -> (ConversationId, Live) {
    let response = app.post_session(body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let token = response
        .json::<ContactSessionCreated>()
        .await
        .unwrap()
        .token;
    let visitor = crate::helpers::Visitor {
        app,
        token: token.clone(),
    };
    let conversation = visitor.start_conversation().await;
    (
        conversation.id,
        Live::subscribed(app, &visitor, conversation.id, 0).await,
    )
}

#[tokio::test]
async fn widget_sockets_end_at_once_when_their_contact_is_blocked_or_verification_is_required() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let org = owner.org();
    let typed = |email: &str| json!({"organizationId": org, "name": "Élise", "email": email});
    // The same person in two tabs, her email typed in two cases (non-ASCII capitals fold
    // too), and a bystander.
    let (hers, mut first_tab) = following(&app, typed("ÉLISE.x@example.com")).await;
    let (_, mut second_tab) = following(&app, typed("élise.x@example.com")).await;
    let (_, mut bystander) = following(&app, typed("bob@example.com")).await;
    let secret = secret(&owner).await;
    let identity = json!({"userId": "u-1", "userHash": user_hash(&secret, "u-1"),
                          "email": "vera@example.com", "name": "Vera"});
    let (vera, mut verified) = following(
        &app,
        json!({"organizationId": org, "identity": identity, "metadata": {}}),
    )
    .await;

    // Blocking her from the conversation of her first tab ends both tabs' sockets.
    let block = owner
        .post(
            &format!("/api/dashboard/conversations/{hers}/block"),
            json!({}),
        )
        .await;
    assert_eq!(block.status(), StatusCode::NO_CONTENT);
    for tab in [&mut first_tab, &mut second_tab] {
        let error = tab.refused_within(AT_ONCE).await;
        assert_eq!(error.code, Some(ErrorCode::SessionInvalid), "{error:?}");
    }

    // "Verified only" ends the anonymous bystander's socket, not the verified visitor's.
    set_required(&owner, true, false).await;
    let error = bystander.refused_within(AT_ONCE).await;
    assert_eq!(error.code, Some(ErrorCode::IdentityRequired), "{error:?}");
    app.staff_reply(vera, "Bonjour Vera").await;
    assert_eq!(
        verified.next_message_seq().await,
        (1, "Bonjour Vera".to_owned())
    );
}
