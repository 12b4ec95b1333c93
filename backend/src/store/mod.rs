//! Storage: one narrow trait named after Parley's use cases, with one implementation per
//! database (SQLite, PostgreSQL), chosen at run time by the URL scheme. Both run the same
//! SQL (`sql.rs`). SQL lives only below this module.

#[macro_use]
mod sql;
mod group;
mod postgres;
mod sqlite;

use async_trait::async_trait;
use parley_shared::api::{Conversation, ConversationStatus, Message, MessageRole};
use parley_shared::staff::{InboxItem, Member, Role, WidgetSettings};
use parley_shared::{
    ApiKeyId, ContactSessionId, ConversationId, InviteId, MessageId, OrganizationId, ProjectId,
    Timestamp, UserId,
};
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
}

/// An organization row.
#[derive(Clone, Debug, PartialEq)]
pub struct Organization {
    /// Its ID.
    pub id: OrganizationId,
    /// Display name.
    pub name: String,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A contact session row (the credential is stored only as `token_hash`).
#[derive(Clone, Debug, PartialEq)]
pub struct ContactSession {
    /// Its ID.
    pub id: ContactSessionId,
    /// The organization it belongs to.
    pub organization_id: OrganizationId,
    /// SHA-256 of the bearer credential, lowercase hex.
    pub token_hash: String,
    /// The contact's name.
    pub name: String,
    /// The contact's email.
    pub email: String,
    /// Browser metadata, as JSON text.
    pub metadata: String,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Expiry instant.
    pub expires_at: Timestamp,
    /// The user's ID on the organization's own site, once it identified the contact.
    pub external_id: Option<String>,
    /// Identified by the organization's site (identity verification).
    pub verified: bool,
    /// Revoked by staff ("block contact"): the credential no longer works.
    pub revoked: bool,
    /// Its organization takes verified visitors only (read with the session, so checking a
    /// credential stays one query; not stored with the session).
    pub identity_required: bool,
}

/// What an erasure removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Erased {
    /// Contact sessions deleted.
    pub sessions: u64,
    /// Conversations deleted.
    pub conversations: u64,
    /// Messages deleted.
    pub messages: u64,
}

/// An organization's identity-verification settings.
#[derive(Clone, Debug, PartialEq)]
pub struct IdentitySettingsRow {
    /// The HMAC-SHA256 / HS256 key its own backend signs visitors' identities with.
    pub secret: String,
    /// Refuse visitors the site has not identified.
    pub required: bool,
}

/// A conversation with its owner, as the access checks need it.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedConversation {
    /// The contact session that started it: the only one that may read it.
    pub contact_session_id: ContactSessionId,
    /// The conversation itself.
    pub conversation: Conversation,
}

/// A message to insert; `seq` is assigned by the store.
#[derive(Clone, Debug, PartialEq)]
pub struct NewMessage {
    /// Client- or server-chosen ID; inserting an existing ID inserts nothing.
    pub id: MessageId,
    /// Target conversation.
    pub conversation_id: ConversationId,
    /// Author role.
    pub role: MessageRole,
    /// Display name for staff and assistant messages.
    pub author_name: Option<String>,
    /// The operator who wrote a staff message.
    pub author_id: Option<UserId>,
    /// The text.
    pub content: String,
    /// Acceptance instant; also the conversation's new `updated_at`.
    pub created_at: Timestamp,
    /// For an edit: the message this one replaces as a sibling (same parent, next sibling
    /// index). Otherwise (`None`) it follows the conversation's latest message.
    pub sibling_of: Option<MessageId>,
    /// For a contact message: the ID of the AI responder job to record with it, in the same
    /// transaction, if the conversation is unresolved, its responder active and the
    /// organization's responder enabled. An operator message switches the responder off.
    pub answer_job: Option<uuid::Uuid>,
}

/// An organization's AI responder settings (`responder_settings`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponderRow {
    /// Answers new contact messages.
    pub enabled: bool,
    /// `knowledge_base` or `openai`.
    pub provider: String,
    /// OpenAI-compatible base URL.
    pub base_url: Option<String>,
    /// Model name.
    pub model: Option<String>,
    /// Provider API key (secret).
    pub api_key: Option<String>,
    /// The organization's instructions to the model.
    pub instructions: String,
    /// Recent messages given as context.
    pub context_messages: u32,
}

/// A claimed responder job.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponderJob {
    /// Job ID; the answer's message ID is derived from it.
    pub id: uuid::Uuid,
    /// The organization.
    pub organization_id: OrganizationId,
    /// The conversation to answer in.
    pub conversation_id: ConversationId,
    /// The contact message to answer.
    pub trigger_message_id: MessageId,
    /// For a regenerated answer: the answer it is a sibling of.
    pub sibling_of: Option<MessageId>,
    /// Claims so far, this one included.
    pub attempts: u32,
}

/// A knowledge-base article row.
#[derive(Clone, Debug, PartialEq)]
pub struct ArticleRow {
    /// Its ID.
    pub id: parley_shared::ArticleId,
    /// Owner.
    pub organization_id: OrganizationId,
    /// Title.
    pub title: String,
    /// Markdown text.
    pub body: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// A passage found by full-text search.
#[derive(Clone, Debug, PartialEq)]
pub struct PassageHit {
    /// The article it is from.
    pub article_id: parley_shared::ArticleId,
    /// The article's title.
    pub title: String,
    /// The passage's section heading (the title for the first section).
    pub heading: String,
    /// The passage text.
    pub body: String,
}

/// A staff account row.
#[derive(Clone, Debug, PartialEq)]
pub struct User {
    /// Its ID.
    pub id: UserId,
    /// Login email, lowercased.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Name shown to visitors.
    pub display_name: String,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Sessions carry this; bumping it (logout) revokes them all.
    pub session_epoch: i64,
}

/// An invite row (the token is stored only as `token_hash`).
#[derive(Clone, Debug, PartialEq)]
pub struct InviteRow {
    /// Its ID.
    pub id: InviteId,
    /// The organization it joins.
    pub organization_id: OrganizationId,
    /// SHA-256 (hex) of the link's token.
    pub token_hash: String,
    /// Role granted.
    pub role: Role,
    /// Who made it.
    pub created_by: UserId,
    /// Creation instant.
    pub created_at: Timestamp,
    /// Expiry instant.
    pub expires_at: Timestamp,
    /// When it was used, if it was.
    pub used_at: Option<Timestamp>,
}

/// An API key row (the key is stored only as `key_hash`).
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyRow {
    /// Its ID.
    pub id: ApiKeyId,
    /// The organization whose chats it reads.
    pub organization_id: OrganizationId,
    /// Label.
    pub name: String,
    /// First characters of the key.
    pub prefix: String,
    /// SHA-256 (hex) of the key.
    pub key_hash: String,
    /// Creator, if made from the dashboard.
    pub created_by: Option<UserId>,
    /// Creation.
    pub created_at: Timestamp,
    /// Last use.
    pub last_used_at: Option<Timestamp>,
    /// Revocation, if revoked.
    pub revoked_at: Option<Timestamp>,
}

/// A conversation as the public API lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRow {
    /// The conversation.
    pub conversation: Conversation,
    /// Its contact session's browser metadata (JSON text).
    pub contact_metadata: String,
    /// Number of messages.
    pub messages_length: u64,
    /// The project it started on.
    pub project: Option<parley_shared::staff::Project>,
}

/// A message with its tree position and feedback (public API).
#[derive(Clone, Debug, PartialEq)]
pub struct TreeMessage {
    /// The message.
    pub message: Message,
    /// The operator who wrote it.
    pub author_id: Option<UserId>,
    /// Parent.
    pub previous_message_id: Option<MessageId>,
    /// Depth (0 = root).
    pub depth: u64,
    /// Root of its branch (`None` for a root).
    pub root_message_id: Option<MessageId>,
    /// Index among siblings.
    pub sibling_index: u64,
    /// `POSITIVE` / `NEGATIVE` / `NOT_SPECIFIED`.
    pub accuracy: Option<String>,
    /// Comment.
    pub feedback: Option<String>,
    /// Last change.
    pub updated_at: Option<Timestamp>,
}

/// What [`Store::insert_message`] did.
#[derive(Clone, Debug, PartialEq)]
pub enum Inserted {
    /// A new message, with its freshly assigned `seq`.
    Created(Message),
    /// A message with this ID already existed; here it is, unchanged.
    Existing(Message),
}

/// Keyset cursor of the conversation list: the last item's `(updated_at, id)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationCursor {
    /// `updated_at` of the last item seen.
    pub updated_at: Timestamp,
    /// ID of the last item seen (tie-breaker).
    pub id: ConversationId,
}

/// Parley's storage operations. Each method is one transaction at most.
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Creates an organization.
    async fn create_organization(&self, org: &Organization) -> Result<(), StoreError>;
    /// An organization by ID.
    async fn organization(&self, id: OrganizationId) -> Result<Option<Organization>, StoreError>;
    /// The oldest organization with exactly this name (used to reuse the demo organization).
    async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>, StoreError>;

    /// Creates a contact session.
    async fn create_contact_session(&self, session: &ContactSession) -> Result<(), StoreError>;
    /// The contact session whose credential hashes to `token_hash`.
    async fn contact_session_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ContactSession>, StoreError>;
    /// The session whose credential hashes to `token_hash` (as
    /// [`Store::contact_session_by_token_hash`]), with the status of conversation `id` when
    /// that conversation is the session's own (same session and organization), else `None`
    /// beside it: a contact's two per-request checks in one round trip (the send path).
    async fn contact_session_with_conversation(
        &self,
        token_hash: &str,
        id: ConversationId,
    ) -> Result<Option<(ContactSession, Option<ConversationStatus>)>, StoreError>;
    /// Moves a contact session's expiry.
    async fn set_contact_session_expiry(
        &self,
        id: ContactSessionId,
        expires_at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Marks a session identified by the organization's site (name, email, external ID,
    /// verified) and replaces its credential hash, provided `old_token_hash` is still the
    /// current one (a concurrent identify loses). Returns whether the session was updated.
    async fn identify_contact_session(
        &self,
        session: &ContactSession,
        old_token_hash: &str,
    ) -> Result<bool, StoreError>;
    /// The organization's identity settings, if its secret was ever generated.
    async fn identity_settings(
        &self,
        org: OrganizationId,
    ) -> Result<Option<IdentitySettingsRow>, StoreError>;
    /// Creates or replaces the organization's identity settings.
    async fn put_identity_settings(
        &self,
        org: OrganizationId,
        settings: &IdentitySettingsRow,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Blocks `email` (lowercased) in `org` and revokes every session of it there, in one
    /// transaction.
    async fn block_contact(
        &self,
        org: OrganizationId,
        email: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Is `email` (lowercased) blocked in `org`?
    async fn contact_blocked(&self, org: OrganizationId, email: &str) -> Result<bool, StoreError>;
    /// Every session of `email` (lowercased) in `org`, oldest first (data export).
    async fn contact_sessions_by_email(
        &self,
        org: OrganizationId,
        email: &str,
    ) -> Result<Vec<ContactSession>, StoreError>;
    /// Deletes everything of `email` (lowercased) in `org`: its sessions, their
    /// conversations, messages, read markers and responder jobs, in one transaction.
    async fn erase_contact(&self, org: OrganizationId, email: &str) -> Result<Erased, StoreError>;
    /// Retention: deletes conversations last active before `before` (with their messages,
    /// read markers and jobs), then sessions expired before `before` that have no
    /// conversation left, in one transaction.
    async fn delete_older_than(&self, before: Timestamp) -> Result<Erased, StoreError>;
    /// Creates a conversation (with no messages).
    async fn create_conversation(
        &self,
        contact_session_id: ContactSessionId,
        conversation: &Conversation,
    ) -> Result<(), StoreError>;
    /// A conversation with its owner and newest message.
    async fn conversation(
        &self,
        id: ConversationId,
    ) -> Result<Option<OwnedConversation>, StoreError>;
    /// A contact session's conversations, most recent activity first, after `cursor`.
    async fn conversations_of_session(
        &self,
        contact_session_id: ContactSessionId,
        cursor: Option<ConversationCursor>,
        limit: u32,
    ) -> Result<Vec<Conversation>, StoreError>;
    /// Sets a conversation's status and `updated_at`; `None` if it does not exist.
    async fn set_conversation_status(
        &self,
        id: ConversationId,
        status: ConversationStatus,
        now: Timestamp,
    ) -> Result<Option<Conversation>, StoreError>;

    /// Inserts a message with the conversation's next `seq` (dense: 1, 2, 3…) and bumps the
    /// conversation's `updated_at`, atomically. An ID that exists already inserts nothing.
    async fn insert_message(&self, message: &NewMessage) -> Result<Inserted, StoreError>;
    /// A message by ID.
    async fn message(&self, id: MessageId) -> Result<Option<Message>, StoreError>;

    /// Creates an organization, an account, and the account's owner membership, atomically.
    /// An existing email → `Conflict`.
    async fn create_owner_account(&self, org: &Organization, user: &User)
    -> Result<(), StoreError>;
    /// Creates an account. An existing email → `Conflict`.
    async fn create_user(&self, user: &User) -> Result<(), StoreError>;
    /// An account by (lowercased) email.
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError>;
    /// An account by ID.
    async fn user(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// Revokes every session of the account (`session_epoch + 1`).
    async fn bump_session_epoch(&self, id: UserId) -> Result<(), StoreError>;
    /// Sets the account's password hash and revokes its sessions in one statement; returns
    /// the new `session_epoch` (`None` when the account is gone).
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
    ) -> Result<Option<i64>, StoreError>;
    /// Adds `user` to `org` with `role`; an existing membership is left as it is.
    async fn add_membership(
        &self,
        user: UserId,
        org: OrganizationId,
        role: Role,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// The account's role in `org`, if a member.
    async fn membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<Option<Role>, StoreError>;
    /// Every organization of the account with its role, oldest membership first.
    async fn memberships_of_user(
        &self,
        user: UserId,
    ) -> Result<Vec<(Organization, Role)>, StoreError>;
    /// Members of `org`, oldest first.
    async fn members(&self, org: OrganizationId) -> Result<Vec<Member>, StoreError>;
    /// Removes a membership; `false` if there was none.
    async fn remove_membership(
        &self,
        user: UserId,
        org: OrganizationId,
    ) -> Result<bool, StoreError>;
    /// How many owners `org` has.
    async fn owner_count(&self, org: OrganizationId) -> Result<u64, StoreError>;

    /// Stores a new invite.
    async fn create_invite(&self, invite: &InviteRow) -> Result<(), StoreError>;
    /// An invite by token hash (used or not).
    async fn invite_by_token_hash(&self, token_hash: &str)
    -> Result<Option<InviteRow>, StoreError>;
    /// `org`'s unused invites expiring after `now`, newest first.
    async fn pending_invites(
        &self,
        org: OrganizationId,
        now: Timestamp,
    ) -> Result<Vec<InviteRow>, StoreError>;
    /// Deletes an unused invite of `org`; `false` if there was none.
    async fn delete_invite(&self, org: OrganizationId, id: InviteId) -> Result<bool, StoreError>;
    /// Uses an invite once, atomically: creates `new_user` if given, marks the invite used
    /// (only if unused and unexpired at `now`) and adds the membership. `false` when the
    /// invite could not be used (nothing is written then). A taken email → `Conflict`.
    async fn accept_invite(
        &self,
        invite: &InviteRow,
        user: UserId,
        new_user: Option<&User>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The organization's widget settings, if ever saved.
    async fn widget_settings(
        &self,
        org: OrganizationId,
    ) -> Result<Option<WidgetSettings>, StoreError>;
    /// Saves the organization's widget settings.
    async fn put_widget_settings(
        &self,
        org: OrganizationId,
        settings: &WidgetSettings,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// A project's widget settings, if ever saved.
    async fn project_settings(
        &self,
        project: ProjectId,
    ) -> Result<Option<WidgetSettings>, StoreError>;
    /// Saves a project's widget settings.
    async fn put_project_settings(
        &self,
        project: ProjectId,
        settings: &WidgetSettings,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Creates a project of `org`.
    async fn create_project(
        &self,
        org: OrganizationId,
        project: &parley_shared::staff::Project,
    ) -> Result<(), StoreError>;
    /// `org`'s projects, oldest first.
    async fn projects(
        &self,
        org: OrganizationId,
    ) -> Result<Vec<parley_shared::staff::Project>, StoreError>;
    /// A project and its organization.
    async fn project(
        &self,
        id: ProjectId,
    ) -> Result<Option<(OrganizationId, parley_shared::staff::Project)>, StoreError>;

    /// `org`'s conversations (one status, or all), most recent activity first, after
    /// `cursor`, with contact and `user`'s unread count.
    async fn inbox(
        &self,
        org: OrganizationId,
        status: Option<ConversationStatus>,
        user: UserId,
        cursor: Option<ConversationCursor>,
        limit: u32,
    ) -> Result<Vec<InboxItem>, StoreError>;
    /// The inbox rows of `ids` that exist, as `user` sees them, in no particular order; one
    /// query however many (live dashboards refresh the rows that changed together).
    async fn inbox_items(
        &self,
        ids: &[ConversationId],
        user: UserId,
    ) -> Result<Vec<InboxItem>, StoreError>;
    /// A contact session by ID.
    async fn contact_session(
        &self,
        id: ContactSessionId,
    ) -> Result<Option<ContactSession>, StoreError>;
    /// Stores a new API key.
    async fn create_api_key(&self, key: &ApiKeyRow) -> Result<(), StoreError>;
    /// The unrevoked key whose hash is `key_hash`.
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRow>, StoreError>;
    /// `org`'s unrevoked keys, newest first.
    async fn api_keys(&self, org: OrganizationId) -> Result<Vec<ApiKeyRow>, StoreError>;
    /// Revokes a key of `org`; `false` if there was no such unrevoked key.
    async fn revoke_api_key(
        &self,
        org: OrganizationId,
        id: ApiKeyId,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Records a use of the key.
    async fn touch_api_key(&self, id: ApiKeyId, now: Timestamp) -> Result<(), StoreError>;
    /// `org`'s conversations, most recent activity first, after `cursor`, at most `limit`
    /// (all when `None`).
    async fn chats(
        &self,
        org: OrganizationId,
        cursor: Option<ConversationCursor>,
        limit: Option<u32>,
    ) -> Result<Vec<ChatRow>, StoreError>;
    /// Every message of a conversation with its tree position, by `created_at` then `seq`.
    async fn tree_messages(
        &self,
        conversation: ConversationId,
    ) -> Result<Vec<TreeMessage>, StoreError>;

    /// Stores the contact's rating of a message (replacing an earlier one).
    async fn set_rating(
        &self,
        id: MessageId,
        rating: &parley_shared::api::Rating,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Records that `user` has seen `conversation` up to `seq` (never moves backwards).
    async fn mark_read(
        &self,
        conversation: ConversationId,
        user: UserId,
        seq: u64,
    ) -> Result<(), StoreError>;
    /// A conversation's messages with `seq > after_seq`, in `seq` order, at most `limit`.
    async fn messages_after(
        &self,
        conversation_id: ConversationId,
        after_seq: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;

    /// The organization's responder settings, if ever saved.
    async fn responder_settings(
        &self,
        org: OrganizationId,
    ) -> Result<Option<ResponderRow>, StoreError>;
    /// Saves the organization's responder settings (whole row).
    async fn put_responder_settings(
        &self,
        org: OrganizationId,
        row: &ResponderRow,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Switches the responder on or off for one conversation.
    async fn set_responder_active(
        &self,
        conversation: ConversationId,
        active: bool,
    ) -> Result<(), StoreError>;
    /// Records a job (a regenerated answer); `false` if that job ID exists already.
    async fn enqueue_job(&self, job: &ResponderJob, now: Timestamp) -> Result<bool, StoreError>;
    /// Claims the oldest due job, pushing its next run `lease_ms` ahead (so it becomes due
    /// again if this worker dies) and counting the attempt.
    async fn claim_job(
        &self,
        now: Timestamp,
        lease_ms: i64,
    ) -> Result<Option<ResponderJob>, StoreError>;
    /// Puts a job back to run at `run_at`, noting why.
    async fn retry_job(
        &self,
        id: uuid::Uuid,
        run_at: Timestamp,
        error: &str,
    ) -> Result<(), StoreError>;
    /// Ends a job: `done`, or `failed` with a reason.
    async fn finish_job(&self, id: uuid::Uuid, error: Option<&str>) -> Result<(), StoreError>;
    /// Stores an article and its passages (`(heading, text)` in order).
    async fn create_article(
        &self,
        article: &ArticleRow,
        passages: &[(String, String)],
    ) -> Result<(), StoreError>;
    /// The organization's articles, newest first.
    async fn articles(&self, org: OrganizationId) -> Result<Vec<ArticleRow>, StoreError>;
    /// Deletes one of the organization's articles; `false` if there is none.
    async fn delete_article(
        &self,
        org: OrganizationId,
        id: parley_shared::ArticleId,
    ) -> Result<bool, StoreError>;
    /// The organization's passages best matching any of `terms` (plain words), best first.
    async fn search_passages(
        &self,
        org: OrganizationId,
        terms: &[String],
        limit: u32,
    ) -> Result<Vec<PassageHit>, StoreError>;
    /// Up to `limit` of a conversation's messages with `seq <= up_to`, newest first.
    async fn messages_up_to(
        &self,
        conversation_id: ConversationId,
        up_to: u64,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
}

/// Opens the database named by `url` (`sqlite:…`, creating the file and its folder if
/// needed, or `postgres:`/`postgresql:…`) and applies pending migrations.
pub async fn connect(url: &str, opts: &StoreOptions) -> Result<Connected, StoreError> {
    if url.starts_with("sqlite:") {
        let store = SqliteStore::connect(url, opts).await?;
        Ok(Connected {
            store: Arc::new(store),
            notices: None,
        })
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let (store, notices) = PgStore::connect(url, opts).await?;
        Ok(Connected {
            store: Arc::new(store),
            notices: Some(notices),
        })
    } else {
        Err(StoreError::UnsupportedUrl(url.to_owned()))
    }
}
