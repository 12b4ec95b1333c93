//! Typing indicators between people (issue 14), in two browsers: the visitor's typing shows
//! in the operator's open conversation, the operator's in the widget, each quickly and each
//! gone by itself once the typing stops.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::error::CmdError;

/// How long after the keystrokes the other side showed the indicator.
async fn shown_after(client: &Client, css: &str, since: Instant) -> Result<Duration, CmdError> {
    client
        .wait()
        .at_most(WAIT)
        .every(Duration::from_millis(50))
        .for_element(Locator::Css(css))
        .await?;
    Ok(since.elapsed())
}

/// The scenario: the visitor on `site`'s demo page, the operator on `desk`'s dashboard (one
/// instance, or two on one PostgreSQL).
pub(super) async fn typing_scenario(
    site: &TestApp,
    desk: &TestApp,
    visitor: &Client,
    operator: &Client,
) -> Result<(), CmdError> {
    log_in(desk, operator).await?;
    wait_css(operator, ".tab.active[data-tab='waiting']").await?;
    visitor
        .goto(site.demo_url.as_deref().expect("demo site"))
        .await?;
    let (conversation, composer) =
        first_message(visitor, "Grace Hopper", "grace@example.com", "Bonjour").await?;
    wait_css(
        operator,
        &format!(".row[data-conversation-id='{conversation}']"),
    )
    .await?
    .click()
    .await?;
    wait_css(operator, ".composer textarea").await?;
    // The widget's live socket opens once the first message created the conversation.
    wait_css(visitor, ".screen.chat[data-live='up']").await?;

    // The visitor types (without sending): the operator sees it, then it goes by itself.
    let since = Instant::now();
    composer.send_keys("Je cherche ma commande").await?;
    let took = shown_after(operator, ".visitor-typing", since).await?;
    // Relayed at once; the margin is webdriver polling on a loaded CI machine.
    assert!(took < Duration::from_secs(2), "shown after {took:?}");
    let note = operator
        .find(Locator::Css(".visitor-typing"))
        .await?
        .text()
        .await?;
    assert_eq!(note, "Grace Hopper is typing…");
    wait_gone(operator, ".visitor-typing").await?;

    // The operator types a reply: the widget shows who, then it goes by itself.
    let since = Instant::now();
    operator
        .find(Locator::Css(".composer textarea"))
        .await?
        .send_keys("Je regarde")
        .await?;
    let took = shown_after(visitor, ".person-typing", since).await?;
    assert!(took < Duration::from_secs(2), "shown after {took:?}");
    let who = visitor
        .find(Locator::Css(".person-typing .author"))
        .await?
        .text()
        .await?;
    assert_eq!(who, "Demo Operator");
    screenshot(visitor, "typing").await?;
    wait_gone(visitor, ".person-typing").await
}

#[tokio::test]
async fn each_side_sees_the_other_typing_and_the_indicator_ends_by_itself() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    with_browsers("browser typing test", 2, async |c| {
        typing_scenario(&app, &app, &c[0], &c[1]).await
    })
    .await;
}
