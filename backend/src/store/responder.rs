//! The AI responder's per-organization settings (its jobs are in `jobs.rs`).

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{OrganizationId, Timestamp};

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

/// The AI responder storage; part of [`super::Store`].
#[async_trait]
pub trait ResponderStore: Send + Sync {
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
}

/// Implements [`ResponderStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_responder_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::ResponderStore for $store {
            async fn responder_settings(
                &self,
                org: OrganizationId,
            ) -> Result<Option<ResponderRow>, StoreError> {
                let row = sqlx::query(
                    "SELECT enabled, provider, base_url, model, api_key, instructions, \
                     context_messages \
                     FROM responder_settings WHERE organization_id = $1",
                )
                .bind(org.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| -> Result<ResponderRow, StoreError> {
                    Ok(ResponderRow {
                        enabled: r.try_get::<i64, _>("enabled")? != 0,
                        provider: r.try_get("provider")?,
                        base_url: r.try_get("base_url")?,
                        model: r.try_get("model")?,
                        api_key: r.try_get("api_key")?,
                        instructions: r.try_get("instructions")?,
                        context_messages: u32::try_from(r.try_get::<i64, _>("context_messages")?)
                            .map_err(|_| StoreError::Corrupt("bad context_messages".into()))?,
                    })
                })
                .transpose()
            }

            async fn put_responder_settings(
                &self,
                org: OrganizationId,
                row: &ResponderRow,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO responder_settings (organization_id, enabled, provider, \
                     base_url, model, api_key, \
                     instructions, context_messages, updated_at) VALUES ($1, $2, $3, $4, $5, $6, \
                     $7, $8, $9) \
                     ON CONFLICT (organization_id) DO UPDATE SET enabled = excluded.enabled, \
                     provider = excluded.provider, base_url = excluded.base_url, model = \
                     excluded.model, \
                     api_key = excluded.api_key, instructions = excluded.instructions, \
                     context_messages = excluded.context_messages, updated_at = \
                     excluded.updated_at",
                )
                .bind(org.to_string())
                .bind(i64::from(row.enabled))
                .bind(&row.provider)
                .bind(&row.base_url)
                .bind(&row.model)
                .bind(&row.api_key)
                .bind(&row.instructions)
                .bind(i64::from(row.context_messages))
                .bind(now.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }
        }
    };
}
