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

impl_sql_store!(SqliteStore, sqlx::Sqlite, sqlx::sqlite::SqliteRow);
