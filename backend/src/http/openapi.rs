//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` attributes and
//! the shared DTOs' schemas, served at `/api/openapi.json` with Swagger UI at `/api/docs`.
//!
//! API routes are only ever added through `utoipa_axum::routes!`, which reads each route's
//! path and method from the same attribute the document is built from, so the router cannot
//! serve an API route the document lacks (`tests/api/openapi.rs` checks both directions).

use parley_shared::live::{ClientFrame, ServerFrame};
use parley_shared::staff::{InboxFilter, StaffClientFrame, StaffServerFrame};
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

/// Where the generated document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";
/// Where the human-readable docs page (Swagger UI) is served.
pub const DOCS_PATH: &str = "/api/docs";

/// The document's fixed parts: title, tags, credentials, and the live protocol's frames
/// (WebSocket payloads are not request bodies, so no route attribute names them).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Parley API",
        description = "Parley's HTTP API: the widget (`/api/widget`), the staff dashboard \
            (`/api/dashboard`), the admin API for scripts (`/api/admin`) and the public REST \
            API of seed 003 (`/chat`). Every error is JSON `{\"statusCode\": N, \"code\": \"...\", \
            \"message\": \"...\"}`; the two `/chat` errors carry no `code`, as the seed fixes them."
    ),
    tags(
        (name = "widget", description = "Called by the visitor's widget; contact session bearer token."),
        (name = "live", description = "WebSocket upgrades for live updates."),
        (name = "dashboard", description = "Called by the staff dashboard; session cookie."),
        (name = "public", description = "Seed 003's REST API for organizations; `x-api-key`."),
        (name = "admin", description = "Bearer-token API for scripts (`parley reply`)."),
    ),
    components(schemas(ClientFrame, ServerFrame, StaffClientFrame, StaffServerFrame, InboxFilter)),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

/// Declares the four credentials the routes' `security(...)` refer to.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |format: &str, description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format(format)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme(
            "contact_session",
            bearer(
                "opaque",
                "The `token` of `POST /api/widget/contact-sessions` (expires; see `expiresAt`).",
            ),
        );
        components.add_security_scheme(
            "admin_token",
            bearer(
                "opaque",
                "The admin token from the data folder (`admin-token`).",
            ),
        );
        components.add_security_scheme(
            "staff_session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                super::staff_session::COOKIE,
                "Set by login/sign-up; HttpOnly, SameSite=Strict; 30 min idle, 12 h absolute.",
            ))),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-api-key",
                "An organization's API key (`pk_…`), created in Settings or by `parley apikey create`.",
            ))),
        );
    }
}

/// Adds the errors any operation can answer, whatever its handler, to every operation of
/// the finished document: malformed input (400), the request limits (408, 414, 431, and for
/// operations with a body 413 and 415) and a server fault (500). All are [`ErrorBody`]s.
///
/// [`ErrorBody`]: parley_shared::ErrorBody
pub fn add_common_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let error = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            item.get.as_mut(),
            item.post.as_mut(),
            item.put.as_mut(),
            item.patch.as_mut(),
            item.delete.as_mut(),
        ];
        for operation in operations.into_iter().flatten() {
            let with_body = operation.request_body.is_some();
            // Any contact-session route refuses anonymous visitors of a "verified only"
            // organization.
            let contact = serde_json::to_string(&operation.security)
                .is_ok_and(|s| s.contains("contact_session"));
            let responses = &mut operation.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| error(description));
            };
            add(
                "400",
                "Malformed query string, path or body (`bad_request`, `invalid_json`)",
            );
            add(
                "408",
                "The request took longer than the server allows (`request_timeout`)",
            );
            add("414", "The URL is over 8 KiB (`uri_too_long`)");
            add(
                "431",
                "Over 64 headers or 16 KiB of them (`headers_too_large`)",
            );
            add(
                "500",
                "A server fault; details are in the server log only (`internal`)",
            );
            if contact {
                add(
                    "403",
                    "Verified visitors only, or a blocked contact (`identity_required`, `contact_blocked`)",
                );
            }
            if with_body {
                add("413", "The body is over 64 KiB (`payload_too_large`)");
                add(
                    "415",
                    "The body is not declared `application/json` (`unsupported_media_type`)",
                );
                add(
                    "422",
                    "The JSON has the wrong shape or a field is invalid (`validation_failed`)",
                );
            }
        }
    }
}
