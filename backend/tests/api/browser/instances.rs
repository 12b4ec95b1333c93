//! Issue 14's two-browser scenarios with the visitor and the operator on two instances on
//! one PostgreSQL (the PostgreSQL pass; the SQLite pass runs one process by design): typing,
//! "Seen", unread badges and notifications cross instances like messages do.

use super::*;
use crate::helpers::TestApp;

#[tokio::test]
async fn typing_crosses_instances() {
    let site = TestApp::spawn_with(|c| c.demo = true).await;
    let Some(desk) = site.second_instance().await else {
        return;
    };
    responder_off(&site).await;
    with_browsers("browser typing test on two instances", 2, async |c| {
        typing::typing_scenario(&site, &desk, &c[0], &c[1]).await
    })
    .await;
}

#[tokio::test]
async fn seen_unread_badges_and_notifications_cross_instances() {
    let site = TestApp::spawn_with(|c| c.demo = true).await;
    let Some(desk) = site.second_instance().await else {
        return;
    };
    unread::prepare(&site).await;
    with_browsers("browser unread test on two instances", 2, async |c| {
        unread::unread_scenario(&site, &desk, &c[0], &c[1]).await
    })
    .await;
}
