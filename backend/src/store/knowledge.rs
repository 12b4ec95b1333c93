//! The knowledge base: articles and full-text search over their sections.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{OrganizationId, Timestamp};

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

/// The knowledge base storage; part of [`super::Store`].
#[async_trait]
pub trait KnowledgeStore: Send + Sync {
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
}

/// Implements [`KnowledgeStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_knowledge_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::KnowledgeStore for $store {
            async fn create_article(
                &self,
                a: &ArticleRow,
                passages: &[(String, String)],
            ) -> Result<(), StoreError> {
                let mut tx = self.writer.begin().await?;
                sqlx::query(
                    "INSERT INTO articles (id, organization_id, title, body, created_at, \
                     updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(a.id.to_string())
                .bind(a.organization_id.to_string())
                .bind(&a.title)
                .bind(&a.body)
                .bind(a.created_at.unix_millis())
                .bind(a.updated_at.unix_millis())
                .execute(&mut *tx)
                .await?;
                for (position, (heading, body)) in passages.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO article_passages (article_id, organization_id, position, \
                         heading, body) \
                         VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(a.id.to_string())
                    .bind(a.organization_id.to_string())
                    .bind(i64::try_from(position).unwrap_or(i64::MAX))
                    .bind(heading)
                    .bind(body)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn articles(&self, org: OrganizationId) -> Result<Vec<ArticleRow>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, organization_id, title, body, created_at, updated_at FROM articles \
                     WHERE organization_id = $1 ORDER BY updated_at DESC, id",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(ArticleRow {
                            id: parse_id(&r.try_get::<String, _>("id")?)?,
                            organization_id: parse_id(&r.try_get::<String, _>("organization_id")?)?,
                            title: r.try_get("title")?,
                            body: r.try_get("body")?,
                            created_at: Timestamp::from_unix_millis(r.try_get("created_at")?),
                            updated_at: Timestamp::from_unix_millis(r.try_get("updated_at")?),
                        })
                    })
                    .collect()
            }

            async fn delete_article(
                &self,
                org: OrganizationId,
                id: parley_shared::ArticleId,
            ) -> Result<bool, StoreError> {
                let mut tx = self.writer.begin().await?;
                // Passages first: the FTS index follows their deletes (SQLite trigger).
                sqlx::query(
                    "DELETE FROM article_passages WHERE article_id = $1 AND organization_id = $2",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
                let gone = sqlx::query(
                    "DELETE FROM articles WHERE id = $1 AND organization_id = \
                     $2",
                )
                .bind(id.to_string())
                .bind(org.to_string())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(gone.rows_affected() == 1)
            }

            async fn search_passages(
                &self,
                org: OrganizationId,
                terms: &[String],
                limit: u32,
            ) -> Result<Vec<PassageHit>, StoreError> {
                let query = <$store>::match_query(terms);
                if query.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = sqlx::query(<$store>::SEARCH_SQL)
                    .bind(org.to_string())
                    .bind(query)
                    .bind(i64::from(limit))
                    .fetch_all(&self.reader)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(PassageHit {
                            article_id: parse_id(&r.try_get::<String, _>("article_id")?)?,
                            title: r.try_get("title")?,
                            heading: r.try_get("heading")?,
                            body: r.try_get("body")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
