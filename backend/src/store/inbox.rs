//! The staff inbox: conversations with their contact and the operator's unread count.

use super::StoreError;
use super::*;
use async_trait::async_trait;
use parley_shared::staff::{InboxFilter, InboxItem};
use parley_shared::{ConversationId, OrganizationId, UserId};

/// The staff inbox storage; part of [`super::Store`].
#[async_trait]
pub trait InboxStore: Send + Sync {
    /// `org`'s conversations in `view`, by group ([`InboxFilter::rank`], higher first) then
    /// most recent activity first, after `cursor`, with contact and `user`'s unread count.
    async fn inbox(
        &self,
        org: OrganizationId,
        view: InboxFilter,
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
}

/// SQL: the group of row `c` in the view bound as `$3` ([`InboxFilter::rank`], the same
/// rule for the cursor): escalated conversations first in "waiting".
macro_rules! inbox_rank {
    () => {
        "(CASE WHEN $3 = 'waiting' AND c.status = 'escalated' THEN 1 ELSE 0 END)"
    };
}

/// Implements [`InboxStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_inbox_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::InboxStore for $store {
            async fn inbox(
                &self,
                org: OrganizationId,
                view: InboxFilter,
                user: UserId,
                cursor: Option<ConversationCursor>,
                limit: u32,
            ) -> Result<Vec<InboxItem>, StoreError> {
                let (after_rank, after_ts, after_id) = match cursor {
                    Some(c) => (c.rank, c.updated_at.unix_millis(), c.id.to_string()),
                    None => (i64::MAX, i64::MAX, String::new()),
                };
                let rows = sqlx::query(concat!(
                    inbox_select!(),
                    " WHERE c.organization_id = $2 AND ($3 = 'all' OR c.status = $3 \
                     OR ($3 = 'waiting' AND c.status <> 'resolved')) AND (",
                    inbox_rank!(),
                    " < $7 OR (",
                    inbox_rank!(),
                    " = $7 AND (c.updated_at < $4 OR (c.updated_at = $4 AND c.id < $5)))) \
                     ORDER BY ",
                    inbox_rank!(),
                    " DESC, c.updated_at DESC, c.id DESC LIMIT $6"
                ))
                .bind(user.to_string())
                .bind(org.to_string())
                .bind(view.as_str())
                .bind(after_ts)
                .bind(after_id)
                .bind(i64::from(limit))
                .bind(after_rank)
                .fetch_all(&self.reader)
                .await?;
                rows.iter().map(inbox_item_from_row).collect()
            }

            async fn inbox_items(
                &self,
                ids: &[ConversationId],
                user: UserId,
            ) -> Result<Vec<InboxItem>, StoreError> {
                if ids.is_empty() {
                    return Ok(Vec::new());
                }
                // Only placeholders are formatted into the statement; the IDs are bound.
                let placeholders: Vec<String> =
                    (2..ids.len() + 2).map(|n| format!("${n}")).collect();
                let sql = format!(
                    "{} WHERE c.id IN ({})",
                    inbox_select!(),
                    placeholders.join(", ")
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user.to_string());
                for id in ids {
                    query = query.bind(id.to_string());
                }
                let rows = query.fetch_all(&self.reader).await?;
                rows.iter().map(inbox_item_from_row).collect()
            }
        }
    };
}
