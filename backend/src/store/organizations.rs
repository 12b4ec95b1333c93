//! Organizations: the tenants everything else belongs to.

use super::StoreError;
use async_trait::async_trait;
use parley_shared::{OrganizationId, Timestamp};

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

/// Organizations storage; part of [`super::Store`].
#[async_trait]
pub trait OrganizationStore: Send + Sync {
    /// Creates an organization.
    async fn create_organization(&self, org: &Organization) -> Result<(), StoreError>;
    /// An organization by ID.
    async fn organization(&self, id: OrganizationId) -> Result<Option<Organization>, StoreError>;
    /// The oldest organization with exactly this name (used to reuse the demo organization).
    async fn organization_by_name(&self, name: &str) -> Result<Option<Organization>, StoreError>;
}

/// Implements [`OrganizationStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_organization_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::OrganizationStore for $store {
            async fn create_organization(&self, org: &Organization) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO organizations (id, name, created_at, updated_at) VALUES ($1, $2, \
                     $3, $4)",
                )
                .bind(org.id.to_string())
                .bind(&org.name)
                .bind(org.created_at.unix_millis())
                .bind(org.updated_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn organization(
                &self,
                id: OrganizationId,
            ) -> Result<Option<Organization>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, created_at, updated_at FROM organizations \
                     WHERE id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| organization_from_row(&r)).transpose()
            }

            async fn organization_by_name(
                &self,
                name: &str,
            ) -> Result<Option<Organization>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, name, created_at, updated_at FROM organizations WHERE name = $1 \
                     ORDER BY created_at, id LIMIT 1",
                )
                .bind(name)
                .fetch_optional(&self.reader)
                .await?;
                row.map(|r| organization_from_row(&r)).transpose()
            }
        }
    };
}
