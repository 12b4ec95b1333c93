//! The interim admin API (`/api/admin`), bearer-token protected, used by `parley reply` and
//! tests until the staff dashboard exists.

use super::AppState;
use super::extract::{Admin, ConversationPath, Json, Stored};
use crate::conversations;
use crate::conversations::messages;
use crate::error::Result;
use axum::extract::State;
use parley_shared::api::{Conversation, Message, StaffReply, UpdateConversation};
use parley_shared::{ConversationId, ErrorBody};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(update_conversation))
        .routes(routes!(reply))
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/messages", tag = "admin", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = StaffReply, responses((status = 201, description = "Stored", body = Message), (status = 200, description = "A retried reply (same ID)", body = Message), (status = 401, description = "Missing or wrong admin token (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation", body = ErrorBody), (status = 409, description = "The ID is taken by another message (`message_id_conflict`)", body = ErrorBody), (status = 422, description = "Empty or too long content (`message_empty`, `message_too_long`, `validation_failed`)", body = ErrorBody)), security(("admin_token" = [])))]
async fn reply(
    State(state): State<AppState>,
    _: Admin,
    ConversationPath(id): ConversationPath,
    Json(req): Json<StaffReply>,
) -> Result<Stored<Message>> {
    let (message, created) = messages::send_as_staff(&state, id, req).await?;
    Ok(Stored(message, created))
}

#[utoipa::path(patch, path = "/conversations/{conversation_id}", tag = "admin", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = UpdateConversation, responses((status = 200, description = "The conversation with its new status", body = Conversation), (status = 401, description = "Missing or wrong admin token (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("admin_token" = [])))]
async fn update_conversation(
    State(state): State<AppState>,
    _: Admin,
    ConversationPath(id): ConversationPath,
    Json(req): Json<UpdateConversation>,
) -> Result<Json<Conversation>> {
    conversations::set_status(&state, id, req.status)
        .await
        .map(Json)
}
