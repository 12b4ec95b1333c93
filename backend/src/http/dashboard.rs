//! The staff dashboard's API (`/api/dashboard`). Authentication is the session cookie;
//! every route below `Staff` is scoped to the session's current organization.

use super::extract::{ConversationPath, Json, PageQuery, PathParam, Query, Stored};
use super::staff_live;
use crate::accounts::{self, COOKIE, Operator, StaffClaims};
use crate::app::AppState;
use crate::error::{Error, Result};
use crate::{members, settings, staff};
use axum::Router;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{COOKIE as COOKIE_HEADER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{AppendHeaders, IntoResponse, Response};
use axum::routing::{delete, get, post};
use parley_shared::api::{Conversation, Message, Page, UpdateConversation};
use parley_shared::public::{ApiKey, ApiKeyCreated, CreateApiKey};
use parley_shared::staff::{
    AcceptInvite, ConversationDetail, CreateInvite, InboxFilter, InboxItem, Invite, InviteCreated,
    InviteInfo, LogIn, MarkRead, Me, Member, OperatorReply, SignUp, SwitchOrganization,
    WidgetSettings,
};
use parley_shared::staff::{CreateProject, Project};
use parley_shared::{ApiKeyId, InviteId, OrganizationId, ProjectId, UserId};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

pub(super) fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/signup", post(sign_up))
        .route("/login", post(log_in))
        .route("/logout", post(log_out))
        .route("/me", get(me))
        .route("/switch-organization", post(switch_organization))
        .route("/conversations", get(inbox))
        .route(
            "/conversations/{conversation_id}",
            get(conversation).patch(update_conversation),
        )
        .route(
            "/conversations/{conversation_id}/messages",
            get(messages).post(reply),
        )
        .route("/conversations/{conversation_id}/read", post(mark_read))
        .route("/settings", get(get_settings).put(put_settings))
        .route("/members", get(list_members))
        .route("/members/{user_id}", delete(remove_member))
        .route("/invites", get(list_invites).post(create_invite))
        .route("/invites/lookup", get(lookup_invite))
        .route("/invites/accept", post(accept_invite))
        .route("/invites/{invite_id}", delete(revoke_invite))
        .route("/projects", get(list_projects).post(create_project))
        .route(
            "/projects/{project_id}/settings",
            get(get_project_settings).put(put_project_settings),
        )
        .route("/api-keys", get(list_api_keys).post(create_api_key))
        .route("/api-keys/{key_id}", delete(revoke_api_key))
        .route("/live", get(staff_live::upgrade))
        .layer(middleware::from_fn_with_state(state.clone(), session))
}

/// The session token from the `Cookie` header, if any.
fn token(parts: &axum::http::HeaderMap) -> Option<String> {
    parts
        .get_all(COOKIE_HEADER)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(|c| c.ok())
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
}

/// Decodes the session cookie for the handlers, and renews it on successful requests so
/// an active dashboard stays logged in (up to the absolute limit).
async fn session(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let claims = token(req.headers()).and_then(|t| accounts::decode(&state, &t));
    if let Some(c) = &claims {
        req.extensions_mut().insert(c.clone());
    }
    let mut response = next.run(req).await;
    if let Some(c) = claims
        && response.status().is_success()
        && !response.headers().contains_key(SET_COOKIE)
        && accounts::should_renew(&state, &c)
        && let Ok((cookie, _)) = accounts::session_cookie(&state, c.sub, c.org, c.auth_time)
        && let Ok(value) = HeaderValue::from_str(&cookie)
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

/// The logged-in operator; no valid session, or no longer a member → 401 `unauthorized`.
pub(super) struct Staff(pub Operator);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let claims = parts
            .extensions
            .get::<StaffClaims>()
            .cloned()
            .ok_or(Error::Unauthorized)?;
        accounts::operator(state, claims).await.map(Self)
    }
}

/// The session's claims when logged in (routes usable both ways).
struct MaybeStaff(Option<StaffClaims>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeStaff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<StaffClaims>().cloned()))
    }
}

/// The client's address, for per-IP throttling (absent when not served over TCP).
struct ClientIp(Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// `Me` plus a fresh session cookie for `user` in `org`.
async fn logged_in(
    state: &AppState,
    status: StatusCode,
    user: UserId,
    org: OrganizationId,
    auth_time: i64,
) -> Result<Response> {
    let (cookie, claims) = accounts::session_cookie(state, user, org, auth_time)?;
    let op = accounts::operator(state, claims).await?;
    let me = accounts::me(state, &op).await?;
    Ok((status, AppendHeaders([(SET_COOKIE, cookie)]), Json(me)).into_response())
}

fn now_secs(state: &AppState) -> i64 {
    state.clock.now().unix_millis() / 1000
}

async fn sign_up(State(state): State<AppState>, Json(req): Json<SignUp>) -> Result<Response> {
    let (user, org) = accounts::sign_up(&state, req).await?;
    logged_in(&state, StatusCode::CREATED, user.id, org, now_secs(&state)).await
}

async fn log_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LogIn>,
) -> Result<Response> {
    let (user, org) = accounts::log_in(&state, req, ip).await?;
    logged_in(&state, StatusCode::OK, user.id, org, now_secs(&state)).await
}

async fn log_out() -> impl IntoResponse {
    (
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, accounts::clear_cookie())]),
    )
}

async fn me(State(state): State<AppState>, Staff(op): Staff) -> Result<Json<Me>> {
    accounts::me(&state, &op).await.map(Json)
}

/// 404 `not_found` for an organization the caller does not belong to.
async fn switch_organization(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<SwitchOrganization>,
) -> Result<Response> {
    state
        .store
        .membership(op.user.id, req.organization_id)
        .await?
        .ok_or(Error::RouteNotFound)?;
    logged_in(
        &state,
        StatusCode::OK,
        op.user.id,
        req.organization_id,
        op.claims.auth_time,
    )
    .await
}

/// `?status=unresolved|escalated|resolved|all&cursor=…&limit=…`
#[derive(Debug, Deserialize)]
struct InboxQuery {
    #[serde(default)]
    status: InboxFilter,
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn inbox(
    State(state): State<AppState>,
    Staff(op): Staff,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Page<InboxItem>>> {
    staff::inbox(&state, &op, q.status, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

async fn conversation(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
) -> Result<Json<ConversationDetail>> {
    staff::detail(&state, &op, id).await.map(Json)
}

async fn messages(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Query(q): Query<PageQuery>,
) -> Result<Json<Page<Message>>> {
    staff::messages(&state, &op, id, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

async fn reply(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<OperatorReply>,
) -> Result<Stored<Message>> {
    let (message, created) = staff::reply(&state, &op, id, req).await?;
    Ok(Stored(message, created))
}

async fn update_conversation(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<UpdateConversation>,
) -> Result<Json<Conversation>> {
    staff::set_status(&state, &op, id, req.status)
        .await
        .map(Json)
}

async fn mark_read(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<MarkRead>,
) -> Result<StatusCode> {
    staff::mark_read(&state, &op, id, req.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn get_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<WidgetSettings>> {
    settings::get(&state, op.organization_id).await.map(Json)
}

async fn put_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<WidgetSettings>,
) -> Result<Json<WidgetSettings>> {
    op.require_manager()?;
    settings::put(&state, op.organization_id, req)
        .await
        .map(Json)
}

async fn list_members(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Member>>> {
    members::list(&state, &op).await.map(Json)
}

async fn remove_member(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let user: UserId = raw.parse().map_err(|_| Error::MemberNotFound)?;
    members::remove(&state, &op, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_invites(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Invite>>> {
    members::list_invites(&state, &op).await.map(Json)
}

async fn create_invite(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateInvite>,
) -> Result<(StatusCode, Json<InviteCreated>)> {
    let created = members::create_invite(&state, &op, req.role).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke_invite(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: InviteId = raw.parse().map_err(|_| Error::InviteNotFound)?;
    members::revoke_invite(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct TokenQuery {
    token: String,
}

async fn lookup_invite(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Json<InviteInfo>> {
    members::lookup(&state, &q.token).await.map(Json)
}

async fn accept_invite(
    State(state): State<AppState>,
    MaybeStaff(claims): MaybeStaff,
    Json(req): Json<AcceptInvite>,
) -> Result<Response> {
    let current = claims.as_ref().map(|c| c.sub);
    let (user, org) = members::accept(&state, req, current).await?;
    let auth_time = claims.map_or_else(|| now_secs(&state), |c| c.auth_time);
    logged_in(&state, StatusCode::OK, user, org, auth_time).await
}

async fn list_api_keys(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<ApiKey>>> {
    crate::public_api::list_keys(&state, &op).await.map(Json)
}

async fn create_api_key(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateApiKey>,
) -> Result<(StatusCode, Json<ApiKeyCreated>)> {
    let created = crate::public_api::create_for(&state, &op, &req.name).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn revoke_api_key(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: ApiKeyId = raw.parse().map_err(|_| Error::ApiKeyNotFound)?;
    crate::public_api::revoke_key(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_projects(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Project>>> {
    settings::projects(&state, &op).await.map(Json)
}

async fn create_project(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateProject>,
) -> Result<(StatusCode, Json<Project>)> {
    let project = settings::create_project(&state, &op, &req.name).await?;
    Ok((StatusCode::CREATED, Json(project)))
}

fn project_id(raw: &str) -> Result<ProjectId> {
    raw.parse().map_err(|_| Error::ProjectNotFound)
}

async fn get_project_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<Json<WidgetSettings>> {
    settings::get_for_project(&state, &op, project_id(&raw)?)
        .await
        .map(Json)
}

async fn put_project_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
    Json(req): Json<WidgetSettings>,
) -> Result<Json<WidgetSettings>> {
    settings::put_for_project(&state, &op, project_id(&raw)?, req)
        .await
        .map(Json)
}
