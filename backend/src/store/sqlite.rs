//! The embedded SQLite store: one writer connection (SQLite takes one writer at a time, so
//! a single connection avoids lock-upgrade deadlocks and busy retries) and a small reader
//! pool; WAL journal so readers never wait for the writer; `synchronous=FULL` so an
//! acknowledged message survives a power cut. Only one process serves a SQLite file, so
//! nothing is announced to other instances.
//!
//! Group commit ([`super::group`]): with `synchronous=FULL` every commit waits for the disk
//! (a few ms), so messages are not committed one by one. Each message of a batch runs in
//! its own savepoint inside one transaction, so one message's failure rolls back only its
//! savepoint.

use sqlx::Acquire;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::group::GroupCommit;

/// Most inserts committed together.
const MAX_BATCH: usize = 512;

/// SQLite implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    inserts: GroupCommit<NewMessage, Inserted>,
    reads: GroupCommit<super::ReadMark, Option<u64>>,
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
        // The writer never checkpoints (see `checkpoints`).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options.clone().pragma("wal_autocheckpoint", "0"))
            .await?;
        sqlx::migrate!("../migrations/sqlite").run(&writer).await?;
        let checkpointer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options.clone())
            .await?;
        tokio::spawn(checkpoints(checkpointer));
        let reader = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options.read_only(true))
            .await?;
        let batch_writer = writer.clone();
        let inserts = GroupCommit::start(MAX_BATCH, "messages", move |messages| {
            let writer = batch_writer.clone();
            async move { commit_batch(&writer, &messages).await }
        });
        let read_writer = writer.clone();
        let reads = GroupCommit::start(MAX_BATCH, "reads", move |marks| {
            let writer = read_writer.clone();
            async move { commit_reads(&writer, &marks).await }
        });
        Ok(Self {
            writer,
            reader,
            inserts,
            reads,
        })
    }

    /// Queues `m` for the next group commit and waits for it.
    async fn insert_one(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
        self.inserts.submit(m.clone()).await
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

#[async_trait::async_trait]
impl super::Announcer for SqliteStore {
    /// Nothing to announce: a SQLite file has a single serving process.
    async fn announce_now(&self, _event: &AnnouncedEvent) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait::async_trait]
impl super::Maintenance for SqliteStore {
    async fn backup_to(&self, dest: &std::path::Path) -> Result<(), StoreError> {
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Unsupported("a backup path that is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(&self.reader)
            .await?;
        Ok(())
    }

    fn pool_connections(&self) -> (u32, u32) {
        let idle = self.reader.num_idle() + self.writer.num_idle();
        (
            self.reader.size() + self.writer.size(),
            u32::try_from(idle).unwrap_or(u32::MAX),
        )
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    fn listening(&self) -> Option<bool> {
        None
    }

    fn listening_changes(&self) -> Option<tokio::sync::watch::Receiver<bool>> {
        None
    }

    async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.reader)
            .await?;
        Ok(rows.into_iter().filter(|r| r != "ok").collect())
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

impl_sql_helpers!(sqlx::Sqlite);
impl_organization_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_contact_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_privacy_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_conversation_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_message_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_responder_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_job_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_knowledge_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_account_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_invite_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_settings_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_inbox_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_public_api_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_webhook_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
impl_email_store!(SqliteStore);

/// Pause between two WAL checkpoints.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Copies the WAL into the database file, on its own connection, until the runtime stops.
/// By default the committing connection checkpoints once the WAL passes 1,000 pages, inside
/// a commit: after a burst of writes that meant copying megabytes and an `fsync` of
/// the database file while every queued send waited (the bench measured sends stalling
/// 100–450 ms). PASSIVE never blocks the writer or readers; the WAL restarts from its
/// beginning once it is fully copied and no reader still uses it.
async fn checkpoints(connection: SqlitePool) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        if connection.is_closed() {
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&connection)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}

/// One transaction for a batch of reads; the outcome of each.
async fn commit_reads(
    writer: &SqlitePool,
    marks: &[super::ReadMark],
) -> super::group::Outcomes<Option<u64>> {
    let mut tx = writer.begin().await?;
    let mut outcomes = Vec::with_capacity(marks.len());
    for mark in marks {
        outcomes.push(apply_read(&mut tx, mark).await);
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// One transaction for the batch, one savepoint per message; the outcome of each.
async fn commit_batch(
    writer: &SqlitePool,
    messages: &[NewMessage],
) -> super::group::Outcomes<Inserted> {
    let mut tx = writer.begin().await?;
    let mut outcomes = Vec::with_capacity(messages.len());
    for m in messages {
        let mut savepoint = tx.begin().await?;
        let outcome = match insert_step(&mut savepoint, m).await {
            Ok(InsertStep::Created(message)) => {
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

/// Inserts one message inside `tx` without committing (see `InsertStep`). The
/// conversation row update serializes concurrent sends, so seqs are dense. SQLite's
/// path; PostgreSQL runs the same steps in one call of `parley_insert_messages`
/// (migrations/postgres/0008), so a change here is made there too.
async fn insert_step(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    m: &NewMessage,
) -> Result<InsertStep, StoreError> {
    if let Some(existing) = message_by_id(&mut **tx, m.id).await? {
        return Ok(InsertStep::Existing(existing));
    }
    // Locks the conversation row: concurrent sends to it serialize here, so seqs are dense.
    let bumped = sqlx::query(
        "UPDATE conversations SET last_seq = last_seq + 1, updated_at = $1 \
             WHERE id = $2 RETURNING last_seq",
    )
    .bind(m.created_at.unix_millis())
    .bind(m.conversation_id.to_string())
    .fetch_one(&mut **tx)
    .await?;
    let seq: i64 = bumped.try_get("last_seq")?;
    // The new message continues the chain after the previous one (read after the
    // row lock above, so concurrent sends chain in seq order).
    let (previous_id, depth, root_id, sibling_index) = match m.sibling_of {
        // An edit takes the original's place in the tree, as its next sibling.
        Some(original) => {
            let o = sqlx::query(
                "SELECT previous_message_id, depth, root_message_id FROM messages \
                     WHERE id = $1 AND conversation_id = $2",
            )
            .bind(original.to_string())
            .bind(m.conversation_id.to_string())
            .fetch_one(&mut **tx)
            .await?;
            let parent: Option<String> = o.try_get("previous_message_id")?;
            let last_sibling: i64 = match &parent {
                Some(p) => {
                    sqlx::query_scalar(
                        "SELECT COALESCE(MAX(sibling_index), -1) FROM messages \
                         WHERE conversation_id = $1 AND previous_message_id = $2",
                    )
                    .bind(m.conversation_id.to_string())
                    .bind(p)
                    .fetch_one(&mut **tx)
                    .await?
                }
                None => {
                    sqlx::query_scalar(
                        "SELECT COALESCE(MAX(sibling_index), -1) FROM messages \
                         WHERE conversation_id = $1 AND previous_message_id IS NULL",
                    )
                    .bind(m.conversation_id.to_string())
                    .fetch_one(&mut **tx)
                    .await?
                }
            };
            (
                parent,
                o.try_get::<i64, _>("depth")?,
                o.try_get("root_message_id")?,
                last_sibling + 1,
            )
        }
        // Otherwise the new message continues the chain after the previous one (read
        // after the row lock above, so concurrent sends chain in seq order).
        None => {
            let previous = sqlx::query(
                "SELECT id, depth, root_message_id FROM messages WHERE conversation_id = $1 \
                     AND seq = $2",
            )
            .bind(m.conversation_id.to_string())
            .bind(seq - 1)
            .fetch_optional(&mut **tx)
            .await?;
            match &previous {
                Some(p) => {
                    let id: String = p.try_get("id")?;
                    let root: Option<String> = p.try_get("root_message_id")?;
                    (
                        Some(id.clone()),
                        p.try_get::<i64, _>("depth")? + 1,
                        Some(root.unwrap_or(id)),
                        0,
                    )
                }
                None => (None, 0, None, 0),
            }
        }
    };
    let inserted = sqlx::query(
        "INSERT INTO messages \
             (id, conversation_id, seq, role, author_name, author_id, content, created_at, \
              previous_message_id, depth, root_message_id, sibling_index) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(m.id.to_string())
    .bind(m.conversation_id.to_string())
    .bind(seq)
    .bind(m.role.as_str())
    .bind(&m.author_name)
    .bind(m.author_id.map(|u| u.to_string()))
    .bind(&m.content)
    .bind(m.created_at.unix_millis())
    .bind(previous_id.as_deref())
    .bind(depth)
    .bind(root_id)
    .bind(sibling_index)
    .execute(&mut **tx)
    .await;
    match inserted {
        // A concurrent retry of the same ID committed first: the caller rolls back
        // (the seq too) and answers with the stored message.
        Err(e) if is_unique_violation(&e) => return Ok(InsertStep::Raced),
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    // The answer job commits with the question, or not at all (the outbox).
    if let Some(job) = &m.answer_job {
        sqlx::query(
            "INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, \
             attempts, run_at, created_at) \
             SELECT $1, $2, c.organization_id, c.id, $3, 'pending', 0, 0, $4 \
             FROM conversations c JOIN responder_settings r ON r.organization_id = \
             c.organization_id \
             WHERE c.id = $5 AND c.status = 'unresolved' AND c.responder_active = 1 AND r.enabled \
             = 1",
        )
        .bind(job.id.to_string())
        .bind(job.kind)
        .bind(&job.payload)
        .bind(m.created_at.unix_millis())
        .bind(m.conversation_id.to_string())
        .execute(&mut **tx)
        .await?;
    }
    if let Some(job) = &m.event_job {
        sqlx::query(concat!(
            "INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, \
             attempts, run_at, created_at) \
             SELECT $1, $2, c.organization_id, c.id, $3, 'pending', 0, 0, $4 \
             FROM conversations c WHERE c.id = $5 AND ",
            webhook_listening!("c.organization_id", "$6"),
            " ON CONFLICT (id) DO NOTHING"
        ))
        .bind(job.id.to_string())
        .bind(job.kind)
        .bind(&job.payload)
        .bind(m.created_at.unix_millis())
        .bind(m.conversation_id.to_string())
        .bind(parley_shared::staff::WebhookEventType::MessageCreated.as_str())
        .execute(&mut **tx)
        .await?;
    }
    if m.stops_responder {
        sqlx::query("UPDATE conversations SET responder_active = 0 WHERE id = $1")
            .bind(m.conversation_id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(InsertStep::Created(Message {
        id: m.id,
        conversation_id: m.conversation_id,
        seq: u64_of(seq),
        role: m.role,
        author_name: m.author_name.clone(),
        content: m.content.clone(),
        created_at: m.created_at,
        rating: None,
        previous_message_id: previous_id.map(|id| parse_id(&id)).transpose()?,
        sibling_index: u32::try_from(sibling_index)
            .map_err(|_| StoreError::Corrupt("bad sibling_index".into()))?,
    }))
}

/// Outcome of [`insert_step`].
enum InsertStep {
    /// Inserted; commit.
    Created(Message),
    /// The ID exists already: this is the stored message.
    Existing(Message),
    /// A concurrent insert of the same ID won: roll back, then read it.
    Raced,
}
