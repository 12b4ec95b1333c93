//! Hostile markup in names and messages is shown as text everywhere.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::error::CmdError;

/// Markup and script a hostile visitor or a hostile operator might send.
const XSS: &[&str] = &[
    "<script>window.__xss=1</script>",
    "<img src=x onerror=\"window.__xss=1\">",
    "<svg/onload=window.__xss=1>",
    "\"><iframe srcdoc=\"<script>parent.__xss=1</script>\"></iframe>",
    "<a href=\"javascript:window.__xss=1\">click</a>",
    "javascript:window.__xss=1",
    "{{constructor.constructor('window.__xss=1')()}}",
];

/// Texts of the thread's bubbles and whether anything executed or became an element.
async fn inspect(client: &Client) -> Result<(Vec<String>, bool), CmdError> {
    let v = client
        .execute(
            "return [Array.from(document.querySelectorAll('.messages .bubble')).map(e => e.textContent), \
             window.__xss === undefined && document.querySelectorAll('.messages img, .messages script, \
             .messages svg, .messages iframe, .messages a, .contact-panel img, .contact-panel script').length === 0]",
            vec![],
        )
        .await?;
    let texts = v[0]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    Ok((texts, v[1].as_bool().unwrap_or(false)))
}

async fn xss_scenario(app: &TestApp, visitor: &Client, operator: &Client) -> Result<(), CmdError> {
    log_in(app, operator).await?;
    wait_css(operator, ".topbar").await?;

    visitor
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    open_widget(visitor).await?;
    let hostile_name = "<img src=x onerror=\"window.__xss=1\">Eve";
    fill_auth_form(visitor, hostile_name, "eve@example.com").await?;
    let conversation = start_chat(visitor).await?;
    for payload in XSS {
        wait_css(visitor, ".composer textarea")
            .await?
            .send_keys(&format!("{payload}{}", char::from(Key::Enter)))
            .await?;
    }
    // The operator's side: every payload shown as the text it is, nothing run or built.
    let row = format!(".row[data-conversation-id='{conversation}']");
    wait_css(operator, &row).await?.click().await?;
    let deadline = Instant::now() + WAIT;
    loop {
        let (texts, clean) = inspect(operator).await?;
        assert!(clean, "markup executed or rendered in the dashboard");
        if XSS.iter().all(|p| texts.iter().any(|t| t == p)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "payloads not shown as text: {texts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let panel = wait_css(operator, ".contact-panel").await?.text().await?;
    assert!(panel.contains(hostile_name), "{panel}");

    // The visitor's side: the operator answers with the same payloads.
    for payload in XSS {
        app.staff_reply(conversation, payload).await;
    }
    let deadline = Instant::now() + WAIT;
    loop {
        let (texts, clean) = inspect(visitor).await?;
        assert!(clean, "markup executed or rendered in the widget");
        if texts.iter().filter(|t| XSS.contains(&t.as_str())).count() >= 2 * XSS.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "replies not shown as text: {texts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nor on the host page.
    visitor.enter_parent_frame().await?;
    let host_clean = visitor
        .execute("return window.__xss === undefined", vec![])
        .await?;
    assert_eq!(host_clean.as_bool(), Some(true));
    screenshot(visitor, "10-xss-as-text").await?;
    Ok(())
}

#[tokio::test]
async fn hostile_markup_in_names_and_messages_is_shown_as_text_everywhere() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    assert!(app.state.assets.is_some(), "the web apps are not built");
    with_browsers("XSS end-to-end test", 2, async |c| {
        xss_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}
