//! Network cuts: the widget and the dashboard catch up and send what waited.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::error::CmdError;

/// Installs a network switch in the current frame: with `window.__offline` set, `fetch`
/// fails and new WebSockets go to a closed port; `__cut()` also closes the open sockets
/// (as a dropped connection would). Must run before the sockets to cut are opened.
const NETWORK_SWITCH: &str = r#"
window.__offline = false;
window.__sockets = [];
var realFetch = window.fetch;
window.fetch = function () {
  return window.__offline ? Promise.reject(new TypeError("offline")) : realFetch.apply(this, arguments);
};
var RealSocket = window.WebSocket;
function SwitchedSocket(url, protocols) {
  var socket = new RealSocket(window.__offline ? "ws://127.0.0.1:9/" : url, protocols);
  window.__sockets.push(socket);
  return socket;
}
SwitchedSocket.prototype = RealSocket.prototype;
["CONNECTING", "OPEN", "CLOSING", "CLOSED"].forEach(function (k) { SwitchedSocket[k] = RealSocket[k]; });
window.WebSocket = SwitchedSocket;
window.__cut = function () {
  window.__offline = true;
  window.__sockets.forEach(function (s) { s.close(); });
};
"#;

fn bubble(text: &str) -> String {
    format!(r#"//li[contains(@class,'mine')]/div[@class='bubble' and text()="{text}"]"#)
}

async fn network_scenario(app: &TestApp, client: &Client) -> Result<(), CmdError> {
    client
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    open_widget(client).await?;
    wait_css(client, "#parley-name").await?;
    client.execute(NETWORK_SWITCH, vec![]).await?;
    fill_auth_form(client, "Nat Network", "nat@example.com").await?;
    let conversation = start_chat(client).await?;
    let composer = wait_css(client, ".composer textarea").await?;
    composer
        .send_keys(&format!("one{}", char::from(Key::Enter)))
        .await?;
    wait_xpath(client, &bubble("one")).await?;
    wait_css(client, ".message.mine .delivery.sent").await?;

    // The network drops: the live socket closes and nothing goes out. The socket opens
    // once the first message has created the conversation: wait for it.
    wait_css(client, ".screen.chat[data-live='up']").await?;
    let open = client
        .execute(
            "return window.__sockets.filter(function (s) { return s.readyState === 1; }).length",
            vec![],
        )
        .await?;
    // The chat's socket, and the conversation list's (`watch`) once it is up.
    assert!(
        matches!(open.as_u64(), Some(1 | 2)),
        "the live sockets go through the switch: {open}"
    );
    client.execute("window.__cut()", vec![]).await?;
    wait_css(client, ".reconnecting").await?;
    app.staff_reply(conversation, "Sent while you were away")
        .await;
    composer
        .send_keys(&format!("two{}", char::from(Key::Enter)))
        .await?;
    wait_css(client, ".delivery.failed").await?;

    // It comes back: without a reload, the missed reply arrives and "two" goes out.
    client.execute("window.__offline = false", vec![]).await?;
    wait_xpath(
        client,
        r#"//li[contains(@class,'theirs')]/div[@class='bubble' and text()="Sent while you were away"]"#,
    )
    .await?;
    wait_gone(client, ".delivery.failed").await?;
    wait_gone(client, ".delivery.sending").await?;

    // Offline again, "three" waits in the outbox; the page is reloaded (the switch is gone
    // with it, so the network is back) and the message is sent when the chat reopens.
    client.execute("window.__cut()", vec![]).await?;
    wait_css(client, ".composer textarea")
        .await?
        .send_keys(&format!("three{}", char::from(Key::Enter)))
        .await?;
    wait_css(client, ".delivery.failed").await?;
    client.enter_parent_frame().await?;
    client.refresh().await?;
    open_widget(client).await?;
    wait_css(
        client,
        &format!("button.conversation[data-conversation-id='{conversation}']"),
    )
    .await?
    .click()
    .await?;
    wait_xpath(client, &bubble("three")).await?;
    wait_gone(client, ".delivery.sending").await?;
    wait_gone(client, ".delivery.failed").await?;

    // The server holds each message once.
    let messages = app
        .state
        .store
        .messages_after(conversation, 0, 100)
        .await
        .unwrap();
    let contents: Vec<_> = messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        contents,
        ["one", "Sent while you were away", "two", "three"]
    );
    Ok(())
}

#[tokio::test]
async fn the_widget_catches_up_after_a_network_cut_and_sends_what_waited_even_across_a_reload() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    with_browsers("browser network test", 1, async |c| {
        network_scenario(&app, &c[0]).await
    })
    .await;
}

async fn dashboard_network_scenario(app: &TestApp, operator: &Client) -> Result<(), CmdError> {
    let org = parley_backend::staff::organizations::ensure_demo(
        app.state.store.as_ref(),
        app.clock.as_ref(),
    )
    .await
    .unwrap()
    .id;
    let visitor = app.visitor(org, "Vera").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "hello before the cut").await;

    open_login(app, operator).await?;
    operator.execute(NETWORK_SWITCH, vec![]).await?;
    submit_login(app, operator).await?;
    let row = format!(".row[data-conversation-id='{}']", conversation.id);
    wait_css(operator, &row).await?.click().await?;
    wait_xpath(
        operator,
        r#"//li[contains(@class,'contact')]/div[@class='bubble' and text()="hello before the cut"]"#,
    )
    .await?;

    // The operator's network drops; meanwhile the visitor writes and someone new arrives.
    let open = operator
        .execute(
            "return window.__sockets.filter(function (s) { return s.readyState === 1; }).length",
            vec![],
        )
        .await?;
    // The chat's socket, and the conversation list's (`watch`) once it is up.
    assert!(
        matches!(open.as_u64(), Some(1 | 2)),
        "the live sockets go through the switch: {open}"
    );
    operator.execute("window.__cut()", vec![]).await?;
    visitor.say(conversation.id, "written during the cut").await;
    let newcomer = app.visitor(org, "Newcomer").await;
    let second = newcomer.start_conversation().await;
    newcomer.say(second.id, "a new chat during the cut").await;

    // Back online: the open thread and the inbox catch up without a reload.
    operator.execute("window.__offline = false", vec![]).await?;
    wait_xpath(
        operator,
        r#"//li[contains(@class,'contact')]/div[@class='bubble' and text()="written during the cut"]"#,
    )
    .await?;
    wait_css(
        operator,
        &format!(".row[data-conversation-id='{}']", second.id),
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn the_dashboard_catches_up_after_a_network_cut_without_reload() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    with_browsers("browser dashboard network test", 1, async |c| {
        dashboard_network_scenario(&app, &c[0]).await
    })
    .await;
}
