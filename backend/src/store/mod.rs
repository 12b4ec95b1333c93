//! Storage: narrow traits named after Parley's use cases, one file per area (its rows, its
//! trait, its SQL), with one implementation per database (SQLite, PostgreSQL) chosen at run
//! time by the URL scheme. Both run the same SQL text: each area's `impl_*_store!` macro is
//! expanded once in `sqlite.rs` and once in `postgres.rs`. SQL lives only below this module.
//!
//! [`Store`] is the sum of the area traits (a `dyn Store` has all their methods).

#[macro_use]
mod sql;
mod rows;
#[macro_use]
mod organizations;
#[macro_use]
mod contacts;
#[macro_use]
mod privacy;
#[macro_use]
mod conversations;
#[macro_use]
mod messages;
#[macro_use]
mod responder;
#[macro_use]
mod jobs;
#[macro_use]
mod knowledge;
#[macro_use]
mod accounts;
#[macro_use]
mod invites;
#[macro_use]
mod settings;
#[macro_use]
mod inbox;
#[macro_use]
mod public;
#[macro_use]
mod webhooks;
#[macro_use]
mod email;
mod group;
mod postgres;
mod reads;
mod sqlite;

pub use accounts::*;
pub use contacts::*;
pub use conversations::*;
pub use email::*;
pub use inbox::*;
pub use invites::*;
pub use jobs::*;
pub use knowledge::*;
pub use messages::*;
pub use organizations::*;
pub use privacy::*;
pub use public::*;
pub use reads::*;
pub use responder::*;
pub use settings::*;
pub use webhooks::*;

use parley_shared::api::ConversationStatus;
use parley_shared::{ConversationId, MessageId, OrganizationId, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Connection settings common to both databases.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// Most pooled connections (SQLite: readers; its writer is always one connection).
    pub max_connections: u32,
    /// Longest wait for a pooled connection.
    pub acquire_timeout: Duration,
    /// PostgreSQL: longest a statement may run (`statement_timeout`).
    pub statement_timeout: Duration,
    /// SQLite: how long to wait on a locked database (`busy_timeout`).
    pub busy_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// A committed change other instances must hear about, named (not carried) so the
/// announcement stays small; receivers read the record from the store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum AnnouncedEvent {
    /// A conversation was started.
    Created {
        /// Its organization.
        organization_id: OrganizationId,
        /// The conversation.
        conversation_id: ConversationId,
        /// The contact session it belongs to (its `watch` sockets add it); absent in
        /// announcements from older versions.
        #[serde(default)]
        contact_session_id: Option<parley_shared::ContactSessionId>,
    },
    /// A message was inserted.
    Message {
        /// Its organization.
        organization_id: OrganizationId,
        /// Its conversation.
        conversation_id: ConversationId,
        /// The message.
        message_id: MessageId,
    },
    /// A conversation's status changed.
    Status {
        /// Its organization.
        organization_id: OrganizationId,
        /// The conversation.
        conversation_id: ConversationId,
        /// Its new status.
        status: ConversationStatus,
        /// When it changed.
        updated_at: Timestamp,
    },
    /// Someone is typing in a conversation (relayed, never stored).
    Typing {
        /// Its organization.
        organization_id: OrganizationId,
        /// The conversation.
        conversation_id: ConversationId,
        /// `contact` or `operator`.
        role: parley_shared::api::MessageRole,
        /// The operator's display name.
        author_name: Option<String>,
    },
    /// The visitor or the team has seen a conversation further (`seq` is the stored position).
    Read {
        /// Its organization.
        organization_id: OrganizationId,
        /// The conversation.
        conversation_id: ConversationId,
        /// `contact` or `operator`.
        role: parley_shared::api::MessageRole,
        /// The new read position.
        seq: u64,
    },
    /// A conversation's inbox row changed for someone without a message or status change
    /// (an operator read it: their unread count).
    InboxChanged {
        /// Its organization.
        organization_id: OrganizationId,
        /// The conversation.
        conversation_id: ConversationId,
    },
    /// Credentials were revoked: open live sockets they cover must re-check theirs.
    Revoked {
        /// Whose.
        revocation: Revocation,
    },
}

/// Which credentials a revocation covers, so that only the live sockets holding one of them
/// re-read their credential (issue 21, finding 2: sockets outlived logout and blocking).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "scope",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Revocation {
    /// The staff sessions of one account: logout, password change, or a membership removed.
    Account {
        /// The account.
        user_id: UserId,
    },
    /// Contact sessions of one organization: those of `email` (a blocked contact, in its
    /// normalized form), or with `email: None` every unverified one ("verified only" on).
    Contacts {
        /// The organization.
        organization_id: OrganizationId,
        /// The contact's normalized email, or `None` for every unverified session.
        email: Option<String>,
    },
}

/// Announcing to other instances outside a write; part of [`Store`].
#[async_trait::async_trait]
pub trait Announcer: Send + Sync {
    /// Tells other instances about `event` now (PostgreSQL: `pg_notify`; SQLite: nothing,
    /// a single process serves the file). For changes whose announcement need not commit
    /// with them: a lost one is made up by the live sockets' periodic re-check.
    async fn announce_now(&self, event: &AnnouncedEvent) -> Result<(), StoreError>;
}

/// Operations on the database as a whole (`parley backup`, `parley check`); part of [`Store`].
#[async_trait::async_trait]
pub trait Maintenance: Send + Sync {
    /// Writes a consistent copy of the database to the new file `dest` while it serves
    /// (SQLite `VACUUM INTO`: one read transaction, so the copy is a snapshot, compacted).
    /// Errors: `Unsupported` on PostgreSQL (use `pg_dump`); SQLite's own when `dest` exists.
    async fn backup_to(&self, dest: &std::path::Path) -> Result<(), StoreError>;
    /// Connections of the pools now: (open, idle).
    fn pool_connections(&self) -> (u32, u32);
    /// One round trip to the database (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
    /// Whether other instances' changes reach this one (PostgreSQL's LISTEN connection is
    /// up); `None` where no other instance can exist (SQLite).
    fn listening(&self) -> Option<bool>;
    /// [`Maintenance::listening`] as it changes, to wait for (`None` on SQLite).
    fn listening_changes(&self) -> Option<tokio::sync::watch::Receiver<bool>>;
    /// What the database's own consistency check reports; empty when sound (SQLite
    /// `PRAGMA integrity_check`; PostgreSQL: a round trip, its pages are checksummed).
    async fn integrity_problems(&self) -> Result<Vec<String>, StoreError>;
}

/// What the store reports about other instances' changes.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// Another instance committed this.
    Event(AnnouncedEvent),
    /// Announcements may have been missed (the listening connection dropped): re-read.
    Gap,
}

/// An opened store and, for databases several instances share, its stream of notices.
pub struct Connected {
    /// The store.
    pub store: Arc<dyn Store>,
    /// Other instances' changes (PostgreSQL); `None` where one process owns the database.
    pub notices: Option<mpsc::Receiver<Notice>>,
}

/// A storage failure. Callers see only "internal error"; the cause is logged.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database driver failed (I/O, constraint, timeout…).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// Migrations could not be applied at start.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back (corrupt row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// A unique key exists already (e.g. an account's email).
    #[error("already exists")]
    Conflict,
    /// A group commit failed as a whole (every message of the batch gets this).
    #[error("group commit failed: {0}")]
    Batch(String),
    /// The URL names a database this build does not support.
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// This database does not do that (the message says what to use instead).
    #[error("not supported: {0}")]
    Unsupported(String),
}

/// Parley's storage operations: the sum of the per-area traits. Each method is one
/// transaction at most.
pub trait Store:
    OrganizationStore
    + ContactStore
    + PrivacyStore
    + ConversationStore
    + MessageStore
    + ResponderStore
    + JobStore
    + KnowledgeStore
    + AccountStore
    + InviteStore
    + SettingsStore
    + InboxStore
    + PublicApiStore
    + WebhookStore
    + EmailStore
    + Announcer
    + Maintenance
    + Send
    + Sync
    + 'static
{
}

impl Store for SqliteStore {}
impl Store for PgStore {}

/// Opens the database named by `url` (`sqlite:…`, creating the file and its folder if
/// needed, or `postgres:`/`postgresql:…`) and applies pending migrations.
pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Connected, StoreError> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url, opts).await?;
        store.fill_email_keys().await?;
        Ok(Connected {
            store: Arc::new(store),
            notices: None,
        })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let (store, notices) = PgStore::connect(url, opts).await?;
        store.fill_email_keys().await?;
        Ok(Connected {
            store: Arc::new(store),
            notices: Some(notices),
        })
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
