//! A real HTTP receiver for webhook tests: an axum server on 127.0.0.1 that answers each
//! request with the next scripted status (then 200) and hands every request it got to the
//! test, which waits for them with deadlines.

use axum::http::{HeaderMap, StatusCode};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// One request the receiver got.
#[derive(Debug)]
pub struct Received {
    pub headers: HeaderMap,
    pub body: String,
    /// What it answered.
    pub status: u16,
}

impl Received {
    /// The `webhook-id` header.
    pub fn id(&self) -> String {
        self.headers["webhook-id"].to_str().unwrap().to_owned()
    }

    /// The body as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// Whether the Standard Webhooks signature checks out with `secret` (timestamp within
    /// five minutes included).
    pub fn verifies_with(&self, secret: &str) -> bool {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(self.body.as_bytes(), &self.headers)
            .is_ok()
    }
}

pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    got: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    /// A receiver answering `statuses` in turn, then 200.
    pub async fn start(statuses: &[u16]) -> Self {
        let script = Arc::new(Mutex::new(
            statuses.iter().copied().collect::<VecDeque<_>>(),
        ));
        let (tx, got) = mpsc::unbounded_channel();
        let answers = script;
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let (answers, tx) = (answers.clone(), tx.clone());
                async move {
                    let status = answers.lock().unwrap().pop_front().unwrap_or(200);
                    let _ = tx.send(Received {
                        headers,
                        body,
                        status,
                    });
                    StatusCode::from_u16(status).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { url, got }
    }

    /// The next request, within 30 s.
    pub async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(30), self.got.recv())
            .await
            .expect("a webhook delivery within 30 s")
            .expect("receiver running")
    }

    /// Requests already received and not yet taken.
    pub fn pending(&mut self) -> Vec<Received> {
        let mut all = Vec::new();
        while let Ok(r) = self.got.try_recv() {
            all.push(r);
        }
        all
    }
}
