//! Privacy: a data subject's requests (export and erasure of everything held about an email,
//! as the GDPR's articles 15 and 17 ask) and the retention task that deletes old
//! conversations and sessions.

use crate::error::{Error, Result};
use crate::staff::accounts::Operator;
use crate::state::State;
use crate::store::{ConversationCursor, Erased};
use parley_shared::limits::validate_email;
use parley_shared::staff::{ContactExport, ContactRequest, ErasureReport, ExportedConversation};
use std::time::Duration;

/// Most conversations per session and messages per conversation read in one page.
const PAGE: u32 = 100;

fn email_of(req: &ContactRequest) -> Result<String> {
    Ok(parley_shared::limits::email_key(&validate_email(
        &req.email,
    )?))
}

/// Everything the operator's organization holds about `req.email`: sessions (with their
/// browser metadata), conversations and messages. Owners and admins only (`Forbidden`);
/// `Field` (422) for a malformed email. An unknown email exports empty lists.
pub async fn export(state: &State, op: &Operator, req: &ContactRequest) -> Result<ContactExport> {
    op.require_manager()?;
    let email = email_of(req)?;
    let sessions = state
        .store
        .contact_sessions_by_email(op.organization_id, &email)
        .await?;
    let mut conversations = Vec::new();
    for session in &sessions {
        let mut cursor = None;
        loop {
            let page = state
                .store
                .conversations_of_session(session.id, cursor, PAGE)
                .await?;
            let done = page.len() < PAGE as usize;
            cursor = page.last().map(|c| ConversationCursor {
                rank: 0,
                updated_at: c.updated_at,
                id: c.id,
            });
            for conversation in page {
                let mut messages = Vec::new();
                loop {
                    let after = messages
                        .last()
                        .map_or(0, |m: &parley_shared::api::Message| m.seq);
                    let batch = state
                        .store
                        .messages_after(conversation.id, after, PAGE)
                        .await?;
                    let last = batch.len() < PAGE as usize;
                    messages.extend(batch);
                    if last {
                        break;
                    }
                }
                conversations.push(ExportedConversation {
                    conversation,
                    messages,
                });
            }
            if done {
                break;
            }
        }
    }
    Ok(ContactExport {
        email,
        exported_at: state.clock.now(),
        sessions: sessions
            .into_iter()
            .map(crate::staff::inbox::contact_details)
            .collect(),
        conversations,
    })
}

fn report(e: Erased) -> ErasureReport {
    ErasureReport {
        sessions: e.sessions,
        conversations: e.conversations,
        messages: e.messages,
    }
}

/// Deletes everything the operator's organization holds about `req.email` (sessions end at
/// once). Owners and admins only (`Forbidden`); `Field` (422) for a malformed email.
pub async fn erase(state: &State, op: &Operator, req: &ContactRequest) -> Result<ErasureReport> {
    op.require_manager()?;
    let email = email_of(req)?;
    let erased = state
        .store
        .erase_contact(op.organization_id, &email)
        .await?;
    tracing::info!(
        organization = %op.organization_id,
        sessions = erased.sessions,
        conversations = erased.conversations,
        "contact data erased on request"
    );
    Ok(report(erased))
}

/// One retention pass at the injected clock's now: with `retention_days` set, deletes what
/// is older. Returns what was deleted (nothing when retention is off).
pub async fn sweep(state: &State) -> Result<ErasureReport> {
    let days = state.config.retention_days;
    if days == 0 {
        return Ok(report(Erased::default()));
    }
    let millis = i64::try_from(days.saturating_mul(86_400_000)).unwrap_or(i64::MAX);
    let before = state.clock.now().plus_millis(-millis);
    Ok(report(
        state
            .store
            .delete_older_than(before)
            .await
            .map_err(Error::from)?,
    ))
}

/// Runs [`sweep`] every `retention_sweep_secs` (first pass at start), when retention is on.
pub fn spawn_retention(state: &State) {
    if state.config.retention_days == 0 {
        return;
    }
    let state = state.clone();
    let every = Duration::from_secs(state.config.retention_sweep_secs.max(1));
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            match sweep(&state).await {
                Ok(r) if r.conversations + r.sessions > 0 => tracing::info!(
                    conversations = r.conversations,
                    sessions = r.sessions,
                    messages = r.messages,
                    "retention: deleted old data"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention pass failed"),
            }
        }
    });
}
