//! The host site identifies its user; a page of another origin cannot drive the widget.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::Locator;
use fantoccini::error::CmdError;

/// A third origin's page, the "hostile" one: it posts widget- and host-shaped messages to
/// every frame of the page it is framed in, and shows whatever messages reach it.
async fn hostile_site(identity: &serde_json::Value) -> String {
    let page = format!(
        r#"<!doctype html><body><pre id="received"></pre><script>
window.addEventListener("message", function (e) {{
  document.getElementById("received").textContent += JSON.stringify(e.data) + "\n";
}});
var identify = {{source: "parley-host", version: 1, type: "identify", identity: {identity}}};
var close = {{source: "parley-widget", version: 1, type: "close"}};
for (var i = 0; i < parent.frames.length; i++)
  if (parent.frames[i] !== window) parent.frames[i].postMessage(identify, "*");
parent.postMessage(close, "*");
document.title = "sent";
var done = document.createElement("p"); done.id = "sent"; document.body.appendChild(done);
</script></body>"#
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://localhost:{}/",
        listener.local_addr().unwrap().port()
    );
    let router = axum::Router::new().route(
        "/",
        axum::routing::get(move || async move { axum::response::Html(page) }),
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

async fn identity_scenario(app: &TestApp, client: &Client) -> Result<(), CmdError> {
    let demo = app.demo_url.as_deref().expect("demo site");
    let org = parley_backend::staff::organizations::ensure_demo(
        app.state.store.as_ref(),
        app.clock.as_ref(),
    )
    .await
    .unwrap();
    let secret = parley_backend::contacts::identity::settings_row(&app.state, org.id)
        .await
        .unwrap()
        .secret;
    let identity = serde_json::json!({
        "userId": "user-77",
        "userHash": parley_backend::contacts::identity::user_hash(&secret, "user-77"),
        "email": "fox@customer.example",
        "name": "Fox Mulder",
    });

    // 1. A page of another origin framed beside the widget tries to drive it (a valid
    //    signature, under another email, that it should not be able to hand over) and the
    //    host (a fake "close"), and listens for anything either sends.
    let mut hostile_identity = identity.clone();
    hostile_identity["email"] = serde_json::json!("hostile@attacker.example");
    client.goto(demo).await?;
    open_widget(client).await?;
    wait_css(client, "#parley-name").await?;
    client.enter_parent_frame().await?;
    let hostile = hostile_site(&hostile_identity).await;
    client
        .execute(
            "var f = document.createElement('iframe'); f.id = 'hostile'; f.src = arguments[0]; document.body.appendChild(f);",
            vec![serde_json::json!(hostile)],
        )
        .await?;
    wait_css(client, "#hostile").await?.enter_frame().await?;
    // The hostile page marks the end of its script with an element.
    wait_css(client, "#sent").await?;
    client.enter_parent_frame().await?;

    // 2. The real identity from the host page itself (`Parley('identify')` after the widget
    //    booted), posted after the hostile messages, is accepted: the form gives way to the
    //    conversations. Nothing signals "ignored", so the hostile messages are judged once
    //    this later, legitimate one has had its effect.
    client
        .execute("Parley('identify', arguments[0])", vec![identity])
        .await?;
    wait_css(client, "#parley-panel iframe")
        .await?
        .enter_frame()
        .await?;
    wait_css(client, ".start-chat").await?;
    client.enter_parent_frame().await?;
    assert!(
        !client
            .find_all(Locator::Css("#parley-panel.parley-open"))
            .await?
            .is_empty(),
        "a fake close from another origin closed the widget"
    );
    let store = app.state.store.as_ref();
    let hostile_sessions = store
        .contact_sessions_by_email(org.id, "hostile@attacker.example")
        .await
        .unwrap();
    assert!(
        hostile_sessions.is_empty(),
        "a hostile identify was accepted: {hostile_sessions:?}"
    );
    let fox = store
        .contact_sessions_by_email(org.id, "fox@customer.example")
        .await
        .unwrap();
    assert_eq!(fox.len(), 1, "the host's identify: {fox:?}");
    client
        .find(Locator::Css("#hostile"))
        .await?
        .enter_frame()
        .await?;
    let received = client.find(Locator::Css("#received")).await?.text().await?;
    assert_eq!(received, "", "the hostile page read messages");
    client.enter_parent_frame().await?;

    // 3. A signed-in page identifies before the widget opens: no form at all, and the
    //    conversation belongs to a verified contact.
    client.execute("localStorage.clear()", vec![]).await?;
    client.goto(&format!("{demo}signed-in")).await?;
    open_widget(client).await?;
    let conversation = start_chat(client).await?;
    assert!(
        client
            .find_all(Locator::Css("#parley-name"))
            .await?
            .is_empty()
    );
    // The conversation starts with its first message.
    wait_css(client, ".composer textarea")
        .await?
        .send_keys(&format!(
            "Bonjour{}",
            char::from(fantoccini::key::Key::Enter)
        ))
        .await?;
    wait_css(client, ".message.mine .delivery.sent").await?;
    let owned = app
        .state
        .store
        .conversation(conversation)
        .await
        .unwrap()
        .unwrap();
    let contact = app
        .state
        .store
        .contact_session(owned.contact_session_id)
        .await
        .unwrap()
        .unwrap();
    assert!(contact.verified);
    let (id, email, name) = parley_backend::demo::DEMO_USER;
    assert_eq!(
        (
            contact.external_id.as_deref(),
            contact.email.as_str(),
            contact.name.as_str()
        ),
        (Some(id), email, name)
    );
    // The identity reached the widget while it booted, from the page's queued call: one
    // sign-in, one session (two concurrent sign-ins once replaced the open chat with the
    // selection screen when the later one finished).
    let sessions = app
        .state
        .store
        .contact_sessions_by_email(org.id, email)
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "one sign-in per identity: {sessions:?}");
    Ok(())
}

#[tokio::test]
async fn the_host_site_identifies_its_user_and_a_page_of_another_origin_cannot_drive_the_widget() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    with_browsers("browser identity test", 1, async |c| {
        identity_scenario(&app, &c[0]).await
    })
    .await;
}
