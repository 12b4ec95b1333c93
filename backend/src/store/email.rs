//! Email follow-up (issue 15): links sent in emails (continue a conversation, unsubscribe),
//! unsubscribed addresses, and how far each conversation's replies were emailed.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{ContactSessionId, ConversationId, OrganizationId, Timestamp};

/// What an emailed link may do (one purpose per link).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkPurpose {
    /// Reopen the conversation in the widget as its contact.
    Continue,
    /// Stop emails to this address from this organization.
    Unsubscribe,
}

impl LinkPurpose {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Continue => "continue",
            Self::Unsubscribe => "unsubscribe",
        }
    }
}

/// A link sent by email; the link's secret is stored only as `token_hash`.
#[derive(Clone, Debug, PartialEq)]
pub struct EmailLink {
    /// SHA-256 of the link's secret, lowercase hex.
    pub token_hash: String,
    /// What it may do.
    pub purpose: LinkPurpose,
    /// The organization.
    pub organization_id: OrganizationId,
    /// The contact session it speaks for.
    pub contact_session_id: ContactSessionId,
    /// The conversation it reopens.
    pub conversation_id: ConversationId,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// Email storage; part of [`super::Store`].
#[async_trait]
pub trait EmailStore: Send + Sync {
    /// Stores a link (its secret hashed).
    async fn create_email_link(&self, link: &EmailLink) -> Result<(), StoreError>;
    /// The link whose secret hashes to `token_hash` and has `purpose`, if any (expired ones
    /// included: the caller checks).
    async fn email_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
    ) -> Result<Option<EmailLink>, StoreError>;
    /// Stops emails to `email_key` (see `parley_shared::limits::email_key`) from `org`.
    async fn unsubscribe(
        &self,
        org: OrganizationId,
        email_key: &str,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Whether `email_key` has unsubscribed from `org`'s emails.
    async fn unsubscribed(&self, org: OrganizationId, email_key: &str) -> Result<bool, StoreError>;
    /// The highest reply `seq` of `conversation` already emailed (0: none).
    async fn emailed_seq(&self, conversation: ConversationId) -> Result<u64, StoreError>;
    /// Records that replies up to `seq` were emailed (never moves backwards).
    async fn set_emailed_seq(
        &self,
        conversation: ConversationId,
        seq: u64,
    ) -> Result<(), StoreError>;
}

/// Implements [`EmailStore`] for a SQL store (see `sql.rs`; expects the shared helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_email_store {
    ($store:ty) => {
        #[async_trait]
        impl $crate::store::EmailStore for $store {
            async fn create_email_link(&self, l: &EmailLink) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO email_links (token_hash, purpose, organization_id, \
                     contact_session_id, conversation_id, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&l.token_hash)
                .bind(l.purpose.as_str())
                .bind(l.organization_id.to_string())
                .bind(l.contact_session_id.to_string())
                .bind(l.conversation_id.to_string())
                .bind(l.expires_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn email_link(
                &self,
                token_hash: &str,
                purpose: LinkPurpose,
            ) -> Result<Option<EmailLink>, StoreError> {
                let row = sqlx::query(
                    "SELECT organization_id, contact_session_id, conversation_id, expires_at \
                     FROM email_links WHERE token_hash = $1 AND purpose = $2",
                )
                .bind(token_hash)
                .bind(purpose.as_str())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| {
                    Ok(EmailLink {
                        token_hash: token_hash.to_owned(),
                        purpose,
                        organization_id: parse_id(&r.col::<String>("organization_id")?)?,
                        contact_session_id: parse_id(&r.col::<String>("contact_session_id")?)?,
                        conversation_id: parse_id(&r.col::<String>("conversation_id")?)?,
                        expires_at: Timestamp::from_unix_millis(r.col("expires_at")?),
                    })
                })
                .transpose()
            }

            async fn unsubscribe(
                &self,
                org: OrganizationId,
                email_key: &str,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO email_unsubscribes (organization_id, email_key, created_at) \
                     VALUES ($1, $2, $3) ON CONFLICT (organization_id, email_key) DO NOTHING",
                )
                .bind(org.to_string())
                .bind(email_key)
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn unsubscribed(
                &self,
                org: OrganizationId,
                email_key: &str,
            ) -> Result<bool, StoreError> {
                // COUNT: an integer both databases decode as i64 (a bare `1` is INT4 on
                // PostgreSQL).
                let found: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM email_unsubscribes WHERE organization_id = $1 \
                     AND email_key = $2",
                )
                .bind(org.to_string())
                .bind(email_key)
                .fetch_one(&self.reader)
                .await?;
                Ok(found > 0)
            }

            async fn emailed_seq(&self, conversation: ConversationId) -> Result<u64, StoreError> {
                let seq: Option<i64> =
                    sqlx::query_scalar("SELECT emailed_seq FROM conversations WHERE id = $1")
                        .bind(conversation.to_string())
                        .fetch_optional(&self.reader)
                        .await?;
                Ok(seq.map_or(0, u64_of))
            }

            async fn set_emailed_seq(
                &self,
                conversation: ConversationId,
                seq: u64,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE conversations SET emailed_seq = $2 WHERE id = $1 AND emailed_seq < $2",
                )
                .bind(conversation.to_string())
                .bind(i64_of(seq))
                .execute(&self.writer)
                .await?;
                Ok(())
            }
        }
    };
}
