//! The AI responder's settings and its knowledge base articles.

use crate::error::{Error, Result};
use crate::http::AppState;
use crate::http::extract::{Json, PathParam};
use crate::http::staff_session::Staff;
use axum::extract::State;
use axum::http::StatusCode;
use parley_shared::staff::{Article, CreateArticle, ResponderSettings};
use parley_shared::{ArticleId, ErrorBody};

#[utoipa::path(get, path = "/responder", tag = "dashboard", responses((status = 200, description = "The AI responder's settings (the API key only as `apiKeySet`)", body = ResponderSettings), (status = 401, description = "Not logged in", body = ErrorBody)), security(("staff_session" = [])))]
/// The organization's AI responder settings.
pub(super) async fn get_responder(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<ResponderSettings>> {
    crate::responder::settings(&state, &op).await.map(Json)
}

#[utoipa::path(put, path = "/responder", tag = "dashboard", request_body = ResponderSettings, responses((status = 200, description = "Saved", body = ResponderSettings), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot change settings (`forbidden`)", body = ErrorBody), (status = 422, description = "Invalid provider settings (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Saves the AI responder settings; an absent `apiKey` keeps the stored key.
pub(super) async fn put_responder(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ResponderSettings>,
) -> Result<Json<ResponderSettings>> {
    crate::responder::put_settings(&state, &op, req)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/articles", tag = "dashboard", responses((status = 200, description = "Knowledge-base articles, newest first", body = Vec<Article>), (status = 401, description = "Not logged in", body = ErrorBody)), security(("staff_session" = [])))]
/// The organization's knowledge base.
pub(super) async fn list_articles(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Article>>> {
    crate::responder::knowledge::list(&state, &op)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/articles", tag = "dashboard", request_body = CreateArticle, responses((status = 201, description = "The new article", body = Article), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot edit the knowledge base", body = ErrorBody), (status = 422, description = "Empty or too long title or body", body = ErrorBody)), security(("staff_session" = [])))]
/// Adds an article; its sections become searchable passages.
pub(super) async fn create_article(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateArticle>,
) -> Result<(StatusCode, Json<Article>)> {
    let article = crate::responder::knowledge::create(&state, &op, req).await?;
    Ok((StatusCode::CREATED, Json(article)))
}

#[utoipa::path(delete, path = "/articles/{article_id}", tag = "dashboard", params(("article_id" = ArticleId, Path, description = "The article")), responses((status = 204, description = "Deleted"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot edit the knowledge base", body = ErrorBody), (status = 404, description = "No such article", body = ErrorBody)), security(("staff_session" = [])))]
/// Deletes an article.
pub(super) async fn delete_article(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: ArticleId = raw.parse().map_err(|_| Error::ArticleNotFound)?;
    crate::responder::knowledge::delete(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
