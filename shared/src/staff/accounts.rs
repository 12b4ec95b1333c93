//! Staff accounts and sessions: roles, sign-up, log-in, password, who is logged in where.

use crate::ids::{OrganizationId, UserId};
use serde::{Deserialize, Serialize};

/// A member's role in an organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Full control, including other owners.
    Owner,
    /// Manages members (not owners), invites and settings.
    Admin,
    /// Answers conversations only.
    Agent,
}

impl Role {
    /// The wire and database spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }

    /// Parses the wire and database spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "agent" => Some(Self::Agent),
            _ => None,
        }
    }

    /// May manage members, invites and settings.
    pub fn can_manage(self) -> bool {
        matches!(self, Self::Owner | Self::Admin)
    }
}

/// `POST /api/dashboard/signup`: a new account owning a new organization. `201` + session
/// cookie + [`Me`]. Errors: 422 `validation_failed`, 409 `email_taken`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignUp {
    /// Login email.
    pub email: String,
    /// At least 8 characters.
    pub password: String,
    /// The organization to create.
    pub organization_name: String,
    /// Name shown to visitors on replies (default: the email's local part).
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `POST /api/dashboard/login`. `200` + session cookie + [`Me`]. Errors: 401
/// `invalid_credentials`, 429 `rate_limited` (5 failures per 5 minutes per account and per IP).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LogIn {
    /// Login email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /api/dashboard/password`: changes the logged-in operator's password. `200` + a fresh
/// session cookie + [`Me`]; every other session of the account (other devices) is revoked.
/// Errors: 401 `invalid_credentials` (wrong current password; throttled like log-in, 429
/// `rate_limited`), 422 `validation_failed` (new password under 8 or over 256 characters).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ChangePassword {
    /// The password in use now.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// A staff account as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffUser {
    /// Account ID.
    pub id: UserId,
    /// Login email (only ever shown to staff of the same organization).
    pub email: String,
    /// Name shown to visitors.
    pub display_name: String,
}

/// An organization, briefly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrganizationSummary {
    /// Its ID.
    pub id: OrganizationId,
    /// Its name.
    pub name: String,
}

/// One of the caller's organizations and their role in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// The organization.
    pub organization: OrganizationSummary,
    /// The caller's role there.
    pub role: Role,
}

/// `GET /api/dashboard/me`: who is logged in, where.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Me {
    /// The account.
    pub user: StaffUser,
    /// Every organization the account belongs to.
    pub memberships: Vec<Membership>,
    /// The organization every dashboard route is scoped to.
    pub current_organization_id: OrganizationId,
    /// The caller's role in it.
    pub role: Role,
}

/// `POST /api/dashboard/switch-organization`: scope the session to another of the caller's
/// organizations (404 if not a member).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SwitchOrganization {
    /// Target organization.
    pub organization_id: OrganizationId,
}
