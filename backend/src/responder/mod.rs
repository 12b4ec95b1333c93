//! The AI responder (issue 5; seed 002: a contact's message schedules a background answer
//! from the last 10 messages, written back as an assistant message).
//!
//! Durability: the answer is a job of the durable queue (`crate::jobs`, kind
//! `responder.answer`, run by `worker.rs`), recorded in the contact message's own
//! transaction (the outbox), claimed with a lease and retried with backoff; after the last
//! attempt the visitor gets a visible failure message and the conversation goes to a person. The answer's message ID is derived from the job's ID, so
//! however many workers or restarts run a job, it stores at most one answer.

pub mod knowledge;
pub mod openai;
mod worker;

pub use worker::{ANSWER, AnswerJob};

use crate::error::{Error, Result};
use crate::outbound::Outbound;
use crate::staff::accounts::Operator;
use crate::state::State;
use crate::store::{NewJob, ResponderRow};
use parley_shared::api::{ConversationStatus, MessageRole};
use parley_shared::staff::{ResponderProvider, ResponderSettings};
use parley_shared::{ConversationId, MessageId, OrganizationId};
use std::time::Duration;
use uuid::Uuid;

/// Name shown on the responder's messages.
pub const AUTHOR_NAME: &str = "Assistant";
/// What the visitor reads when no answer could be produced (issue 5's wording).
pub const FAILURE_MESSAGE: &str = "I can't answer right now; a person will reply.";
/// Written when the responder hands over without saying anything itself.
pub const HANDOVER_MESSAGE: &str =
    "I've asked a person from the team to join; they will reply here.";
/// Longest instructions text, in characters.
pub const MAX_INSTRUCTIONS_CHARS: usize = 4_000;
/// Passages given to the model or quoted.
const PASSAGES: u32 = 3;

/// Namespaces of the derived IDs (fixed random UUIDs).
const JOB_NAMESPACE: Uuid = Uuid::from_u128(0x5b1c_4f0e_9a7d_4c36_8e21_6f3a_0d9b_7c12);
const ANSWER_NAMESPACE: Uuid = Uuid::from_u128(0x0e6f_2a91_3c47_4b8d_a5f0_91d2_7e6c_4a38);

/// The answer job of a contact message (one per message, whatever happens), to record
/// with it.
pub fn job_for(
    message: MessageId,
    organization: OrganizationId,
    conversation: ConversationId,
) -> NewJob {
    let id = Uuid::new_v5(&JOB_NAMESPACE, message.0.as_bytes());
    worker::new_job(id, organization, conversation, message, None)
}

/// The message ID a job's answer is stored under.
pub fn answer_for(job: Uuid) -> MessageId {
    MessageId(Uuid::new_v5(&ANSWER_NAMESPACE, job.as_bytes()))
}

/// What a provider produced.
#[derive(Clone, Debug, PartialEq)]
pub struct Generated {
    /// The answer's text.
    pub content: String,
    /// A tool the model called.
    pub action: Option<Action>,
}

/// Tools the model may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Status → `escalated`.
    Escalate,
    /// Status → `resolved`.
    Resolve,
}

/// Why a provider gave no answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Failure {
    /// Worth another attempt (429, 5xx, network, timeout).
    Retryable(String),
    /// Another attempt would fail the same way (bad request, key, malformed answer).
    Permanent(String),
}

/// Worker tuning, from configuration.
#[derive(Clone, Debug)]
pub struct Tuning {
    /// Workers per process.
    pub workers: usize,
    /// Idle polling interval (jobs of other instances, retries that came due).
    pub poll: Duration,
    /// How long a claim holds a job before another worker may take it.
    pub lease: Duration,
    /// First retry delay; doubled at each attempt, at most a minute.
    pub retry_base: Duration,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Provider request limit.
    pub timeout: Duration,
    /// Pause between the pieces of a streamed knowledge-base answer.
    pub stream_step: Duration,
}

/// Shared by the answer jobs: the model's HTTP client (guarded, [`Outbound`]) and the tuning.
pub struct Responder {
    outbound: Outbound,
    tuning: Tuning,
}

impl Responder {
    /// A responder with `tuning`, whose requests may reach `destinations`.
    pub fn new(tuning: Tuning, destinations: crate::outbound::Destinations) -> Self {
        Self {
            outbound: Outbound::new(destinations),
            tuning,
        }
    }
}

/// Starts this process's answer workers (`--responder-workers`).
pub fn spawn_workers(state: &State) {
    let tuning = &state.responder.tuning;
    crate::jobs::spawn_workers(
        state,
        std::sync::Arc::new(AnswerJob),
        tuning.workers,
        tuning.poll,
    );
}

/// The organization's responder settings as the dashboard shows them (no API key).
pub async fn settings(state: &State, op: &Operator) -> Result<ResponderSettings> {
    let row = state
        .store
        .responder_settings(op.organization_id)
        .await?
        .unwrap_or(ResponderRow {
            context_messages: 10,
            ..ResponderRow::default()
        });
    Ok(view(row))
}

fn view(row: ResponderRow) -> ResponderSettings {
    ResponderSettings {
        enabled: row.enabled,
        provider: ResponderProvider::parse(&row.provider).unwrap_or_default(),
        base_url: row.base_url,
        model: row.model,
        api_key: None,
        api_key_set: row.api_key.is_some_and(|k| !k.is_empty()),
        instructions: row.instructions,
        context_messages: row.context_messages,
    }
}

/// Saves the responder settings (managers only). An absent `apiKey` keeps the stored one.
/// Errors: `Forbidden`; `Validation` for an OpenAI provider without a valid http(s) base
/// URL or model, instructions over 4,000 characters, or a context outside 1–50 messages.
pub async fn put_settings(
    state: &State,
    op: &Operator,
    req: ResponderSettings,
) -> Result<ResponderSettings> {
    op.require_manager()?;
    save(state, op.organization_id, req).await
}

/// Saves `org`'s responder settings (also used to set up the demo organization).
pub async fn save(
    state: &State,
    org: parley_shared::OrganizationId,
    req: ResponderSettings,
) -> Result<ResponderSettings> {
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let base_url = clean(req.base_url);
    let model = clean(req.model);
    if req.provider == ResponderProvider::Openai {
        let url = base_url
            .as_deref()
            .and_then(|u| reqwest::Url::parse(u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                Error::Validation(
                    "baseUrl: an http(s) URL is required for the openai provider".into(),
                )
            })?;
        // Names are checked when resolved, at each connection; an address can be now.
        state
            .responder
            .outbound
            .check(&url)
            .map_err(|refused| Error::Validation(format!("baseUrl: {refused}")))?;
        if model.is_none() {
            return Err(Error::Validation(
                "model: required for the openai provider".into(),
            ));
        }
    }
    if req.instructions.chars().count() > MAX_INSTRUCTIONS_CHARS {
        return Err(Error::Validation(format!(
            "instructions: at most {MAX_INSTRUCTIONS_CHARS} characters"
        )));
    }
    if !(1..=50).contains(&req.context_messages) {
        return Err(Error::Validation("contextMessages: 1 to 50".into()));
    }
    let stored = state.store.responder_settings(org).await?;
    let api_key = match req.api_key {
        Some(k) if k.trim().is_empty() => None,
        Some(k) => Some(k.trim().to_owned()),
        None => stored.and_then(|s| s.api_key),
    };
    let row = ResponderRow {
        enabled: req.enabled,
        provider: req.provider.as_str().to_owned(),
        base_url,
        model,
        api_key,
        instructions: req.instructions,
        context_messages: req.context_messages,
    };
    state
        .store
        .put_responder_settings(org, &row, state.clock.now())
        .await?;
    Ok(view(row))
}

/// Switches the responder on or off in one of the organization's conversations.
pub async fn set_active(
    state: &State,
    op: &Operator,
    conversation: ConversationId,
    active: bool,
) -> Result<parley_shared::api::Conversation> {
    let owned = state
        .store
        .conversation(conversation)
        .await?
        .filter(|c| c.conversation.organization_id == op.organization_id)
        .ok_or(Error::ConversationNotFound)?;
    state
        .store
        .set_responder_active(conversation, active)
        .await?;
    Ok(parley_shared::api::Conversation {
        responder_active: active,
        ..owned.conversation
    })
}

/// The contact asks for another answer in place of `answer` (an assistant message of their
/// conversation); the new one becomes its sibling. Idempotent by `request`. Errors:
/// `ConversationNotFound`, `MessageNotFound`, `Validation` (not an assistant answer),
/// `ConversationResolved`, `ResponderInactive` (a person has taken over).
pub async fn regenerate(
    state: &State,
    session: &crate::store::ContactSession,
    conversation: ConversationId,
    answer: MessageId,
    request: Uuid,
) -> Result<()> {
    let c = crate::conversations::get_own(state, session, conversation).await?;
    let m = state
        .store
        .message(answer)
        .await?
        .filter(|m| m.conversation_id == conversation)
        .ok_or(Error::MessageNotFound)?;
    if m.role != MessageRole::Assistant {
        return Err(Error::Validation(
            "only the assistant's answers can be regenerated".into(),
        ));
    }
    let Some(question) = m.previous_message_id else {
        return Err(Error::Validation("this answer answers nothing".into()));
    };
    if c.status == ConversationStatus::Resolved {
        return Err(Error::ConversationResolved);
    }
    if c.status != ConversationStatus::Unresolved || !c.responder_active {
        return Err(Error::ResponderInactive);
    }
    let job = worker::new_job(
        Uuid::new_v5(&JOB_NAMESPACE, request.as_bytes()),
        c.organization_id,
        conversation,
        question,
        Some(answer),
    );
    if state.store.enqueue_job(&job, state.clock.now()).await? {
        state.jobs.ring(worker::ANSWER);
    }
    Ok(())
}
