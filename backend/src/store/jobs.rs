//! The durable job queue (see `crate::jobs`): one table for every kind of background work.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{ConversationId, OrganizationId, Timestamp};

/// A job to record, in the transaction of what causes it when it has one (the outbox).
#[derive(Clone, Debug, PartialEq)]
pub struct NewJob {
    /// Its ID; recording an existing ID records nothing (so a cause recorded twice, or a
    /// retried request, makes one job).
    pub id: uuid::Uuid,
    /// Which kind of work (`crate::jobs::Kind::name`), e.g. `responder.answer`.
    pub kind: &'static str,
    /// The organization it works for.
    pub organization_id: OrganizationId,
    /// The conversation it is about, if any (deleted with it by erasure and retention).
    pub conversation_id: Option<ConversationId>,
    /// The kind's own parameters, as JSON text.
    pub payload: String,
}

/// Unfinished jobs of one kind, for `/metrics`.
#[derive(Clone, Debug, PartialEq)]
pub struct JobBacklog {
    /// The kind's name.
    pub kind: String,
    /// How many are unfinished (due, leased or waiting for a retry).
    pub count: u64,
    /// Age of the oldest, in seconds.
    pub oldest_age_secs: f64,
}

/// A claimed job.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Its ID.
    pub id: uuid::Uuid,
    /// Its kind's name.
    pub kind: String,
    /// The organization it works for.
    pub organization_id: OrganizationId,
    /// The conversation it is about, if any.
    pub conversation_id: Option<ConversationId>,
    /// The kind's parameters (JSON text).
    pub payload: String,
    /// Claims so far, this one included.
    pub attempts: u32,
}

/// The job queue's storage; part of [`super::Store`].
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Records a job due at once; `false` if that ID exists already.
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<bool, StoreError>;
    /// Records a job due at `run_at` (a reminder: "email this reply if still unseen");
    /// `false` if that ID exists already.
    async fn schedule_job(&self, job: &NewJob, run_at: Timestamp) -> Result<bool, StoreError>;
    /// Claims the oldest due job of `kind`, pushing its next run `lease_ms` ahead (so it
    /// becomes due again if this worker dies) and counting the attempt.
    async fn claim_job(
        &self,
        kind: &str,
        now: Timestamp,
        lease_ms: i64,
    ) -> Result<Option<Job>, StoreError>;
    /// Puts a job back to run at `run_at`, noting why.
    async fn retry_job(
        &self,
        id: uuid::Uuid,
        run_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError>;
    /// Ends a job: `done`, or `failed` with a reason.
    async fn finish_job(&self, id: uuid::Uuid, error: Option<&str>) -> Result<(), StoreError>;
    /// How many jobs of `kind` are not finished (due, leased or waiting for a retry): zero
    /// means none can run again (tests wait for this instead of for time).
    async fn unfinished_jobs(&self, kind: &str) -> Result<u64, StoreError>;
    /// Unfinished jobs per kind that has any, with the age of the oldest at `now`.
    async fn job_backlog(&self, now: Timestamp) -> Result<Vec<JobBacklog>, StoreError>;
}

/// The statement recording `$job` (a [`NewJob`]) due at once, with its binds (an existing ID
/// records nothing); run it on a pool or inside a transaction.
macro_rules! enqueue_job_query {
    ($job:expr, $now:expr) => {
        enqueue_job_query!($job, $now, 0_i64)
    };
    ($job:expr, $now:expr, $run_at:expr) => {
        sqlx::query(
            "INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, \
             attempts, run_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', 0, $7, $6) \
             ON CONFLICT (id) DO NOTHING",
        )
        .bind($job.id.to_string())
        .bind($job.kind)
        .bind($job.organization_id.to_string())
        .bind($job.conversation_id.map(|c| c.to_string()))
        .bind(&$job.payload)
        .bind($now.unix_millis())
        .bind($run_at)
    };
}

/// Implements [`JobStore`] for a SQL store (see `sql.rs`).
macro_rules! impl_job_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::JobStore for $store {
            async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<bool, StoreError> {
                let done = enqueue_job_query!(job, now).execute(&self.writer).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn schedule_job(
                &self,
                job: &NewJob,
                run_at: Timestamp,
            ) -> Result<bool, StoreError> {
                let done = enqueue_job_query!(job, run_at, run_at.unix_millis())
                    .execute(&self.writer)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn claim_job(
                &self,
                kind: &str,
                now: Timestamp,
                lease_ms: i64,
            ) -> Result<Option<Job>, StoreError> {
                // The outer WHERE re-checks the row: on PostgreSQL a concurrent claimer that
                // won the row lock has moved run_at, so this one updates nothing.
                let row = sqlx::query(
                    "UPDATE jobs SET run_at = $2, attempts = attempts + 1 \
                     WHERE id = (SELECT id FROM jobs WHERE kind = $3 AND state = 'pending' \
                                 AND run_at <= $1 ORDER BY run_at LIMIT 1) \
                     AND state = 'pending' AND run_at <= $1 \
                     RETURNING id, kind, organization_id, conversation_id, payload, attempts",
                )
                .bind(now.unix_millis())
                .bind(now.unix_millis().saturating_add(lease_ms))
                .bind(kind)
                .fetch_optional(&self.writer)
                .await?;
                row.map(|r| -> Result<Job, StoreError> {
                    Ok(Job {
                        id: uuid::Uuid::parse_str(&r.try_get::<String, _>("id")?)
                            .map_err(|e| StoreError::Corrupt(format!("bad job id: {e}")))?,
                        kind: r.try_get("kind")?,
                        organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                        conversation_id: opt_id(r.try_get("conversation_id")?)?,
                        payload: r.try_get("payload")?,
                        attempts: u32::try_from(r.try_get::<i64, _>("attempts")?)
                            .unwrap_or(u32::MAX),
                    })
                })
                .transpose()
            }

            async fn retry_job(
                &self,
                id: uuid::Uuid,
                run_at: Timestamp,
                error: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE jobs SET run_at = $1, last_error = $2 WHERE id = $3 AND state = \
                     'pending'",
                )
                .bind(run_at.unix_millis())
                .bind(error)
                .bind(id.to_string())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn finish_job(
                &self,
                id: uuid::Uuid,
                error: Option<&str>,
            ) -> Result<(), StoreError> {
                sqlx::query("UPDATE jobs SET state = $1, last_error = $2 WHERE id = $3")
                    .bind(if error.is_some() { "failed" } else { "done" })
                    .bind(error)
                    .bind(id.to_string())
                    .execute(&self.writer)
                    .await?;
                Ok(())
            }

            async fn unfinished_jobs(&self, kind: &str) -> Result<u64, StoreError> {
                let n: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND state = 'pending'",
                )
                .bind(kind)
                .fetch_one(&self.reader)
                .await?;
                Ok(u64_of(n))
            }

            async fn job_backlog(&self, now: Timestamp) -> Result<Vec<JobBacklog>, StoreError> {
                let rows: Vec<(String, i64, i64)> = sqlx::query_as(
                    "SELECT kind, COUNT(*), MIN(created_at) FROM jobs WHERE state = 'pending' \
                     GROUP BY kind ORDER BY kind",
                )
                .fetch_all(&self.reader)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(kind, count, oldest)| JobBacklog {
                        kind,
                        count: u64_of(count),
                        oldest_age_secs: (now.unix_millis() - oldest).max(0) as f64 / 1000.0,
                    })
                    .collect())
            }
        }
    };
}
