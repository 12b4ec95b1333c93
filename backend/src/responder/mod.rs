//! The AI responder (issue 5; seed 002: a contact's message schedules a background answer
//! from the last 10 messages, written back as an assistant message).
//!
//! Durability: the job is a row of `responder_jobs` written in the contact message's own
//! transaction (the outbox). Workers claim due jobs with a lease, so a job whose process
//! died is claimed again once its lease runs out; failures are retried with exponential
//! backoff, and after the last attempt the visitor gets a visible failure message and the
//! conversation goes to a person. The answer's message ID is derived from the job's ID, so
//! however many workers or restarts run a job, it stores at most one answer.

pub mod knowledge;
pub mod openai;

use crate::accounts::Operator;
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::live::Topic;
use crate::store::{NewMessage, ResponderJob, ResponderRow};
use parley_shared::api::{ConversationStatus, Message, MessageRole};
use parley_shared::live::ServerFrame;
use parley_shared::staff::{ResponderProvider, ResponderSettings};
use parley_shared::{ConversationId, MessageId};
use std::time::Duration;
use tokio::sync::Notify;
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

/// The answer job of a contact message (one per message, whatever happens).
pub fn job_for(message: MessageId) -> Uuid {
    Uuid::new_v5(&JOB_NAMESPACE, message.0.as_bytes())
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

/// Shared by the workers: the wake-up bell and the HTTP client.
pub struct Responder {
    wake: Notify,
    client: reqwest::Client,
    tuning: Tuning,
}

impl Responder {
    /// A responder with `tuning`.
    pub fn new(tuning: Tuning) -> Self {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            wake: Notify::new(),
            client,
            tuning,
        }
    }

    /// A job may be waiting: wake a worker now instead of at its next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }
}

/// Wall-clock time for scheduling jobs (leases and retry delays are real durations, so they
/// do not follow the injected clock that tests move to expire sessions). New jobs are due
/// at once (`run_at` 0).
fn wall_clock() -> parley_shared::Timestamp {
    parley_shared::Timestamp::from_datetime(time::OffsetDateTime::now_utc())
}

/// Starts the workers; they run until the runtime stops.
pub fn spawn_workers(state: &AppState) {
    for _ in 0..state.responder.tuning.workers.max(1) {
        let state = state.clone();
        tokio::spawn(async move { work(state).await });
    }
}

async fn work(state: AppState) {
    let responder = state.responder.clone();
    loop {
        let lease = i64::try_from(responder.tuning.lease.as_millis()).unwrap_or(i64::MAX);
        match state.store.claim_job(wall_clock(), lease).await {
            Ok(Some(job)) => {
                if let Err(e) = run(&state, &job).await {
                    // The lease brings it back; nothing else to do here.
                    tracing::warn!(job = %job.id, error = %e, "responder job failed to run");
                }
                continue;
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "claiming a responder job failed"),
        }
        tokio::select! {
            _ = responder.wake.notified() => {}
            _ = tokio::time::sleep(responder.tuning.poll) => {}
        }
    }
}

/// Runs one claimed job to its end (answer, retry later, or visible failure).
async fn run(state: &AppState, job: &ResponderJob) -> Result<()> {
    let answer_id = answer_for(job.id);
    // A previous run stored the answer and died before finishing the job.
    if state.store.message(answer_id).await?.is_some() {
        state.store.finish_job(job.id, None).await?;
        return Ok(());
    }
    let Some(owned) = state.store.conversation(job.conversation_id).await? else {
        state
            .store
            .finish_job(job.id, Some("conversation gone"))
            .await?;
        return Ok(());
    };
    let conversation = owned.conversation;
    let settings = state
        .store
        .responder_settings(job.organization_id)
        .await?
        .unwrap_or_default();
    // A person took over (or the responder was switched off) since the job was recorded.
    if conversation.status != ConversationStatus::Unresolved
        || !conversation.responder_active
        || !settings.enabled
    {
        state.store.finish_job(job.id, None).await?;
        return Ok(());
    }
    let Some(question) = state.store.message(job.trigger_message_id).await? else {
        state
            .store
            .finish_job(job.id, Some("question gone"))
            .await?;
        return Ok(());
    };
    let draft = |content: &str| {
        state.hub.publish(
            Topic::Conversation(job.conversation_id),
            ServerFrame::Draft {
                conversation_id: job.conversation_id,
                message_id: answer_id,
                author_name: AUTHOR_NAME.to_owned(),
                content: content.to_owned(),
            },
        )
    };
    draft("");
    let passages =
        knowledge::retrieve(state, job.organization_id, &question.content, PASSAGES).await?;
    let provider =
        ResponderProvider::parse(&settings.provider).unwrap_or(ResponderProvider::KnowledgeBase);
    let outcome = match provider {
        ResponderProvider::KnowledgeBase => {
            let text = knowledge::answer(&passages);
            let generated = Generated {
                content: text
                    .clone()
                    .unwrap_or_else(|| knowledge::NO_MATCH.to_owned()),
                action: None,
            };
            stream_out(state, &generated.content, &draft).await;
            Ok(generated)
        }
        ResponderProvider::Openai => {
            let turns = context(state, job, &settings, &question, &passages).await?;
            let endpoint = openai::Endpoint {
                base_url: settings.base_url.as_deref().unwrap_or_default(),
                model: settings.model.as_deref().unwrap_or_default(),
                api_key: settings.api_key.as_deref(),
                timeout: state.responder.tuning.timeout,
            };
            openai::complete(&state.responder.client, &endpoint, &turns, draft).await
        }
    };
    let generated = match outcome {
        Ok(g) => g,
        Err(Failure::Retryable(why)) if job.attempts < state.responder.tuning.max_attempts => {
            let base = state.responder.tuning.retry_base.as_millis() as i64;
            let delay = (base << (job.attempts.saturating_sub(1).min(16))).min(60_000);
            let at = parley_shared::Timestamp::from_unix_millis(wall_clock().unix_millis() + delay);
            tracing::info!(job = %job.id, attempt = job.attempts, error = %why, "responder will retry");
            state.store.retry_job(job.id, at, &why).await?;
            return Ok(());
        }
        Err(Failure::Retryable(why) | Failure::Permanent(why)) => {
            tracing::warn!(job = %job.id, error = %why, "responder gave up");
            // Hand over first, so the message arrives in an escalated conversation.
            crate::conversations::set_status(
                state,
                job.conversation_id,
                ConversationStatus::Escalated,
            )
            .await?;
            write_answer(state, job, answer_id, FAILURE_MESSAGE.to_owned()).await?;
            state.store.finish_job(job.id, Some(&why)).await?;
            return Ok(());
        }
    };
    let content = match (generated.content.trim(), generated.action) {
        ("", Some(Action::Escalate)) => HANDOVER_MESSAGE.to_owned(),
        ("", Some(Action::Resolve)) => "Glad I could help!".to_owned(),
        ("", None) => FAILURE_MESSAGE.to_owned(),
        (text, _) => text.to_owned(),
    };
    write_answer(state, job, answer_id, content).await?;
    match generated.action {
        Some(Action::Escalate) => {
            crate::conversations::set_status(
                state,
                job.conversation_id,
                ConversationStatus::Escalated,
            )
            .await?;
        }
        Some(Action::Resolve) => {
            crate::conversations::set_status(
                state,
                job.conversation_id,
                ConversationStatus::Resolved,
            )
            .await?;
        }
        None => {}
    }
    state.store.finish_job(job.id, None).await?;
    Ok(())
}

async fn write_answer(
    state: &AppState,
    job: &ResponderJob,
    id: MessageId,
    content: String,
) -> Result<()> {
    let limit = state.config.max_message_chars;
    let content = if content.chars().count() > limit {
        content.chars().take(limit).collect()
    } else {
        content
    };
    let new = NewMessage {
        id,
        conversation_id: job.conversation_id,
        role: MessageRole::Assistant,
        author_name: Some(AUTHOR_NAME.to_owned()),
        author_id: None,
        content,
        created_at: state.clock.now(),
        sibling_of: job.sibling_of,
        answer_job: None,
    };
    crate::messages::store_staff_message(state, job.organization_id, new).await?;
    Ok(())
}

/// Streams a ready text as drafts, a few words at a time, as a model would.
async fn stream_out(state: &AppState, text: &str, draft: &impl Fn(&str)) {
    let step = state.responder.tuning.stream_step;
    if step.is_zero() {
        return;
    }
    let mut shown = 0;
    for (i, (at, _)) in text.match_indices(' ').enumerate() {
        if i % 3 == 2 {
            shown = at;
            draft(&text[..shown]);
            tokio::time::sleep(step).await;
        }
    }
    if shown < text.len() {
        draft(text);
    }
}

/// The model's input: instructions and passages as the system message, then the last
/// `context_messages` messages of the branch that ends at `question` (seed 002: 10).
async fn context(
    state: &AppState,
    job: &ResponderJob,
    settings: &ResponderRow,
    question: &Message,
    passages: &[crate::store::PassageHit],
) -> Result<Vec<openai::ChatTurn>> {
    let org = state
        .store
        .organization(job.organization_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let mut system = format!(
        "You are the support assistant of {org}, answering a website visitor in a chat. \
         Answer briefly, in the visitor's language, using the knowledge-base passages below when \
         they are relevant. If you cannot help or the visitor asks for a person, call the \
         `escalate` tool. Call `resolve` only when the visitor confirms their question is answered."
    );
    if !settings.instructions.trim().is_empty() {
        system.push_str("\n\nInstructions from the organization:\n");
        system.push_str(settings.instructions.trim());
    }
    if !passages.is_empty() {
        system.push_str("\n\nKnowledge-base passages:");
        for (i, p) in passages.iter().enumerate() {
            system.push_str(&format!(
                "\n[{}] {} — {}\n{}",
                i + 1,
                p.title,
                p.heading,
                p.body
            ));
        }
    }
    let n = settings.context_messages.clamp(1, 50) as usize;
    let recent = state
        .store
        .messages_up_to(question.conversation_id, question.seq, 200)
        .await?;
    // Walk up the tree from the question so an edited branch's old messages stay out.
    let mut branch = Vec::new();
    let mut next = Some(question.id);
    while let Some(id) = next {
        let Some(m) = recent.iter().find(|m| m.id == id) else {
            break;
        };
        branch.push(m);
        next = m.previous_message_id;
        if branch.len() == n {
            break;
        }
    }
    let mut turns = vec![openai::ChatTurn {
        role: "system",
        content: system,
    }];
    for m in branch.into_iter().rev() {
        let (role, content) = match m.role {
            MessageRole::Contact => ("user", m.content.clone()),
            MessageRole::Operator => (
                "assistant",
                format!(
                    "({} from the support team) {}",
                    m.author_name.as_deref().unwrap_or("Support"),
                    m.content
                ),
            ),
            MessageRole::Assistant | MessageRole::System => ("assistant", m.content.clone()),
        };
        turns.push(openai::ChatTurn { role, content });
    }
    Ok(turns)
}

/// The organization's responder settings as the dashboard shows them (no API key).
pub async fn settings(state: &AppState, op: &Operator) -> Result<ResponderSettings> {
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
    state: &AppState,
    op: &Operator,
    req: ResponderSettings,
) -> Result<ResponderSettings> {
    op.require_manager()?;
    save(state, op.organization_id, req).await
}

/// Saves `org`'s responder settings (also used to set up the demo organization).
pub async fn save(
    state: &AppState,
    org: parley_shared::OrganizationId,
    req: ResponderSettings,
) -> Result<ResponderSettings> {
    let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    let base_url = clean(req.base_url);
    let model = clean(req.model);
    if req.provider == ResponderProvider::Openai {
        let ok_url = base_url.as_deref().is_some_and(|u| {
            reqwest::Url::parse(u).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
        });
        if !ok_url {
            return Err(Error::Validation(
                "baseUrl: an http(s) URL is required for the openai provider".into(),
            ));
        }
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
    state: &AppState,
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
    state: &AppState,
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
    let job = ResponderJob {
        id: Uuid::new_v5(&JOB_NAMESPACE, request.as_bytes()),
        organization_id: c.organization_id,
        conversation_id: conversation,
        trigger_message_id: question,
        sibling_of: Some(answer),
        attempts: 0,
    };
    if state.store.enqueue_job(&job, state.clock.now()).await? {
        state.responder.wake();
    }
    Ok(())
}
