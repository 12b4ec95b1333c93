//! Group commit, for both stores: concurrent writes of one kind (message inserts, read
//! positions, announcements) wait in one queue, a writer task takes whatever is queued (up to
//! a maximum), commits it as one transaction, then answers each caller; writes arriving
//! meanwhile form the next batch. A caller's answer therefore means its write is committed.
//!
//! Why: on SQLite each durable commit waits for the disk (a few ms); on PostgreSQL each
//! statement is a client/server round trip. Batching pays either cost once per batch
//! instead of once per write (issue 7; read positions and typing announcements, issue 14,
//! cost a commit or a round trip each and slowed delivery 100-fold until batched).

use super::StoreError;
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// The outcome of each write of a batch, in the batch's order; `Err` when the batch's
/// transaction failed as a whole.
pub(super) type Outcomes<R> = Result<Vec<Result<R, StoreError>>, StoreError>;

/// A write waiting for the group commit, and where to send its outcome.
type Queued<T, R> = (T, oneshot::Sender<Result<R, StoreError>>);

/// The sending side of a group-commit queue of writes `T` answered with `R` (cheap to
/// clone).
pub(super) struct GroupCommit<T, R> {
    queue: mpsc::Sender<Queued<T, R>>,
}

impl<T, R> Clone for GroupCommit<T, R> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<T, R> std::fmt::Debug for GroupCommit<T, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl<T: Send + 'static, R: Send + 'static> GroupCommit<T, R> {
    /// Starts the writer task: `commit` stores a batch of at most `max_batch` writes in one
    /// transaction and returns each one's outcome, in order. `queue` names it in the metrics
    /// (`parley_group_commit_seconds{queue}`, `…_batch_size{queue}`,
    /// `parley_{queue}_stored_total`).
    pub(super) fn start<F, Fut>(max_batch: usize, queue: &'static str, mut commit: F) -> Self
    where
        F: FnMut(Vec<T>) -> Fut + Send + 'static,
        Fut: Future<Output = Outcomes<R>> + Send,
    {
        let label = queue;
        let (queue, mut waiting) = mpsc::channel::<Queued<T, R>>(4 * max_batch);
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match waiting.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (writes, waiters): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
                let size = writes.len();
                let started = std::time::Instant::now();
                let committed = commit(writes).await;
                metrics::histogram!("parley_group_commit_seconds", "queue" => label)
                    .record(started.elapsed().as_secs_f64());
                metrics::histogram!("parley_group_commit_batch_size", "queue" => label)
                    .record(size as f64);
                match committed {
                    Ok(outcomes) => {
                        let stored = outcomes.iter().filter(|o| o.is_ok()).count();
                        metrics::counter!(format!("parley_{label}_stored_total"))
                            .increment(stored as u64);
                        for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                            let _ = waiter.send(outcome);
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, size, queue = label, "group commit failed");
                        for waiter in waiters {
                            let _ = waiter.send(Err(StoreError::Batch(e.to_string())));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// Queues `write` for the next batch and waits until it is committed (or failed).
    pub(super) async fn submit(&self, write: T) -> Result<R, StoreError> {
        let (done, outcome) = oneshot::channel();
        self.queue
            .send((write, done))
            .await
            .map_err(|_| StoreError::Batch("the writer task has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Batch("the writer task dropped the write".into()))?
    }
}
