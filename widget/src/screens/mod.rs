//! One component per screen.

pub mod auth;
pub mod chat;
pub mod error;
pub mod loading;
pub mod selection;

use crate::app::AppContext;

/// The organization's display name for headers.
pub fn title(ctx: &AppContext) -> String {
    ctx.organization
        .as_ref()
        .map(|o| o.name.clone())
        .unwrap_or_else(|| "Support".to_owned())
}
