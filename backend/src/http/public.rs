//! The public REST API of seed 003: `GET /chat/list` and `GET /chat/{chatId}/messages`,
//! authenticated by the `x-api-key` header. Bodies and errors match the seed exactly.

use super::extract::{Json, PageQuery, PathParam, Query};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::public_api;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::get;
use parley_shared::OrganizationId;
use parley_shared::public::ChatMessage;

/// Response header carrying the next page's cursor when `limit` is given.
pub const NEXT_CURSOR_HEADER: &str = "x-next-cursor";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/list", get(list))
        .route("/{chat_id}/messages", get(messages))
}

/// The organization of the request's API key; missing, unknown or revoked → 401
/// `{"statusCode":401,"message":"API Key invalide"}`.
struct ApiKeyOrg(OrganizationId);

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

async fn list(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let (chats, next) = public_api::list_chats(&state, org, q.cursor.as_deref(), q.limit).await?;
    let headers = next.map(|cursor| (NEXT_CURSOR_HEADER, cursor));
    Ok((AppendHeaders(headers), Json(chats)).into_response())
}

async fn messages(
    State(state): State<AppState>,
    ApiKeyOrg(org): ApiKeyOrg,
    PathParam(chat_id): PathParam,
) -> Result<Json<Vec<ChatMessage>>> {
    public_api::chat_messages(&state, org, &chat_id)
        .await
        .map(Json)
}
