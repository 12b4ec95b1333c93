//! Widget settings, projects (websites) and identity verification.

use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// `GET`/`PUT /api/dashboard/settings`: the organization's widget settings (PUT: owners
/// and admins; 422 on invalid values).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct WidgetSettings {
    /// Name in the widget header (default: the organization's name); ≤ 80 characters.
    pub display_name: Option<String>,
    /// Shown at the start of a chat; ≤ 500 characters.
    pub greeting: Option<String>,
    /// Up to 3 clickable first messages, each ≤ 100 characters.
    pub suggested_messages: Vec<String>,
    /// `#rrggbb`.
    pub accent_color: Option<String>,
    /// Origins (`https://shop.example`) allowed to embed the widget; empty = any. At most 20.
    pub allowed_origins: Vec<String>,
    /// The usual time to a person's reply, in minutes (1–1440), stated in the chat after
    /// "Talk to a person"; none: the widget says a person will reply, without a time.
    pub reply_time_minutes: Option<u32>,
    /// Whether the launcher shows a short preview of an unread reply beside its badge while
    /// the widget is closed (default on).
    pub unread_preview: bool,
}

impl Default for WidgetSettings {
    fn default() -> Self {
        Self {
            display_name: None,
            greeting: None,
            suggested_messages: Vec::new(),
            accent_color: None,
            allowed_origins: Vec::new(),
            reply_time_minutes: None,
            unread_preview: true,
        }
    }
}

/// One of the organization's websites (`GET`/`POST /api/dashboard/projects`). Embed the
/// widget for it with `data-project-id`; it has its own widget settings
/// (`/api/dashboard/projects/{id}/settings`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Its ID.
    pub id: crate::ids::ProjectId,
    /// A name (1–80 characters).
    pub name: String,
    /// Creation.
    pub created_at: Timestamp,
    /// Last change.
    pub updated_at: Timestamp,
}

/// `POST /api/dashboard/projects` (owners and admins).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateProject {
    /// Its name.
    pub name: String,
}

/// `GET /api/dashboard/identity` (owners and admins): the organization's identity
/// verification settings. The secret signs visitors' identities on the organization's own
/// backend (see `parley_shared::api::Identity`); it is generated on first read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct IdentitySettings {
    /// The HMAC-SHA256 / HS256 key (256 random bits, base64url). Keep it on the server side.
    pub secret: String,
    /// "Verified only": refuse chats from visitors the site has not identified.
    pub required: bool,
}

/// `PUT /api/dashboard/identity`: sets "verified only", and with `rotateSecret` replaces the
/// secret (identities signed with the old one stop verifying at once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SetIdentity {
    /// "Verified only".
    pub required: bool,
    /// Replace the secret.
    #[serde(default)]
    pub rotate_secret: bool,
}

/// `GET /api/dashboard/email-status`: whether this server emails replies to visitors who
/// left (it needs SMTP settings, `--smtp-url`), and after how long unseen.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct EmailStatus {
    /// Replies are emailed (SMTP is configured).
    pub enabled: bool,
    /// A reply unseen this long (seconds) is emailed to the visitor.
    pub after_seconds: u64,
}
