//! Visitor and operator in two separate browsers, talking live; the operator resolves.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::Locator;
use fantoccini::error::CmdError;

/// Visitor and operator in two separate browsers, talking live.
async fn support_scenario(
    app: &TestApp,
    visitor: &Client,
    operator: &Client,
) -> Result<(), CmdError> {
    log_in(app, operator).await?;
    wait_css(operator, ".tab.active[data-tab='waiting']").await?;
    wait_css(operator, ".topbar").await?;

    // The visitor starts a chat on the customer's site.
    visitor
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    open_widget(visitor).await?;
    fill_auth_form(visitor, "Ada Lovelace", "ada@example.com").await?;
    let conversation = start_chat(visitor).await?;
    wait_css(visitor, ".composer textarea")
        .await?
        .send_keys(&format!("Bonjour, j'ai faim{}", char::from(Key::Enter)))
        .await?;
    wait_css(visitor, ".message.mine .delivery.sent").await?;

    // It arrives live in the operator's "Waiting" view; the operator opens it and replies.
    let row = format!(".row[data-conversation-id='{conversation}']");
    wait_css(operator, &row).await?.click().await?;
    wait_xpath(
        operator,
        r#"//li[contains(@class,'contact')]/div[@class='bubble' and text()="Bonjour, j'ai faim"]"#,
    )
    .await?;
    let panel = wait_css(operator, ".contact-panel").await?.text().await?;
    assert!(
        panel.contains("Ada Lovelace") && panel.contains("ada@example.com"),
        "{panel}"
    );
    wait_css(operator, ".composer textarea")
        .await?
        .send_keys(&format!(
            "Bonjour Ada ! Une baguette ?{}",
            char::from(Key::Enter)
        ))
        .await?;
    screenshot(operator, "4-dashboard-reply").await?;

    // The visitor sees the reply live, under the operator's name.
    wait_xpath(visitor, r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Bonjour Ada ! Une baguette ?"]"#).await?;
    let author = visitor
        .find(Locator::Css(".message.theirs .author"))
        .await?
        .text()
        .await?;
    assert_eq!(author, "Demo Operator");
    // The visitor rates the answer.
    wait_css(visitor, ".message.theirs .thumb[aria-label='Helpful']")
        .await?
        .click()
        .await?;
    wait_css(visitor, ".message.theirs .rating .thanks").await?;

    // The operator resolves it: the widget shows it resolved and disables its composer...
    wait_css(operator, ".status-action.resolve")
        .await?
        .click()
        .await?;
    wait_css(visitor, ".resolved-notice").await?;
    wait_css(visitor, ".composer textarea[disabled]").await?;
    screenshot(visitor, "5-widget-resolved").await?;
    // ...and the inbox moves it from "Waiting" to "Resolved".
    wait_gone(operator, &row).await?;
    operator
        .find(Locator::Css(".tab[data-tab='resolved']"))
        .await?
        .click()
        .await?;
    wait_css(operator, &format!("{row}[data-status='resolved']")).await?;
    screenshot(operator, "6-dashboard-resolved").await?;

    // A page of another origin on the same host (the demo site's port: the same *site*, so
    // the operator's SameSite=Strict cookie goes along) cannot open the dashboard's socket
    // (issue 21, cross-site WebSocket hijacking); the dashboard's own socket could, above.
    operator
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    operator
        .execute(
            "var ws = new WebSocket(arguments[0]);
             function result(text) {
               if (document.getElementById('ws-result')) return;
               var p = document.createElement('p'); p.id = 'ws-result'; p.textContent = text;
               document.body.appendChild(p);
             }
             ws.onmessage = function (e) { result('read:' + e.data); };
             ws.onclose = function (e) { result('closed:' + e.code); };",
            vec![serde_json::json!(format!(
                "{}/api/dashboard/live",
                app.base.replace("http://", "ws://")
            ))],
        )
        .await?;
    let title = wait_css(operator, "#ws-result").await?.text().await?;
    assert!(
        title.starts_with("closed:"),
        "another origin read the socket: {title}"
    );
    Ok(())
}

#[tokio::test]
async fn an_operator_answers_a_visitor_live_from_the_dashboard_and_resolves_the_conversation() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    assert!(
        app.state.assets.is_some(),
        "the web apps are not built: run `cargo xtask build-widget`"
    );
    with_browsers("dashboard end-to-end test", 2, async |c| {
        support_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}
