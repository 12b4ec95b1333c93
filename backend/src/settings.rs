//! Widget settings per organization: display name, greeting, suggested first messages,
//! accent color, allowed origins. Staff edit them in the dashboard; the widget and the
//! embed script read the public part ([`WidgetConfig`]).

use crate::app::AppState;
use crate::error::{Error, Result};
use parley_shared::OrganizationId;
use parley_shared::api::WidgetConfig;
use parley_shared::limits::{
    FieldError, MAX_GREETING_CHARS, MAX_ORIGINS, MAX_SUGGESTION_CHARS, MAX_SUGGESTIONS,
    validate_color, validate_label, validate_origin,
};
use parley_shared::staff::WidgetSettings;

/// The organization's settings (defaults when never saved). Unknown → `OrganizationNotFound`.
pub async fn get(state: &AppState, org: OrganizationId) -> Result<WidgetSettings> {
    Ok(state.store.widget_settings(org).await?.unwrap_or_default())
}

/// What the widget may know: 404 `organization_not_found` for an unknown ID.
pub async fn widget_config(state: &AppState, id: OrganizationId) -> Result<WidgetConfig> {
    let org = state
        .store
        .organization(id)
        .await?
        .ok_or(Error::OrganizationNotFound)?;
    let settings = get(state, id).await?;
    Ok(WidgetConfig {
        organization_id: org.id,
        name: settings.display_name.unwrap_or(org.name),
        greeting: settings.greeting,
        suggested_messages: settings.suggested_messages,
        accent_color: settings.accent_color,
        allowed_origins: settings.allowed_origins,
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
    Ok(WidgetSettings {
        display_name,
        greeting,
        suggested_messages,
        accent_color,
        allowed_origins,
    })
}

/// Saves the organization's settings after [`validate`]; returns them as stored.
pub async fn put(
    state: &AppState,
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
