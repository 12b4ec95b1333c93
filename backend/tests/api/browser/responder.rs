//! The demo organization answers from its knowledge base, streaming, then hands over.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::error::CmdError;

/// The demo organization answers from its knowledge base: the visitor sees the answer
/// stream in, then asks for a person, and the conversation shows up as escalated in the
/// operator's dashboard.
async fn responder_scenario(
    app: &TestApp,
    visitor: &Client,
    operator: &Client,
) -> Result<(), CmdError> {
    visitor
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    open_widget(visitor).await?;
    fill_auth_form(visitor, "Grace Hopper", "grace@example.com").await?;
    let conversation = start_chat(visitor).await?;
    wait_css(visitor, ".composer textarea")
        .await?
        .send_keys(&format!(
            "How much does delivery cost?{}",
            char::from(Key::Enter)
        ))
        .await?;
    // The answer is written while the visitor watches: a draft with part of the text...
    let partial = wait_css(visitor, ".message.draft .bubble:not(.typing)")
        .await?
        .text()
        .await?;
    screenshot(visitor, "7-answer-streaming").await?;
    // ...then the stored answer, from the right article.
    let answer = wait_css(visitor, ".message.assistant:not(.draft) .bubble")
        .await?
        .text()
        .await?;
    assert!(answer.contains("Delivery costs 4 euros"), "{answer}");
    assert!(
        !partial.is_empty() && answer.starts_with(&partial) && partial.len() < answer.len(),
        "streamed {partial:?}, then {answer:?}"
    );
    assert!(
        answer.contains("Source: “Delivery › Delivery fees”"),
        "{answer}"
    );
    screenshot(visitor, "8-answer").await?;

    // "Talk to a person" hands it over.
    wait_css(visitor, ".talk-to-person").await?.click().await?;
    wait_css(visitor, ".status-bar.escalated").await?;

    log_in(app, operator).await?;
    wait_css(operator, ".tab[data-tab='escalated']")
        .await?
        .click()
        .await?;
    let row = format!(".row[data-conversation-id='{conversation}'][data-status='escalated']");
    wait_css(operator, &row).await?.click().await?;
    wait_xpath(
        operator,
        r#"//li[contains(@class,'staff')]/div[@class='bubble' and contains(text(), "Delivery costs 4 euros")]"#,
    )
    .await?;
    screenshot(operator, "9-dashboard-escalated").await?;
    Ok(())
}

#[tokio::test]
async fn the_demo_answers_from_its_knowledge_base_while_streaming_and_hands_over_to_a_person() {
    let app = TestApp::spawn_with(|c| {
        c.demo = true;
        // Slow enough for the browser to see the answer being written.
        c.responder_stream_ms = 250;
    })
    .await;
    assert!(app.state.assets.is_some(), "the web apps are not built");
    with_browsers("responder end-to-end test", 2, async |c| {
        responder_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}
