//! The public REST API of seed 003: `GET /chat/list` and `GET /chat/{chatId}/messages`,
//! authenticated by the `x-api-key` header. Bodies and errors match the seed exactly.

use super::AppState;
use super::extract::{Json, PageQuery, PathParam, Query};
use crate::conversations::public_api;
use crate::error::{Error, Result};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse, Response};
use parley_shared::public::{Chat, ChatMessage};
use parley_shared::{ConversationId, ErrorBody, OrganizationId};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// Response header carrying the next page's cursor when `limit` is given.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(messages))
}

/// The organization of the request's API key; missing, unknown or revoked → 401
/// `{"statusCode":401,"message":"API Key invalide"}`.
pub(super) struct ApiKeyOrg(pub(super) OrganizationId);

impl FromRequestParts<AppState> for ApiKeyOrg {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let key = parts.headers.get("x-api-key").and_then(|v| v.to_str().ok());
        public_api::authenticate(state, key).await.map(Self)
    }
}

#[utoipa::path(get, path = "/list", tag = "public", params(PageQuery), responses((status = 200, description = "The organization's chats, latest `updatedAt` first (seed 003). With `limit`, the next page's cursor is in the `x-next-cursor` header", body = Vec<Chat>), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 401, description = "Missing, unknown or revoked key: `{\"statusCode\":401,\"message\":\"API Key invalide\"}`", body = ErrorBody)), security(("api_key" = [])))]
async fn list(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let (chats, next) = public_api::list_chats(&state, org, q.cursor.as_deref(), q.limit).await?;
    let headers = next.map(|cursor| (NEXT_CURSOR_HEADER, cursor));
    Ok((AppendHeaders(headers), Json(chats)).into_response())
}

#[utoipa::path(get, path = "/{chatId}/messages", tag = "public", params(("chatId" = ConversationId, Path, description = "The chat (conversation)")), responses((status = 200, description = "The chat's messages by `createdAt` (seed 003)", body = Vec<ChatMessage>), (status = 401, description = "Missing, unknown or revoked key: `{\"statusCode\":401,\"message\":\"API Key invalide\"}`", body = ErrorBody), (status = 404, description = "Unknown chat or another organization's: `{\"statusCode\":404,\"message\":\"Chat non trouvé\"}`", body = ErrorBody)), security(("api_key" = [])))]
async fn messages(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    PathParam(chat_id): PathParam,
) -> Result<Json<Vec<ChatMessage>>> {
    public_api::chat_messages(&state, org, &chat_id)
        .await
        .map(Json)
}
