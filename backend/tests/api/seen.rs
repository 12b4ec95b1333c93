//! Read positions ("seen" both ways) and the widget's `watch` socket (its conversation list
//! with unread replies), over real WebSockets (issue 14).

use crate::helpers::{TestApp, next_staff_frame};
use crate::live::Live;
use futures_util::SinkExt;
use parley_shared::MessageId;
use parley_shared::api::{Conversation, MessageRole};
use parley_shared::live::{ClientFrame, ServerFrame};
use parley_shared::staff::{StaffClientFrame, StaffServerFrame};
use reqwest::StatusCode;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The next `conversation` frame of a watch socket.
async fn next_change(watch: &mut Live) -> Conversation {
    loop {
        if let ServerFrame::Conversation { conversation } = watch.next().await {
            return conversation;
        }
    }
}

#[tokio::test]
async fn the_visitor_and_the_team_see_each_others_read_positions_live_and_after_a_reload() {
    let app = TestApp::spawn().await;
    let staff = app.sign_up("seen@example.com", "Seen").await;
    let visitor = app.visitor(staff.org(), "Léa").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "Bonjour, ma commande ?").await;

    // The dashboard follows the conversation; the widget too.
    let mut dashboard = staff.live().await;
    assert_eq!(
        next_staff_frame(&mut dashboard).await,
        StaffServerFrame::Ready
    );
    let follow = StaffClientFrame::Follow {
        conversation_id: Some(conversation.id),
        after_seq: 1,
    };
    let text = serde_json::to_string(&follow).unwrap();
    dashboard.send(WsMessage::text(text)).await.unwrap();
    let mut widget = Live::subscribed(&app, &visitor, conversation.id, 1).await;

    // The operator opens it: the widget hears "seen up to 1".
    let read = format!("/api/dashboard/conversations/{}/read", conversation.id);
    let response = staff.post(&read, json!({"seq": 1})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    loop {
        if let ServerFrame::Read { role, seq, .. } = widget.next().await {
            assert_eq!((role, seq), (MessageRole::Operator, 1));
            break;
        }
    }

    // The operator replies; the visitor reads it (a position past the end is capped).
    let path = format!("/api/dashboard/conversations/{}/messages", conversation.id);
    let body = json!({"id": MessageId::new_random(), "content": "Elle part demain."});
    assert_eq!(staff.post(&path, body).await.status(), StatusCode::CREATED);
    assert_eq!(widget.next_message_seq().await.0, 2);
    widget.send(&ClientFrame::Read { seq: 99 }).await;
    loop {
        match next_staff_frame(&mut dashboard).await {
            StaffServerFrame::Read {
                conversation_id,
                seq,
            } => {
                assert_eq!((conversation_id, seq), (conversation.id, 2));
                break;
            }
            StaffServerFrame::Error { error } => panic!("{error:?}"),
            _ => {}
        }
    }
    // Stored: both positions come back with the conversation, and going back changes nothing.
    widget.send(&ClientFrame::Read { seq: 1 }).await;
    let response = staff.post(&read, json!({"seq": 0})).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let reloaded: Conversation = visitor
        .get(&format!("/api/widget/conversations/{}", conversation.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((reloaded.contact_read_seq, reloaded.staff_read_seq), (2, 1));
    assert_eq!(reloaded.unread_count, 0);
}

#[tokio::test]
async fn a_watch_socket_counts_unread_replies_and_follows_new_conversations() {
    let app = TestApp::spawn().await;
    let visitor = app.visitor(app.organization("Watch").await, "Noé").await;
    let first = visitor.start_conversation().await;
    visitor.say(first.id, "Bonjour").await;

    let (mut watch, listed) = Live::watching(&app.base, &visitor.token).await;
    let ServerFrame::Conversations { conversations } = listed else {
        panic!("expected the list, got {listed:?}");
    };
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0].unread_count, 0);

    // Two replies while the widget is closed: counted, the newest is the preview.
    app.staff_reply(first.id, "Bonjour !").await;
    assert_eq!(next_change(&mut watch).await.unread_count, 1);
    app.staff_reply(first.id, "Que puis-je pour vous ?").await;
    let changed = next_change(&mut watch).await;
    assert_eq!(changed.unread_count, 2);
    assert_eq!(
        changed.last_message.map(|m| m.content).as_deref(),
        Some("Que puis-je pour vous ?")
    );

    // The visitor opens the chat and reads them: the count clears.
    let mut chat = Live::subscribed(&app, &visitor, first.id, 3).await;
    chat.send(&ClientFrame::Read { seq: 3 }).await;
    let read = next_change(&mut watch).await;
    assert_eq!((read.unread_count, read.contact_read_seq), (0, 3));

    // A conversation started after the watch began is followed too.
    let second = visitor.start_conversation().await;
    assert_eq!(next_change(&mut watch).await.id, second.id);
    app.staff_reply(second.id, "Autre sujet ?").await;
    let changed = next_change(&mut watch).await;
    assert_eq!((changed.id, changed.unread_count), (second.id, 1));
}

#[tokio::test]
async fn a_read_frame_before_subscribing_and_a_watch_with_a_bad_token_are_refused() {
    let app = TestApp::spawn().await;
    let (mut watch, first) = Live::watching(&app.base, "not-a-token").await;
    assert!(
        matches!(&first, ServerFrame::Error { error } if error.status_code == 401),
        "{first:?}"
    );
    watch.closed().await;

    let url = format!("{}/api/widget/live", app.base.replace("http://", "ws://"));
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let read = serde_json::to_string(&ClientFrame::Read { seq: 1 }).unwrap();
    socket.send(WsMessage::text(read)).await.unwrap();
    let error =
        crate::helpers::error_frame_within(&mut socket, std::time::Duration::from_secs(5)).await;
    assert_eq!(error.status_code, 422);
}
