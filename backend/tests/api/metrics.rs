//! `/metrics` (issue 20): Prometheus text on its own address, counting what happens.
//! The recorder is per process, so other tests' activity shows too: the assertions are
//! about series this test caused, which exist only once it ran.

use crate::helpers::TestApp;
use crate::live::Live;
use parley_shared::MessageId;

#[tokio::test]
async fn metrics_count_requests_sockets_messages_refusals_and_pool_use() {
    let app = TestApp::spawn_with(|c| {
        c.metrics_bind = Some("127.0.0.1:0".parse().unwrap());
        c.no_rate_limits = false;
    })
    .await;
    let url = app.metrics_url.clone().expect("a metrics URL");
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let _live = Live::subscribed(&app, &visitor, conversation.id, 0).await;
    // Ten messages pass at once, then the per-session limit refuses (one more per second:
    // a slow machine may get a few more through first).
    let mut refused = false;
    for i in 0..40 {
        let response = visitor
            .send(conversation.id, MessageId::new_random(), &format!("m{i}"))
            .await;
        if response.status() == 429 {
            refused = true;
            break;
        }
    }
    assert!(refused, "the per-session limit never refused");

    let text = reqwest::get(&url).await.unwrap().text().await.unwrap();
    for series in [
        "parley_http_requests_total{method=\"POST\",route=\"/api/widget/conversations/{conversation_id}/messages\",status=\"201\"}",
        "parley_http_requests_total{method=\"POST\",route=\"/api/widget/conversations/{conversation_id}/messages\",status=\"429\"}",
        "parley_http_request_duration_seconds_bucket{route=\"/api/widget/contact-sessions\"",
        "parley_live_sockets{audience=\"widget\"}",
        "parley_messages_stored_total",
        "parley_group_commit_batch_size_count",
        "parley_rate_limited_total{limit=\"messages_per_session\"}",
        "parley_db_pool_connections{state=\"open\"}",
    ] {
        assert!(text.contains(series), "no {series} in:\n{text}");
    }
    // Not on the public address.
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
}
