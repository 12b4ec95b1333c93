//! Widget settings per organization: display name, greeting, suggested first messages,
//! accent color, allowed origins. Staff edit them in the dashboard; the widget and the
//! embed script read the public part ([`WidgetConfig`]).

use crate::error::{Error, Result};
use crate::staff::accounts::Operator;
use crate::state::State;
use parley_shared::api::WidgetConfig;
use parley_shared::limits::{
    FieldError, MAX_GREETING_CHARS, MAX_ORIGINS, MAX_REPLY_TIME_MINUTES, MAX_SUGGESTION_CHARS,
    MAX_SUGGESTIONS, validate_color, validate_label, validate_origin,
};
use parley_shared::staff::Project;
use parley_shared::staff::WidgetSettings;
use parley_shared::{OrganizationId, ProjectId};

/// The organization's settings (defaults when never saved). Unknown → `OrganizationNotFound`.
pub async fn get(state: &State, org: OrganizationId) -> Result<WidgetSettings> {
    Ok(state.store.widget_settings(org).await?.unwrap_or_default())
}

/// What the widget may know: 404 `organization_not_found` for an unknown ID, 404
/// `not_found` for a project that is not the organization's.
pub async fn widget_config(
    state: &State,
    id: OrganizationId,
    project: Option<ProjectId>,
) -> Result<WidgetConfig> {
    let org = state
        .store
        .organization(id)
        .await?
        .ok_or(Error::OrganizationNotFound)?;
    let settings = effective(state, id, project).await?;
    Ok(WidgetConfig {
        organization_id: org.id,
        name: settings.display_name.unwrap_or(org.name),
        greeting: settings.greeting,
        suggested_messages: settings.suggested_messages,
        accent_color: settings.accent_color,
        allowed_origins: settings.allowed_origins,
        identity_required: crate::contacts::identity::required(state, id).await?,
        reply_time_minutes: settings.reply_time_minutes,
        unread_preview: settings.unread_preview,
    })
}

fn blank_to_none(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Checks and normalizes settings: trimmed texts (blank → none), `#rrggbb` colors, origins
/// as `scheme://host[:port]`, limits from `parley_shared::limits`. Errors: `Field` (422).
pub fn validate(raw: WidgetSettings) -> Result<WidgetSettings, FieldError> {
    let display_name = blank_to_none(raw.display_name)
        .map(|n| validate_label(&n, "displayName"))
        .transpose()?;
    let greeting = blank_to_none(raw.greeting);
    if greeting
        .as_ref()
        .is_some_and(|g| g.chars().count() > MAX_GREETING_CHARS)
    {
        return Err(FieldError {
            field: "greeting",
            message: "The greeting is too long (500 characters at most).",
        });
    }
    let suggested_messages: Vec<String> = raw
        .suggested_messages
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if suggested_messages.len() > MAX_SUGGESTIONS
        || suggested_messages
            .iter()
            .any(|s| s.chars().count() > MAX_SUGGESTION_CHARS)
    {
        return Err(FieldError {
            field: "suggestedMessages",
            message: "Up to 3 suggestions of at most 100 characters.",
        });
    }
    let accent_color = blank_to_none(raw.accent_color)
        .map(|c| validate_color(&c))
        .transpose()?;
    let mut allowed_origins = raw
        .allowed_origins
        .iter()
        .filter(|o| !o.trim().is_empty())
        .map(|o| validate_origin(o))
        .collect::<Result<Vec<_>, _>>()?;
    allowed_origins.dedup();
    if allowed_origins.len() > MAX_ORIGINS {
        return Err(FieldError {
            field: "allowedOrigins",
            message: "At most 20 origins.",
        });
    }
    if raw
        .reply_time_minutes
        .is_some_and(|m| !(1..=MAX_REPLY_TIME_MINUTES).contains(&m))
    {
        return Err(FieldError {
            field: "replyTimeMinutes",
            message: "The reply time is from 1 to 1440 minutes (a day).",
        });
    }
    Ok(WidgetSettings {
        display_name,
        greeting,
        suggested_messages,
        accent_color,
        allowed_origins,
        reply_time_minutes: raw.reply_time_minutes,
        unread_preview: raw.unread_preview,
    })
}

/// Saves the organization's settings after [`validate`]; returns them as stored.
pub async fn put(
    state: &State,
    org: OrganizationId,
    raw: WidgetSettings,
) -> Result<WidgetSettings> {
    let settings = validate(raw)?;
    state
        .store
        .put_widget_settings(org, &settings, state.clock.now())
        .await?;
    Ok(settings)
}

/// The project `id` if it belongs to `org`; otherwise `ProjectNotFound`.
pub async fn project_of(state: &State, org: OrganizationId, id: ProjectId) -> Result<Project> {
    match state.store.project(id).await? {
        Some((owner, project)) if owner == org => Ok(project),
        _ => Err(Error::ProjectNotFound),
    }
}

/// The settings in force for a widget of `org` on `project`: the project's own when saved,
/// else the organization's.
pub async fn effective(
    state: &State,
    org: OrganizationId,
    project: Option<ProjectId>,
) -> Result<WidgetSettings> {
    if let Some(id) = project {
        project_of(state, org, id).await?;
        if let Some(own) = state.store.project_settings(id).await? {
            return Ok(own);
        }
    }
    get(state, org).await
}

/// A project's settings as the dashboard edits them (the organization's until saved).
pub async fn get_for_project(
    state: &State,
    op: &Operator,
    id: ProjectId,
) -> Result<WidgetSettings> {
    effective(state, op.organization_id, Some(id)).await
}

/// Saves a project's own settings (managers only).
pub async fn put_for_project(
    state: &State,
    op: &Operator,
    id: ProjectId,
    raw: WidgetSettings,
) -> Result<WidgetSettings> {
    op.require_manager()?;
    project_of(state, op.organization_id, id).await?;
    let settings = validate(raw)?;
    state
        .store
        .put_project_settings(id, &settings, state.clock.now())
        .await?;
    Ok(settings)
}

/// The organization's projects.
pub async fn projects(state: &State, op: &Operator) -> Result<Vec<Project>> {
    Ok(state.store.projects(op.organization_id).await?)
}

/// A new project (managers only).
pub async fn create_project(state: &State, op: &Operator, name: &str) -> Result<Project> {
    op.require_manager()?;
    let now = state.clock.now();
    let project = Project {
        id: ProjectId::new_random(),
        name: validate_label(name, "name")?,
        created_at: now,
        updated_at: now,
    };
    state
        .store
        .create_project(op.organization_id, &project)
        .await?;
    Ok(project)
}
