//! Store conformance ("db story"): the `Store` trait used directly, on whichever database
//! this pass runs (SQLite file, or PostgreSQL with `PARLEY_TEST_DATABASE_URL`).

use crate::helpers::TestApp;
use parley_backend::store::{Inserted, NewMessage};
use parley_shared::api::{ConversationStatus, MessageRole};
use parley_shared::{MessageId, Timestamp};

async fn conversation(app: &TestApp) -> parley_shared::ConversationId {
    let org = app.organization("Acme").await;
    app.visitor(org, "Ada").await.start_conversation().await.id
}

fn new_message(
    conversation_id: parley_shared::ConversationId,
    id: MessageId,
    text: &str,
) -> NewMessage {
    NewMessage {
        id,
        conversation_id,
        role: MessageRole::Contact,
        author_name: None,
        author_id: None,
        content: text.to_owned(),
        created_at: Timestamp::from_unix_millis(1_700_000_000_000),
        sibling_of: None,
        answer_job: None,
        event_job: None,
        stops_responder: false,
    }
}

#[tokio::test]
async fn concurrent_inserts_of_one_message_id_store_it_once() {
    let app = TestApp::spawn().await;
    let conversation_id = conversation(&app).await;
    let message = new_message(conversation_id, MessageId::new_random(), "once");
    let store = &app.state.store;
    let attempts = (0..12).map(|_| store.insert_message(&message));
    let outcomes = futures_util::future::join_all(attempts).await;
    let created = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Inserted::Created(_))))
        .count();
    let existing = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Inserted::Existing(_))))
        .count();
    assert_eq!((created, existing), (1, 11), "{outcomes:?}");
    let stored = store.messages_after(conversation_id, 0, 100).await.unwrap();
    assert_eq!(stored.len(), 1);
    // The losers' seq increments were rolled back: the next message gets seq 2.
    let next = store
        .insert_message(&new_message(
            conversation_id,
            MessageId::new_random(),
            "next",
        ))
        .await
        .unwrap();
    assert!(matches!(next, Inserted::Created(m) if m.seq == 2));
}

#[tokio::test]
async fn status_changes_and_message_reads_round_trip() {
    let app = TestApp::spawn().await;
    let conversation_id = conversation(&app).await;
    let store = &app.state.store;
    let now = Timestamp::from_unix_millis(1_800_000_000_123);
    let changed = store
        .set_conversation_status(conversation_id, ConversationStatus::Escalated, now)
        .await
        .unwrap()
        .expect("exists");
    assert_eq!(
        (changed.status, changed.updated_at),
        (ConversationStatus::Escalated, now)
    );
    let unknown = parley_shared::ConversationId::new_random();
    assert!(
        store
            .set_conversation_status(unknown, ConversationStatus::Resolved, now)
            .await
            .unwrap()
            .is_none()
    );
    let id = MessageId::new_random();
    store
        .insert_message(&new_message(conversation_id, id, "é ✓ 漢字"))
        .await
        .unwrap();
    let read = store.message(id).await.unwrap().expect("stored");
    assert_eq!(read.content, "é ✓ 漢字");
    assert!(
        store
            .message(MessageId::new_random())
            .await
            .unwrap()
            .is_none()
    );
}
