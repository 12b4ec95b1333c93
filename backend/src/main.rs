//! `parley`: run the server, and script it (organizations, staff replies).

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use parley_backend::clock::SystemClock;
use parley_backend::staff::organizations;
use parley_backend::{Application, Config, secrets, store};
use parley_shared::api::{Message, StaffReply};
use parley_shared::{ConversationId, ErrorBody};
use std::sync::Arc;
use tracing_subscriber::EnvFilter;

/// Parley: an embeddable customer-support chat widget and its backend.
#[derive(Parser)]
#[command(name = "parley", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
    /// Log lines as text (default) or as JSON objects, one per line (log collectors).
    #[arg(
        long,
        global = true,
        env = "PARLEY_LOG_FORMAT",
        value_enum,
        default_value_t
    )]
    log_format: LogFormat,
}

/// How log lines are written (to stderr).
#[derive(Clone, Copy, Debug, Default, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line, with the span fields (e.g. `request_id`).
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Manage API keys of the public REST API.
    Apikey {
        #[command(subcommand)]
        command: ApikeyCommand,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Write a consistent copy of the SQLite database to the new file DEST, while the server
    /// runs (PostgreSQL: use pg_dump).
    Backup {
        /// Where the copy goes; must not exist.
        dest: std::path::PathBuf,
    },
    /// Check the configuration and the database (opens it, applying pending migrations as
    /// `serve` would); prints one line per check, exits non-zero if one fails.
    Check,
    /// Post a staff reply through a running server's admin API (scripts; people use the dashboard).
    Reply {
        /// The conversation to answer.
        conversation_id: ConversationId,
        /// The reply's text.
        text: String,
        /// The operator name shown to the visitor.
        #[arg(long, default_value = "Support")]
        author: String,
        /// The server's URL; default `http://` + `--bind`.
        #[arg(long, env = "PARLEY_SERVER_URL")]
        server: Option<String>,
    },
}

#[derive(Subcommand)]
enum ApikeyCommand {
    /// Create an API key for an organization and print the key alone on stdout (shown once).
    Create {
        /// The organization whose chats the key reads.
        #[arg(long)]
        org: parley_shared::OrganizationId,
        /// A label.
        #[arg(long, default_value = "CLI")]
        name: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an operator account in an organization (or add an existing account to it) and
    /// print the account ID alone on stdout.
    Create {
        /// Login email.
        #[arg(long)]
        email: String,
        /// The organization to join.
        #[arg(long)]
        org: parley_shared::OrganizationId,
        /// Role: owner, admin or agent.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Name shown to visitors.
        #[arg(long)]
        name: Option<String>,
        /// Password (at least 8 characters); prefer the environment variable.
        #[arg(long, env = "PARLEY_USER_PASSWORD", hide_env_values = true)]
        password: String,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organization and print its ID alone on stdout.
    Create {
        /// Its display name.
        #[arg(long)]
        name: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // Logs go to stderr: stdout carries only what scripts capture (IDs, URLs).
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("parley_backend=info,tower_http=info")),
        )
        .with_writer(std::io::stderr);
    match cli.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(cli.config).await,
        Command::Org {
            command: OrgCommand::Create { name },
        } => {
            if name.trim().is_empty() {
                bail!("--name must not be empty");
            }
            let connected =
                store::connect(&cli.config.database_url(), &cli.config.store_options()).await?;
            let org = organizations::create(connected.store.as_ref(), &SystemClock, &name).await?;
            println!("{}", org.id);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    org,
                    role,
                    name,
                    password,
                },
        } => {
            let role = parley_shared::staff::Role::parse(&role)
                .ok_or_else(|| anyhow::anyhow!("--role must be owner, admin or agent"))?;
            let connected =
                store::connect(&cli.config.database_url(), &cli.config.store_options()).await?;
            let user = parley_backend::staff::accounts::create_member(
                connected.store.as_ref(),
                &SystemClock,
                &email,
                &password,
                org,
                role,
                name.as_deref(),
            )
            .await?;
            println!("{}", user.id);
            Ok(())
        }
        Command::Apikey {
            command: ApikeyCommand::Create { org, name },
        } => {
            let connected =
                store::connect(&cli.config.database_url(), &cli.config.store_options()).await?;
            connected
                .store
                .organization(org)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no organization {org}"))?;
            let created = parley_backend::conversations::public_api::create_key(
                connected.store.as_ref(),
                &SystemClock,
                org,
                &name,
                None,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", created.key);
            Ok(())
        }
        Command::Backup { dest } => {
            if dest.exists() {
                bail!("{} exists: a backup goes to a new file", dest.display());
            }
            let connected =
                store::connect(&cli.config.database_url(), &cli.config.store_options()).await?;
            connected.store.backup_to(&dest).await?;
            println!("{}", dest.display());
            Ok(())
        }
        Command::Check => check(&cli.config).await,
        Command::Reply {
            conversation_id,
            text,
            author,
            server,
        } => {
            let server = server.unwrap_or_else(|| format!("http://{}", cli.config.bind));
            reply(&cli.config, &server, conversation_id, text, author).await
        }
    }
}

/// `parley check`: each line `ok  WHAT` or `FAIL  WHAT: why`; an error if any failed.
async fn check(config: &Config) -> anyhow::Result<()> {
    let mut failed = 0;
    let mut report = |what: &str, outcome: anyhow::Result<String>| match outcome {
        Ok(detail) => println!("ok    {what}{detail}"),
        Err(e) => {
            failed += 1;
            println!("FAIL  {what}: {e:#}");
        }
    };
    report(
        "secrets",
        secrets::admin_token(config)
            .and_then(|_| secrets::secret(config, config.jwt_secret.as_ref(), "jwt-secret"))
            .map(|_| format!(" (in {})", config.data_dir.display())),
    );
    match store::connect(&config.database_url(), &config.store_options()).await {
        Ok(connected) => {
            report("database and migrations", Ok(String::new()));
            let integrity = connected.store.integrity_problems().await;
            report(
                "database integrity",
                integrity.map_err(anyhow::Error::from).and_then(|problems| {
                    if problems.is_empty() {
                        Ok(String::new())
                    } else {
                        Err(anyhow::anyhow!(problems.join("; ")))
                    }
                }),
            );
        }
        Err(e) => report("database and migrations", Err(e.into())),
    }
    let apps = parley_backend::http::assets::Assets::find(config.assets_dir.as_deref());
    report(
        "web apps",
        match apps {
            Some(parley_backend::http::assets::Assets::Folder(dir)) => {
                if dir.join("widget/index.html").is_file() {
                    Ok(format!(" (from {})", dir.display()))
                } else {
                    Err(anyhow::anyhow!("no widget/index.html in {}", dir.display()))
                }
            }
            Some(parley_backend::http::assets::Assets::Embedded) => Ok(" (built in)".into()),
            None => Err(anyhow::anyhow!(
                "not built: run `cargo xtask build-widget`, then build parley again"
            )),
        },
    );
    if failed > 0 {
        bail!("{failed} check(s) failed");
    }
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let app = Application::build(config, Arc::new(SystemClock)).await?;
    println!("Parley is listening on {}", app.public_url());
    println!("Staff dashboard:    {}/dashboard", app.public_url());
    if let Some(url) = app.demo_url() {
        println!("Demo customer site: {url}  (click the chat button at the bottom right)");
    }
    if let Some((email, password)) = app.demo_operator() {
        println!("Demo operator login: {email} / {password}");
    }
    app.run_until(async {
        // Ctrl-C, or SIGTERM from a service manager or orchestrator.
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
            match term.as_mut() {
                Ok(term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    })
    .await
}

async fn reply(
    config: &Config,
    server: &str,
    conversation_id: ConversationId,
    text: String,
    author: String,
) -> anyhow::Result<()> {
    let token = secrets::admin_token(config)?;
    let url = format!(
        "{}/api/admin/conversations/{conversation_id}/messages",
        server.trim_end_matches('/')
    );
    let response = reqwest::Client::new()
        .post(&url)
        .bearer_auth(token)
        .json(&StaffReply {
            id: None,
            content: text,
            author_name: Some(author),
        })
        .send()
        .await
        .with_context(|| format!("calling {url}"))?;
    if !response.status().is_success() {
        let status = response.status();
        let message = response
            .json::<ErrorBody>()
            .await
            .map(|b| b.message)
            .unwrap_or_default();
        bail!("the server answered {status}: {message}");
    }
    let message: Message = response.json().await?;
    println!("{}", message.id);
    Ok(())
}
