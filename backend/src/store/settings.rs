//! Widget settings of organizations and of their projects (websites).

use super::StoreError;
use async_trait::async_trait;
use parley_shared::staff::WidgetSettings;
use parley_shared::{OrganizationId, ProjectId, Timestamp};

/// Storage of the widget settings of organizations and of their projects (websites); part
/// of [`super::Store`].
#[async_trait]
pub trait SettingsStore: Send + Sync {
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
}

/// Implements [`SettingsStore`] for a SQL store (see `sql.rs`: `writer`/`reader` pools, helpers
/// from `impl_sql_helpers!` in scope).
macro_rules! impl_settings_store {
    ($store:ty, $db:ty, $row:ty) => {
        #[async_trait]
        impl $crate::store::SettingsStore for $store {
            async fn widget_settings(
                &self,
                org: OrganizationId,
            ) -> Result<Option<WidgetSettings>, StoreError> {
                let row = sqlx::query(settings_sql!(select, "widget_settings", "organization_id"))
                    .bind(org.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| settings_from_row(&r)).transpose()
            }

            async fn put_widget_settings(
                &self,
                org: OrganizationId,
                w: &WidgetSettings,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                let sql = settings_sql!(upsert, "widget_settings", "organization_id");
                save_settings(&self.writer, sql, org.to_string(), w, now).await
            }

            async fn project_settings(
                &self,
                project: parley_shared::ProjectId,
            ) -> Result<Option<WidgetSettings>, StoreError> {
                let row = sqlx::query(settings_sql!(select, "project_settings", "project_id"))
                    .bind(project.to_string())
                    .fetch_optional(&self.reader)
                    .await?;
                row.map(|r| settings_from_row(&r)).transpose()
            }

            async fn put_project_settings(
                &self,
                project: parley_shared::ProjectId,
                w: &WidgetSettings,
                now: Timestamp,
            ) -> Result<(), StoreError> {
                let sql = settings_sql!(upsert, "project_settings", "project_id");
                save_settings(&self.writer, sql, project.to_string(), w, now).await
            }

            async fn create_project(
                &self,
                org: OrganizationId,
                p: &Project,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO projects (id, organization_id, name, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(p.id.to_string())
                .bind(org.to_string())
                .bind(&p.name)
                .bind(p.created_at.unix_millis())
                .bind(p.updated_at.unix_millis())
                .execute(&self.writer)
                .await?;
                Ok(())
            }

            async fn projects(&self, org: OrganizationId) -> Result<Vec<Project>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, name, created_at, updated_at FROM projects WHERE organization_id \
                     = $1 \
                     ORDER BY created_at, id",
                )
                .bind(org.to_string())
                .fetch_all(&self.reader)
                .await?;
                rows.iter()
                    .filter_map(|r| project_from_row(r, "").transpose())
                    .collect()
            }

            async fn project(
                &self,
                id: parley_shared::ProjectId,
            ) -> Result<Option<(OrganizationId, Project)>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, organization_id, name, created_at, updated_at FROM projects WHERE \
                     id = $1",
                )
                .bind(id.to_string())
                .fetch_optional(&self.reader)
                .await?;
                let Some(r) = row else { return Ok(None) };
                let org = parse_id(&r.try_get::<String, _>("organization_id")?)?;
                Ok(project_from_row(&r, "")?.map(|p| (org, p)))
            }
        }
    };
}
