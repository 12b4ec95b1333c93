use crate::helpers::{TestApp, assert_error};
use parley_shared::api::{Message, MessageRole, Page};
use parley_shared::{ErrorCode, MessageId};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_contact_message_is_stored_with_seq_1_and_listed() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let id = MessageId::new_random();
    let response = visitor
        .send(conversation.id, id, "Bonjour, j'ai faim")
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let message: Message = response.json().await.unwrap();
    assert_eq!(
        (message.id, message.seq, message.role),
        (id, 1, MessageRole::Contact)
    );
    assert_eq!(visitor.messages(conversation.id).await, vec![message]);
}

#[tokio::test]
async fn a_retried_send_with_the_same_id_makes_one_message() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let id = MessageId::new_random();
    let first: Message = visitor
        .send(conversation.id, id, "once")
        .await
        .json()
        .await
        .unwrap();
    let retry = visitor.send(conversation.id, id, "once").await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.json::<Message>().await.unwrap(), first);
    assert_eq!(visitor.messages(conversation.id).await.len(), 1);
    // The same ID with other content is a conflict, not a silent overwrite.
    let clash = visitor.send(conversation.id, id, "different").await;
    assert_error(clash, StatusCode::CONFLICT, ErrorCode::MessageIdConflict).await;
}

#[tokio::test]
async fn empty_whitespace_and_zero_width_messages_are_422() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    for content in [
        "",
        "   ",
        "\n\t ",
        "\u{200B}\u{200C}\u{200D}",
        "\u{FEFF}\u{2060} ",
    ] {
        let response = visitor
            .send(conversation.id, MessageId::new_random(), content)
            .await;
        assert_error(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::MessageEmpty,
        )
        .await;
    }
    assert!(visitor.messages(conversation.id).await.is_empty());
}

#[tokio::test]
async fn messages_over_4000_characters_are_refused_and_4000_is_accepted() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let long = "é".repeat(4001);
    let response = visitor
        .send(conversation.id, MessageId::new_random(), &long)
        .await;
    assert_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::MessageTooLong,
    )
    .await;
    visitor.say(conversation.id, &"é".repeat(4000)).await;
    // Bodies over the server's byte limit are refused before parsing, also as JSON.
    let huge = "x".repeat(200 * 1024);
    let response = visitor
        .send(conversation.id, MessageId::new_random(), &huge)
        .await;
    assert_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::PayloadTooLarge,
    )
    .await;
}

#[tokio::test]
async fn the_length_limit_is_configurable() {
    let app = TestApp::spawn_with(|c| c.max_message_chars = 10).await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let response = visitor
        .send(conversation.id, MessageId::new_random(), "eleven char")
        .await;
    assert_error(
        response,
        StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::MessageTooLong,
    )
    .await;
}

#[tokio::test]
async fn malformed_json_is_400_and_wrong_shapes_are_422() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let url = app.url(&format!(
        "/api/widget/conversations/{}/messages",
        conversation.id
    ));
    let raw = |body: &'static str| {
        app.client
            .post(&url)
            .bearer_auth(&visitor.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_error(
        raw("{\"id\": ").await.unwrap(),
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidJson,
    )
    .await;
    assert_error(
        raw("not json").await.unwrap(),
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidJson,
    )
    .await;
    let wrong = raw("{\"id\": \"nope\", \"content\": \"hi\"}")
        .await
        .unwrap();
    assert_error(
        wrong,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let missing = raw("{\"content\": \"hi\"}").await.unwrap();
    assert_error(
        missing,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let no_type = app
        .client
        .post(&url)
        .bearer_auth(&visitor.token)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_error(
        no_type,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::UnsupportedMediaType,
    )
    .await;
    assert!(visitor.messages(conversation.id).await.is_empty());
}

#[tokio::test]
async fn a_resolved_conversation_refuses_new_contact_messages_with_409() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let id = MessageId::new_random();
    let before: Message = visitor
        .send(conversation.id, id, "thanks!")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        app.set_status(conversation.id, "resolved").await.status(),
        StatusCode::OK
    );

    let response = visitor
        .send(conversation.id, MessageId::new_random(), "one more thing")
        .await;
    assert_error(
        response,
        StatusCode::CONFLICT,
        ErrorCode::ConversationResolved,
    )
    .await;
    // A retry of a message accepted before resolution still succeeds (nothing lost, no 409).
    let retry = visitor.send(conversation.id, id, "thanks!").await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.json::<Message>().await.unwrap(), before);
    // A new conversation works.
    let next = visitor.start_conversation().await;
    visitor.say(next.id, "one more thing").await;
}

#[tokio::test]
async fn messages_are_listed_chronologically_in_cursor_pages() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    for i in 0..7 {
        if i % 3 == 2 {
            app.staff_reply(conversation.id, &format!("staff {i}"))
                .await;
        } else {
            visitor.say(conversation.id, &format!("contact {i}")).await;
        }
    }
    let mut seqs = Vec::new();
    let mut cursor = None::<String>;
    loop {
        let path = match &cursor {
            Some(c) => format!(
                "/api/widget/conversations/{}/messages?limit=3&cursor={c}",
                conversation.id
            ),
            None => format!(
                "/api/widget/conversations/{}/messages?limit=3",
                conversation.id
            ),
        };
        let page: Page<Message> = visitor.get(&path).await.json().await.unwrap();
        seqs.extend(page.items.iter().map(|m| m.seq));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seqs, (1..=7).collect::<Vec<u64>>());
    let limited = visitor
        .get(&format!(
            "/api/widget/conversations/{}/messages?limit=1000",
            conversation.id
        ))
        .await;
    let page: Page<Message> = limited.json().await.unwrap();
    assert_eq!(page.items.len(), 7, "limit is clamped to 100, not refused");
}

#[tokio::test]
async fn concurrent_sends_get_dense_unique_sequence_numbers() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let texts: Vec<String> = (0..40).map(|i| format!("m{i}")).collect();
    let sends = texts.iter().map(|t| visitor.say(conversation.id, t));
    let mut sent = futures_util::future::join_all(sends).await;
    sent.sort_unstable_by_key(|m| m.seq);
    let seqs: Vec<u64> = sent.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=40).collect::<Vec<u64>>());
    // Sends committed together (one group commit) still chain: each follows the one before.
    assert_eq!(sent[0].previous_message_id, None);
    for pair in sent.windows(2) {
        assert_eq!(pair[1].previous_message_id, Some(pair[0].id));
    }
}

#[tokio::test]
async fn staff_replies_carry_the_operator_name() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let reply = app.staff_reply(conversation.id, "Bonjour !").await;
    assert_eq!(reply.role, MessageRole::Operator);
    assert_eq!(reply.author_name.as_deref(), Some("Camille"));
    // The admin API refuses requests without its token.
    let response = app
        .client
        .post(app.url(&format!(
            "/api/admin/conversations/{}/messages",
            conversation.id
        )))
        .bearer_auth(&visitor.token)
        .json(&json!({"content": "fake staff"}))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

/// A NUL character cannot be stored by PostgreSQL: it is refused as bad input (422) on both
/// databases, before anything is written, while the same letters as plain text pass.
#[tokio::test]
async fn a_nul_character_is_422_and_its_spelling_as_text_is_fine() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    assert_error(
        visitor
            .send(conversation.id, MessageId::new_random(), "a\u{0}b")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let response = app
        .post_session(
            json!({"organizationId": org, "name": "Nul\u{0}", "email": "nul@example.com"}),
        )
        .await;
    assert_error(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::ValidationFailed,
    )
    .await;
    let text = visitor
        .say(conversation.id, r"a literal \u0000 in a code sample")
        .await;
    assert_eq!(text.content, r"a literal \u0000 in a code sample");
    assert_eq!(visitor.messages(conversation.id).await.len(), 1);
}
