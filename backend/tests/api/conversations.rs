use crate::helpers::{TestApp, assert_error};
use parley_shared::api::{Conversation, ConversationStatus, Page};
use parley_shared::{ErrorCode, MessageId};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_new_conversation_is_unresolved_and_empty() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    assert_eq!(conversation.status, ConversationStatus::Unresolved);
    assert_eq!(conversation.organization_id, org);
    assert_eq!(conversation.last_seq, 0);
    let fetched: Conversation = visitor
        .get(&format!("/api/widget/conversations/{}", conversation.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, conversation);
}

#[tokio::test]
async fn the_list_shows_own_conversations_by_latest_activity_in_pages() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let other = app.visitor(org, "Bob").await;
    other.start_conversation().await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        app.clock.advance_secs(1);
        ids.push(visitor.start_conversation().await.id);
    }
    // Activity on the oldest moves it to the top.
    app.clock.advance_secs(1);
    let last = visitor.say(ids[0], "hello again").await;
    let expected = [ids[0], ids[4], ids[3], ids[2], ids[1]];

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/widget/conversations?limit=2&cursor={c}"),
            None => "/api/widget/conversations?limit=2".to_owned(),
        };
        let page: Page<Conversation> = visitor.get(&path).await.json().await.unwrap();
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().cloned());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.iter().map(|c| c.id).collect::<Vec<_>>(), expected);
    assert_eq!(seen[0].last_message.as_ref().map(|m| m.id), Some(last.id));
}

#[tokio::test]
async fn a_malformed_cursor_is_400() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let response = visitor.get("/api/widget/conversations?cursor=%%%").await;
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let response = visitor.get("/api/widget/conversations?limit=abc").await;
    assert_error(response, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
}

/// The check seed 001 found missing: a conversation belongs to its contact session.
#[tokio::test]
async fn another_sessions_conversation_is_404_on_every_route() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let other_org = app.organization("Other").await;
    let owner = app.visitor(org, "Ada").await;
    let conversation = owner.start_conversation().await;
    owner.say(conversation.id, "private").await;

    let same_org_stranger = app.visitor(org, "Eve").await;
    let other_org_stranger = app.visitor(other_org, "Mallory").await;
    for stranger in [&same_org_stranger, &other_org_stranger] {
        let get = stranger
            .get(&format!("/api/widget/conversations/{}", conversation.id))
            .await;
        assert_error(get, StatusCode::NOT_FOUND, ErrorCode::ConversationNotFound).await;
        let list = stranger
            .get(&format!(
                "/api/widget/conversations/{}/messages",
                conversation.id
            ))
            .await;
        assert_error(list, StatusCode::NOT_FOUND, ErrorCode::ConversationNotFound).await;
        let send = stranger
            .send(conversation.id, MessageId::new_random(), "hi")
            .await;
        assert_error(send, StatusCode::NOT_FOUND, ErrorCode::ConversationNotFound).await;
        let page: Page<Conversation> = stranger
            .get("/api/widget/conversations")
            .await
            .json()
            .await
            .unwrap();
        assert!(page.items.iter().all(|c| c.id != conversation.id));
    }
    // Unknown and malformed IDs look exactly the same.
    let unknown = owner
        .get("/api/widget/conversations/00000000-0000-4000-8000-000000000000")
        .await;
    assert_error(
        unknown,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
    let malformed = owner
        .post_json("/api/widget/conversations/xyz/messages", &json!({}))
        .await;
    assert_error(
        malformed,
        StatusCode::NOT_FOUND,
        ErrorCode::ConversationNotFound,
    )
    .await;
    // Nothing was written by the strangers.
    assert_eq!(owner.messages(conversation.id).await.len(), 1);
}

/// The widget names a new conversation when the visitor sends the first message: a retry
/// answers the same conversation, another visitor cannot take that ID.
#[tokio::test]
async fn a_widget_chosen_conversation_id_is_created_once_and_only_for_its_visitor() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ana").await;
    let id = parley_shared::ConversationId::new_random();
    let path = format!("/api/widget/conversations?id={id}");
    let created = visitor.post_json(&path, &serde_json::json!({})).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Conversation = created.json().await.unwrap();
    assert_eq!(created.id, id);
    let again = visitor.post_json(&path, &serde_json::json!({})).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.json::<Conversation>().await.unwrap().id, id);
    let listed: Page<Conversation> = visitor
        .get("/api/widget/conversations")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed.items.len(), 1, "one conversation for two attempts");

    let other = app.visitor(org, "Eve").await;
    let taken = other.post_json(&path, &serde_json::json!({})).await;
    assert_error(
        taken,
        StatusCode::CONFLICT,
        ErrorCode::ConversationIdConflict,
    )
    .await;
    let bad = visitor
        .post_json(
            "/api/widget/conversations?id=not-an-id",
            &serde_json::json!({}),
        )
        .await;
    assert_error(bad, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
}
