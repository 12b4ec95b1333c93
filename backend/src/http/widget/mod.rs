//! The widget's API (`/api/widget`): what a visitor's browser may call, a file per resource.

mod conversations;
mod email;
mod live;
mod messages;
mod session;

use super::AppState;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    // The embed script reads the public configuration from the customer's page.
    let public = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([axum::http::Method::GET]);
    OpenApiRouter::new()
        .routes(routes!(session::organization).layer(public))
        .routes(routes!(session::create_session))
        .routes(routes!(session::current_session))
        .routes(routes!(session::identify))
        .routes(routes!(
            conversations::list_conversations,
            conversations::create_conversation
        ))
        .routes(routes!(conversations::get_conversation))
        .routes(routes!(messages::list_messages, messages::send_message))
        .routes(routes!(messages::rate_message))
        .routes(routes!(messages::edit_message))
        .routes(routes!(messages::regenerate))
        .routes(routes!(conversations::escalate))
        .routes(routes!(live::upgrade))
        .routes(routes!(email::continue_conversation))
}
