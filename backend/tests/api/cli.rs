//! The real `parley` binary, as scripts use it.

use crate::helpers::TestApp;
use parley_shared::api::MessageRole;
use std::process::Command;

fn parley() -> Command {
    Command::new(env!("CARGO_BIN_EXE_parley"))
}

#[tokio::test]
async fn org_create_prints_the_new_id_alone_on_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let output = parley()
        .args(["org", "create", "--name", "Acme Bakery", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let id: parley_shared::OrganizationId =
        stdout.trim_end_matches('\n').parse().expect("only a UUID");
    assert_eq!(stdout, format!("{id}\n"));
}

#[tokio::test]
async fn reply_posts_a_staff_message_through_the_running_server() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    let data_dir = app.config.data_dir.clone();
    let base = app.base.clone();
    let output = tokio::task::spawn_blocking(move || {
        parley()
            .args([
                "reply",
                &conversation.id.to_string(),
                "Hello from the CLI",
                "--author",
                "Sam",
                "--server",
                &base,
                "--data-dir",
            ])
            .arg(&data_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let messages = visitor.messages(conversation.id).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].role, MessageRole::Operator);
    assert_eq!(messages[0].author_name.as_deref(), Some("Sam"));
}

#[tokio::test]
async fn user_create_makes_an_operator_who_can_log_in() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let mut command = parley();
    command
        .args([
            "user",
            "create",
            "--email",
            "sam@example.com",
            "--org",
            &org.to_string(),
            "--role",
            "agent",
        ])
        .args(["--name", "Sam", "--data-dir"])
        .arg(&app.config.data_dir)
        .env("PARLEY_USER_PASSWORD", "sam's password");
    if let Some(url) = &app.config.database_url {
        command.args(["--database-url", url]);
    }
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id: parley_shared::UserId = String::from_utf8(output.stdout)
        .unwrap()
        .trim()
        .parse()
        .expect("only an ID");
    let staff = app.log_in("sam@example.com", "sam's password").await;
    assert_eq!(staff.me.user.id, id);
    assert_eq!(
        (staff.org(), staff.me.role),
        (org, parley_shared::staff::Role::Agent)
    );
}

#[tokio::test]
async fn apikey_create_prints_a_key_that_reads_the_organizations_chats() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    app.visitor(org, "Ada").await.start_conversation().await;
    let mut command = parley();
    command
        .args(["apikey", "create", "--org", &org.to_string(), "--data-dir"])
        .arg(&app.config.data_dir);
    if let Some(url) = &app.config.database_url {
        command.args(["--database-url", url]);
    }
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let key = String::from_utf8(output.stdout).unwrap().trim().to_owned();
    assert!(key.starts_with("pk_") && !key.contains(char::is_whitespace));
    let chats: Vec<serde_json::Value> = app
        .client
        .get(app.url("/chat/list"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(chats.len(), 1);
}

/// A key travels in a header and is stored hashed: even at the most verbose log level, the
/// server's log never contains it, used or refused.
#[tokio::test]
async fn an_api_key_never_appears_in_the_server_log() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let output = parley()
            .args(args)
            .arg("--data-dir")
            .arg(dir.path())
            .env("RUST_LOG", "trace")
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        // Whatever the CLI logs goes to stderr; only the requested value is on stdout.
        (
            String::from_utf8(output.stdout).unwrap().trim().to_owned(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (org, _) = run(&["org", "create", "--name", "Acme"]);
    let (key, cli_log) = run(&["apikey", "create", "--org", &org]);
    assert!(key.starts_with("pk_"));
    assert!(!cli_log.contains(&key));

    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("RUST_LOG", "trace")
        .stdout(std::process::Stdio::piped())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first
        .strip_prefix("Parley is listening on ")
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let wrong = format!("{key}x");
    for (k, expected) in [(&key, 200), (&wrong, 401)] {
        let resp = client
            .get(format!("{base}/chat/list"))
            .header("x-api-key", k.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected);
    }
    child.kill().await.unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    // The log is live (it shows the requests) and holds neither key.
    assert!(log.contains("/chat/list"), "{log}");
    assert!(!log.contains(&key[3..]), "the key is in the log");
}

/// SIGTERM: the server stops accepting, and closes live sockets with 1012 (service restart)
/// so widgets reconnect, instead of cutting them; then it exits cleanly.
#[tokio::test]
async fn sigterm_closes_live_sockets_with_a_reconnect_hint_and_exits_cleanly() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Ws;
    let dir = tempfile::tempdir().unwrap();
    let org = parley()
        .args(["org", "create", "--name", "Acme", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let org = String::from_utf8(org.stdout).unwrap().trim().to_owned();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"))
        .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(stdout));
    let first = lines.next_line().await.unwrap().unwrap();
    let base = first
        .strip_prefix("Parley is listening on ")
        .unwrap()
        .to_owned();
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let client = reqwest::Client::new();
    let session: serde_json::Value = client
        .post(format!("{base}/api/widget/contact-sessions"))
        .json(
            &serde_json::json!({"organizationId": org, "name": "Ada", "email": "ada@example.com"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"].as_str().unwrap().to_owned();
    let conversation: serde_json::Value = client
        .post(format!("{base}/api/widget/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (mut socket, _) =
        tokio_tungstenite::connect_async(format!("{}/api/widget/live", base.replace("http", "ws")))
            .await
            .unwrap();
    let subscribe = serde_json::json!({"type": "subscribe", "token": token,
        "conversationId": conversation["id"], "afterSeq": 0});
    socket.send(Ws::text(subscribe.to_string())).await.unwrap();
    match socket.next().await {
        Some(Ok(Ws::Text(t))) => assert!(t.contains("\"ready\""), "{t}"),
        other => panic!("expected ready, got {other:?}"),
    }

    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let close = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                Some(Ok(Ws::Close(frame))) => return frame,
                Some(Ok(_)) => {}
                other => panic!("socket ended without a close frame: {other:?}"),
            }
        }
    })
    .await
    .expect("a close frame within 5 s")
    .expect("a close code");
    assert_eq!(u16::from(close.code), 1012);
    let status = tokio::time::timeout(std::time::Duration::from_secs(10), child.wait())
        .await
        .expect("exits within 10 s")
        .unwrap();
    assert!(status.success(), "{status:?}");
}

/// Runs `parley ARGS` on `config`'s data folder and database, off the async threads.
async fn run_on(
    config: &parley_backend::Config,
    args: &[&std::ffi::OsStr],
) -> std::process::Output {
    let mut command = parley();
    command.args(args).arg("--data-dir").arg(&config.data_dir);
    if let Some(url) = &config.database_url {
        command.args(["--database-url", url]);
    }
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// `parley backup DEST` copies the SQLite database while the server runs: the copy opens
/// as a database holding what was stored. On PostgreSQL it refuses and names pg_dump.
/// `parley check` then passes.
#[tokio::test]
async fn backup_copies_the_database_while_the_server_runs_and_check_passes() {
    let app = TestApp::spawn().await;
    let org = app.organization("Acme").await;
    let visitor = app.visitor(org, "Ada").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "sauvegardez-moi").await;
    let dest = app.config.data_dir.join("backup.db");
    let backup = run_on(&app.config, &["backup".as_ref(), dest.as_os_str()]).await;
    let stderr = String::from_utf8_lossy(&backup.stderr);
    if app.config.database_url.is_some() {
        assert!(!backup.status.success());
        assert!(stderr.contains("pg_dump"), "{stderr}");
    } else {
        assert!(backup.status.success(), "{stderr}");
        let copy = parley_backend::store::connect(
            &format!("sqlite://{}", dest.display()),
            &app.config.store_options(),
        )
        .await
        .unwrap();
        let messages = copy
            .store
            .messages_after(conversation.id, 0, 10)
            .await
            .unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].content, "sauvegardez-moi");
        // A second backup to the same file is refused: nothing is overwritten.
        let again = run_on(&app.config, &["backup".as_ref(), dest.as_os_str()]).await;
        assert!(!again.status.success());
    }
    let check = run_on(&app.config, &["check".as_ref()]).await;
    let stdout = String::from_utf8_lossy(&check.stdout);
    assert!(check.status.success(), "{stdout}");
    assert!(stdout.contains("ok    database integrity"), "{stdout}");
}

/// `--log-format json`: every log line is one JSON object, and a request's lines carry the
/// ID its answer names in `x-request-id`.
#[tokio::test]
async fn json_logs_carry_the_request_id_of_the_answer() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_parley"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(dir.path())
        .env("RUST_LOG", "parley_backend=info,tower_http=debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = stdout.next_line().await.unwrap().unwrap();
    let base = first
        .strip_prefix("Parley is listening on ")
        .unwrap()
        .to_owned();
    let response = reqwest::get(format!("{base}/healthz")).await.unwrap();
    let id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let mut stderr = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let found = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Some(line) = stderr.next_line().await.unwrap() {
            let value: serde_json::Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
            if value.to_string().contains(&id) {
                return value;
            }
        }
        panic!("the log ended without the request's line");
    })
    .await
    .expect("the request's log line within 10 s");
    assert_eq!(found["span"]["request_id"], id, "{found}");
}
