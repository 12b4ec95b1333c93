//! Conversations continue by email (issue 15), against a real SMTP server (Debian's
//! `python3-aiosmtpd`, writing each mail into a Maildir): an unseen reply is emailed once,
//! batched, with a recap and links that work; nothing when the visitor saw it or
//! unsubscribed; a batch waits out an SMTP outage and is sent once.

use crate::helpers::{TestApp, assert_error};
use crate::smtp::SmtpServer;
use mail_parser::MessageParser;
use parley_backend::email::reply::ReplyEmail;
use parley_backend::store::{ReadMark, Reader};
use parley_shared::api::{Conversation, ConversationContinued};
use parley_shared::staff::EmailStatus;
use parley_shared::{ErrorCode, MessageId, Timestamp};
use reqwest::StatusCode;
use serde_json::json;

/// A server that emails replies through `smtp`, with no email worker of its own: the test
/// runs the reminders itself, as if their time had come.
pub async fn app_with(smtp: &SmtpServer, demo: bool) -> TestApp {
    let port = smtp.port;
    TestApp::spawn_with(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.email_from = Some("Acme Support <support@acme.test>".into());
        c.email_after_secs = 3600;
        c.email_workers = 0;
        c.demo = demo;
    })
    .await
}

/// Runs due reply reminders as if it were two hours from now, at most `max` (a retried one
/// is due again at once for this clock); how many ran.
pub async fn run_reminders(app: &TestApp, max: usize) -> usize {
    let later = Timestamp::from_unix_millis(
        time::OffsetDateTime::now_utc().unix_timestamp() * 1000 + 2 * 3600 * 1000,
    );
    let mut ran = 0;
    while ran < max
        && parley_backend::jobs::run_once_at(&app.state, &ReplyEmail, later)
            .await
            .expect("run a reminder")
    {
        ran += 1;
    }
    ran
}

/// The value after `key=` in `text`, up to the next white space.
pub fn link_param<'a>(text: &'a str, key: &str) -> &'a str {
    let start = text.find(key).expect("link") + key.len();
    text[start..]
        .split(|c: char| c.is_whitespace())
        .next()
        .unwrap_or_default()
}

#[tokio::test]
async fn an_unseen_reply_is_emailed_once_batched_with_a_recap_and_links_that_work() {
    let smtp = SmtpServer::start().await;
    let app = app_with(&smtp, false).await;
    let staff = app.sign_up("owner@acme.test", "Acme").await;
    // The dashboard tells whether replies are emailed (here they are; without SMTP not).
    let status: EmailStatus = staff
        .get("/api/dashboard/email-status")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((status.enabled, status.after_seconds), (true, 3600));
    let plain = TestApp::spawn().await;
    let other = plain.sign_up("owner@other.test", "Other").await;
    let status: EmailStatus = other
        .get("/api/dashboard/email-status")
        .await
        .json()
        .await
        .unwrap();
    assert!(!status.enabled);
    let visitor = app.visitor(staff.org(), "Zoe").await;
    let conversation = visitor.start_conversation().await;
    visitor
        .say(conversation.id, "Where is my order 1234?")
        .await;
    let path = format!("/api/dashboard/conversations/{}/messages", conversation.id);
    for text in ["It left this morning.", "It arrives on Friday."] {
        let body = json!({"id": MessageId::new_random(), "content": text});
        assert_eq!(staff.post(&path, body).await.status(), StatusCode::CREATED);
    }

    // Two reminders; the first sees a later reply and leaves the batch to it.
    assert_eq!(run_reminders(&app, 10).await, 2);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1, "one email for the two replies");
    let mail = MessageParser::default().parse(&mails[0]).expect("a mail");
    assert_eq!(
        mail.to().and_then(|t| t.first()).and_then(|a| a.address()),
        Some("zoe@example.com")
    );
    assert!(mail.subject().is_some_and(|s| s.contains("Acme")));
    assert!(mail.message_id().is_some_and(|id| id.starts_with("reply-")));
    let text = mail.body_text(0).expect("a plain-text part").into_owned();
    assert!(text.contains("It left this morning.") && text.contains("It arrives on Friday."));
    assert!(
        text.contains("Where is my order 1234?"),
        "the recap: {text}"
    );
    let html = mail.body_html(0).expect("an HTML part").into_owned();
    assert!(html.contains("Continue the conversation"));

    // Nothing more to send: the batch is recorded.
    assert_eq!(run_reminders(&app, 10).await, 0);

    // "Continue the conversation" signs the visitor back in on that conversation, with a
    // new credential (the old one stops working).
    let secret = link_param(&text, "continue=");
    let continued: ConversationContinued = app
        .client
        .post(app.url("/api/widget/continue"))
        .json(&json!({ "token": secret }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(continued.conversation_id, conversation.id);
    let reread = app
        .client
        .get(app.url(&format!("/api/widget/conversations/{}", conversation.id)))
        .bearer_auth(&continued.created.token)
        .send()
        .await
        .unwrap();
    assert_eq!(reread.status(), StatusCode::OK);
    let reread: Conversation = reread.json().await.unwrap();
    assert_eq!(reread.last_seq, 3);
    assert_eq!(
        visitor
            .get(&format!("/api/widget/conversations/{}", conversation.id))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let forged = app
        .client
        .post(app.url("/api/widget/continue"))
        .json(&json!({ "token": "not-a-link" }))
        .send()
        .await
        .unwrap();
    assert_error(forged, StatusCode::NOT_FOUND, ErrorCode::LinkInvalid).await;

    // Unsubscribe: the next unseen reply is not emailed.
    let unsubscribe = link_param(&text, "unsubscribe?token=");
    let page = app
        .client
        .get(app.url(&format!("/api/email/unsubscribe?token={unsubscribe}")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body = json!({"id": MessageId::new_random(), "content": "Anything else?"});
    assert_eq!(staff.post(&path, body).await.status(), StatusCode::CREATED);
    assert_eq!(run_reminders(&app, 10).await, 1);
    assert_eq!(smtp.mails().len(), 1, "unsubscribed");
}

#[tokio::test]
async fn a_reply_seen_in_time_is_not_emailed_and_an_smtp_outage_delays_the_email_once() {
    let mut smtp = SmtpServer::start().await;
    let app = app_with(&smtp, false).await;
    let staff = app.sign_up("owner@acme.test", "Acme").await;
    let visitor = app.visitor(staff.org(), "Noe").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "Hello?").await;
    let path = format!("/api/dashboard/conversations/{}/messages", conversation.id);
    let body = json!({"id": MessageId::new_random(), "content": "Hello Noe!"});
    assert_eq!(staff.post(&path, body).await.status(), StatusCode::CREATED);
    // The widget showed it (what its read frame stores).
    let mark = ReadMark {
        organization_id: staff.org(),
        conversation_id: conversation.id,
        reader: Reader::Contact,
        seq: 2,
    };
    app.state.store.record_read(mark).await.unwrap();
    assert_eq!(run_reminders(&app, 10).await, 1);
    assert!(smtp.mails().is_empty(), "seen in time: no email");

    // The SMTP server is down when the next reminder runs: it is retried, and sent once
    // the server is back.
    smtp.stop().await;
    let body = json!({"id": MessageId::new_random(), "content": "Are you still there?"});
    assert_eq!(staff.post(&path, body).await.status(), StatusCode::CREATED);
    assert_eq!(
        run_reminders(&app, 1).await,
        1,
        "one failed attempt, put back"
    );
    assert!(smtp.mails().is_empty());
    smtp.restart().await;
    assert_eq!(run_reminders(&app, 10).await, 1);
    assert_eq!(run_reminders(&app, 10).await, 0);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let mail = MessageParser::default().parse(&mails[0]).unwrap();
    let text = mail.body_text(0).unwrap().into_owned();
    let (new, recap) = text.split_once("Continue the conversation").unwrap();
    assert!(new.contains("Are you still there?") && !new.contains("Hello Noe!"));
    assert!(
        recap.contains("Hello Noe!"),
        "seen replies stay in the recap"
    );
}

#[tokio::test]
async fn two_instances_running_the_same_reminders_send_each_email_once() {
    let smtp = SmtpServer::start().await;
    let first = app_with(&smtp, false).await;
    // PostgreSQL pass only: the SQLite pass runs one process by design.
    let Some(second) = first.second_instance().await else {
        return;
    };
    let staff = first.sign_up("owner@acme.test", "Acme").await;
    let path_of = |id| format!("/api/dashboard/conversations/{id}/messages");
    for name in ["Ana", "Ben", "Cleo"] {
        let visitor = first.visitor(staff.org(), name).await;
        let conversation = visitor.start_conversation().await;
        visitor.say(conversation.id, "Hello?").await;
        let body = json!({"id": MessageId::new_random(), "content": "Hello!"});
        let sent = staff.post(&path_of(conversation.id), body).await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    // Both instances run the due reminders at once; each job is claimed by one of them.
    let (a, b) = tokio::join!(run_reminders(&first, 10), run_reminders(&second, 10));
    assert_eq!(a + b, 3);
    assert_eq!(
        smtp.mails().len(),
        3,
        "one email per conversation, none twice"
    );
}
