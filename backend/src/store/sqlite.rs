//! The embedded SQLite store: one writer connection (SQLite takes one writer at a time, so
//! a single connection avoids lock-upgrade deadlocks and busy retries) and a small reader
//! pool; WAL journal so readers never wait for the writer; `synchronous=FULL` so an
//! acknowledged message survives a power cut. Only one process serves a SQLite file, so
//! nothing is announced to other instances.

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

/// SQLite implementation of [`Store`].
#[derive(Clone, Debug)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
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
        Ok(Self { writer, reader })
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
    /// bm25, headings weighted 4×) first.
    const SEARCH_SQL: &'static str = "SELECT p.article_id, a.title, p.heading, p.body \
         FROM article_passages_fts f JOIN article_passages p ON p.id = f.rowid \
         JOIN articles a ON a.id = p.article_id \
         WHERE article_passages_fts MATCH $2 AND p.organization_id = $1 \
         ORDER BY bm25(article_passages_fts, 4.0, 1.0) LIMIT $3";

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
