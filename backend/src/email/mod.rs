//! Conversations continue by email (issue 15): a reply the visitor has not seen in time is
//! emailed to them, batched per conversation, with a recap, a link that reopens the
//! conversation in the widget and an unsubscribe link.
//!
//! Peers' users call this crucial (papercups-io/papercups#151: "otherwise we have no way of
//! getting back to users when we're not online"; chatwoot/chatwoot#9463).
//!
//! - `mod.rs`: the SMTP transport ([`Email`], off without `--smtp-url`) and scheduling;
//! - `reply.rs`: the `email.reply` job kind (decides, batches, sends, records);
//! - `compose.rs`: the email itself (plain text and HTML);
//! - `links.rs`: the links in it (random secrets stored hashed, one purpose each).

pub mod compose;
pub mod links;
pub mod reply;

use crate::config::Config;
use crate::state::State;
use crate::store::NewJob;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use parley_shared::api::Message;
use parley_shared::{ConversationId, OrganizationId};
use std::sync::Arc;
use std::time::Duration;

/// Timing of the email jobs.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// How long a reply may stay unseen before it is emailed.
    pub after: Duration,
    /// Idle polling interval of the email workers.
    pub poll: Duration,
    /// Workers per process (0: none).
    pub workers: usize,
    /// First retry delay after an SMTP failure (doubled per attempt, up to an hour).
    pub retry_base: Duration,
    /// Attempts before giving up on a batch.
    pub max_attempts: u32,
}

/// The SMTP transport and the sender address, when email is configured.
pub struct Email {
    transport: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    /// Timing.
    pub tuning: Tuning,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email")
            .field("enabled", &self.enabled())
            .field("tuning", &self.tuning)
            .finish()
    }
}

impl Email {
    /// From the settings: `--smtp-url` (lettre's URL form, e.g.
    /// `smtps://user:password@smtp.example.com`, `smtp://host:2525?tls=required`, or
    /// `smtp://127.0.0.1:1025` without TLS) and `--email-from`. Without a URL, email is off.
    /// Errors: a URL or sender that does not parse.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let tuning = Tuning {
            after: Duration::from_secs(config.email_after_secs),
            poll: Duration::from_millis(config.webhook_poll_ms.max(10)),
            workers: config.email_workers,
            retry_base: Duration::from_secs(5),
            max_attempts: 12,
        };
        let Some(url) = config.smtp_url.as_deref() else {
            return Ok(Self {
                transport: None,
                tuning,
            });
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("--smtp-url: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from: Mailbox = config
            .email_from
            .as_deref()
            .unwrap_or("Parley <noreply@parley.localhost>")
            .parse()
            .map_err(|e| anyhow::anyhow!("--email-from: {e}"))?;
        Ok(Self {
            transport: Some((transport, from)),
            tuning,
        })
    }

    /// Whether emails are sent at all.
    pub fn enabled(&self) -> bool {
        self.transport.is_some()
    }

    /// The sender address (none when email is off).
    pub fn from(&self) -> Option<&Mailbox> {
        self.transport.as_ref().map(|(_, from)| from)
    }

    /// Hands `message` to the SMTP server. Errors: the server's or the connection's, as text
    /// (worth a retry: a server that is down comes back).
    pub async fn send(&self, message: lettre::Message) -> Result<(), String> {
        let Some((transport, _)) = &self.transport else {
            return Err("email is not configured".into());
        };
        transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Starts the email workers (none when email is off).
pub fn spawn_workers(state: &State) {
    let tuning = &state.email.tuning;
    if state.email.enabled() && tuning.workers > 0 {
        let kind = Arc::new(reply::ReplyEmail);
        crate::jobs::spawn_workers(state, kind, tuning.workers, tuning.poll);
    }
}

/// A person replied in `conversation`: if the visitor has not seen `reply` within
/// [`Tuning::after`], it is emailed to them (with later unseen replies). Recorded after the
/// reply's commit; a failure to record is logged (the reply itself is stored).
pub async fn reply_stored(
    state: &State,
    organization_id: OrganizationId,
    conversation: ConversationId,
    reply: &Message,
) {
    if !state.email.enabled() {
        return;
    }
    let job = NewJob {
        // One job per reply, whatever retries the request that stored it.
        id: uuid::Uuid::new_v5(&reply::JOB_NAMESPACE, reply.id.0.as_bytes()),
        kind: reply::KIND,
        organization_id,
        conversation_id: Some(conversation),
        payload: serde_json::json!({ "seq": reply.seq }).to_string(),
    };
    let due = crate::jobs::due_in(state.email.tuning.after);
    if let Err(e) = state.store.schedule_job(&job, due).await {
        tracing::warn!(error = %e, "scheduling a reply email");
    }
}
