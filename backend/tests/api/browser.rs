//! End to end in real headless Chromium: the demo customer page (its own origin) embeds the
//! widget with its script tag; a visitor identifies, chats, gets a live staff reply, reloads
//! and finds the conversation again.
//!
//! Needs Debian's `chromium` and `chromium-driver` and a built widget (`cargo xtask test`
//! provides both). Without a browser the test says SKIPPED loudly, unless
//! `PARLEY_REQUIRE_BROWSER=1` or `CI` is set, where it fails instead.

use crate::helpers::TestApp;
use fantoccini::error::CmdError;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures_util::FutureExt;
use parley_shared::ConversationId;
use std::net::TcpListener;
use std::panic::AssertUnwindSafe;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A chromedriver process, killed when dropped.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn browser_required() -> bool {
    std::env::var_os("PARLEY_REQUIRE_BROWSER").is_some() || std::env::var_os("CI").is_some()
}

fn start_chromedriver() -> Option<Chromedriver> {
    let port = TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = Command::new("chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let driver = Chromedriver { child, port };
    // Wait until it accepts connections (bounded).
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(driver)
}

async fn connect(driver: &Chromedriver, profile: &std::path::Path) -> Client {
    // Test builds link two rustls crypto back ends (fantoccini's and reqwest's): pick one.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let binary = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("chromium");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": binary,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ]
        }),
    );
    ClientBuilder::rustls()
        .expect("tls")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session")
}

/// Runs `scenario` with `count` headless Chromium sessions (each its own fresh profile) and
/// closes them whatever happens. Without chromedriver the test says SKIPPED loudly, unless
/// a browser is required (CI), where it fails.
async fn with_browsers(
    what: &str,
    count: usize,
    scenario: impl AsyncFnOnce(&[Client]) -> Result<(), CmdError>,
) {
    let Some(driver) = start_chromedriver() else {
        if browser_required() {
            panic!("chromedriver is required (install Debian's chromium and chromium-driver)");
        }
        eprintln!("\n*** SKIPPED: {what}: chromedriver not found ***\n");
        return;
    };
    let profiles: Vec<_> = (0..count)
        .map(|_| tempfile::tempdir().expect("profile dir"))
        .collect();
    let mut clients = Vec::new();
    for profile in &profiles {
        clients.push(connect(&driver, profile.path()).await);
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

const WAIT: Duration = Duration::from_secs(20);

async fn wait_css(client: &Client, css: &str) -> Result<fantoccini::elements::Element, CmdError> {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
}

async fn wait_xpath(
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
async fn screenshot(client: &Client, name: &str) -> Result<(), CmdError> {
    if let Some(dir) = std::env::var_os("PARLEY_SCREENSHOTS") {
        let png = client.screenshot().await?;
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png)
            .expect("write screenshot");
    }
    Ok(())
}

/// Identifies in the widget's form (name, email, Continue), inside the widget's frame.
async fn fill_auth_form(client: &Client, name: &str, email: &str) -> Result<(), CmdError> {
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

/// Clicks the launcher on the host page and switches into the widget's iframe.
async fn open_widget(client: &Client) -> Result<(), CmdError> {
    client.enter_parent_frame().await?;
    wait_css(client, "#parley-launcher").await?.click().await?;
    wait_css(client, "#parley-panel.parley-open iframe")
        .await?
        .enter_frame()
        .await
}

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

    wait_css(client, ".start-chat").await?.click().await?;
    let chat = wait_css(client, ".screen.chat").await?;
    let conversation: ConversationId = chat
        .attr("data-conversation-id")
        .await?
        .expect("conversation id")
        .parse()
        .expect("uuid");
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
        app.state.assets_dir.is_some(),
        "the widget is not built: run `cargo xtask build-widget` (or `cargo xtask test`)"
    );
    with_browsers("browser end-to-end test", 1, async |c| {
        scenario(&app, &c[0]).await
    })
    .await;
}

/// Waits until nothing matches `css` (bounded), e.g. a row that moved to another tab.
async fn wait_gone(client: &Client, css: &str) -> Result<(), CmdError> {
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

/// Visitor and operator in two separate browsers, talking live.
async fn support_scenario(
    app: &TestApp,
    visitor: &Client,
    operator: &Client,
) -> Result<(), CmdError> {
    let (email, password) = app.demo_operator.clone().expect("demo operator");
    operator.goto(&format!("{}/dashboard", app.base)).await?;
    wait_css(operator, "#email")
        .await?
        .send_keys(&email)
        .await?;
    operator
        .find(Locator::Css("#password"))
        .await?
        .send_keys(&password)
        .await?;
    operator
        .find(Locator::Css("form.auth button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_css(operator, ".tab.active[data-tab='unresolved']").await?;
    wait_css(operator, ".topbar").await?;

    // The visitor starts a chat on the customer's site.
    visitor
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    open_widget(visitor).await?;
    fill_auth_form(visitor, "Ada Lovelace", "ada@example.com").await?;
    wait_css(visitor, ".start-chat").await?.click().await?;
    let conversation = wait_css(visitor, ".screen.chat")
        .await?
        .attr("data-conversation-id")
        .await?
        .expect("conversation id");
    wait_css(visitor, ".composer textarea")
        .await?
        .send_keys(&format!("Bonjour, j'ai faim{}", char::from(Key::Enter)))
        .await?;
    wait_css(visitor, ".message.mine .delivery.sent").await?;

    // It arrives live in the operator's "unresolved" tab; the operator opens it and replies.
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
    // ...and the inbox moves it from "unresolved" to "resolved".
    wait_gone(operator, &row).await?;
    operator
        .find(Locator::Css(".tab[data-tab='resolved']"))
        .await?
        .click()
        .await?;
    wait_css(operator, &format!("{row}[data-status='resolved']")).await?;
    screenshot(operator, "6-dashboard-resolved").await?;
    Ok(())
}

#[tokio::test]
async fn an_operator_answers_a_visitor_live_from_the_dashboard_and_resolves_the_conversation() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    assert!(
        app.state.assets_dir.is_some(),
        "the web apps are not built: run `cargo xtask build-widget`"
    );
    with_browsers("dashboard end-to-end test", 2, async |c| {
        support_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}

/// These scenarios are about people talking: the demo organization's AI responder (on by
/// default) is switched off so only the operator answers.
async fn responder_off(app: &TestApp) {
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
    wait_css(visitor, ".start-chat").await?.click().await?;
    let conversation = wait_css(visitor, ".screen.chat")
        .await?
        .attr("data-conversation-id")
        .await?
        .expect("conversation id");
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

    let (email, password) = app.demo_operator.clone().expect("demo operator");
    operator.goto(&format!("{}/dashboard", app.base)).await?;
    wait_css(operator, "#email")
        .await?
        .send_keys(&email)
        .await?;
    operator
        .find(Locator::Css("#password"))
        .await?
        .send_keys(&password)
        .await?;
    operator
        .find(Locator::Css("form.auth button[type=submit]"))
        .await?
        .click()
        .await?;
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
    assert!(app.state.assets_dir.is_some(), "the web apps are not built");
    with_browsers("responder end-to-end test", 2, async |c| {
        responder_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}

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
    let (email, password) = app.demo_operator.clone().expect("demo operator");
    operator.goto(&format!("{}/dashboard", app.base)).await?;
    wait_css(operator, "#email")
        .await?
        .send_keys(&email)
        .await?;
    operator
        .find(Locator::Css("#password"))
        .await?
        .send_keys(&password)
        .await?;
    operator
        .find(Locator::Css("form.auth button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_css(operator, ".topbar").await?;

    visitor
        .goto(app.demo_url.as_deref().expect("demo site"))
        .await?;
    open_widget(visitor).await?;
    let hostile_name = "<img src=x onerror=\"window.__xss=1\">Eve";
    fill_auth_form(visitor, hostile_name, "eve@example.com").await?;
    wait_css(visitor, ".start-chat").await?.click().await?;
    let conversation: ConversationId = wait_css(visitor, ".screen.chat")
        .await?
        .attr("data-conversation-id")
        .await?
        .expect("conversation id")
        .parse()
        .expect("uuid");
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
    assert!(app.state.assets_dir.is_some(), "the web apps are not built");
    with_browsers("XSS end-to-end test", 2, async |c| {
        xss_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}

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
    //    identity it should not be able to hand over) and the host (a fake "close"), and
    //    listens for anything either sends.
    client.goto(demo).await?;
    open_widget(client).await?;
    wait_css(client, "#parley-name").await?;
    client.enter_parent_frame().await?;
    let hostile = hostile_site(&identity).await;
    client
        .execute(
            "var f = document.createElement('iframe'); f.id = 'hostile'; f.src = arguments[0]; document.body.appendChild(f);",
            vec![serde_json::json!(hostile)],
        )
        .await?;
    wait_css(client, "#hostile").await?.enter_frame().await?;
    let deadline = Instant::now() + WAIT;
    // (WebDriver's title is the top-level page's; this frame's is read by script.)
    while client.execute("return document.title", vec![]).await? != "sent" {
        assert!(Instant::now() < deadline, "the hostile page did not run");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Nothing can signal "ignored": give the messages time to be handled if they were.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let received = client.find(Locator::Css("#received")).await?.text().await?;
    assert_eq!(received, "", "the hostile page read messages");
    client.enter_parent_frame().await?;
    assert!(
        !client
            .find_all(Locator::Css("#parley-panel.parley-open"))
            .await?
            .is_empty(),
        "a fake close from another origin closed the widget"
    );
    wait_css(client, "#parley-panel iframe")
        .await?
        .enter_frame()
        .await?;
    assert!(
        !client
            .find_all(Locator::Css("#parley-name"))
            .await?
            .is_empty(),
        "a hostile identify was accepted"
    );

    // 2. The same identity from the host page itself (`Parley('identify')` after the widget
    //    booted) is accepted: the form gives way to the conversations.
    client.enter_parent_frame().await?;
    client
        .execute("Parley('identify', arguments[0])", vec![identity])
        .await?;
    wait_css(client, "#parley-panel iframe")
        .await?
        .enter_frame()
        .await?;
    wait_css(client, ".start-chat").await?;

    // 3. A signed-in page identifies before the widget opens: no form at all, and the
    //    conversation belongs to a verified contact.
    client.execute("localStorage.clear()", vec![]).await?;
    client.goto(&format!("{demo}signed-in")).await?;
    open_widget(client).await?;
    wait_css(client, ".start-chat").await?.click().await?;
    let chat = wait_css(client, ".screen.chat").await?;
    assert!(
        client
            .find_all(Locator::Css("#parley-name"))
            .await?
            .is_empty()
    );
    let conversation: ConversationId = chat
        .attr("data-conversation-id")
        .await?
        .expect("conversation id")
        .parse()
        .expect("uuid");
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
    wait_css(client, ".start-chat").await?.click().await?;
    let chat = wait_css(client, ".screen.chat").await?;
    let conversation: ConversationId = chat
        .attr("data-conversation-id")
        .await?
        .expect("conversation id")
        .parse()
        .expect("uuid");
    let composer = wait_css(client, ".composer textarea").await?;
    composer
        .send_keys(&format!("one{}", char::from(Key::Enter)))
        .await?;
    wait_xpath(client, &bubble("one")).await?;
    wait_css(client, ".message.mine .delivery.sent").await?;

    // The network drops: the live socket closes and nothing goes out.
    let open = client
        .execute(
            "return window.__sockets.filter(function (s) { return s.readyState === 1; }).length",
            vec![],
        )
        .await?;
    assert_eq!(
        open.as_u64(),
        Some(1),
        "the live socket goes through the switch"
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

    let (email, password) = app.demo_operator.clone().expect("demo operator");
    operator.goto(&format!("{}/dashboard", app.base)).await?;
    wait_css(operator, "#email")
        .await?
        .send_keys(&email)
        .await?;
    operator.execute(NETWORK_SWITCH, vec![]).await?;
    operator
        .find(Locator::Css("#password"))
        .await?
        .send_keys(&password)
        .await?;
    operator
        .find(Locator::Css("form.auth button[type=submit]"))
        .await?
        .click()
        .await?;
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
    assert_eq!(
        open.as_u64(),
        Some(1),
        "the live socket goes through the switch"
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
