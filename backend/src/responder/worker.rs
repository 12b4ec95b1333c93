//! The answer job (kind `responder.answer`): drafts while it works, then the stored answer
//! from the knowledge base or the model, and the status the model asked for.

use super::{
    AUTHOR_NAME, Action, FAILURE_MESSAGE, Failure, Generated, HANDOVER_MESSAGE, PASSAGES,
    answer_for, knowledge, openai,
};
use crate::error::Result;
use crate::jobs::{Kind, Outcome, Policy};
use crate::live::Topic;
use crate::state::State;
use crate::store::{Job, NewJob, NewMessage, ResponderRow};
use async_trait::async_trait;
use parley_shared::api::{ConversationStatus, Message, MessageRole};
use parley_shared::live::ServerFrame;
use parley_shared::staff::ResponderProvider;
use parley_shared::{ConversationId, MessageId, OrganizationId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// The kind's name in `jobs.kind`.
pub const ANSWER: &str = "responder.answer";

/// The job's parameters (`jobs.payload`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    /// The contact message to answer.
    trigger_message_id: MessageId,
    /// For a regenerated answer: the answer it is a sibling of.
    sibling_of: Option<MessageId>,
}

/// A claimed answer job, its payload read.
struct ResponderJob {
    id: Uuid,
    organization_id: OrganizationId,
    conversation_id: ConversationId,
    trigger_message_id: MessageId,
    sibling_of: Option<MessageId>,
}

/// An answer job to record: answer `question` in `conversation` (as a sibling of
/// `sibling_of` for a regenerated answer).
pub(super) fn new_job(
    id: Uuid,
    organization: OrganizationId,
    conversation: ConversationId,
    question: MessageId,
    sibling_of: Option<MessageId>,
) -> NewJob {
    let payload = Payload {
        trigger_message_id: question,
        sibling_of,
    };
    NewJob {
        id,
        kind: ANSWER,
        organization_id: organization,
        conversation_id: Some(conversation),
        // Two IDs cannot fail to serialize.
        payload: serde_json::to_string(&payload).unwrap_or_default(),
    }
}

/// The AI responder's answers, as a kind of job.
pub struct AnswerJob;

#[async_trait]
impl Kind for AnswerJob {
    fn name(&self) -> &'static str {
        ANSWER
    }

    fn policy(&self, state: &State) -> Policy {
        let tuning = &state.responder.tuning;
        Policy {
            lease: tuning.lease,
            retry_base: tuning.retry_base,
            max_retry_delay: Duration::from_secs(60),
            max_attempts: tuning.max_attempts,
        }
    }

    async fn run(&self, state: &State, job: &Job) -> Result<Outcome> {
        match read(job) {
            Some(job) => answer(state, &job).await,
            None => Ok(Outcome::Dropped("unreadable payload".into())),
        }
    }

    /// Hands over first, so the failure message arrives in an escalated conversation.
    async fn give_up(&self, state: &State, job: &Job, _why: &str) -> Result<()> {
        let Some(job) = read(job) else {
            return Ok(());
        };
        crate::conversations::set_status(state, job.conversation_id, ConversationStatus::Escalated)
            .await?;
        write_answer(state, &job, answer_for(job.id), FAILURE_MESSAGE.to_owned()).await
    }
}

fn read(job: &Job) -> Option<ResponderJob> {
    let payload: Payload = serde_json::from_str(&job.payload).ok()?;
    Some(ResponderJob {
        id: job.id,
        organization_id: job.organization_id,
        conversation_id: job.conversation_id?,
        trigger_message_id: payload.trigger_message_id,
        sibling_of: payload.sibling_of,
    })
}

/// Runs one claimed job to its end (answer, retry later, or visible failure).
async fn answer(state: &State, job: &ResponderJob) -> Result<Outcome> {
    let answer_id = answer_for(job.id);
    // A previous run stored the answer and died before finishing the job.
    if state.store.message(answer_id).await?.is_some() {
        return Ok(Outcome::Done);
    }
    let Some(owned) = state.store.conversation(job.conversation_id).await? else {
        return Ok(Outcome::Dropped("conversation gone".into()));
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
        return Ok(Outcome::Done);
    }
    let Some(question) = state.store.message(job.trigger_message_id).await? else {
        return Ok(Outcome::Dropped("question gone".into()));
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
            match state.responder.outbound.checked(endpoint.base_url) {
                Ok(client) => openai::complete(client, &endpoint, &turns, draft).await,
                Err(refused) => Err(Failure::Permanent(refused)),
            }
        }
    };
    let generated = match outcome {
        Ok(g) => g,
        Err(Failure::Retryable(why)) => return Ok(Outcome::Retry(why)),
        Err(Failure::Permanent(why)) => return Ok(Outcome::GiveUp(why)),
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
    Ok(Outcome::Done)
}

async fn write_answer(
    state: &State,
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
        event_job: None,
        stops_responder: false,
    };
    crate::conversations::messages::store_staff_message(state, job.organization_id, new).await?;
    Ok(())
}

/// Streams a ready text as drafts, a few words at a time, as a model would.
async fn stream_out(state: &State, text: &str, draft: &impl Fn(&str)) {
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
    state: &State,
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
