//! The interim admin API (`/api/admin`), bearer-token protected, used by `parley reply` and
//! tests until the staff dashboard exists.

use super::extract::{Admin, ConversationPath, Json, Stored};
use crate::app::AppState;
use crate::conversations;
use crate::error::Result;
use crate::messages;
use axum::Router;
use axum::extract::State;
use axum::routing::{patch, post};
use parley_shared::api::{Conversation, Message, StaffReply, UpdateConversation};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/conversations/{conversation_id}",
            patch(update_conversation),
        )
        .route("/conversations/{conversation_id}/messages", post(reply))
}

async fn reply(
    State(state): State<AppState>,
    _: Admin,
    ConversationPath(id): ConversationPath,
    Json(req): Json<StaffReply>,
) -> Result<Stored<Message>> {
    let (message, created) = messages::send_as_staff(&state, id, req).await?;
    Ok(Stored(message, created))
}

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
