//! `GET /api/email/unsubscribe?token=`: the link at the bottom of every email (issue 15).

use super::AppState;
use super::error::Result;
use crate::email::links;
use crate::http::extract::Query;
use axum::extract::State;
use axum::response::Html;
use parley_shared::ErrorBody;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `?token=…`: the link's secret.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct TokenQuery {
    token: String,
}

#[utoipa::path(get, path = "/unsubscribe", tag = "email", params(TokenQuery), responses((status = 200, description = "A page saying no more emails will come", content_type = "text/html", body = String), (status = 400, description = "No token (`bad_request`)", body = ErrorBody), (status = 404, description = "Unknown, expired or erased link (`link_invalid`)", body = ErrorBody)), security(()))]
/// Stops the organization's emails to the address this link was sent to.
pub(super) async fn unsubscribe(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Html<&'static str>> {
    links::unsubscribe(&state, &q.token).await?;
    Ok(Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Unsubscribed</title></head>\
         <body style=\"font-family:system-ui,sans-serif\"><main><h1>Unsubscribed</h1>\
         <p>You will not receive emails about your conversations from this organization any more.</p>\
         </main></body></html>",
    ))
}

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(unsubscribe))
}
