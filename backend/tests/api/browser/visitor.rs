//! The demo customer page (its own origin) embeds the widget with its script tag; a visitor
//! identifies, chats, gets a live staff reply, reloads and finds the conversation again.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::Locator;
use fantoccini::error::CmdError;

async fn scenario(app: &TestApp, client: &Client) -> Result<(), CmdError> {
    let demo = app.demo_url.as_deref().expect("demo site");
    client.goto(demo).await?;
    // The demo page really is another origin than the widget.
    let host_origin = client.execute("return location.origin", vec![]).await?;
    assert_ne!(host_origin.as_str(), Some(app.base.as_str()));
    // Nothing heavy loads before the first open, and nothing is written to the visitor's
    // cookies or storage (the widget's own storage lives in its iframe, created on open).
    assert!(
        client
            .find_all(Locator::Css("#parley-panel iframe"))
            .await?
            .is_empty()
    );
    let written = client
        .execute(
            "return document.cookie + '|' + localStorage.length + '|' + sessionStorage.length",
            vec![],
        )
        .await?;
    assert_eq!(written.as_str(), Some("|0|0"));

    open_widget(client).await?;
    fill_auth_form(client, "Ada Lovelace", "ada@example.com").await?;

    let conversation = start_chat(client).await?;
    // Nothing exists before the first message (no empty conversations in the inbox).
    let stored = |id| async move { app.state.store.conversation(id).await.unwrap() };
    assert!(stored(conversation).await.is_none());
    let composer = wait_css(client, ".composer textarea").await?;
    composer
        .send_keys(&format!("Bonjour, j'ai faim{}", char::from(Key::Enter)))
        .await?;
    wait_xpath(
        client,
        r#"//li[contains(@class,'mine')]/div[@class='bubble' and text()="Bonjour, j'ai faim"]"#,
    )
    .await?;
    wait_css(client, ".message.mine .delivery.sent").await?;
    assert!(
        stored(conversation).await.is_some(),
        "created with its message"
    );
    screenshot(client, "1-chat").await?;

    // A staff reply arrives live, without reload.
    app.staff_reply(conversation, "Bonjour ! Une baguette ?")
        .await;
    wait_xpath(client, r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Bonjour ! Une baguette ?"]"#).await?;
    let author = client
        .find(Locator::Css(".message.theirs .author"))
        .await?
        .text()
        .await?;
    assert_eq!(author, "Camille");
    screenshot(client, "2-reply").await?;

    // Reload the host page: the session and the conversation are still there.
    client.enter_parent_frame().await?;
    client.refresh().await?;
    open_widget(client).await?;
    let listed = wait_css(
        client,
        &format!(".conversation[data-conversation-id='{conversation}']"),
    )
    .await?;
    assert!(
        listed.text().await?.contains("Une baguette"),
        "the list previews the last message"
    );
    screenshot(client, "3-selection-after-reload").await?;
    listed.click().await?;
    wait_xpath(
        client,
        r#"//li[contains(@class,'mine')]/div[@class='bubble' and text()="Bonjour, j'ai faim"]"#,
    )
    .await?;
    wait_xpath(client, r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Bonjour ! Une baguette ?"]"#).await?;
    assert_eq!(
        client.find_all(Locator::Css(".message")).await?.len(),
        2,
        "no duplicates"
    );

    // Editing a message branches the conversation: the edit shows with "2/2" and continues
    // on its own; "‹" shows the original with its reply again.
    wait_css(client, ".message.mine .edit")
        .await?
        .click()
        .await?;
    let editor = wait_css(client, ".edit-form textarea").await?;
    editor.clear().await?;
    editor.send_keys("Bonjour, j'ai soif").await?;
    client
        .find(Locator::Css(".edit-form button[type=submit]"))
        .await?
        .click()
        .await?;
    let edited =
        r#"//li[contains(@class,'mine')]/div[@class='bubble' and text()="Bonjour, j'ai soif"]"#;
    wait_xpath(client, edited).await?;
    wait_gone(client, ".message.theirs").await?;
    let position = wait_css(client, ".branch-position").await?.text().await?;
    assert_eq!(position, "2/2");
    app.staff_reply(conversation, "Une limonade ?").await;
    wait_xpath(
        client,
        r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Une limonade ?"]"#,
    )
    .await?;
    screenshot(client, "3b-edited-branch").await?;
    client
        .find(Locator::Css(".branch-prev"))
        .await?
        .click()
        .await?;
    wait_xpath(client, r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Bonjour ! Une baguette ?"]"#).await?;
    assert_eq!(
        client
            .find(Locator::Css(".branch-position"))
            .await?
            .text()
            .await?,
        "1/2"
    );
    assert_eq!(client.find_all(Locator::Css(".message")).await?.len(), 2);
    client
        .find(Locator::Css(".branch-next"))
        .await?
        .click()
        .await?;
    wait_xpath(client, edited).await?;
    wait_xpath(
        client,
        r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Une limonade ?"]"#,
    )
    .await?;

    // Back returns to selection.
    client
        .find(Locator::Css(".header .back"))
        .await?
        .click()
        .await?;
    wait_css(client, ".start-chat").await?;
    Ok(())
}

#[tokio::test]
async fn a_visitor_chats_from_the_demo_page_gets_a_live_reply_and_finds_it_after_reload() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    assert!(
        app.state.assets.is_some(),
        "the widget is not built: run `cargo xtask build-widget` (or `cargo xtask test`)"
    );
    with_browsers("browser end-to-end test", 1, async |c| {
        scenario(&app, &c[0]).await
    })
    .await;
}
