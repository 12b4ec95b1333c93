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
