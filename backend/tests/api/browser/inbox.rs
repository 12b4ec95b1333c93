//! Nobody misses a message (issue 14, operator side): the inbox opens on "Waiting" with an
//! escalated conversation first, the tab title counts what waits, and opening a
//! conversation clears its badge on the operator's other open dashboard too.

use super::*;
use crate::helpers::TestApp;
use fantoccini::Client;
use fantoccini::error::CmdError;
use serde_json::json;

/// Waits until the tab's title is `wanted` (the harness's bounded wait, on `<title>`).
async fn wait_title(client: &Client, wanted: &str) -> Result<(), CmdError> {
    wait_xpath(client, &format!("/html/head/title[text()='{wanted}']"))
        .await
        .map(|_| ())
}

async fn inbox_scenario(app: &TestApp, here: &Client, there: &Client) -> Result<(), CmdError> {
    let org = parley_backend::staff::organizations::ensure_demo(
        app.state.store.as_ref(),
        app.clock.as_ref(),
    )
    .await
    .unwrap()
    .id;
    for dashboard in [here, there] {
        log_in(app, dashboard).await?;
        wait_css(dashboard, ".tab.active[data-tab='waiting']").await?;
        wait_title(dashboard, "Inbox · Parley").await?;
    }

    // One visitor asks for a person first; another writes later (newer activity).
    let early = app.visitor(org, "Early").await;
    let asked = early.start_conversation().await;
    early.say(asked.id, "Je voudrais parler à quelqu'un").await;
    let escalated = early
        .post_json(
            &format!("/api/widget/conversations/{}/escalate", asked.id),
            &json!({}),
        )
        .await;
    assert!(escalated.status().is_success());
    let late = app.visitor(org, "Late").await;
    let question = late.start_conversation().await;
    late.say(question.id, "Une question sur ma commande").await;

    // Both dashboards: the escalated one on top of "Waiting", two waiting in the title.
    for dashboard in [here, there] {
        wait_css(
            dashboard,
            &format!(
                ".rows li:first-child .row[data-conversation-id='{}'][data-status='escalated']",
                asked.id
            ),
        )
        .await?;
        wait_css(
            dashboard,
            &format!(".row[data-conversation-id='{}'] .unread", question.id),
        )
        .await?;
        wait_title(dashboard, "(2) Inbox · Parley").await?;
    }
    screenshot(here, "inbox-waiting").await?;

    // Opened here: its badge clears there too, and both titles count one.
    wait_css(
        here,
        &format!(".row[data-conversation-id='{}']", question.id),
    )
    .await?
    .click()
    .await?;
    wait_gone(
        there,
        &format!(".row[data-conversation-id='{}'] .unread", question.id),
    )
    .await?;
    wait_title(there, "(1) Inbox · Parley").await?;
    wait_title(here, "(1) Inbox · Parley").await
}

#[tokio::test]
async fn waiting_puts_escalated_first_counts_in_the_title_and_reads_clear_everywhere() {
    let app = TestApp::spawn_with(|c| c.demo = true).await;
    responder_off(&app).await;
    with_browsers("browser inbox test", 2, async |c| {
        inbox_scenario(&app, &c[0], &c[1]).await
    })
    .await;
}
