//! The staff dashboard's API (`/api/dashboard`), a file per resource. Authentication is the
//! session cookie; every route below `Staff` is scoped to the session's current organization.

mod account;
mod api_keys;
mod contacts;
mod conversations;
mod live;
mod members;
mod responder;
mod settings;
mod webhooks;

use super::AppState;
use axum::middleware;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(account::sign_up))
        .routes(routes!(account::log_in))
        .routes(routes!(account::log_out))
        .routes(routes!(account::me))
        .routes(routes!(account::change_password))
        .routes(routes!(account::switch_organization))
        .routes(routes!(conversations::inbox))
        .routes(routes!(
            conversations::conversation,
            conversations::update_conversation
        ))
        .routes(routes!(conversations::messages, conversations::reply))
        .routes(routes!(conversations::mark_read))
        .routes(routes!(conversations::block_contact))
        .routes(routes!(contacts::export_contact))
        .routes(routes!(contacts::erase_contact))
        .routes(routes!(settings::get_identity, settings::put_identity))
        .routes(routes!(settings::get_settings, settings::put_settings))
        .routes(routes!(settings::email_status))
        .routes(routes!(members::list_members))
        .routes(routes!(members::remove_member))
        .routes(routes!(members::list_invites, members::create_invite))
        .routes(routes!(members::lookup_invite))
        .routes(routes!(members::accept_invite))
        .routes(routes!(members::revoke_invite))
        .routes(routes!(settings::list_projects, settings::create_project))
        .routes(routes!(
            settings::get_project_settings,
            settings::put_project_settings
        ))
        .routes(routes!(api_keys::list_api_keys, api_keys::create_api_key))
        .routes(routes!(api_keys::revoke_api_key))
        .routes(routes!(responder::get_responder, responder::put_responder))
        .routes(routes!(conversations::set_conversation_responder))
        .routes(routes!(responder::list_articles, responder::create_article))
        .routes(routes!(responder::delete_article))
        .routes(routes!(webhooks::list_webhooks, webhooks::create_webhook))
        .routes(routes!(webhooks::update_webhook, webhooks::delete_webhook))
        .routes(routes!(webhooks::list_deliveries))
        .routes(routes!(webhooks::test_webhook))
        .routes(routes!(webhooks::redeliver_webhook))
        .routes(routes!(live::upgrade))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::staff_session::session,
        ))
}
