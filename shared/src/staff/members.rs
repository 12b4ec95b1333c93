//! Members of an organization and invites.

use super::*;
use crate::ids::InviteId;
use crate::timestamp::Timestamp;
use serde::{Deserialize, Serialize};

/// A member of the current organization (`GET /api/dashboard/members`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// The account.
    pub user: StaffUser,
    /// Role in this organization.
    pub role: Role,
    /// When they joined.
    pub joined_at: Timestamp,
}

/// `POST /api/dashboard/invites` (owners and admins; only owners invite owners).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateInvite {
    /// Role the invitee gets.
    pub role: Role,
}

/// A pending invite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    /// Its ID (for revocation; not the secret).
    pub id: InviteId,
    /// Role the invitee gets.
    pub role: Role,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working (7 days after creation).
    pub expires_at: Timestamp,
}

/// `201` answer to [`CreateInvite`]: the link to hand over, shown once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InviteCreated {
    /// The invite.
    pub invite: Invite,
    /// The single-use secret (256 random bits, base64url).
    pub token: String,
    /// `PUBLIC_URL/dashboard?invite=TOKEN`.
    pub url: String,
}

/// `GET /api/dashboard/invites/lookup?token=…`: what an invite link offers (public).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct InviteInfo {
    /// The organization's name.
    pub organization_name: String,
    /// Role offered.
    pub role: Role,
    /// Expiry.
    pub expires_at: Timestamp,
}

/// `POST /api/dashboard/invites/accept`: join with the invite. Logged in: the current account
/// joins. Otherwise `email` + `password` create an account (409 `email_taken` if it exists:
/// log in first). `200` + session cookie + [`Me`]; 404 `invite_not_found` if used or expired.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AcceptInvite {
    /// The token from the link.
    pub token: String,
    /// For a new account.
    #[serde(default)]
    pub email: Option<String>,
    /// For a new account.
    #[serde(default)]
    pub password: Option<String>,
    /// For a new account.
    #[serde(default)]
    pub display_name: Option<String>,
}
