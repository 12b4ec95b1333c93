//! The staff dashboard's API: accounts and sessions, scoping, roles, inbox, replies,
//! settings, members and invites.

use crate::helpers::{Staff, TestApp, assert_error, session_cookie};
use parley_shared::api::{Conversation, ConversationStatus, Message, Page, WidgetConfig};
use parley_shared::staff::{
    ConversationDetail, InboxItem, InviteCreated, InviteInfo, Me, Member, Role, WidgetSettings,
};
use parley_shared::{ErrorCode, MessageId};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn sign_up_creates_an_organization_and_its_owner_with_a_strict_httponly_cookie() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/dashboard/signup"))
        .json(
            &json!({"email": "Owner@Example.com", "password": "correct horse battery",
                      "organizationName": "Acme Bakery"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(
            set_cookie.contains(attribute),
            "{set_cookie} lacks {attribute}"
        );
    }
    assert!(!set_cookie.contains("Secure"), "plain http: no Secure flag");
    let staff = app.staff_from(response).await;
    assert_eq!(staff.me.user.email, "owner@example.com");
    assert_eq!(staff.me.role, Role::Owner);
    assert_eq!(staff.me.memberships[0].organization.name, "Acme Bakery");
    let me: Me = staff.get("/api/dashboard/me").await.json().await.unwrap();
    assert_eq!(me, staff.me);
    // The password is stored as an argon2id hash.
    let user = app
        .state
        .store
        .user_by_email("owner@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "{}",
        user.password_hash
    );
}

#[tokio::test]
async fn sign_up_refuses_bad_input_and_taken_emails() {
    let app = TestApp::spawn().await;
    app.sign_up("taken@example.com", "Acme").await;
    for (body, status, code) in [
        (
            json!({"email": "nope", "password": "long enough", "organizationName": "A"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"email": "a@example.com", "password": "short", "organizationName": "A"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"email": "a@example.com", "password": "long enough", "organizationName": "  "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"email": "a@example.com"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        ),
        (
            json!({"email": "TAKEN@example.com", "password": "long enough", "organizationName": "B"}),
            StatusCode::CONFLICT,
            ErrorCode::EmailTaken,
        ),
    ] {
        let response = app
            .client
            .post(app.url("/api/dashboard/signup"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_error(response, status, code).await;
    }
    let response = app
        .client
        .post(app.url("/api/dashboard/signup"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::InvalidJson).await;
}

#[tokio::test]
async fn login_checks_the_password_and_is_throttled_after_5_failures_not_successes() {
    let app = TestApp::spawn().await;
    app.sign_up("ada@example.com", "Acme").await;
    let staff = app.log_in("ADA@example.com", "correct horse battery").await;
    assert_eq!(staff.me.role, Role::Owner);
    assert_error(
        app.raw_log_in("ada@example.com", "wrong password").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    assert_error(
        app.raw_log_in("nobody@example.com", "wrong password").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    // Successful log-ins never count: colleagues behind one address log in all day.
    for _ in 0..6 {
        app.log_in("ada@example.com", "correct horse battery").await;
    }
    // Failures do: with the two above, 3 more make 5 from this address, which locks it,
    // even for the right password.
    for _ in 0..3 {
        let r = app.raw_log_in("ada@example.com", "wrong password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = app
        .raw_log_in("ada@example.com", "correct horse battery")
        .await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=300).contains(&retry_after),
        "Retry-After {retry_after}"
    );
    assert_error(
        limited,
        StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::RateLimited,
    )
    .await;
}

#[tokio::test]
async fn every_dashboard_route_needs_a_valid_session() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let some = "00000000-0000-4000-8000-000000000000";
    let routes = [
        (Method::GET, "/api/dashboard/me".to_owned()),
        (
            Method::POST,
            "/api/dashboard/switch-organization".to_owned(),
        ),
        (Method::GET, "/api/dashboard/conversations".to_owned()),
        (Method::GET, format!("/api/dashboard/conversations/{some}")),
        (
            Method::PATCH,
            format!("/api/dashboard/conversations/{some}"),
        ),
        (
            Method::GET,
            format!("/api/dashboard/conversations/{some}/messages"),
        ),
        (
            Method::POST,
            format!("/api/dashboard/conversations/{some}/messages"),
        ),
        (
            Method::POST,
            format!("/api/dashboard/conversations/{some}/read"),
        ),
        (Method::GET, "/api/dashboard/settings".to_owned()),
        (Method::PUT, "/api/dashboard/settings".to_owned()),
        (Method::GET, "/api/dashboard/members".to_owned()),
        (Method::DELETE, format!("/api/dashboard/members/{some}")),
        (Method::GET, "/api/dashboard/invites".to_owned()),
        (Method::POST, "/api/dashboard/invites".to_owned()),
        (Method::DELETE, format!("/api/dashboard/invites/{some}")),
        (Method::GET, "/api/dashboard/live".to_owned()),
        (Method::GET, "/api/dashboard/projects".to_owned()),
        (Method::POST, "/api/dashboard/projects".to_owned()),
        (
            Method::GET,
            format!("/api/dashboard/projects/{some}/settings"),
        ),
        (
            Method::PUT,
            format!("/api/dashboard/projects/{some}/settings"),
        ),
        (Method::GET, "/api/dashboard/api-keys".to_owned()),
        (Method::POST, "/api/dashboard/api-keys".to_owned()),
        (Method::DELETE, format!("/api/dashboard/api-keys/{some}")),
    ];
    let forged = staff.cookie.replace("parley_staff=", "parley_staff=x");
    for cookie in [None, Some("parley_staff=garbage".to_owned()), Some(forged)] {
        for (method, path) in &routes {
            let mut request = app
                .client
                .request(method.clone(), app.url(path))
                .json(&json!({}));
            if let Some(c) = &cookie {
                request = request.header("cookie", c);
            }
            let response = request.send().await.unwrap();
            assert_error(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
        }
    }
}

#[tokio::test]
async fn sessions_end_after_30_idle_minutes_are_renewed_by_use_and_end_after_12_hours() {
    let app = TestApp::spawn().await;
    let mut staff = app.sign_up("ada@example.com", "Acme").await;
    // Used every 20 minutes, the session is renewed each time...
    for _ in 0..(11 * 3) {
        app.clock.advance_secs(20 * 60);
        let response = staff.get("/api/dashboard/me").await;
        assert_eq!(response.status(), StatusCode::OK);
        staff.cookie = session_cookie(&response).expect("renewed cookie");
    }
    // ...but never past 12 hours after login.
    app.clock.advance_secs(60 * 60 + 1);
    assert_error(
        staff.get("/api/dashboard/me").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;

    let idle = app.log_in("ada@example.com", "correct horse battery").await;
    app.clock.advance_secs(30 * 60 + 1);
    assert_error(
        idle.get("/api/dashboard/me").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
}

#[tokio::test]
async fn logout_clears_the_cookie() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let response = staff.post("/api/dashboard/logout", json!({})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let set_cookie = response.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set_cookie.starts_with("parley_staff=;") && set_cookie.contains("Max-Age=0"),
        "{set_cookie}"
    );
}

#[tokio::test]
async fn the_inbox_lists_conversations_by_status_with_contact_preview_and_unread_count() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let visitor = app.visitor(staff.org(), "Bob").await;
    let first = visitor.start_conversation().await;
    app.clock.advance_secs(1);
    let second = visitor.start_conversation().await;
    visitor.say(second.id, "Where is my order?").await;
    visitor.say(second.id, "Hello?").await;
    staff
        .request(
            Method::PATCH,
            &format!("/api/dashboard/conversations/{}", first.id),
            Some(json!({"status": "escalated"})),
        )
        .await;

    let unresolved: Page<InboxItem> = staff
        .get("/api/dashboard/conversations?status=unresolved")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(unresolved.items.len(), 1);
    let row = &unresolved.items[0];
    assert_eq!(row.conversation.id, second.id);
    assert_eq!(
        (row.contact.name.as_str(), row.contact.email.as_str()),
        ("Bob", "bob@example.com")
    );
    assert_eq!(
        row.conversation.last_message.as_ref().unwrap().content,
        "Hello?"
    );
    assert_eq!(row.unread_count, 2);
    let escalated: Page<InboxItem> = staff
        .get("/api/dashboard/conversations?status=escalated")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        escalated
            .items
            .iter()
            .map(|i| i.conversation.id)
            .collect::<Vec<_>>(),
        vec![first.id]
    );
    let all: Page<InboxItem> = staff
        .get("/api/dashboard/conversations?status=all&limit=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
    let next: Page<InboxItem> = staff
        .get(&format!(
            "/api/dashboard/conversations?status=all&limit=1&cursor={}",
            all.next_cursor.unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next.items.len(), 1);
    assert_ne!(next.items[0].conversation.id, all.items[0].conversation.id);
    // The default view, "waiting": the escalated one first though its activity is older,
    // then the unresolved one, one per page across the cursor.
    let mut waiting = Vec::new();
    let mut path = "/api/dashboard/conversations?limit=1".to_owned();
    loop {
        let page: Page<InboxItem> = staff.get(&path).await.json().await.unwrap();
        waiting.extend(page.items.iter().map(|i| i.conversation.id));
        match page.next_cursor {
            Some(cursor) => path = format!("/api/dashboard/conversations?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(waiting, vec![first.id, second.id]);
    assert_error(
        staff.get("/api/dashboard/conversations?status=bogus").await,
        StatusCode::BAD_REQUEST,
        ErrorCode::BadRequest,
    )
    .await;

    // Reading clears the unread count for this operator.
    let read = staff
        .post(
            &format!("/api/dashboard/conversations/{}/read", second.id),
            json!({"seq": 2}),
        )
        .await;
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    let after: Page<InboxItem> = staff
        .get("/api/dashboard/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after.items[0].unread_count, 0);
}

#[tokio::test]
async fn the_conversation_view_shows_the_contact_panel_and_replies_reach_the_visitor_under_the_operator_name()
 {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let visitor = app.visitor(staff.org(), "Bob").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "Bonjour").await;

    let detail: ConversationDetail = staff
        .get(&format!("/api/dashboard/conversations/{}", conversation.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.contact.name, "Bob");
    assert_eq!(detail.contact.metadata.language.as_deref(), Some("fr-FR"));
    assert_eq!(
        detail.contact.metadata.timezone.as_deref(),
        Some("Europe/Paris")
    );

    let id = MessageId::new_random();
    let path = format!("/api/dashboard/conversations/{}/messages", conversation.id);
    let reply = staff
        .post(&path, json!({"id": id, "content": "Bonjour Bob !"}))
        .await;
    assert_eq!(reply.status(), StatusCode::CREATED);
    assert_eq!(
        staff
            .post(&path, json!({"id": id, "content": "Bonjour Bob !"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_error(
        staff.post(&path, json!({"content": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::MessageEmpty,
    )
    .await;

    let seen = visitor
        .get(&format!(
            "/api/widget/conversations/{}/messages",
            conversation.id
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(seen.contains("\"authorName\":\"Camille\""), "{seen}");
    assert!(
        !seen.contains("ada@example.com"),
        "never a staff email on a public route"
    );
    let listed: Page<Message> = staff.get(&path).await.json().await.unwrap();
    assert_eq!(listed.items.len(), 2);

    // Resolving closes the conversation for the visitor.
    let resolved: Conversation = staff
        .request(
            Method::PATCH,
            &format!("/api/dashboard/conversations/{}", conversation.id),
            Some(json!({"status": "resolved"})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(resolved.status, ConversationStatus::Resolved);
    let refused = visitor
        .send(conversation.id, MessageId::new_random(), "one more")
        .await;
    assert_error(
        refused,
        StatusCode::CONFLICT,
        ErrorCode::ConversationResolved,
    )
    .await;
    let bad = staff
        .request(
            Method::PATCH,
            &format!("/api/dashboard/conversations/{}", conversation.id),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_error(
        bad,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
}

#[tokio::test]
async fn another_organizations_conversations_are_404_for_operators() {
    let app = TestApp::spawn().await;
    let ours = app.sign_up("ada@example.com", "Acme").await;
    let theirs = app.sign_up("eve@example.com", "Other").await;
    let visitor = app.visitor(theirs.org(), "Bob").await;
    let conversation = visitor.start_conversation().await;
    let base = format!("/api/dashboard/conversations/{}", conversation.id);
    for response in [
        ours.get(&base).await,
        ours.get(&format!("{base}/messages")).await,
        ours.post(&format!("{base}/messages"), json!({"content": "hi"}))
            .await,
        ours.post(&format!("{base}/read"), json!({"seq": 1})).await,
        ours.request(Method::PATCH, &base, Some(json!({"status": "resolved"})))
            .await,
    ] {
        assert_error(
            response,
            StatusCode::NOT_FOUND,
            ErrorCode::ConversationNotFound,
        )
        .await;
    }
    let inbox: Page<InboxItem> = ours
        .get("/api/dashboard/conversations?status=all")
        .await
        .json()
        .await
        .unwrap();
    assert!(inbox.items.is_empty());
    let switch = ours
        .post(
            "/api/dashboard/switch-organization",
            json!({"organizationId": theirs.org()}),
        )
        .await;
    assert_error(switch, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn settings_are_validated_saved_and_used_by_the_widget() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let defaults: WidgetSettings = staff
        .get("/api/dashboard/settings")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(defaults, WidgetSettings::default());
    let saved = staff
        .request(
            Method::PUT,
            "/api/dashboard/settings",
            Some(json!({
                "displayName": "Acme Support", "greeting": "Hi! How can we help?",
                "suggestedMessages": ["Where is my order?", "  ", "Opening hours?"],
                "accentColor": "#16A34A", "allowedOrigins": ["https://shop.example/"],
                "replyTimeMinutes": 15, "unreadPreview": false
            })),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(defaults.unread_preview, "previews are on unless turned off");
    let config: WidgetConfig = app
        .client
        .get(app.url(&format!("/api/widget/organizations/{}", staff.org())))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config.name, "Acme Support");
    assert_eq!(config.greeting.as_deref(), Some("Hi! How can we help?"));
    assert_eq!(
        config.suggested_messages,
        vec!["Where is my order?", "Opening hours?"]
    );
    assert_eq!(config.accent_color.as_deref(), Some("#16a34a"));
    assert_eq!(config.allowed_origins, vec!["https://shop.example"]);
    assert_eq!(
        (config.reply_time_minutes, config.unread_preview),
        (Some(15), false)
    );
    for bad in [
        json!({"replyTimeMinutes": 0}),
        json!({"replyTimeMinutes": 1441}),
        json!({"accentColor": "green"}),
        json!({"allowedOrigins": ["shop.example"]}),
        // Issue 21, finding 10: out-of-range ports and broken IPv6 literals.
        json!({"allowedOrigins": ["https://a.example:99999"]}),
        json!({"allowedOrigins": ["http://[::1"]}),
        json!({"suggestedMessages": ["a", "b", "c", "d"]}),
        json!({"greeting": "x".repeat(501)}),
    ] {
        let response = staff
            .request(Method::PUT, "/api/dashboard/settings", Some(bad))
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ValidationFailed,
        )
        .await;
    }
}

async fn invite(staff: &Staff<'_>, role: &str) -> InviteCreated {
    let response = staff
        .post("/api/dashboard/invites", json!({"role": role}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_invite_link_is_single_use_and_expires() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("ada@example.com", "Acme").await;
    let created = invite(&owner, "agent").await;
    assert!(
        created
            .url
            .ends_with(&format!("/dashboard?invite={}", created.token))
    );
    let info: InviteInfo = app
        .client
        .get(app.url(&format!(
            "/api/dashboard/invites/lookup?token={}",
            created.token
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (info.organization_name.as_str(), info.role),
        ("Acme", Role::Agent)
    );

    let accept = |email: &'static str| {
        app.client
            .post(app.url("/api/dashboard/invites/accept"))
            .json(&json!({"token": created.token, "email": email, "password": "agent password", "displayName": "Sam"}))
            .send()
    };
    let joined = app
        .staff_from(accept("sam@example.com").await.unwrap())
        .await;
    assert_eq!((joined.me.role, joined.org()), (Role::Agent, owner.org()));
    assert_error(
        accept("other@example.com").await.unwrap(),
        StatusCode::NOT_FOUND,
        ErrorCode::InviteNotFound,
    )
    .await;

    let stale = invite(&owner, "agent").await;
    app.clock.advance_secs(7 * 24 * 3600 + 1);
    let response = app
        .client
        .post(app.url("/api/dashboard/invites/accept"))
        .json(
            &json!({"token": stale.token, "email": "late@example.com", "password": "long enough"}),
        )
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::NOT_FOUND, ErrorCode::InviteNotFound).await;
}

#[tokio::test]
async fn a_logged_in_person_joins_a_second_organization_and_switches_between_them() {
    let app = TestApp::spawn().await;
    let acme = app.sign_up("ada@example.com", "Acme").await;
    let other = app.sign_up("eve@example.com", "Other").await;
    let created = invite(&other, "admin").await;
    let response = acme
        .post(
            "/api/dashboard/invites/accept",
            json!({"token": created.token}),
        )
        .await;
    let joined = app.staff_from(response).await;
    assert_eq!(joined.me.memberships.len(), 2);
    assert_eq!((joined.org(), joined.me.role), (other.org(), Role::Admin));
    let back = joined
        .post(
            "/api/dashboard/switch-organization",
            json!({"organizationId": acme.org()}),
        )
        .await;
    let back = app.staff_from(back).await;
    assert_eq!((back.org(), back.me.role), (acme.org(), Role::Owner));
}

#[tokio::test]
async fn agents_cannot_manage_members_invites_or_settings() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("ada@example.com", "Acme").await;
    let agent = owner.invite_new("agent", "sam@example.com").await;
    let pending = invite(&owner, "agent").await;
    for response in [
        agent
            .request(Method::PUT, "/api/dashboard/settings", Some(json!({})))
            .await,
        agent
            .post("/api/dashboard/invites", json!({"role": "agent"}))
            .await,
        agent.get("/api/dashboard/invites").await,
        agent
            .delete(&format!("/api/dashboard/invites/{}", pending.invite.id))
            .await,
        agent
            .delete(&format!("/api/dashboard/members/{}", owner.me.user.id))
            .await,
    ] {
        assert_error(response, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    // Agents still work conversations and see their colleagues.
    assert_eq!(
        agent.get("/api/dashboard/conversations").await.status(),
        StatusCode::OK
    );
    let members: Vec<Member> = agent
        .get("/api/dashboard/members")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(members.len(), 2);
}

#[tokio::test]
async fn members_can_be_removed_but_not_the_last_owner() {
    let app = TestApp::spawn().await;
    let owner = app.sign_up("ada@example.com", "Acme").await;
    let admin = owner.invite_new("admin", "sam@example.com").await;
    // Admins cannot invite or remove owners.
    assert_error(
        admin
            .post("/api/dashboard/invites", json!({"role": "owner"}))
            .await,
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    let remove_owner = admin
        .delete(&format!("/api/dashboard/members/{}", owner.me.user.id))
        .await;
    assert_error(remove_owner, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    // The last owner cannot leave.
    let leave = owner
        .delete(&format!("/api/dashboard/members/{}", owner.me.user.id))
        .await;
    assert_error(leave, StatusCode::CONFLICT, ErrorCode::LastOwner).await;
    // An owner removes the admin, whose session stops working at once.
    let removed = owner
        .delete(&format!("/api/dashboard/members/{}", admin.me.user.id))
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    assert_error(
        admin.get("/api/dashboard/conversations").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    let again = owner
        .delete(&format!("/api/dashboard/members/{}", admin.me.user.id))
        .await;
    assert_error(again, StatusCode::NOT_FOUND, ErrorCode::MemberNotFound).await;
}

#[tokio::test]
async fn the_widget_page_may_only_be_framed_by_allowed_origins() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("ada@example.com", "Acme").await;
    let page = || {
        app.client
            .get(app.url(&format!("/widget?organizationId={}", staff.org())))
            .send()
    };
    assert!(
        app.state.assets.is_some(),
        "the widget is not built: run `cargo xtask build-widget`"
    );
    let csp = |r: &reqwest::Response| {
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert!(csp(&page().await.unwrap()).ends_with("; frame-ancestors *"));
    staff
        .request(
            Method::PUT,
            "/api/dashboard/settings",
            Some(json!({"allowedOrigins": ["https://shop.example"]})),
        )
        .await;
    let response = page().await.unwrap();
    assert!(csp(&response).ends_with("; frame-ancestors https://shop.example"));
}

mod live {
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use parley_shared::staff::{StaffClientFrame, StaffServerFrame};
    use std::time::Duration;
    use tokio_tungstenite::tungstenite::Message as WsMessage;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;

    use crate::helpers::{WsSocket as Socket, next_staff_frame as next};

    async fn next_inbox(socket: &mut Socket) -> InboxItem {
        match next(socket).await {
            StaffServerFrame::Inbox { item } => item,
            other => panic!("expected an inbox row, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_inbox_and_the_open_conversation_update_live() {
        let app = TestApp::spawn().await;
        let staff = app.sign_up("ada@example.com", "Acme").await;
        let mut socket = staff.live().await;
        assert_eq!(next(&mut socket).await, StaffServerFrame::Ready);

        let visitor = app.visitor(staff.org(), "Bob").await;
        let conversation = visitor.start_conversation().await;
        let row = next_inbox(&mut socket).await;
        assert_eq!(
            (row.conversation.id, row.contact.name.as_str()),
            (conversation.id, "Bob")
        );
        visitor.say(conversation.id, "first").await;
        let row = next_inbox(&mut socket).await;
        assert_eq!((row.unread_count, row.conversation.last_seq), (1, 1));

        // Following the conversation replays its messages, then streams new ones.
        let follow = StaffClientFrame::Follow {
            conversation_id: Some(conversation.id),
            after_seq: 0,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&follow).unwrap()))
            .await
            .unwrap();
        assert!(
            matches!(next(&mut socket).await, StaffServerFrame::Message { message } if message.seq == 1)
        );
        visitor.say(conversation.id, "second").await;
        let mut got_message = false;
        let mut got_row = false;
        for _ in 0..2 {
            match next(&mut socket).await {
                StaffServerFrame::Message { message } => got_message = message.seq == 2,
                StaffServerFrame::Inbox { item } => got_row = item.conversation.last_seq == 2,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(got_message && got_row);

        // Another organization's activity never shows up here.
        let other = app.sign_up("eve@example.com", "Other").await;
        let stranger = app.visitor(other.org(), "Mallory").await;
        stranger.start_conversation().await;
        let quiet = tokio::time::timeout(Duration::from_millis(300), socket.next()).await;
        assert!(quiet.is_err(), "unexpected frame {quiet:?}");
    }

    /// Typing: a burst of frames from the widget reaches the dashboard that follows the
    /// conversation once (the relay's throttle), before the message that ends it; the
    /// operator's typing reaches the widget with their name.
    #[tokio::test]
    async fn typing_is_relayed_once_per_burst_both_ways() {
        use crate::live::Live;
        use parley_shared::api::MessageRole;
        use parley_shared::live::{ClientFrame, ServerFrame};
        let app = TestApp::spawn().await;
        let staff = app.sign_up("typing@example.com", "Typing").await;
        let visitor = app.visitor(staff.org(), "Tia").await;
        let conversation = visitor.start_conversation().await;
        visitor.say(conversation.id, "hello").await;
        let mut socket = staff.live().await;
        assert_eq!(next(&mut socket).await, StaffServerFrame::Ready);
        let follow = StaffClientFrame::Follow {
            conversation_id: Some(conversation.id),
            after_seq: 0,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&follow).unwrap()))
            .await
            .unwrap();
        // The replay says the follow is in place.
        assert!(
            matches!(next(&mut socket).await, StaffServerFrame::Message { message } if message.seq == 1)
        );
        let mut widget = Live::subscribed(&app, &visitor, conversation.id, 1).await;
        for _ in 0..10 {
            widget.send(&ClientFrame::Typing).await;
        }
        visitor.say(conversation.id, "where is my order?").await;
        let mut typing = 0;
        loop {
            match next(&mut socket).await {
                StaffServerFrame::Typing { conversation_id } => {
                    assert_eq!(conversation_id, conversation.id);
                    typing += 1;
                }
                StaffServerFrame::Message { message } if message.seq == 2 => break,
                _ => {}
            }
        }
        assert_eq!(typing, 1, "one relayed frame for a burst of ten");

        let typing = StaffClientFrame::Typing {
            conversation_id: conversation.id,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&typing).unwrap()))
            .await
            .unwrap();
        loop {
            if let ServerFrame::Typing {
                role: MessageRole::Operator,
                author_name,
                ..
            } = widget.next().await
            {
                assert_eq!(
                    author_name.as_deref(),
                    Some(staff.me.user.display_name.as_str())
                );
                break;
            }
        }
    }

    #[tokio::test]
    async fn following_another_organizations_conversation_is_refused() {
        let app = TestApp::spawn().await;
        let staff = app.sign_up("ada@example.com", "Acme").await;
        let other = app.sign_up("eve@example.com", "Other").await;
        let conversation = app
            .visitor(other.org(), "Mallory")
            .await
            .start_conversation()
            .await;
        let mut socket = staff.live().await;
        assert_eq!(next(&mut socket).await, StaffServerFrame::Ready);
        let follow = StaffClientFrame::Follow {
            conversation_id: Some(conversation.id),
            after_seq: 0,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&follow).unwrap()))
            .await
            .unwrap();
        match next(&mut socket).await {
            StaffServerFrame::Error { error } => {
                assert_eq!(error.code, Some(ErrorCode::ConversationNotFound))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    /// A page of another origin (another port of the same host is the same *site*, so the
    /// browser sends the SameSite=Strict cookie) may not open the dashboard's socket, nor write
    /// with the operator's cookie; the dashboard's own origin and non-browser clients may.
    #[tokio::test]
    async fn another_origin_cannot_open_the_socket_or_write_with_the_staff_cookie() {
        let app = TestApp::spawn().await;
        let staff = app.sign_up("ada@example.com", "Acme").await;
        let url = format!(
            "{}/api/dashboard/live",
            app.base.replace("http://", "ws://")
        );
        let other_port = "http://127.0.0.1:1";
        for (name, value) in [
            ("origin", other_port),
            ("origin", "null"),
            ("sec-fetch-site", "same-site"),
        ] {
            let mut request = url.as_str().into_client_request().unwrap();
            request
                .headers_mut()
                .insert("cookie", staff.cookie.parse().unwrap());
            request.headers_mut().insert(name, value.parse().unwrap());
            match tokio_tungstenite::connect_async(request).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}: {value}");
                }
                other => panic!(
                    "{name}: {value}: expected a refused upgrade, got {:?}",
                    other.map(|_| ())
                ),
            }
        }
        let mut request = url.as_str().into_client_request().unwrap();
        request
            .headers_mut()
            .insert("cookie", staff.cookie.parse().unwrap());
        request
            .headers_mut()
            .insert("origin", app.base.parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("own origin");
        assert_eq!(next(&mut socket).await, StaffServerFrame::Ready);

        let visitor = app.visitor(staff.org(), "Bob").await;
        let conversation = visitor.start_conversation().await;
        let block = app.url(&format!(
            "/api/dashboard/conversations/{}/block",
            conversation.id
        ));
        let forged = app
            .client
            .post(&block)
            .header("cookie", &staff.cookie)
            .header("origin", other_port)
            .send()
            .await
            .unwrap();
        assert_error(forged, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
        assert_eq!(
            visitor.get("/api/widget/conversations").await.status(),
            StatusCode::OK,
            "not blocked"
        );
        let own = app
            .client
            .post(&block)
            .header("cookie", &staff.cookie)
            .header("origin", &app.base)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(own.status(), StatusCode::NO_CONTENT);
    }
}

/// Logging out revokes every session of the account (this device and the others), though
/// their signed tokens have not expired; logging in again works.
#[tokio::test]
async fn logout_revokes_every_session_of_the_account() {
    let app = TestApp::spawn().await;
    let laptop = app.sign_up("camille@acme.test", "Acme").await;
    let phone = app
        .log_in("camille@acme.test", "correct horse battery")
        .await;
    let other = app.sign_up("sam@elsewhere.test", "Elsewhere").await;
    assert_eq!(
        phone.get("/api/dashboard/me").await.status(),
        StatusCode::OK
    );
    let out = phone.post("/api/dashboard/logout", json!({})).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    for staff in [&laptop, &phone] {
        assert_error(
            staff.get("/api/dashboard/me").await,
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
        )
        .await;
    }
    // Someone else's sessions are untouched; a new login works.
    assert_eq!(
        other.get("/api/dashboard/me").await.status(),
        StatusCode::OK
    );
    let again = app
        .log_in("camille@acme.test", "correct horse battery")
        .await;
    assert_eq!(
        again.get("/api/dashboard/me").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn changing_the_password_revokes_the_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    let laptop = app.sign_up("camille@acme.test", "Acme").await;
    let phone = app
        .log_in("camille@acme.test", "correct horse battery")
        .await;
    // A wrong current password changes nothing.
    assert_error(
        laptop
            .post(
                "/api/dashboard/password",
                json!({"currentPassword": "wrong guess!", "newPassword": "new and long enough"}),
            )
            .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    assert_error(
        laptop
            .post(
                "/api/dashboard/password",
                json!({"currentPassword": "correct horse battery", "newPassword": "short"}),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    assert_eq!(
        phone.get("/api/dashboard/me").await.status(),
        StatusCode::OK
    );

    let changed = laptop
        .post(
            "/api/dashboard/password",
            json!({"currentPassword": "correct horse battery", "newPassword": "new and long enough"}),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    let laptop = app.staff_from(changed).await;
    assert_eq!(
        laptop.get("/api/dashboard/me").await.status(),
        StatusCode::OK
    );
    assert_error(
        phone.get("/api/dashboard/me").await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_error(
        app.raw_log_in("camille@acme.test", "correct horse battery")
            .await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidCredentials,
    )
    .await;
    app.log_in("camille@acme.test", "new and long enough").await;
}
