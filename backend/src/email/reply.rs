//! The `email.reply` job: one per person's reply, due [`super::Tuning::after`] later. When
//! it runs, the reply is emailed unless the visitor has seen it (their read position), it
//! was emailed already, or a later reply's job will send it (so several replies in a row
//! make one email). Nothing goes to a blocked contact, an unsubscribed address or a session
//! without an email.
//!
//! Exactly once, as far as SMTP allows: the batch's `Message-ID` is derived from the
//! conversation and the last reply, and `emailed_seq` is recorded after the server accepted
//! it; a crash between the two resends the same `Message-ID`, which receivers deduplicate.

use super::compose::ReplyMail;
use super::links;
use crate::error::Result;
use crate::jobs::{Kind, Outcome, Policy};
use crate::state::State;
use crate::store::{Job, LinkPurpose};
use async_trait::async_trait;
use lettre::message::Mailbox;
use parley_shared::api::MessageRole;
use std::time::Duration;

/// The kind's name in `jobs.kind`.
pub const KIND: &str = "email.reply";

/// Namespace of the jobs' IDs (UUID v5 of the reply's ID).
pub const JOB_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x6d1f_2b0a_51c4_4e55_9a43_3f0e_8c1d_7e21);

/// Messages of the recap before the new replies.
const RECAP: u32 = 6;

/// The reply-email job kind.
pub struct ReplyEmail;

#[derive(serde::Deserialize)]
struct Payload {
    /// The reply's `seq`.
    seq: u64,
}

#[async_trait]
impl Kind for ReplyEmail {
    fn name(&self) -> &'static str {
        KIND
    }

    fn policy(&self, state: &State) -> Policy {
        let tuning = &state.email.tuning;
        Policy {
            lease: Duration::from_secs(120),
            retry_base: tuning.retry_base,
            max_retry_delay: Duration::from_secs(3600),
            max_attempts: tuning.max_attempts,
        }
    }

    async fn run(&self, state: &State, job: &Job) -> Result<Outcome> {
        let Ok(Payload { seq }) = serde_json::from_str(&job.payload) else {
            return Ok(Outcome::Dropped("unreadable payload".into()));
        };
        let Some(id) = job.conversation_id else {
            return Ok(Outcome::Dropped("no conversation".into()));
        };
        let Some(owned) = state.store.conversation(id).await? else {
            return Ok(Outcome::Dropped("the conversation is gone".into()));
        };
        let conversation = owned.conversation;
        // Seen in time, or sent already: nothing to do.
        let emailed = state.store.emailed_seq(id).await?;
        let after = conversation.contact_read_seq.max(emailed);
        if after >= seq {
            return Ok(Outcome::Done);
        }
        let newer = state.store.messages_after(id, after, 500).await?;
        let is_reply = |role: MessageRole| role == MessageRole::Operator;
        // A later reply has its own job, which sends this one with it.
        if newer.iter().any(|m| m.seq > seq && is_reply(m.role)) {
            return Ok(Outcome::Done);
        }
        let replies: Vec<_> = newer
            .into_iter()
            .filter(|m| m.seq <= seq && is_reply(m.role))
            .collect();
        let Some(first) = replies.first() else {
            return Ok(Outcome::Done);
        };
        let Some(session) = state
            .store
            .contact_session(owned.contact_session_id)
            .await?
        else {
            return Ok(Outcome::Dropped("the contact is gone".into()));
        };
        let org = session.organization_id;
        let key = parley_shared::limits::email_key(&session.email);
        if session.revoked
            || key.is_empty()
            || state.store.contact_blocked(org, &session.email).await?
            || state.store.unsubscribed(org, &key).await?
        {
            return Ok(Outcome::Done);
        }
        let Ok(to) = format!("{} <{}>", session.name, session.email)
            .parse::<Mailbox>()
            .or_else(|_| session.email.parse::<Mailbox>())
        else {
            return Ok(Outcome::Dropped(
                "the contact's email does not parse".into(),
            ));
        };
        let Some(from) = state.email.from() else {
            return Ok(Outcome::Dropped("email is not configured".into()));
        };
        let mut recap = state
            .store
            .messages_up_to(id, first.seq.saturating_sub(1), RECAP)
            .await?;
        recap.reverse();
        let config = crate::settings::widget_config(state, org, conversation.project_id).await?;
        let continue_secret = links::create(state, LinkPurpose::Continue, &session, id).await?;
        let unsubscribe_secret =
            links::create(state, LinkPurpose::Unsubscribe, &session, id).await?;
        let public = &state.public_url;
        let continue_url =
            format!("{public}/widget?organizationId={org}&continue={continue_secret}");
        let unsubscribe_url = format!("{public}/api/email/unsubscribe?token={unsubscribe_secret}");
        let host = url::Url::parse(public)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "parley.localhost".into());
        let email = ReplyMail {
            from,
            to,
            organization: &config.name,
            accent: config.accent_color.as_deref().unwrap_or("#2563eb"),
            recap: &recap,
            replies: &replies,
            contact_name: &session.name,
            continue_url: &continue_url,
            unsubscribe_url: &unsubscribe_url,
            message_id: format!("<reply-{id}-{seq}@{host}>"),
        };
        let mail = match email.build() {
            Ok(mail) => mail,
            Err(e) => return Ok(Outcome::Dropped(e)),
        };
        match state.email.send(mail).await {
            Ok(()) => {
                state.store.set_emailed_seq(id, seq).await?;
                Ok(Outcome::Done)
            }
            Err(e) => Ok(Outcome::Retry(e)),
        }
    }

    async fn give_up(&self, _state: &State, job: &Job, why: &str) -> Result<()> {
        tracing::warn!(job = %job.id, why, "a reply email could not be sent");
        Ok(())
    }
}
