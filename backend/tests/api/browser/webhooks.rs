//! Settings → Webhooks in the dashboard: add an endpoint, send a test to a real receiver
//! (which checks the signature with the secret the page shows), see a failure in the
//! delivery log, redeliver it, switch the endpoint off.

use super::*;
use crate::helpers::TestApp;
use crate::receiver::Receiver;
use fantoccini::Client;
use fantoccini::Locator;
use fantoccini::error::CmdError;
use parley_backend::webhooks::delivery::DELIVER;

async fn webhooks_scenario(app: &TestApp, operator: &Client) -> Result<(), CmdError> {
    // The first test is refused for good (410), everything after is accepted.
    let mut receiver = Receiver::start(&[410]).await;
    log_in(app, operator).await?;
    wait_xpath(operator, "//header//button[normalize-space()='Settings']")
        .await?
        .click()
        .await?;
    wait_css(operator, "input.webhook-url")
        .await?
        .send_keys(&receiver.url)
        .await?;
    operator
        .find(Locator::Css(
            "input.webhook-event[value='conversation.created']",
        ))
        .await?
        .click()
        .await?;
    operator
        .find(Locator::Css("button.webhook-add"))
        .await?
        .click()
        .await?;
    let endpoint = wait_css(operator, "li.webhook-endpoint").await?;
    assert_eq!(
        endpoint
            .find(Locator::Css(".webhook-endpoint-url"))
            .await?
            .text()
            .await?,
        receiver.url
    );
    let secret = endpoint
        .find(Locator::Css(".webhook-secret"))
        .await?
        .text()
        .await?;

    // A refused test: its answer shows, and the log opens on it.
    endpoint
        .find(Locator::Css("button.webhook-test"))
        .await?
        .click()
        .await?;
    let refused = receiver.next().await;
    assert_eq!(refused.status, 410);
    assert!(
        refused.verifies_with(&secret),
        "signed with the secret shown"
    );
    let result = wait_css(operator, ".webhook-test-result")
        .await?
        .text()
        .await?;
    assert!(result.contains("410"), "{result}");
    wait_css(operator, "tr.webhook-delivery[data-state='failed']")
        .await?
        .find(Locator::Css("button.webhook-redeliver"))
        .await?
        .click()
        .await?;
    let redelivered = receiver.next().await;
    assert_eq!((redelivered.status, redelivered.id()), (200, refused.id()));
    // Once the queue is done with it, a refresh shows it delivered.
    let mut finished = app.state.jobs.finished();
    while app.state.store.unfinished_jobs(DELIVER).await.unwrap() > 0 {
        tokio::time::timeout(WAIT, finished.changed())
            .await
            .expect("the redelivery finishes")
            .unwrap();
    }
    operator
        .find(Locator::Css("button.webhook-refresh"))
        .await?
        .click()
        .await?;
    wait_css(operator, "tr.webhook-delivery[data-state='delivered']").await?;
    assert!(
        operator
            .find_all(Locator::Css("tr.webhook-delivery[data-state='failed']"))
            .await?
            .is_empty()
    );

    // Switched off, it says so.
    operator
        .find(Locator::Css("button.webhook-toggle"))
        .await?
        .click()
        .await?;
    let state = wait_css(operator, ".webhook-state").await?.text().await?;
    assert_eq!(state, "Switched off.");
    screenshot(operator, "webhooks").await
}

#[tokio::test]
async fn an_owner_adds_a_webhook_tests_it_and_redelivers_a_failure_in_the_dashboard() {
    let app = TestApp::spawn_with(|c| {
        c.demo = true;
        c.webhook_poll_ms = 50;
    })
    .await;
    with_browsers("browser webhooks test", 1, async |c| {
        webhooks_scenario(&app, &c[0]).await
    })
    .await;
}
