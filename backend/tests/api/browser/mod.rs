//! End to end in real headless Chromium, a file per scenario; this file is the harness
//! (browsers, waits, logins, the widget's frame).
//!
//! Needs Debian's `chromium` and `chromium-driver` and a built widget (`cargo xtask test`
//! provides both). Without a browser the test says SKIPPED loudly, unless
//! `PARLEY_REQUIRE_BROWSER=1` or `CI` is set, where it fails instead.

mod email;
mod identity;
mod inbox;
mod instances;
mod network;
mod responder;
mod support;
mod typing;
mod unread;
mod visitor;
mod webhooks;
mod xss;

use crate::helpers::TestApp;
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use futures_util::FutureExt;
use parley_chromium::Chromedriver;
use parley_shared::ConversationId;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

pub(super) fn browser_required() -> bool {
    std::env::var_os("PARLEY_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some()
}

/// Runs `scenario` with `count` headless Chromium sessions (each its own fresh profile) and
/// closes them whatever happens. Without chromedriver the test says SKIPPED loudly, unless
/// a browser is required (CI), where it fails.
pub(super) async fn with_browsers(
    what: &str,
    count: usize,
    scenario: impl AsyncFnOnce(&[Client]) -> Result<(), CmdError>,
) {
    let driver = match Chromedriver::start() {
        Ok(driver) => driver,
        Err(e) if browser_required() => panic!("chromedriver is required: {e:#}"),
        Err(e) => {
            eprintln!("\n*** SKIPPED: {what}: {e:#} ***\n");
            return;
        }
    };
    let profiles: Vec<_> = (0..count)
        .map(|_| tempfile::tempdir().expect("profile dir"))
        .collect();
    let mut clients = Vec::new();
    for profile in &profiles {
        clients.push(
            driver
                .session(profile.path())
                .await
                .expect("a browser session"),
        );
    }
    let outcome = AssertUnwindSafe(scenario(&clients)).catch_unwind().await;
    for client in clients {
        let _ = client.close().await;
    }
    match outcome {
        Ok(result) => result.expect("browser scenario"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

pub(super) const WAIT: Duration = Duration::from_secs(20);

pub(super) async fn wait_css(
    client: &Client,
    css: &str,
) -> Result<fantoccini::elements::Element, CmdError> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
}

pub(super) async fn wait_xpath(
    client: &Client,
    xpath: &str,
) -> Result<fantoccini::elements::Element, CmdError> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::XPath(xpath))
        .await
}

/// With `PARLEY_SCREENSHOTS=DIR`, saves what the browser shows as `DIR/NAME.png`.
pub(super) async fn screenshot(client: &Client, name: &str) -> Result<(), CmdError> {
    if let Some(dir) = std::env::var_os("PARLEY_SCREENSHOTS") {
        let png = client.screenshot().await?;
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)
            .expect("write screenshot");
    }
    Ok(())
}

/// Identifies in the widget's form (name, email, Continue), inside the widget's frame.
pub(super) async fn fill_auth_form(
    client: &Client,
    name: &str,
    email: &str,
) -> Result<(), CmdError> {
    wait_css(client, "#parley-name")
        .await?
        .send_keys(name)
        .await?;
    client
        .find(Locator::Css("#parley-email"))
        .await?
        .send_keys(email)
        .await?;
    client
        .find(Locator::Css(".auth-form button[type=submit]"))
        .await?
        .click()
        .await
}

/// Presses "Start a new chat" on the selection screen and returns the ID of the conversation
/// the chat screen opens (its `data-conversation-id`), inside the widget's frame.
pub(super) async fn start_chat(client: &Client) -> Result<ConversationId, CmdError> {
    wait_css(client, ".start-chat").await?.click().await?;
    let id = wait_css(client, ".screen.chat")
        .await?
        .attr("data-conversation-id")
        .await?
        .expect("the chat screen names its conversation");
    Ok(id.parse().expect("a conversation ID"))
}

/// On a host page: opens the widget, identifies as `name` / `email`, starts a chat and
/// sends `text`, waiting until it is stored. Returns the conversation and the composer.
pub(super) async fn first_message(
    client: &Client,
    name: &str,
    email: &str,
    text: &str,
) -> Result<(ConversationId, fantoccini::elements::Element), CmdError> {
    open_widget(client).await?;
    fill_auth_form(client, name, email).await?;
    let conversation = start_chat(client).await?;
    let composer = wait_css(client, ".composer textarea").await?;
    composer
        .send_keys(&format!("{text}{}", char::from(Key::Enter)))
        .await?;
    wait_css(client, ".message.mine .delivery.sent").await?;
    Ok((conversation, composer))
}

/// Clicks the launcher on the host page and switches into the widget's iframe.
pub(super) async fn open_widget(client: &Client) -> Result<(), CmdError> {
    client.enter_parent_frame().await?;
    wait_css(client, "#parley-launcher").await?.click().await?;
    wait_css(client, "#parley-panel.parley-open iframe")
        .await?
        .enter_frame()
        .await
}

/// Waits until nothing matches `css` (bounded), e.g. a row that moved to another tab.
pub(super) async fn wait_gone(client: &Client, css: &str) -> Result<(), CmdError> {
    let deadline = Instant::now() + WAIT;
    while !client.find_all(Locator::Css(css)).await?.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{css} still present after {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// These scenarios are about people talking: the demo organization's AI responder (on by
/// default) is switched off so only the operator answers.
pub(super) async fn responder_off(app: &TestApp) {
    let org = parley_backend::staff::organizations::ensure_demo(
        app.state.store.as_ref(),
        app.clock.as_ref(),
    )
    .await
    .unwrap();
    parley_backend::responder::save(
        &app.state,
        org.id,
        parley_shared::staff::ResponderSettings {
            enabled: false,
            context_messages: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

/// Opens the dashboard's login page as the demo operator, without submitting it yet.
pub(super) async fn open_login(app: &TestApp, operator: &Client) -> Result<(), CmdError> {
    let (email, _) = app.demo_operator.clone().expect("demo operator");
    operator.goto(&format!("{}/dashboard", app.base)).await?;
    wait_css(operator, "#email").await?.send_keys(&email).await
}

/// Types the demo operator's password and submits the login form opened by [`open_login`].
pub(super) async fn submit_login(app: &TestApp, operator: &Client) -> Result<(), CmdError> {
    let (_, password) = app.demo_operator.clone().expect("demo operator");
    operator
        .find(Locator::Css("#password"))
        .await?
        .send_keys(&password)
        .await?;
    operator
        .find(Locator::Css("form.auth button[type=submit]"))
        .await?
        .click()
        .await
}

/// Logs the demo operator in to the dashboard.
pub(super) async fn log_in(app: &TestApp, operator: &Client) -> Result<(), CmdError> {
    open_login(app, operator).await?;
    submit_login(app, operator).await
}
