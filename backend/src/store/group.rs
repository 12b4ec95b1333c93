//! Group commit, for both stores: concurrent message inserts wait in one queue, a writer
//! task takes whatever is queued (up to a maximum), commits it as one transaction, then
//! answers each caller; inserts arriving meanwhile form the next batch. A caller's answer
//! therefore means its message is committed.
//!
//! Why: on SQLite each durable commit waits for the disk (a few ms); on PostgreSQL each
//! statement is a client/server round trip. Batching pays either cost once per batch
//! instead of once per message (issue 7).

use super::{Inserted, NewMessage, StoreError};
use std::future::Future;
use tokio::sync::{mpsc, oneshot};

/// The outcome of each message of a batch, in the batch's order; `Err` when the batch's
/// transaction failed as a whole.
pub(super) type Outcomes = Result<Vec<Result<Inserted, StoreError>>, StoreError>;

/// An insert waiting for the group commit, and where to send its outcome.
type Queued = (NewMessage, oneshot::Sender<Result<Inserted, StoreError>>);

/// The sending side of a group-commit queue (cheap to clone).
#[derive(Clone, Debug)]
pub(super) struct GroupCommit {
    queue: mpsc::Sender<Queued>,
}

impl GroupCommit {
    /// Starts the writer task: `commit` stores a batch of at most `max_batch` messages in
    /// one transaction and returns each one's outcome, in order.
    pub(super) fn start<F, Fut>(max_batch: usize, mut commit: F) -> Self
    where
        F: FnMut(Vec<NewMessage>) -> Fut + Send + 'static,
        Fut: Future<Output = Outcomes> + Send,
    {
        let (queue, mut waiting) = mpsc::channel::<Queued>(4 * max_batch);
        tokio::spawn(async move {
            while let Some(first) = waiting.recv().await {
                let mut batch = vec![first];
                while batch.len() < max_batch {
                    match waiting.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                let (messages, waiters): (Vec<NewMessage>, Vec<_>) = batch.into_iter().unzip();
                let size = messages.len();
                let started = std::time::Instant::now();
                let committed = commit(messages).await;
                metrics::histogram!("parley_group_commit_seconds")
                    .record(started.elapsed().as_secs_f64());
                metrics::histogram!("parley_group_commit_batch_size").record(size as f64);
                match committed {
                    Ok(outcomes) => {
                        let stored = outcomes.iter().filter(|o| o.is_ok()).count();
                        metrics::counter!("parley_messages_stored_total").increment(stored as u64);
                        for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                            let _ = waiter.send(outcome);
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, size, "group commit failed");
                        for waiter in waiters {
                            let _ = waiter.send(Err(StoreError::Batch(e.to_string())));
                        }
                    }
                }
            }
        });
        Self { queue }
    }

    /// Queues `m` for the next batch and waits until it is committed (or failed).
    pub(super) async fn insert(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
        let (done, outcome) = oneshot::channel();
        self.queue
            .send((m.clone(), done))
            .await
            .map_err(|_| StoreError::Batch("the writer task has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Batch("the writer task dropped the insert".into()))?
    }
}
