//! Crash safety: the real `parley` process is killed with SIGKILL while visitors send, many
//! times over (`PARLEY_CRASH_CYCLES`, default 100). Every acknowledged message is there
//! exactly once afterwards, unacknowledged ones retried under the same ID are never doubled,
//! `seq`s stay dense, and (SQLite) the database passes its integrity check.

use crate::helpers::{TestDb, session_cookie};
use parley_shared::MessageId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncBufReadExt;

async fn start(dir: &std::path::Path, db: Option<&str>) -> (tokio::process::Child, String) {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"));
    command
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--no-rate-limits",
            "--data-dir",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    if let Some(url) = db {
        command.args(["--database-url", url]);
    }
    let mut child = command.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first
        .strip_prefix("Parley is listening on ")
        .unwrap()
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base)
}

#[derive(Default)]
struct Ledger {
    /// Acknowledged (201 or 200): must be stored exactly once.
    acked: HashSet<MessageId>,
    /// Sent without an answer (the server died): retried later under the same ID.
    unknown: HashSet<MessageId>,
}

#[tokio::test]
async fn acknowledged_messages_survive_repeated_sigkills_exactly_once() {
    let cycles: usize = std::env::var("PARLEY_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create().await;
    let url = db.as_ref().map(|d| d.url.clone());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();

    // Set-up on a first run: an organization, a visitor, four conversations.
    let (mut server, base) = start(dir.path(), url.as_deref()).await;
    let signup = client
        .post(format!("{base}/api/dashboard/signup"))
        .json(
            &json!({"email": "o@crash.test", "password": "correct horse battery",
            "organizationName": "Crash", "displayName": "Op"}),
        )
        .send()
        .await
        .unwrap();
    assert!(session_cookie(&signup).is_some());
    let me: Value = signup.json().await.unwrap();
    let org = me["currentOrganizationId"].as_str().unwrap().to_owned();
    let session: Value = client
        .post(format!("{base}/api/widget/contact-sessions"))
        .json(&json!({"organizationId": org, "name": "Ada", "email": "ada@example.com"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let mut conversations = Vec::new();
    for _ in 0..4 {
        let c: Value = client
            .post(format!("{base}/api/widget/conversations"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        conversations.push(c["id"].as_str().unwrap().to_owned());
    }
    server.kill().await.unwrap();

    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let owner: Arc<Mutex<HashMap<MessageId, usize>>> = Arc::default();
    for cycle in 0..cycles {
        let (mut server, base) = start(dir.path(), url.as_deref()).await;
        let acked_before = ledger.lock().unwrap().acked.len();
        let senders: Vec<_> = (0..8)
            .map(|s| {
                let (client, base, token) = (client.clone(), base.clone(), token.clone());
                let (ledger, owner, conversations) =
                    (ledger.clone(), owner.clone(), conversations.clone());
                tokio::spawn(async move {
                    // First retry what an earlier kill left unanswered (same IDs).
                    let retry: Vec<MessageId> = {
                        let l = ledger.lock().unwrap();
                        l.unknown
                            .iter()
                            .copied()
                            .filter(|id| id.0.as_u128() % 8 == s as u128)
                            .collect()
                    };
                    let mut queue: Vec<MessageId> = retry;
                    loop {
                        let id = queue.pop().unwrap_or_else(MessageId::new_random);
                        let c = *owner
                            .lock()
                            .unwrap()
                            .entry(id)
                            .or_insert((id.0.as_u128() % 4) as usize);
                        ledger.lock().unwrap().unknown.insert(id);
                        let sent = client
                            .post(format!(
                                "{base}/api/widget/conversations/{}/messages",
                                conversations[c]
                            ))
                            .bearer_auth(&token)
                            .json(&json!({"id": id, "content": format!("message {id}")}))
                            .send()
                            .await;
                        match sent {
                            Ok(r)
                                if r.status() == StatusCode::CREATED
                                    || r.status() == StatusCode::OK =>
                            {
                                let mut l = ledger.lock().unwrap();
                                l.unknown.remove(&id);
                                l.acked.insert(id);
                            }
                            Ok(r) => panic!("cycle {cycle}: unexpected {}", r.status()),
                            // The server is gone: this one stays unknown.
                            Err(_) => return,
                        }
                    }
                })
            })
            .collect();
        // Kill at a varying point, mid-traffic: once this cycle has some acknowledgement (a
        // fixed delay from start left some cycles without any on a loaded machine).
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while ledger.lock().unwrap().acked.len() <= acked_before {
            assert!(
                tokio::time::Instant::now() < deadline,
                "cycle {cycle}: no send acknowledged"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        tokio::time::sleep(Duration::from_millis((cycle as u64 * 37) % 120)).await;
        server.kill().await.unwrap();
        for s in senders {
            s.await.unwrap();
        }
    }

    // Afterwards: every acknowledged message once, nothing doubled, seqs dense.
    let (mut server, base) = start(dir.path(), url.as_deref()).await;
    let mut seen: HashMap<MessageId, usize> = HashMap::new();
    for c in &conversations {
        let mut cursor: Option<String> = None;
        let mut seqs = Vec::new();
        loop {
            let q = cursor
                .as_ref()
                .map(|c| format!("&cursor={c}"))
                .unwrap_or_default();
            let page: Value = client
                .get(format!(
                    "{base}/api/widget/conversations/{c}/messages?limit=100{q}"
                ))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            for m in page["items"].as_array().unwrap() {
                *seen
                    .entry(m["id"].as_str().unwrap().parse().unwrap())
                    .or_insert(0) += 1;
                seqs.push(m["seq"].as_u64().unwrap());
            }
            match page["nextCursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        let expected: Vec<u64> = (1..=seqs.len() as u64).collect();
        assert_eq!(seqs, expected, "seqs of {c} are not dense");
    }
    server.kill().await.unwrap();
    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    assert!(
        ledger.acked.len() > cycles,
        "too little traffic: {}",
        ledger.acked.len()
    );
    for id in &ledger.acked {
        assert_eq!(
            seen.get(id),
            Some(&1),
            "acknowledged {id} not stored exactly once"
        );
    }
    assert!(seen.values().all(|&n| n == 1), "a message was stored twice");
    assert!(
        seen.keys()
            .all(|id| ledger.acked.contains(id) || ledger.unknown.contains(id))
    );

    if url.is_none() {
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            dir.path().join("parley.db").display()
        ))
        .await
        .unwrap();
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(check, "ok");
    }
}
