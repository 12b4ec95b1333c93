//! The AI responder: its per-organization settings and its job queue.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{ConversationId, MessageId, OrganizationId, Timestamp};

/// An organization's AI responder settings (`responder_settings`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponderRow {
    /// Answers new contact messages.
    pub enabled: bool,
    /// `knowledge_base` or `openai`.
    pub provider: String,
    /// OpenAI-compatible base URL.
    pub base_url: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Provider API key (secret).
    pub api_key: Option<String>,
    /// The organization's instructions to the model.
    pub instructions: String,
    /// Recent messages given as context.
    pub context_messages: u32,
}

/// A claimed responder job.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponderJob {
    /// Job ID; the answer's message ID is derived from it.
    pub id: uuid::Uuid,
    /// The organization.
    pub organization_id: OrganizationId,
    /// The conversation to answer in.
    pub conversation_id: ConversationId,
    /// The contact message to answer.
    pub trigger_message_id: MessageId,
    /// For a regenerated answer: the answer it is a sibling of.
    pub sibling_of: Option<MessageId>,
    /// Claims so far, this one included.
    pub attempts: u32,
}

/// The AI responder storage; part of [`super::Store`].
#[async_trait]
pub trait ResponderStore: Send + Sync {
    /// The organization's responder settings, if ever saved.
    async fn responder_settings(
        &self,
        org: OrganizationId,
    ) -> Result<Option<ResponderRow>, StoreError>;
    /// Saves the organization's responder settings (whole row).
    async fn put_responder_settings(
        &self,
        org: OrganizationId,
        row: &ResponderRow,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records a job (a regenerated answer); `false` if that job ID exists already.
    async fn enqueue_job(&self, job: &ResponderJob, now: Timestamp) -> Result<bool, StoreError>;
    /// Claims the oldest due job, pushing its next run `lease_ms` ahead (so it becomes due
    /// again if this worker dies) and counting the attempt.
    async fn claim_job(
        &self,
        now: Timestamp,
        lease_ms: i64,
    ) -> Result<Option<ResponderJob>, StoreError>;
    /// Puts a job back to run at `run_at`, noting why.
    async fn retry_job(
        &self,
        id: uuid::Uuid,
        run_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError>;
    /// Ends a job: `done`, or `failed` with a reason.
    async fn finish_job(&self, id: uuid::Uuid, error: Option<&str>) -> Result<(), StoreError>;
}

/// Implements [`ResponderStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_responder_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::ResponderStore for $store {
            async fn responder_settings(&self, org: OrganizationId) -> Result<Option<ResponderRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT enabled, provider, base_url, model, api_key, instructions, context_messages \
                     FROM responder_settings WHERE organization_id = $1",
                )
                .bind(org.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| -> Result<ResponderRow, StoreError> {
                    Ok(ResponderRow {
                        enabled: r.try_get::<i64, _>("enabled")? != 0,
                        provider: r.try_get("provider")?,
                        base_url: r.try_get("base_url")?,
                        model: r.try_get("model")?,
                        api_key: r.try_get("api_key")?,
                        instructions: r.try_get("instructions")?,
                        context_messages: u32::try_from(r.try_get::<i64, _>("context_messages")?)
                            .map_err(|_| StoreError::Corrupt("bad context_messages".into()))?,
                    })
                })
                .transpose()
            }

            async fn put_responder_settings(&self, org: OrganizationId, row: &ResponderRow, now: Timestamp) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO responder_settings (organization_id, enabled, provider, base_url, model, api_key, \
                     instructions, context_messages, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (organization_id) DO UPDATE SET enabled = excluded.enabled, \
                     provider = excluded.provider, base_url = excluded.base_url, model = excluded.model, \
                     api_key = excluded.api_key, instructions = excluded.instructions, \
                     context_messages = excluded.context_messages, updated_at = excluded.updated_at",
                )
                .bind(org.to_string())
                .bind(i64::from(row.enabled))
                .bind(&row.provider)
                .bind(&row.base_url)
                .bind(&row.model)
                .bind(&row.api_key)
                .bind(&row.instructions)
                .bind(i64::from(row.context_messages))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn enqueue_job(&self, job: &ResponderJob, now: Timestamp) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO responder_jobs (id, organization_id, conversation_id, trigger_message_id, \
                     sibling_of, state, attempts, run_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'pending', 0, 0, $6) ON CONFLICT (id) DO NOTHING",
                )
                .bind(job.id.to_string())
                .bind(job.organization_id.to_string())
                .bind(job.conversation_id.to_string())
                .bind(job.trigger_message_id.to_string())
                .bind(job.sibling_of.map(|m| m.to_string()))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_job(&self, now: Timestamp, lease_ms: i64) -> Result<Option<ResponderJob>, StoreError> {
                // The outer WHERE re-checks the row: on PostgreSQL a concurrent claimer that
                // won the row lock has moved run_at, so this one updates nothing.
                let row = sqlx::query(
                    "UPDATE responder_jobs SET run_at = $2, attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM responder_jobs WHERE state = 'pending' AND run_at <= $1 \
                                 ORDER BY run_at LIMIT 1) \
                     AND state = 'pending' AND run_at <= $1 \
                     RETURNING id, organization_id, conversation_id, trigger_message_id, sibling_of, attempts",
                )
                .bind(now.unix_millis())
                .bind(now.unix_millis().saturating_add(lease_ms))
                .fetch_optional(&self.writer)
                .await?;
                row.map(|r| -> Result<ResponderJob, StoreError> {
                    Ok(ResponderJob {
                        id: uuid::Uuid::parse_str(&r.try_get::<String, _>("id")?)
                            .map_err(|e| StoreError::Corrupt(format!("bad job id: {e}")))?,
                        organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                        conversation_id: parse_id(&r.try_get::<String, _>("conversation_id")?)?,
                        trigger_message_id: parse_id(&r.try_get::<String, _>("trigger_message_id")?)?,
                        sibling_of: r
                            .try_get::<Option<String>, _>("sibling_of")?
                            .map(|s| parse_id(&s))
                            .transpose()?,
                        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                    })
                })
                .transpose()
            }

            async fn retry_job(&self, id: uuid::Uuid, run_at: Timestamp, error: &str) -> Result<(), StoreError> {
                sqlx::query("UPDATE responder_jobs SET run_at = $1, last_error = $2 WHERE id = $3 AND state = 'pending'")
                    .bind(run_at.unix_millis())
                    .bind(error)
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn finish_job(&self, id: uuid::Uuid, error: Option<&str>) -> Result<(), StoreError> {
                sqlx::query("UPDATE responder_jobs SET state = $1, last_error = $2 WHERE id = $3")
                    .bind(if error.is_some() { "failed" } else { "done" })
                    .bind(error)
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }
        }
    };
}
