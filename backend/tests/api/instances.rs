//! Several backend instances on one PostgreSQL: live updates cross instances (widgets and
//! dashboards), revocations end the other instance's sockets, and a client of a killed
//! instance reconnects to another and catches up. Runs in the PostgreSQL pass
//! (`PARLEY_TEST_DATABASE_URL=postgres://…`); the SQLite pass has a single process by design.

use crate::helpers::TestDb;
use crate::live::Live;
use parley_shared::api::{ContactSessionCreated, Conversation, Message};
use parley_shared::live::ServerFrame;
use parley_shared::staff::StaffServerFrame;
use parley_shared::{ConversationId, ErrorCode, MessageId, OrganizationId};
use reqwest::StatusCode;
use serde_json::json;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const ADMIN_TOKEN: &str = "multi-instance-test-admin-token";

/// A `parley serve` process; killed when dropped.
struct Instance {
    child: Child,
    base: String,
}

impl Instance {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_parley"))
            .args([
                "serve",
                "--no-rate-limits",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            .args(["--admin-token", ADMIN_TOKEN, "--data-dir"])
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("start parley");
        // Its first stdout line says where it listens (port 0 → a free port).
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let line = lines
            .next_line()
            .await
            .expect("read stdout")
            .expect("a line");
        let base = line
            .strip_prefix("Parley is listening on ")
            .expect("listening line")
            .to_owned();
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Self { child, base }
    }
}

struct Remote {
    client: reqwest::Client,
}

impl Remote {
    async fn session(&self, at: &Instance, org: OrganizationId) -> String {
        let response = self
            .client
            .post(format!("{}/api/widget/contact-sessions", at.base))
            .json(&json!({"organizationId": org, "name": "Ada", "email": "ada@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response
            .json::<ContactSessionCreated>()
            .await
            .unwrap()
            .token
    }

    async fn start_conversation(&self, at: &Instance, token: &str) -> ConversationId {
        let response = self
            .client
            .post(format!("{}/api/widget/conversations", at.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json::<Conversation>().await.unwrap().id
    }

    async fn say(
        &self,
        at: &Instance,
        token: &str,
        conversation: ConversationId,
        text: &str,
    ) -> Message {
        let response = self
            .client
            .post(format!(
                "{}/api/widget/conversations/{conversation}/messages",
                at.base
            ))
            .bearer_auth(token)
            .json(&json!({"id": MessageId::new_random(), "content": text}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }

    async fn staff_reply(
        &self,
        at: &Instance,
        conversation: ConversationId,
        text: &str,
    ) -> Message {
        let response = self
            .client
            .post(format!(
                "{}/api/admin/conversations/{conversation}/messages",
                at.base
            ))
            .bearer_auth(ADMIN_TOKEN)
            .json(&json!({"content": text, "authorName": "Camille"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }
}

use crate::helpers::{WsSocket as Socket, next_staff_frame};

/// A dashboard's live socket on `at`, past its `ready` frame.
async fn dashboard_on(at: &Instance, cookie: &str) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("{}/api/dashboard/live", at.base.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("cookie", cookie.parse().unwrap());
    let mut socket = tokio_tungstenite::connect_async(request)
        .await
        .expect("ws")
        .0;
    assert_eq!(next_staff_frame(&mut socket).await, StaffServerFrame::Ready);
    socket
}

/// The next inbox row: (conversation, last seq).
async fn next_inbox_row(socket: &mut Socket) -> (ConversationId, u64) {
    match next_staff_frame(socket).await {
        StaffServerFrame::Inbox { item } => (item.conversation.id, item.conversation.last_seq),
        other => panic!("expected an inbox row, got {other:?}"),
    }
}

async fn subscribed(at: &Instance, token: &str, conversation: ConversationId, after: u64) -> Live {
    let (live, first) = Live::open_at(&at.base, token, conversation, after).await;
    assert!(matches!(first, ServerFrame::Ready { .. }), "{first:?}");
    live
}

#[tokio::test]
async fn two_instances_share_live_updates_and_a_killed_instances_clients_catch_up_on_the_other() {
    let Some(db) = TestDb::create().await else {
        eprintln!(
            "(multi-instance test: runs in the PostgreSQL pass, PARLEY_TEST_DATABASE_URL=postgres://…)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Both start at once on an empty database: the migration runs once, under a lock.
    let (mut a, b) = tokio::join!(
        Instance::start(&db.url, dir.path()),
        Instance::start(&db.url, dir.path())
    );
    let org_output = std::process::Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(["org", "create", "--name", "Acme", "--database-url", &db.url])
        .output()
        .unwrap();
    assert!(org_output.status.success());
    let org: OrganizationId = String::from_utf8(org_output.stdout)
        .unwrap()
        .trim()
        .parse()
        .unwrap();

    let remote = Remote {
        client: reqwest::Client::new(),
    };
    // An operator signs up through A; their dashboard is connected to B.
    let signup = remote
        .client
        .post(format!("{}/api/dashboard/signup", a.base))
        .json(&json!({"email": "ada@example.com", "password": "correct horse battery", "organizationName": "Multi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let cookie = crate::helpers::session_cookie(&signup).expect("session cookie");
    let staff_org = signup
        .json::<parley_shared::staff::Me>()
        .await
        .unwrap()
        .current_organization_id;
    let mut dashboard = dashboard_on(&b, &cookie).await;
    let staff_token = remote.session(&a, staff_org).await;
    let staff_conversation = remote.start_conversation(&a, &staff_token).await;
    assert_eq!(
        next_inbox_row(&mut dashboard).await,
        (staff_conversation, 0)
    );
    remote
        .say(&a, &staff_token, staff_conversation, "hello from A")
        .await;
    assert_eq!(
        next_inbox_row(&mut dashboard).await,
        (staff_conversation, 1)
    );

    // Revocations through A end B's sockets at once (issue 21, finding 2): the operator
    // blocks the visitor, whose widget follows on B, then logs out; their dashboard is on B.
    let at_once = std::time::Duration::from_secs(1);
    let mut blocked = subscribed(&b, &staff_token, staff_conversation, 1).await;
    let block = remote
        .client
        .post(format!(
            "{}/api/dashboard/conversations/{staff_conversation}/block",
            a.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(block.status(), StatusCode::NO_CONTENT);
    let error = blocked.refused_within(at_once).await;
    assert_eq!(error.code, Some(ErrorCode::SessionInvalid), "{error:?}");
    let out = remote
        .client
        .post(format!("{}/api/dashboard/logout", a.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let error = crate::helpers::error_frame_within(&mut dashboard, at_once).await;
    assert_eq!(error.code, Some(ErrorCode::Unauthorized), "{error:?}");

    let token = remote.session(&a, org).await;
    let conversation = remote.start_conversation(&a, &token).await;
    // The visitor's widget follows on A; a second client (the staff side) follows on B.
    let mut widget = subscribed(&a, &token, conversation, 0).await;
    let mut staff_view = subscribed(&b, &token, conversation, 0).await;

    // B → A: a staff reply accepted by B reaches the widget on A.
    remote
        .staff_reply(&b, conversation, "Bonjour, ici Camille")
        .await;
    assert_eq!(
        widget.next_message_seq().await,
        (1, "Bonjour, ici Camille".to_owned())
    );
    assert_eq!(staff_view.next_message_seq().await.0, 1);
    // A → B: the visitor's message accepted by A reaches the client on B.
    remote
        .say(&a, &token, conversation, "Bonjour, j'ai faim")
        .await;
    assert_eq!(
        staff_view.next_message_seq().await,
        (2, "Bonjour, j'ai faim".to_owned())
    );
    assert_eq!(widget.next_message_seq().await.0, 2);

    // Simultaneous sends through both instances: dense, unique, and delivered once, in order.
    let sends = (0..20).map(|i| {
        let at = if i % 2 == 0 { &a } else { &b };
        let text = format!("burst {i}");
        let (remote, token) = (&remote, &token);
        async move { remote.say(at, token, conversation, &text).await.seq }
    });
    let mut seqs = futures_util::future::join_all(sends).await;
    seqs.sort_unstable();
    assert_eq!(seqs, (3..=22).collect::<Vec<u64>>());
    for expected in 3..=22 {
        assert_eq!(widget.next_message_seq().await.0, expected);
        assert_eq!(staff_view.next_message_seq().await.0, expected);
    }

    // A dies. Its widget notices, and while it is away B accepts more.
    a.child.kill().await.unwrap();
    widget.closed().await;
    remote
        .staff_reply(&b, conversation, "Vous êtes toujours là ?")
        .await;
    remote.say(&b, &token, conversation, "Oui !").await;

    // The widget reconnects to B from the last seq it holds: exactly what it missed.
    let mut widget = subscribed(&b, &token, conversation, 22).await;
    assert_eq!(
        widget.next_message_seq().await,
        (23, "Vous êtes toujours là ?".to_owned())
    );
    assert_eq!(widget.next_message_seq().await, (24, "Oui !".to_owned()));
    remote
        .say(&b, &token, conversation, "Une baguette, svp")
        .await;
    assert_eq!(widget.next_message_seq().await.0, 25);
    widget.assert_quiet().await;
    drop(b);
}
