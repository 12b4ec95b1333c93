//! GDPR requests about one contact, by email: export and erasure.

use crate::contacts::privacy;
use crate::error::Result;
use crate::http::AppState;
use crate::http::extract::Json;
use crate::http::staff_session::Staff;
use axum::extract::State;
use parley_shared::ErrorBody;
use parley_shared::staff::{ContactExport, ContactRequest, ErasureReport};

#[utoipa::path(post, path = "/contacts/export", tag = "dashboard", request_body = ContactRequest, responses((status = 200, description = "Everything held about the email: sessions, conversations, messages (GDPR access request)", body = ContactExport), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody), (status = 422, description = "Not an email address (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn export_contact(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ContactRequest>,
) -> Result<Json<ContactExport>> {
    privacy::export(&state, &op, &req).await.map(Json)
}

#[utoipa::path(post, path = "/contacts/erase", tag = "dashboard", request_body = ContactRequest, responses((status = 200, description = "Everything held about the email is deleted (GDPR erasure request)", body = ErasureReport), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody), (status = 422, description = "Not an email address (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn erase_contact(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ContactRequest>,
) -> Result<Json<ErasureReport>> {
    privacy::erase(&state, &op, &req).await.map(Json)
}
