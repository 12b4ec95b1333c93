//! schemathesis (PyPI) against the served OpenAPI document: generated and mutated requests
//! on every operation, with valid credentials for each security scheme. No response may be
//! a 5xx, and every response must match the document (status code, content type, schema).
//!
//! Needs the `schemathesis` command (`PARLEY_SCHEMATHESIS`, else on `PATH`); `cargo xtask
//! test` installs it into a virtualenv under `target/` and makes it required.

use crate::helpers::TestApp;
use serde_json::{Value, json};

fn schemathesis() -> Option<String> {
    if let Ok(path) = std::env::var("PARLEY_SCHEMATHESIS") {
        return Some(path);
    }
    std::process::Command::new("schemathesis")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "schemathesis".to_owned())
}

#[tokio::test]
async fn schemathesis_finds_no_server_error_and_no_answer_outside_the_document() {
    let Some(bin) = schemathesis() else {
        if std::env::var_os("PARLEY_REQUIRE_SCHEMATHESIS").is_some() {
            panic!("schemathesis is required (cargo xtask test installs it)");
        }
        eprintln!("\n*** SKIPPED: schemathesis not found ***\n");
        return;
    };
    let app = TestApp::spawn().await;
    let owner = app.sign_up("owner@acme.test", "Acme").await;
    let visitor = app.visitor(owner.org(), "Ann").await;
    let conversation = visitor.start_conversation().await;
    visitor.say(conversation.id, "hello").await;
    let key: Value = owner
        .post("/api/dashboard/api-keys", json!({"name": "schemathesis"}))
        .await
        .json()
        .await
        .unwrap();
    // A fixed seed keeps CI repeatable; `PARLEY_SCHEMATHESIS_SEED` explores further.
    let seed = std::env::var("PARLEY_SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261201".into());
    let config = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis.toml");
    // schemathesis keeps a cache in its working folder: a temporary one, not the checkout.
    let workdir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(&bin)
        .current_dir(workdir.path())
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(app.url("/api/openapi.json"))
        .args([
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "15",
            "--seed",
            &seed,
            "--workers",
            "2",
            // Blocking revokes the contact session the run authenticates with (schemathesis
            // reuses the conversation IDs it sees in responses).
            "--exclude-path-regex",
            "/block$",
        ])
        // Calls that would end or disable the very credentials the run uses.
        .args(
            [
                "/api/dashboard/logout",
                "/api/dashboard/password",
                "/api/dashboard/switch-organization",
                "/api/dashboard/identity",
                "/api/dashboard/contacts/erase",
            ]
            .iter()
            .flat_map(|p| ["--exclude-path", p]),
        )
        .env(
            "PARLEY_ST_STAFF",
            owner.cookie.trim_start_matches("parley_staff="),
        )
        .env("PARLEY_ST_CONTACT", &visitor.token)
        .env("PARLEY_ST_API_KEY", key["key"].as_str().unwrap())
        .env("PARLEY_ST_ADMIN", &app.admin_token)
        .env("NO_COLOR", "1")
        .output()
        .await
        .expect("run schemathesis");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The run really exercised the API with valid credentials (not only 401s).
    assert_eq!(
        visitor.get("/api/widget/contact-session").await.status(),
        200
    );
    assert!(report.contains("passed"), "{report}");
}
