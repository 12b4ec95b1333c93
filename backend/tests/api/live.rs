use crate::helpers::{TestApp, Visitor};
use futures_util::{SinkExt, StreamExt};
use parley_shared::api::ConversationStatus;
use parley_shared::live::{ClientFrame, ServerFrame};
use parley_shared::{ConversationId, ErrorCode};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A live connection, subscribed, with its `Ready` frame consumed.
pub struct Live {
    socket: Socket,
}

impl Live {
    async fn open(
        app: &TestApp,
        token: &str,
        conversation: ConversationId,
        after_seq: u64,
    ) -> (Self, ServerFrame) {
        Self::open_at(&app.base, token, conversation, after_seq).await
    }

    /// Connects to the server at `base` and subscribes; returns the first frame.
    pub async fn open_at(
        base: &str,
        token: &str,
        conversation: ConversationId,
        after_seq: u64,
    ) -> (Self, ServerFrame) {
        let url = format!("{}/api/widget/live", base.replace("http://", "ws://"));
        let (mut socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connect");
        let subscribe = ClientFrame::Subscribe {
            token: token.to_owned(),
            conversation_id: conversation,
            after_seq,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&subscribe).unwrap()))
            .await
            .unwrap();
        let mut live = Self { socket };
        let first = live.next().await;
        (live, first)
    }

    /// Opens a `watch` socket (the session's conversation list); returns the first frame.
    pub async fn watching(base: &str, token: &str) -> (Self, ServerFrame) {
        let url = format!("{}/api/widget/live", base.replace("http://", "ws://"));
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("ws connect");
        let mut live = Self { socket };
        live.send(&ClientFrame::Watch {
            token: token.to_owned(),
        })
        .await;
        let first = live.next().await;
        (live, first)
    }

    pub async fn subscribed(
        app: &TestApp,
        visitor: &Visitor<'_>,
        conversation: ConversationId,
        after_seq: u64,
    ) -> Self {
        let (live, first) = Self::open(app, &visitor.token, conversation, after_seq).await;
        assert!(
            matches!(first, ServerFrame::Ready { .. }),
            "expected ready, got {first:?}"
        );
        live
    }

    /// The next frame; fails the test after 5 s (no sleeps: this waits for the event).
    pub async fn next(&mut self) -> ServerFrame {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(5), self.socket.next())
                .await
                .expect("a frame within 5 s")
                .expect("socket open")
                .expect("frame");
            if let WsMessage::Text(text) = frame {
                return serde_json::from_str(&text).expect("server frame");
            }
        }
    }

    pub async fn next_message_seq(&mut self) -> (u64, String) {
        match self.next().await {
            ServerFrame::Message { message } => (message.seq, message.content),
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// The error frame this socket ends with, within `within` ([`error_frame_within`]).
    pub async fn refused_within(&mut self, within: Duration) -> parley_shared::ErrorBody {
        crate::helpers::error_frame_within(&mut self.socket, within).await
    }

    /// Asserts nothing arrives for a short while (used only to check for duplicates).
    pub async fn assert_quiet(&mut self) {
        let extra = tokio::time::timeout(Duration::from_millis(300), self.socket.next()).await;
        assert!(extra.is_err(), "unexpected frame: {extra:?}");
    }
}

#[tokio::test]
async fn a_staff_reply_and_a_status_change_arrive_live() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;

    visitor.say(conversation.id, "Bonjour, j'ai faim").await;
    assert_eq!(
        live.next_message_seq().await,
        (1, "Bonjour, j'ai faim".to_owned())
    );
    app.staff_reply(conversation.id, "Bonjour ! Que désirez-vous ?")
        .await;
    match live.next().await {
        ServerFrame::Message { message } => {
            assert_eq!(message.seq, 2);
            assert_eq!(message.author_name.as_deref(), Some("Camille"));
        }
        other => panic!("expected the reply, got {other:?}"),
    }
    app.set_status(conversation.id, "resolved").await;
    match live.next().await {
        ServerFrame::Status { status, .. } => assert_eq!(status, ConversationStatus::Resolved),
        other => panic!("expected a status change, got {other:?}"),
    }
}

#[tokio::test]
async fn after_a_disconnect_the_client_resumes_with_no_gap_and_no_duplicate() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    visitor.say(conversation.id, "one").await;
    visitor.say(conversation.id, "two").await;
    assert_eq!(live.next_message_seq().await.0, 1);
    assert_eq!(live.next_message_seq().await.0, 2);
    drop(live);

    // Missed while disconnected.
    visitor.say(conversation.id, "three").await;
    app.staff_reply(conversation.id, "four").await;
    visitor.say(conversation.id, "five").await;

    let mut live = Live::subscribed(&app, &visitor, conversation.id, 2).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(live.next_message_seq().await);
    }
    assert_eq!(
        got,
        vec![(3, "three".into()), (4, "four".into()), (5, "five".into())]
    );
    // New messages keep flowing after the replay, each exactly once.
    visitor.say(conversation.id, "six").await;
    assert_eq!(live.next_message_seq().await, (6, "six".to_owned()));
    live.assert_quiet().await;
}

#[tokio::test]
async fn a_subscription_to_another_sessions_conversation_is_refused_with_404() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let owner = app.visitor(org, "Ada").await;
    let stranger = app.visitor(org, "Eve").await;
    let conversation = owner.start_conversation().await;
    owner.say(conversation.id, "private").await;
    let (_, first) = Live::open(&app, &stranger.token, conversation.id, 0).await;
    match first {
        ServerFrame::Error { error } => {
            assert_eq!(error.status_code, 404);
            assert_eq!(error.code, Some(ErrorCode::ConversationNotFound));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn an_expired_session_is_refused_live_with_session_expired() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    app.clock.advance_secs(25 * 3600);
    let (_, first) = Live::open(&app, &visitor.token, conversation.id, 0).await;
    match first {
        ServerFrame::Error { error } => assert_eq!(error.code, Some(ErrorCode::SessionExpired)),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

impl Live {
    /// Sends a frame as the widget would.
    pub async fn send(&mut self, frame: &ClientFrame) {
        let text = serde_json::to_string(frame).unwrap();
        self.socket.send(WsMessage::text(text)).await.unwrap();
    }

    /// Waits until the server closes this socket (e.g. its instance died).
    pub async fn closed(&mut self) {
        loop {
            match tokio::time::timeout(Duration::from_secs(10), self.socket.next()).await {
                Ok(None | Some(Err(_)) | Some(Ok(WsMessage::Close(_)))) => return,
                Ok(Some(Ok(_))) => continue,
                Err(_) => panic!("the socket did not close within 10 s"),
            }
        }
    }
}

/// When announcements may have been lost (the LISTEN connection dropped), the bridge makes
/// every subscriber re-read: a change nobody announced still reaches the client.
#[tokio::test]
async fn after_a_gap_in_announcements_subscribers_reread_status_and_messages() {
    use parley_backend::store::{NewMessage, Notice};
    use parley_shared::api::MessageRole;
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;

    // Changes written behind the hub's back, as another instance's would be.
    let store = app.state.store.clone();
    let now = parley_shared::Timestamp::from_unix_millis(1_800_000_000_000);
    store
        .set_conversation_status(conversation.id, ConversationStatus::Escalated, now)
        .await
        .unwrap();
    let message = NewMessage {
        id: parley_shared::MessageId::new_random(),
        conversation_id: conversation.id,
        role: MessageRole::Operator,
        author_name: Some("Camille".into()),
        author_id: None,
        content: "unannounced".into(),
        created_at: now,
        sibling_of: None,
        answer_job: None,
        event_job: None,
        stops_responder: true,
    };
    store.insert_message(&message).await.unwrap();

    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(parley_backend::live::bridge(
        rx,
        store,
        app.state.hub.clone(),
    ));
    tx.send(Notice::Gap).await.unwrap();
    // The message may also arrive through the subscription's initial replay (if it commits
    // before that replay runs); either way both facts arrive, each once.
    let (mut status, mut messages) = (None, Vec::new());
    for _ in 0..2 {
        match live.next().await {
            ServerFrame::Status { status: s, .. } => status = Some(s),
            ServerFrame::Message { message } => messages.push((message.seq, message.content)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(status, Some(ConversationStatus::Escalated));
    assert_eq!(messages, vec![(1, "unannounced".to_owned())]);
    live.assert_quiet().await;
}

#[tokio::test]
async fn an_open_socket_ends_with_session_expired_once_the_session_expires() {
    let app = TestApp::spawn_with(|c| c.live_ping_ms = 200).await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let mut live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    app.clock.advance_secs(24 * 3600 + 1);
    match live.next().await {
        ServerFrame::Error { error } => assert_eq!(error.code, Some(ErrorCode::SessionExpired)),
        other => panic!("expected the session to end, got {other:?}"),
    }
}

/// A frame over the cap is refused before it is read whole or parsed: the socket closes
/// (issue 21, finding 6: one 15 MiB frame per socket cost 13 MB of resident memory each).
#[tokio::test]
async fn an_oversized_first_frame_closes_the_socket_before_authentication() {
    let app = TestApp::spawn().await;
    let url = format!("{}/api/widget/live", app.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("ws connect");
    let huge = "x".repeat(1024 * 1024);
    // The server may close while the frame is still being written: either end is fine.
    let _ = socket.send(WsMessage::Text(huge.into())).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match tokio::time::timeout_at(deadline, socket.next()).await {
            Ok(None | Some(Err(_)) | Some(Ok(WsMessage::Close(_)))) => break,
            Ok(Some(Ok(WsMessage::Text(text)))) => panic!("the server answered {text}"),
            Ok(Some(Ok(_))) => {}
            Err(_) => panic!("the socket stayed open after an oversized frame"),
        }
    }
}
