//! Nobody misses a message (issue 14), a visitor and an operator in two browsers: "Seen"
//! both ways, the hand-over line after "Talk to a person", a reply sent while the widget is
//! closed on the launcher (badge, preview, `Parley('onUnreadCountChange')`) and in the live
//! list (and on the site's next page), and a desktop notification for a dashboard in a
//! hidden tab that opens the conversation when clicked.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::error::CmdError;
use parley_shared::staff::WidgetSettings;

/// The host page's launcher badge showing `count`.
fn badge(count: u32) -> String {
    format!("//span[@id='parley-badge' and text()='{count}' and not(contains(@style,'none'))]")
}

/// Replies from the dashboard's composer and waits until it is sent.
async fn reply(operator: &Client, text: &str) -> Result<(), CmdError> {
    let composer = wait_css(operator, ".composer textarea").await?;
    composer
        .send_keys(&format!("{text}{}", char::from(Key::Enter)))
        .await?;
    wait_xpath(
        operator,
        &format!("//li[contains(@class,'staff')]/div[@class='bubble' and text()='{text}']"),
    )
    .await
    .map(|_| ())
}

/// The dashboard's browser, made to look hidden, with a stand-in for the `Notification`
/// API whose permission is granted: each notification it is asked for is counted on
/// `<body data-notes>` and kept for the test to click. (The browser's own permission and
/// visibility are stubbed here, never in the code.)
const HIDE_AND_STUB_NOTIFICATIONS: &str = r#"
    window.__notes = [];
    window.Notification = class {
        constructor(title, options) {
            this.title = title;
            this.tag = options && options.tag;
            this.body = options && options.body;
            this.onclick = null;
            window.__notes.push(this);
            document.body.setAttribute("data-notes", String(window.__notes.length));
        }
        close() {}
        static get permission() { return "granted"; }
        static requestPermission() { return Promise.resolve("granted"); }
    };
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    document.dispatchEvent(new Event("visibilitychange"));
"#;

/// The scenario: the visitor on `site`'s demo page, the operator on `desk`'s dashboard (one
/// instance, or two on one PostgreSQL). `site` was [`prepare`]d.
pub(super) async fn unread_scenario(
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
    // A host that draws its own launcher hears every change of the count.
    visitor
        .execute(
            "Parley('onUnreadCountChange', function (n) { document.body.setAttribute('data-unread', String(n)); });",
            vec![],
        )
        .await?;
    wait_css(visitor, "body[data-unread='0']").await?;
    let (conversation, _) = first_message(
        visitor,
        "Ada Lovelace",
        "ada@example.fr",
        "Bonjour, ma commande ?",
    )
    .await?;
    wait_css(visitor, ".screen.chat[data-live='up']").await?;
    wait_css(visitor, ".status-bar .talk-to-person").await?;

    // The operator opens it: the visitor sees "Seen".
    wait_css(
        operator,
        &format!(".row[data-conversation-id='{conversation}']"),
    )
    .await?
    .click()
    .await?;
    wait_css(visitor, ".message.mine .delivery.seen").await?;

    // "Talk to a person": the line says a person replies here, within the usual time.
    visitor
        .find(Locator::Css(".talk-to-person"))
        .await?
        .click()
        .await?;
    let line = wait_css(visitor, ".message.system.handover")
        .await?
        .text()
        .await?;
    assert_eq!(
        line,
        "A person will reply here; we usually reply within 5 minutes."
    );

    // The visitor closes the widget; the operator replies: the launcher counts it and
    // previews it, the host's callback hears 1, and nothing is "Seen" yet.
    visitor.enter_parent_frame().await?;
    visitor
        .find(Locator::Css("#parley-launcher"))
        .await?
        .click()
        .await?;
    wait_css(visitor, "#parley-panel:not(.parley-open)").await?;
    reply(operator, "Elle part demain matin.").await?;
    wait_xpath(visitor, &badge(1)).await?;
    wait_css(visitor, "body[data-unread='1']").await?;
    let preview = wait_css(visitor, "#parley-preview").await?.text().await?;
    assert!(preview.contains("Elle part demain matin."), "{preview}");
    screenshot(visitor, "launcher-unread").await?;
    assert!(
        operator.find_all(Locator::Css(".seen")).await?.is_empty(),
        "not seen while the widget is closed"
    );

    // Opening clears it everywhere: the badge, the host's count; the operator sees "Seen";
    // a person has joined, so the hand-over line has gone.
    open_widget(visitor).await?;
    wait_css(visitor, ".message.theirs.operator").await?;
    wait_css(operator, ".message.staff .seen").await?;
    wait_gone(visitor, ".message.system.handover").await?;
    visitor.enter_parent_frame().await?;
    wait_css(visitor, "body[data-unread='0']").await?;
    wait_css(visitor, "#parley-badge[style*='none']").await?;

    // Back to the list while the operator writes again: the row is marked live, and opening
    // it reads it.
    wait_css(visitor, "#parley-panel.parley-open iframe")
        .await?
        .enter_frame()
        .await?;
    wait_css(visitor, ".header .back").await?.click().await?;
    wait_css(visitor, ".screen.selection").await?;
    reply(operator, "Autre chose ?").await?;
    let row = format!(".conversation[data-conversation-id='{conversation}']");
    wait_css(visitor, &format!("{row}.has-unread .unread")).await?;
    wait_css(visitor, &row).await?.click().await?;
    wait_css(visitor, ".screen.chat").await?;
    // Read there: back on the list, the marker has gone.
    wait_css(visitor, ".message.theirs.operator").await?;
    wait_css(visitor, ".header .back").await?.click().await?;
    wait_css(visitor, &format!("{row}[data-unread='0']")).await?;
    wait_css(visitor, &row).await?.click().await?;
    wait_css(visitor, ".screen.chat[data-live='up']").await?;

    // A person joined: back to "unresolved", no "Talk to a person" again.
    wait_css(operator, ".status-action.reopen")
        .await?
        .click()
        .await?;
    wait_css(visitor, ".status-bar.unresolved").await?;
    assert!(
        visitor
            .find_all(Locator::Css(".talk-to-person"))
            .await?
            .is_empty()
    );

    // The operator goes to the settings in a hidden tab; the visitor writes: a desktop
    // notification, which opens the conversation when clicked.
    wait_css(operator, ".topbar .nav:nth-of-type(2)")
        .await?
        .click()
        .await?;
    wait_css(operator, "#display-name").await?;
    operator
        .execute(HIDE_AND_STUB_NOTIFICATIONS, vec![])
        .await?;
    let composer = wait_css(visitor, ".composer textarea").await?;
    composer
        .send_keys(&format!("Encore une question{}", char::from(Key::Enter)))
        .await?;
    wait_css(operator, "body[data-notes='1']").await?;
    let note = operator
        .execute(
            "const n = window.__notes[0]; return [n.title, n.tag, n.body];",
            vec![],
        )
        .await?;
    assert_eq!(
        note,
        serde_json::json!([
            "New message from Ada Lovelace",
            conversation.to_string(),
            "Encore une question"
        ])
    );
    operator
        .execute("window.__notes[0].onclick();", vec![])
        .await?;
    wait_css(
        operator,
        &format!("section.conversation[data-conversation-id='{conversation}']"),
    )
    .await?;

    // On the site's next page the widget loads hidden for this visitor (who has chatted):
    // a reply reaches the launcher without opening anything.
    visitor.enter_parent_frame().await?;
    visitor
        .goto(site.demo_url.as_deref().expect("demo site"))
        .await?;
    wait_css(visitor, "#parley-panel:not(.parley-open) iframe").await?;
    reply(operator, "Toujours là ?").await?;
    wait_xpath(visitor, &badge(1)).await?;
    Ok(())
}

/// The demo organization as the scenario expects it: no AI responder, a usual reply time
/// of 5 minutes.
pub(super) async fn prepare(site: &TestApp) {
    responder_off(site).await;
    let org = parley_backend::staff::organizations::ensure_demo(
        site.state.store.as_ref(),
        site.clock.as_ref(),
    )
    .await
    .unwrap();
    let settings = WidgetSettings {
        reply_time_minutes: Some(5),
        ..Default::default()
    };
    parley_backend::settings::put(&site.state, org.id, settings)
        .await
        .unwrap();
}

#[tokio::test]
async fn replies_reach_a_closed_widget_seen_shows_both_ways_and_a_hidden_dashboard_notifies() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    prepare(&app).await;
    with_browsers("browser unread test", 2, async |c| {
        unread_scenario(&app, &app, &c[0], &c[1]).await
    })
    .await;
}
