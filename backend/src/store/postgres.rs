//! The PostgreSQL store, for several backend instances on one database.
//!
//! Every committed change is announced with `pg_notify` *inside* its transaction, so the
//! announcement exists exactly when the change does. Each instance LISTENs and turns other
//! instances' announcements into local live events; when the listening connection drops,
//! it reports a gap so subscribers re-read what they may have missed.
//!
//! Messages go through the group commit ([`super::group`]): one call of the
//! `parley_insert_messages` function (migrations/postgres/0008, replaced by 0009) stores a
//! whole batch in one round trip and one transaction, where a message alone took eight
//! statements.

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

use super::group::{GroupCommit, Outcomes};

/// Most inserts committed together (the function's work per message is a few index
/// lookups and writes, so a batch stays a few milliseconds).
const MAX_BATCH: usize = 256;

/// The NOTIFY channel Parley instances talk on.
const CHANNEL: &str = "parley_events";
/// Notices buffered between the listener task and the live bridge.
const NOTICE_BUFFER: usize = 1024;

/// PostgreSQL implementation of [`Store`]. Reads and writes share one pool.
#[derive(Clone, Debug)]
pub struct PgStore {
    writer: PgPool,
    reader: PgPool,
    instance: uuid::Uuid,
    inserts: GroupCommit<NewMessage, Inserted>,
    reads: GroupCommit<super::ReadMark, Option<u64>>,
    /// `announce_now`'s queue: announcements outside a transaction (typing, revocations)
    /// leave in one statement per batch.
    notices: GroupCommit<AnnouncedEvent, ()>,
    /// Whether the LISTEN connection is up (other instances' changes reach this one).
    listening: Arc<watch::Sender<bool>>,
}

/// What one instance tells the others (the NOTIFY payload, JSON; far below the 8,000-byte
/// limit since it names records instead of carrying them).
#[derive(serde::Serialize, serde::Deserialize)]
struct Payload {
    instance: uuid::Uuid,
    event: AnnouncedEvent,
}

impl PgStore {
    /// Connects, migrates (sqlx holds an advisory lock meanwhile, so instances starting
    /// together migrate once), and starts listening for other instances' announcements.
    pub async fn connect(
        url: &str,
        opts: &super::StoreOptions,
    ) -> Result<(Self, mpsc::Receiver<super::Notice>), StoreError> {
        let statement_timeout = format!("{}ms", opts.statement_timeout.as_millis());
        let options = <PgConnectOptions as std::str::FromStr>::from_str(url)?
            .options([("statement_timeout", statement_timeout.as_str())]);
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(2))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(options)
            .await?;
        sqlx::migrate!("../migrations/postgres").run(&pool).await?;
        let instance = uuid::Uuid::new_v4();
        let batch_writer = pool.clone();
        let inserts = GroupCommit::start(MAX_BATCH, "messages", move |messages| {
            let writer = batch_writer.clone();
            async move { commit_batch(&writer, instance, messages).await }
        });
        let read_writer = pool.clone();
        let reads = GroupCommit::start(MAX_BATCH, "reads", move |marks| {
            let writer = read_writer.clone();
            async move { commit_reads(&writer, instance, &marks).await }
        });
        let notice_writer = pool.clone();
        let notices =
            GroupCommit::start(MAX_BATCH, "notices", move |events: Vec<AnnouncedEvent>| {
                let writer = notice_writer.clone();
                async move {
                    notify_all(&writer, instance, &events).await?;
                    Ok(events.iter().map(|_| Ok(())).collect())
                }
            });
        let store = Self {
            writer: pool.clone(),
            reader: pool,
            instance,
            inserts,
            reads,
            notices,
            listening: Arc::new(watch::Sender::new(false)),
        };
        let listener = new_listener(&store.writer).await?;
        store.listening.send_replace(true);
        let (tx, rx) = mpsc::channel(NOTICE_BUFFER);
        tokio::spawn(listen(
            store.writer.clone(),
            listener,
            store.instance,
            tx,
            store.listening.clone(),
        ));
        Ok((store, rx))
    }

    async fn announce(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        event: &AnnouncedEvent,
    ) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(self.payload(event)?)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The NOTIFY payload of `event`, signed with this instance (which ignores its own).
    fn payload(&self, event: &AnnouncedEvent) -> Result<String, StoreError> {
        payload(self.instance, event)
    }
}

#[async_trait::async_trait]
impl super::Maintenance for PgStore {
    async fn backup_to(&self, _dest: &std::path::Path) -> Result<(), StoreError> {
        Err(StoreError::Unsupported(
            "backups of PostgreSQL are pg_dump's job (pg_dump -Fc DATABASE > FILE)".into(),
        ))
    }

    fn pool_connections(&self) -> (u32, u32) {
        // `writer` and `reader` are the same pool here.
        let idle = self.reader.num_idle();
        (self.reader.size(), u32::try_from(idle).unwrap_or(u32::MAX))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    fn listening(&self) -> Option<bool> {
        Some(*self.listening.borrow())
    }

    fn listening_changes(&self) -> Option<watch::Receiver<bool>> {
        Some(self.listening.subscribe())
    }

    async fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(Vec::new())
    }
}

#[async_trait::async_trait]
impl super::Announcer for PgStore {
    async fn announce_now(&self, event: &AnnouncedEvent) -> Result<(), StoreError> {
        self.notices.submit(event.clone()).await
    }
}

/// A connection listening on [`CHANNEL`].
async fn new_listener(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Forwards other instances' announcements until the receiver is dropped. A lost or failed
/// connection is reported as a gap and replaced at once by a new listening one (every second
/// until that works); `listening` says whether one is up (`/readyz`).
async fn listen(
    pool: PgPool,
    mut listener: PgListener,
    me: uuid::Uuid,
    tx: mpsc::Sender<super::Notice>,
    listening: Arc<watch::Sender<bool>>,
) {
    loop {
        if !*listening.borrow() {
            // A fresh listener rather than the failed one's own reconnection, whose state
            // after some errors is not known.
            match new_listener(&pool).await {
                Ok(fresh) => {
                    tracing::info!("listening for other instances' changes again");
                    listener = fresh;
                    listening.send_replace(true);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN failed; retrying in 1 s");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            }
        }
        let notice = match listener.try_recv().await {
            Ok(Some(n)) => match serde_json::from_str::<Payload>(n.payload()) {
                Ok(p) if p.instance == me => continue,
                Ok(p) => super::Notice::Event(p.event),
                Err(e) => {
                    tracing::warn!(error = %e, "ignoring a malformed announcement");
                    continue;
                }
            },
            Ok(None) => {
                tracing::warn!("lost the LISTEN connection; reconnecting");
                listening.send_replace(false);
                super::Notice::Gap
            }
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN failed; reconnecting");
                listening.send_replace(false);
                super::Notice::Gap
            }
        };
        if tx.send(notice).await.is_err() {
            return;
        }
    }
}

impl PgStore {
    /// Queues `m` for the next group commit and waits for it.
    async fn insert_one(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
        self.inserts.submit(m.clone()).await
    }

    /// Full-text search: `$1` organization, `$2` tsquery text, `$3` limit; best
    /// (`ts_rank`, headings weighted A) first.
    const SEARCH_SQL: &'static str = "SELECT p.article_id, a.title, p.heading, p.body \
         FROM article_passages p JOIN articles a ON a.id = p.article_id \
         WHERE p.organization_id = $1 AND p.search @@ to_tsquery('english', $2) \
         ORDER BY ts_rank(p.search, to_tsquery('english', $2)) DESC, p.id LIMIT $3";

    /// Any of the words; only letters and digits are kept, so the tsquery always parses.
    fn match_query(terms: &[String]) -> String {
        terms
            .iter()
            .map(|t| {
                t.chars()
                    .filter(|c| c.is_alphanumeric())
                    .collect::<String>()
            })
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// The NOTIFY payload of `event`, signed with `instance` (which ignores its own).
fn payload(instance: uuid::Uuid, event: &AnnouncedEvent) -> Result<String, StoreError> {
    serde_json::to_string(&Payload {
        instance,
        event: event.clone(),
    })
    .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Sends `events` to the other instances in one statement (in `executor`'s transaction,
/// if it is one), in order.
async fn notify_all<'e, E>(
    executor: E,
    instance: uuid::Uuid,
    events: &[AnnouncedEvent],
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Postgres>,
{
    if events.is_empty() {
        return Ok(());
    }
    let payloads = events
        .iter()
        .map(|e| payload(instance, e))
        .collect::<Result<Vec<_>, _>>()?;
    sqlx::query(
        "SELECT pg_notify($1, p) FROM unnest($2::text[]) WITH ORDINALITY AS t(p, n) ORDER BY n",
    )
    .bind(CHANNEL)
    .bind(payloads)
    .execute(executor)
    .await?;
    Ok(())
}

/// One transaction for a batch of reads, with their announcements; the outcome of each.
async fn commit_reads(
    writer: &PgPool,
    instance: uuid::Uuid,
    marks: &[super::ReadMark],
) -> Outcomes<Option<u64>> {
    let mut tx = writer.begin().await?;
    let (mut outcomes, mut events) = (Vec::with_capacity(marks.len()), Vec::new());
    for mark in marks {
        let outcome = apply_read(&mut tx, mark).await;
        let (organization_id, conversation_id) = (mark.organization_id, mark.conversation_id);
        if let Ok(Some(seq)) = outcome {
            let role = match mark.reader {
                super::Reader::Contact => parley_shared::api::MessageRole::Contact,
                super::Reader::Operator(_) => parley_shared::api::MessageRole::Operator,
            };
            events.push(AnnouncedEvent::Read {
                organization_id,
                conversation_id,
                role,
                seq,
            });
        }
        let changed = AnnouncedEvent::InboxChanged {
            organization_id,
            conversation_id,
        };
        // An operator's unread count changed: their dashboards on other instances re-read it.
        if matches!(mark.reader, super::Reader::Operator(_)) && !events.contains(&changed) {
            events.push(changed);
        }
        outcomes.push(outcome);
    }
    notify_all(&mut *tx, instance, &events).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Stores a batch in one call (one implicit transaction). If the call fails as a whole
/// (a deadlock with another kind of transaction, a bad row), each message is retried alone,
/// so one message's failure is its own.
async fn commit_batch(
    writer: &PgPool,
    instance: uuid::Uuid,
    messages: Vec<NewMessage>,
) -> Outcomes<Inserted> {
    match insert_batch(writer, instance, &messages).await {
        Err(e) if messages.len() > 1 => {
            tracing::warn!(error = %e, size = messages.len(), "batch insert failed; inserting one \
                 by one");
            let mut outcomes = Vec::with_capacity(messages.len());
            for m in &messages {
                let outcome = insert_batch(writer, instance, std::slice::from_ref(m))
                    .await
                    .and_then(|mut one| {
                        one.pop()
                            .ok_or_else(|| StoreError::Batch("no outcome".into()))
                    })
                    .and_then(|outcome| outcome);
                outcomes.push(outcome);
            }
            Ok(outcomes)
        }
        other => other,
    }
}

/// One message of the batch as `parley_insert_messages` reads it.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BatchItem<'a> {
    i: usize,
    id: String,
    conversation_id: String,
    role: &'a str,
    author_name: Option<&'a str>,
    author_id: Option<String>,
    content: &'a str,
    created_at: i64,
    sibling_of: Option<String>,
    answer_job: Option<String>,
    answer_job_kind: Option<&'a str>,
    answer_job_payload: Option<&'a str>,
    event_job: Option<String>,
    event_job_kind: Option<&'a str>,
    event_job_payload: Option<&'a str>,
    stops_responder: bool,
}

/// Calls `parley_insert_messages` for `messages`; each one's outcome, in their order.
async fn insert_batch(
    writer: &PgPool,
    instance: uuid::Uuid,
    messages: &[NewMessage],
) -> Outcomes<Inserted> {
    // In arrival order; the function inserts them by conversation (see migration 0008).
    let items: Vec<BatchItem<'_>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| BatchItem {
            i,
            id: m.id.to_string(),
            conversation_id: m.conversation_id.to_string(),
            role: m.role.as_str(),
            author_name: m.author_name.as_deref(),
            author_id: m.author_id.map(|u| u.to_string()),
            content: &m.content,
            created_at: m.created_at.unix_millis(),
            sibling_of: m.sibling_of.map(|s| s.to_string()),
            answer_job: m.answer_job.as_ref().map(|j| j.id.to_string()),
            answer_job_kind: m.answer_job.as_ref().map(|j| j.kind),
            answer_job_payload: m.answer_job.as_ref().map(|j| j.payload.as_str()),
            event_job: m.event_job.as_ref().map(|j| j.id.to_string()),
            event_job_kind: m.event_job.as_ref().map(|j| j.kind),
            event_job_payload: m.event_job.as_ref().map(|j| j.payload.as_str()),
            stops_responder: m.stops_responder,
        })
        .collect();
    let batch = serde_json::to_string(&items).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    // The message.created webhook events commit with their messages: a data-modifying CTE
    // over the function's outcomes keeps it one statement (one round trip) per batch.
    let rows = sqlx::query(concat!(
        "WITH r AS (SELECT * FROM parley_insert_messages($1::text::jsonb, $2, $3)), \
         w AS (INSERT INTO jobs (id, kind, organization_id, conversation_id, payload, state, \
         attempts, run_at, created_at) \
         SELECT x.\"eventJob\", x.\"eventJobKind\", r.organization_id, x.\"conversationId\", \
         x.\"eventJobPayload\", 'pending', 0, 0, x.\"createdAt\" FROM r \
         JOIN jsonb_to_recordset($1::text::jsonb) AS x(\"i\" BIGINT, \"conversationId\" TEXT, \
         \"createdAt\" BIGINT, \"eventJob\" TEXT, \"eventJobKind\" TEXT, \
         \"eventJobPayload\" TEXT) ON x.\"i\" = r.i \
         WHERE r.outcome = 'created' AND x.\"eventJob\" IS NOT NULL AND ",
        webhook_listening!("r.organization_id", "'message.created'"),
        " ON CONFLICT (id) DO NOTHING) \
         SELECT i, outcome, seq, previous_message_id, sibling_index FROM r"
    ))
    .bind(batch)
    .bind(CHANNEL)
    .bind(instance.to_string())
    .fetch_all(writer)
    .await?;
    let mut outcomes: Vec<Option<Result<Inserted, StoreError>>> =
        (0..messages.len()).map(|_| None).collect();
    for row in rows {
        let i = usize::try_from(row.try_get::<i64, _>("i")?)
            .ok()
            .filter(|&i| i < messages.len())
            .ok_or_else(|| StoreError::Corrupt("batch index out of range".into()))?;
        let m = &messages[i];
        let outcome = match row.try_get::<String, _>("outcome")?.as_str() {
            "created" => Ok(Inserted::Created(Message {
                id: m.id,
                conversation_id: m.conversation_id,
                seq: u64_of(row.try_get::<Option<i64>, _>("seq")?.unwrap_or(0)),
                role: m.role,
                author_name: m.author_name.clone(),
                content: m.content.clone(),
                created_at: m.created_at,
                rating: None,
                previous_message_id: row
                    .try_get::<Option<String>, _>("previous_message_id")?
                    .map(|id| parse_id(&id))
                    .transpose()?,
                sibling_index: u32::try_from(
                    row.try_get::<Option<i64>, _>("sibling_index")?.unwrap_or(0),
                )
                .map_err(|_| StoreError::Corrupt("bad sibling_index".into()))?,
            })),
            // Committed by the call above (or earlier): read it back.
            "existing" => match message_by_id(writer, m.id).await? {
                Some(existing) => Ok(Inserted::Existing(existing)),
                None => Err(StoreError::Conflict),
            },
            // The conversation (or an edit's original) vanished since the caller checked it.
            "missing" => Err(StoreError::Database(sqlx::Error::RowNotFound)),
            other => Err(StoreError::Corrupt(format!(
                "unknown insert outcome {other:?}"
            ))),
        };
        outcomes[i] = Some(outcome);
    }
    outcomes
        .into_iter()
        .map(|o| {
            o.ok_or_else(|| StoreError::Corrupt("a message of the batch has no outcome".into()))
        })
        .collect::<Result<Vec<_>, _>>()
}

impl_sql_helpers!(sqlx::Postgres);
impl_organization_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_contact_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_privacy_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_conversation_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_message_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_responder_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_job_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_knowledge_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_account_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_invite_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_settings_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_inbox_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_public_api_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_webhook_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
impl_email_store!(PgStore);
