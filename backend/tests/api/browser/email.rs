//! An email's "Continue the conversation" link (issue 15), opened in headless Chromium:
//! the widget signs the visitor back in and shows the conversation with the reply.

use super::*;
use crate::helpers::TestApp;
use crate::smtp::SmtpServer;
use mail_parser::MessageParser;

#[tokio::test]
async fn the_continue_link_of_a_reply_email_opens_the_conversation_in_the_widget() {
    let smtp = SmtpServer::start().await;
    let app: TestApp = crate::email::app_with(&smtp, false).await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Zoe").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "Where is my order?").await;
    app.staff_reply(conversation.id, "It left this morning.")
        .await;
    assert_eq!(crate::email::run_reminders(&app, 10).await, 1);
    let mails = smtp.mails();
    assert_eq!(mails.len(), 1);
    let mail = MessageParser::default().parse(&mails[0]).expect("a mail");
    let text = mail.body_text(0).expect("a plain-text part").into_owned();
    let link = text
        .split_whitespace()
        .find(|w| w.contains("continue="))
        .expect("a continue link")
        .to_owned();
    assert!(link.starts_with(&app.base), "{link}");
    with_browsers("browser email link test", 1, async |c| {
        let client = &c[0];
        client.goto(&link).await?;
        wait_css(
            client,
            &format!(".screen.chat[data-conversation-id='{}']", conversation.id),
        )
        .await?;
        wait_xpath(
            client,
            "//li[contains(@class,'theirs')]/div[@class='bubble' and text()='It left this morning.']",
        )
        .await?;
        screenshot(client, "email-continue").await
    })
    .await;
}
