//! One durable job queue for every kind of background work: the AI responder's answers
//! first (`responder::AnswerJob`); emails and webhooks go here too, as new [`Kind`]s.
//!
//! Rules, the same for every kind:
//! - A job is a row of `jobs`, recorded in the transaction of what causes it when it has
//!   one (the outbox: a stored cause always has its job, a rolled-back one never does).
//! - Claiming pushes the job's `run_at` one lease ahead, so a job of a dead process is
//!   claimed again once its lease runs out.
//! - A retryable failure is retried with exponential backoff (base doubled per attempt, up
//!   to the kind's longest delay, with ±20 % jitter so a receiver that came back is not hit
//!   by every retry at once) until the kind's last attempt; then the kind gives up in its
//!   own way ([`Kind::give_up`]) and the job is recorded as failed.
//! - Scheduling uses wall-clock time, not the injected clock (leases are real durations).
//!
//! Tests drain the queue with [`run_once`] instead of waiting for the workers.

use crate::error::Result;
use crate::state::State;
use crate::store::Job;
use async_trait::async_trait;
use parley_shared::Timestamp;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// How a run ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Done (or nothing left to do): the job is finished.
    Done,
    /// Nothing can be done any more (its subject is gone): finished as failed, with why.
    Dropped(String),
    /// Worth another attempt later (a timeout, a 5xx…); after the last attempt, the kind
    /// gives up.
    Retry(String),
    /// Another attempt would fail the same way: the kind gives up now.
    GiveUp(String),
}

/// Attempts and timing of a kind's jobs.
#[derive(Clone, Debug)]
pub struct Policy {
    /// How long a claim holds a job before another worker may take it.
    pub lease: Duration,
    /// First retry delay; doubled at each attempt up to `max_retry_delay`.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub max_retry_delay: Duration,
    /// Attempts before giving up.
    pub max_attempts: u32,
}

impl Policy {
    /// The delay before the attempt after `attempts` failed ones, in milliseconds, jitter
    /// excluded: `retry_base × 2^(attempts−1)`, at most `max_retry_delay`.
    pub fn retry_delay_ms(&self, attempts: u32) -> i64 {
        let shift = attempts.saturating_sub(1).min(30);
        millis(self.retry_base)
            .saturating_mul(1 << shift)
            .min(millis(self.max_retry_delay))
    }
}

/// A kind of background work.
#[async_trait]
pub trait Kind: Send + Sync + 'static {
    /// Its name in `jobs.kind` (e.g. `responder.answer`); never renamed once shipped.
    fn name(&self) -> &'static str;
    /// Its attempts and timing, from the settings.
    fn policy(&self, state: &State) -> Policy;
    /// Runs one claimed job. An `Err` (e.g. the database is down) leaves the job to its
    /// lease: it is claimed again later.
    async fn run(&self, state: &State, job: &Job) -> Result<Outcome>;
    /// The last word after the last failed attempt (the responder tells the visitor and
    /// hands over to a person).
    async fn give_up(&self, state: &State, job: &Job, why: &str) -> Result<()>;
}

/// The workers' wake-up bells, one per kind (a job recorded by this process is run at
/// once instead of at the next poll), and a count of the job runs this process ended.
pub struct Bells {
    bells: Mutex<HashMap<&'static str, Arc<Notify>>>,
    finished: watch::Sender<u64>,
}

impl Default for Bells {
    fn default() -> Self {
        Self {
            bells: Mutex::default(),
            finished: watch::Sender::new(0),
        }
    }
}

impl Bells {
    /// Changes each time a run of a job ends in this process (done, dropped, given up, or put
    /// back for a retry): watch it to re-check the queue after each run rather than at fixed
    /// times.
    pub fn finished(&self) -> watch::Receiver<u64> {
        self.finished.subscribe()
    }

    /// Wakes one idle worker of `kind` (or the next one to go idle).
    pub fn ring(&self, kind: &'static str) {
        self.bell(kind).notify_one();
    }

    fn bell(&self, kind: &'static str) -> Arc<Notify> {
        let mut bells = self
            .bells
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        bells.entry(kind).or_default().clone()
    }
}

/// Wall-clock time for scheduling (see the module notes). New jobs are due at once.
fn wall_clock() -> Timestamp {
    Timestamp::from_datetime(time::OffsetDateTime::now_utc())
}

/// The wall-clock instant `delay` from now, for [`crate::store::JobStore::schedule_job`].
pub fn due_in(delay: Duration) -> Timestamp {
    wall_clock().plus_millis(millis(delay))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Claims one due job of `kind` and runs it to its outcome; `false` when none was due.
/// Errors: storage failures (the job, if claimed, comes back after its lease).
pub async fn run_once(state: &State, kind: &dyn Kind) -> Result<bool> {
    run_once_at(state, kind, wall_clock()).await
}

/// [`run_once`] as if it were `now` (tests run a reminder due in an hour without waiting
/// for it; retries are still scheduled from the wall clock).
pub async fn run_once_at(state: &State, kind: &dyn Kind, now: Timestamp) -> Result<bool> {
    let policy = kind.policy(state);
    let Some(job) = state
        .store
        .claim_job(kind.name(), now, millis(policy.lease))
        .await?
    else {
        return Ok(false);
    };
    let error = match kind.run(state, &job).await? {
        Outcome::Done => None,
        Outcome::Dropped(why) => Some(why),
        Outcome::Retry(why) if job.attempts < policy.max_attempts => {
            let base = policy.retry_delay_ms(job.attempts);
            let delay = base + rand::random_range(-base / 5..=base / 5);
            let at = Timestamp::from_unix_millis(wall_clock().unix_millis() + delay);
            tracing::info!(job = %job.id, kind = kind.name(), attempt = job.attempts, error = %why, "job will retry");
            state.store.retry_job(job.id, at, &why).await?;
            metrics::counter!("parley_jobs_total", "kind" => kind.name(), "outcome" => "retry")
                .increment(1);
            state.jobs.finished.send_modify(|n| *n += 1);
            return Ok(true);
        }
        Outcome::Retry(why) | Outcome::GiveUp(why) => {
            tracing::warn!(job = %job.id, kind = kind.name(), error = %why, "job gave up");
            kind.give_up(state, &job, &why).await?;
            Some(why)
        }
    };
    state.store.finish_job(job.id, error.as_deref()).await?;
    let outcome = if error.is_none() { "done" } else { "gave_up" };
    metrics::counter!("parley_jobs_total", "kind" => kind.name(), "outcome" => outcome)
        .increment(1);
    tracing::debug!(job = %job.id, kind = kind.name(), "job finished");
    state.jobs.finished.send_modify(|n| *n += 1);
    Ok(true)
}

/// Starts `workers` workers for `kind`; they run until the runtime stops, waking when the
/// kind's bell rings or every `poll` (jobs of other instances, retries that came due).
pub fn spawn_workers(state: &State, kind: Arc<dyn Kind>, workers: usize, poll: Duration) {
    for _ in 0..workers.max(1) {
        let state = state.clone();
        let kind = kind.clone();
        tokio::spawn(async move {
            let bell = state.jobs.bell(kind.name());
            loop {
                match run_once(&state, kind.as_ref()).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(kind = kind.name(), error = %e, "running a job failed")
                    }
                }
                tokio::select! {
                    _ = bell.notified() => {}
                    _ = tokio::time::sleep(poll) => {}
                }
            }
        });
    }
}
