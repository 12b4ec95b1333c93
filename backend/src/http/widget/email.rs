//! Links from emails (issue 15): "Continue the conversation" signs the visitor back in.

use super::super::AppState;
use super::super::error::Result;
use crate::email::links;
use crate::http::extract::Json;
use axum::extract::State;
use parley_shared::ErrorBody;
use parley_shared::api::{ContinueConversation, ConversationContinued};

#[utoipa::path(post, path = "/continue", tag = "widget", request_body = ContinueConversation, responses((status = 200, description = "The visitor's session with a fresh bearer token (the previous one stops working), and the conversation to open", body = ConversationContinued), (status = 403, description = "The contact is blocked (`contact_blocked`)", body = ErrorBody), (status = 404, description = "Unknown, expired or erased link (`link_invalid`)", body = ErrorBody), (status = 422, description = "A field is missing or of the wrong type (`validation_failed`)", body = ErrorBody)), security(()))]
/// The visitor followed "Continue the conversation" from an email.
pub(super) async fn continue_conversation(
    State(state): State<AppState>,
    Json(req): Json<ContinueConversation>,
) -> Result<Json<ConversationContinued>> {
    let (created, conversation_id) = links::continue_conversation(&state, &req.token).await?;
    Ok(Json(ConversationContinued {
        created,
        conversation_id,
    }))
}
