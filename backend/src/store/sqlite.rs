//! The embedded SQLite store: one writer connection (SQLite takes one writer at a time, so
//! a single connection avoids lock-upgrade deadlocks and busy retries) and a small reader
//! pool; WAL journal so readers never wait for the writer; `synchronous=FULL` so an
//! acknowledged message survives a power cut. Only one process serves a SQLite file, so
//! nothing is announced to other instances.
//!
//! Group commit: with `synchronous=FULL` every commit waits for the disk (a few ms), so
//! messages are not committed one by one. A single task takes every insert waiting in its
//! queue, runs each in its own savepoint inside one transaction, commits once, then answers
//! each caller; inserts arriving during that commit form the next batch. One message's
//! failure rolls back only its savepoint.

use sqlx::Acquire;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use tokio::sync::{mpsc, oneshot};

/// Most inserts committed together.
const MAX_BATCH: usize = 512;

/// An insert waiting for the group commit, and where to send its outcome.
type Queued = (NewMessage, oneshot::Sender<Result<Inserted, StoreError>>);

/// SQLite implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    inserts: mpsc::Sender<Queued>,
}

impl SqliteStore {
    /// Opens (creating if missing) the database at `url` and migrates it.
    pub async fn connect(url: &str, opts: &super::StoreOptions) -> Result<Self, StoreError> {
        let options = <SqliteConnectOptions as std::str::FromStr>::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(opts.busy_timeout)
            .foreign_keys(true);
        if let Some(parent) = options.get_filename().parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::Database(e.into()))?;
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options.read_only(true))
            .await?;
        let (inserts, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(group_commit(writer.clone(), queue));
        Ok(Self {
            writer,
            reader,
            inserts,
        })
    }

    /// Queues `m` for the next group commit and waits for it.
    async fn insert_one(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
        let (done, outcome) = oneshot::channel();
        self.inserts
            .send((m.clone(), done))
            .await
            .map_err(|_| StoreError::Batch("the writer task has stopped".into()))?;
        outcome
            .await
            .map_err(|_| StoreError::Batch("the writer task dropped the insert".into()))?
    }

    /// Nothing to announce: a SQLite file has a single serving process.
    async fn announce(
        &self,
        _tx: &mut sqlx::Transaction<'static, sqlx::Sqlite>,
        _event: &AnnouncedEvent,
    ) -> Result<(), StoreError> {
        Ok(())
    }
}

impl SqliteStore {
    /// FTS5 search: `$1` organization, `$2` match expression, `$3` limit; best (lowest
    /// bm25, headings weighted 10×, as PostgreSQL's default `ts_rank` weighs A against D) first.
    const SEARCH_SQL: &'static str = "SELECT p.article_id, a.title, p.heading, p.body \
         FROM article_passages_fts f JOIN article_passages p ON p.id = f.rowid \
         JOIN articles a ON a.id = p.article_id \
         WHERE article_passages_fts MATCH $2 AND p.organization_id = $1 \
         ORDER BY bm25(article_passages_fts, 10.0, 1.0) LIMIT $3";

    /// Any of the words, each quoted (so FTS5 syntax in visitor text is inert).
    fn match_query(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" OR ")
    }
}

impl_sql_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);

/// The writer task: batches whatever inserts are queued, one commit per batch.
async fn group_commit(writer: SqlitePool, mut queue: mpsc::Receiver<Queued>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (messages, waiters): (Vec<NewMessage>, Vec<_>) = batch.into_iter().unzip();
        match commit_batch(&writer, &messages).await {
            Ok(outcomes) => {
                for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                    let _ = waiter.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, size = messages.len(), "group commit failed");
                for waiter in waiters {
                    let _ = waiter.send(Err(StoreError::Batch(e.to_string())));
                }
            }
        }
    }
}

/// One transaction for the batch, one savepoint per message; the outcome of each.
async fn commit_batch(
    writer: &SqlitePool,
    messages: &[NewMessage],
) -> Result<Vec<Result<Inserted, StoreError>>, StoreError> {
    let mut tx = writer.begin().await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    for m in messages {
        let mut savepoint = tx.begin().await?;
        let outcome = match insert_step(&mut savepoint, m).await {
            Ok(InsertStep::Created(message, _)) => {
                savepoint.commit().await?;
                Ok(Inserted::Created(message))
            }
            Ok(InsertStep::Existing(existing)) => {
                savepoint.commit().await?;
                Ok(Inserted::Existing(existing))
            }
            Ok(InsertStep::Raced) => {
                savepoint.rollback().await?;
                match message_by_id(&mut *tx, m.id).await? {
                    Some(existing) => Ok(Inserted::Existing(existing)),
                    None => Err(StoreError::Conflict),
                }
            }
            Err(e) => {
                savepoint.rollback().await?;
                Err(e)
            }
        };
        outcomes.push(outcome);
    }
    tx.commit().await?;
    Ok(outcomes)
}
