//! The PostgreSQL store, for several backend instances on one database.
//!
//! Every committed change is announced with `pg_notify` *inside* its transaction, so the
//! announcement exists exactly when the change does. Each instance LISTENs and turns other
//! instances' announcements into local live events; when the listening connection drops,
//! it reports a gap so subscribers re-read what they may have missed.

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use tokio::sync::mpsc;

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
        let store = Self {
            writer: pool.clone(),
            reader: pool,
            instance: uuid::Uuid::new_v4(),
        };
        let mut listener = PgListener::connect_with(&store.writer).await?;
        listener.listen(CHANNEL).await?;
        let (tx, rx) = mpsc::channel(NOTICE_BUFFER);
        tokio::spawn(listen(listener, store.instance, tx));
        Ok((store, rx))
    }

    async fn announce(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Postgres>,
        event: &AnnouncedEvent,
    ) -> Result<(), StoreError> {
        let payload = serde_json::to_string(&Payload {
            instance: self.instance,
            event: event.clone(),
        })
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Forwards other instances' announcements until the receiver is dropped. A lost
/// connection (PgListener reconnects by itself on the next call) is reported as a gap.
async fn listen(mut listener: PgListener, me: uuid::Uuid, tx: mpsc::Sender<super::Notice>) {
    loop {
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
                super::Notice::Gap
            }
            Err(e) => {
                tracing::warn!(error = %e, "LISTEN failed; retrying in 1 s");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                super::Notice::Gap
            }
        };
        if tx.send(notice).await.is_err() {
            return;
        }
    }
}

impl PgStore {
    /// Each message commits on its own: PostgreSQL takes concurrent writers.
    async fn insert_one(&self, m: &NewMessage) -> Result<Inserted, StoreError> {
        self.insert_alone(m).await
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

impl_sql_store!(PgStore, sqlx::Postgres, sqlx::postgres::PgRow);
