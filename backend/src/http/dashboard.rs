//! The staff dashboard's API (`/api/dashboard`). Authentication is the session cookie;
//! every route below `Staff` is scoped to the session's current organization.

use super::AppState;
use super::error::ApiError;
use super::extract::{ClientIp, ConversationPath, Json, PageQuery, PathParam, Query, Stored};
use super::staff_live;
use super::staff_session::{MaybeStaff, Session, Staff, clear_cookie, logged_in, now_secs};
use crate::contacts::{identity, privacy};
use crate::error::{Error, Result};
use crate::settings;
use crate::staff::accounts;
use crate::staff::{inbox as staff, members};
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::SET_COOKIE;
use axum::middleware::{self};
use axum::response::{AppendHeaders, IntoResponse, Response};
use parley_shared::api::{Conversation, Message, Page, UpdateConversation};
use parley_shared::public::{ApiKey, ApiKeyCreated, CreateApiKey};
use parley_shared::staff::{
    AcceptInvite, ChangePassword, ConversationDetail, CreateInvite, InboxFilter, InboxItem, Invite,
    InviteCreated, InviteInfo, LogIn, MarkRead, Me, Member, OperatorReply, SignUp,
    SwitchOrganization, WidgetSettings,
};
use parley_shared::staff::{
    Article, CreateArticle, CreateProject, IdentitySettings, Project, ResponderSettings,
    SetIdentity, SetResponder,
};
use parley_shared::staff::{ContactExport, ContactRequest, ErasureReport};
use parley_shared::{ApiKeyId, ArticleId, ConversationId, ErrorBody, InviteId, ProjectId, UserId};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router(state: &AppState) -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_up))
        .routes(routes!(log_in))
        .routes(routes!(log_out))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(switch_organization))
        .routes(routes!(inbox))
        .routes(routes!(conversation, update_conversation))
        .routes(routes!(messages, reply))
        .routes(routes!(mark_read))
        .routes(routes!(block_contact))
        .routes(routes!(export_contact))
        .routes(routes!(erase_contact))
        .routes(routes!(get_identity, put_identity))
        .routes(routes!(get_settings, put_settings))
        .routes(routes!(list_members))
        .routes(routes!(remove_member))
        .routes(routes!(list_invites, create_invite))
        .routes(routes!(lookup_invite))
        .routes(routes!(accept_invite))
        .routes(routes!(revoke_invite))
        .routes(routes!(list_projects, create_project))
        .routes(routes!(get_project_settings, put_project_settings))
        .routes(routes!(list_api_keys, create_api_key))
        .routes(routes!(revoke_api_key))
        .routes(routes!(get_responder, put_responder))
        .routes(routes!(set_conversation_responder))
        .routes(routes!(list_articles, create_article))
        .routes(routes!(delete_article))
        .routes(routes!(staff_live::upgrade))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::staff_session::session,
        ))
}

#[utoipa::path(post, path = "/signup", tag = "dashboard", request_body = SignUp, responses((status = 201, description = "Account and organization created; sets the session cookie", body = Me), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 409, description = "Email already registered (`email_taken`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(()))]
async fn sign_up(
    State(state): State<AppState>,
    Json(req): Json<SignUp>,
) -> Result<Response, ApiError> {
    let (user, org) = accounts::sign_up(&state, req).await?;
    logged_in(&state, StatusCode::CREATED, user.id, org, now_secs(&state)).await
}

#[utoipa::path(post, path = "/login", tag = "dashboard", request_body = LogIn, responses((status = 200, description = "Logged in: the operator and organizations; sets the `parley_staff` session cookie", body = Me), (status = 401, description = "Wrong email or password (`invalid_credentials`)", body = ErrorBody), (status = 429, description = "Too many attempts; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(()))]
async fn log_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(req): Json<LogIn>,
) -> Result<Response, ApiError> {
    state
        .staff_keys
        .throttle_login(&accounts::normalize_email(&req.email), ip)?;
    let (user, org) = accounts::log_in(&state, req).await?;
    logged_in(&state, StatusCode::OK, user.id, org, now_secs(&state)).await
}

#[utoipa::path(post, path = "/logout", tag = "dashboard", responses((status = 204, description = "Every session of the account revoked (all devices); cookie cleared")), security(()))]
/// Logs out: revokes every session of the account, here and on other devices.
async fn log_out(
    State(state): State<AppState>,
    MaybeStaff(claims): MaybeStaff,
) -> Result<impl IntoResponse> {
    if let Some(c) = claims {
        state.store.bump_session_epoch(c.sub).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, clear_cookie())]),
    ))
}

#[utoipa::path(get, path = "/me", tag = "dashboard", responses((status = 200, description = "The operator, current organization and memberships", body = Me), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn me(State(state): State<AppState>, Staff(op): Staff) -> Result<Json<Me>> {
    accounts::me(&state, &op).await.map(Json)
}

#[utoipa::path(post, path = "/password", tag = "dashboard", request_body = ChangePassword, responses((status = 200, description = "Password changed; every other session of the account is revoked and this one gets a fresh `parley_staff` cookie", body = Me), (status = 401, description = "Not logged in, or a wrong current password (`unauthorized`, `invalid_credentials`)", body = ErrorBody), (status = 422, description = "The new password is too short or too long (`validation_failed`)", body = ErrorBody), (status = 429, description = "Too many attempts; see `Retry-After` (`rate_limited`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Changes the operator's password and revokes the account's other sessions.
async fn change_password(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ChangePassword>,
) -> Result<Response, ApiError> {
    // A refused new password is not a guess at the current one: it does not count.
    parley_shared::limits::validate_password(&req.new_password)?;
    state.staff_keys.throttle_login(&op.user.email, None)?;
    accounts::change_password(&state, &op, req).await?;
    logged_in(
        &state,
        StatusCode::OK,
        op.user.id,
        op.organization_id,
        now_secs(&state),
    )
    .await
}

/// 404 `not_found` for an organization the caller does not belong to.
#[utoipa::path(post, path = "/switch-organization", tag = "dashboard", request_body = SwitchOrganization, responses((status = 200, description = "Logged in: the operator and organizations; sets the `parley_staff` session cookie", body = Me), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Not a member of that organization", body = ErrorBody)), security(("staff_session" = [])))]
async fn switch_organization(
    State(state): State<AppState>,
    Staff(op): Staff,
    Session(claims): Session,
    Json(req): Json<SwitchOrganization>,
) -> Result<Response, ApiError> {
    state
        .store
        .membership(op.user.id, req.organization_id)
        .await?
        .ok_or(ApiError::RouteNotFound)?;
    logged_in(
        &state,
        StatusCode::OK,
        op.user.id,
        req.organization_id,
        claims.auth_time,
    )
    .await
}

/// `?status=unresolved|escalated|resolved|all&cursor=…&limit=…`
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct InboxQuery {
    #[serde(default)]
    status: InboxFilter,
    cursor: Option<String>,
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/conversations", tag = "dashboard", params(InboxQuery), responses((status = 200, description = "Inbox rows, latest activity first", body = Page<InboxItem>), (status = 400, description = "Malformed JSON or query string", body = ErrorBody), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn inbox(
    State(state): State<AppState>,
    Staff(op): Staff,
    Query(q): Query<InboxQuery>,
) -> Result<Json<Page<InboxItem>>> {
    staff::inbox(&state, &op, q.status, q.cursor.as_deref(), q.limit)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 200, description = "The conversation with its contact", body = ConversationDetail), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn conversation(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
) -> Result<Json<ConversationDetail>> {
    staff::detail(&state, &op, id).await.map(Json)
}

#[utoipa::path(get, path = "/conversations/{conversation_id}/messages", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation"), PageQuery), responses((status = 200, description = "Messages in `seq` order", body = Page<Message>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
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

#[utoipa::path(post, path = "/conversations/{conversation_id}/messages", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = OperatorReply, responses((status = 201, description = "Stored under the operator's name", body = Message), (status = 200, description = "A retried reply (same ID)", body = Message), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 409, description = "ID conflict", body = ErrorBody), (status = 422, description = "Empty or too long content (`message_empty`, `message_too_long`, `validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn reply(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<OperatorReply>,
) -> Result<Stored<Message>> {
    let (message, created) = staff::reply(&state, &op, id, req).await?;
    Ok(Stored(message, created))
}

#[utoipa::path(patch, path = "/conversations/{conversation_id}", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = UpdateConversation, responses((status = 200, description = "The conversation with its new status", body = Conversation), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
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

#[utoipa::path(post, path = "/conversations/{conversation_id}/read", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = MarkRead, responses((status = 204, description = "Read up to `seq` for this operator"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn mark_read(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<MarkRead>,
) -> Result<StatusCode> {
    staff::mark_read(&state, &op, id, req.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/conversations/{conversation_id}/block", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), responses((status = 204, description = "The contact is blocked: their sessions are revoked and their email refused"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "Unknown conversation, or not the caller's (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
/// "Block contact": revokes the conversation's contact and refuses their email.
async fn block_contact(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
) -> Result<StatusCode> {
    staff::block_contact(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/contacts/export", tag = "dashboard", request_body = ContactRequest, responses((status = 200, description = "Everything held about the email: sessions, conversations, messages (GDPR access request)", body = ContactExport), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody), (status = 422, description = "Not an email address (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn export_contact(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ContactRequest>,
) -> Result<Json<ContactExport>> {
    privacy::export(&state, &op, &req).await.map(Json)
}

#[utoipa::path(post, path = "/contacts/erase", tag = "dashboard", request_body = ContactRequest, responses((status = 200, description = "Everything held about the email is deleted (GDPR erasure request)", body = ErasureReport), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody), (status = 422, description = "Not an email address (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn erase_contact(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ContactRequest>,
) -> Result<Json<ErasureReport>> {
    privacy::erase(&state, &op, &req).await.map(Json)
}

#[utoipa::path(get, path = "/identity", tag = "dashboard", responses((status = 200, description = "Identity verification settings, with the secret (generated on first read)", body = IdentitySettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn get_identity(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<IdentitySettings>> {
    op.require_manager()?;
    let row = identity::settings_row(&state, op.organization_id).await?;
    Ok(Json(identity::view(&row)))
}

#[utoipa::path(put, path = "/identity", tag = "dashboard", request_body = SetIdentity, responses((status = 200, description = "The settings as saved", body = IdentitySettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "Agents may not manage the organization (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn put_identity(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<SetIdentity>,
) -> Result<Json<IdentitySettings>> {
    op.require_manager()?;
    let row = identity::update(&state, op.organization_id, req.required, req.rotate_secret).await?;
    Ok(Json(identity::view(&row)))
}

#[utoipa::path(get, path = "/settings", tag = "dashboard", responses((status = 200, description = "The organization's widget settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn get_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<WidgetSettings>> {
    settings::get(&state, op.organization_id).await.map(Json)
}

#[utoipa::path(put, path = "/settings", tag = "dashboard", request_body = WidgetSettings, responses((status = 200, description = "Saved settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
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

#[utoipa::path(get, path = "/members", tag = "dashboard", responses((status = 200, description = "Members of the organization", body = Vec<Member>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn list_members(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Member>>> {
    members::list(&state, &op).await.map(Json)
}

#[utoipa::path(delete, path = "/members/{user_id}", tag = "dashboard", params(("user_id" = UserId, Path, description = "The member")), responses((status = 204, description = "Removed"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody), (status = 409, description = "The last owner cannot be removed (`last_owner`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn remove_member(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let user: UserId = raw.parse().map_err(|_| Error::MemberNotFound)?;
    members::remove(&state, &op, user).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/invites", tag = "dashboard", responses((status = 200, description = "Pending invites", body = Vec<Invite>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn list_invites(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Invite>>> {
    members::list_invites(&state, &op).await.map(Json)
}

#[utoipa::path(post, path = "/invites", tag = "dashboard", request_body = CreateInvite, responses((status = 201, description = "The invite and its single-use link (shown once)", body = InviteCreated), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn create_invite(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateInvite>,
) -> Result<(StatusCode, Json<InviteCreated>)> {
    let created = members::create_invite(&state, &op, req.role).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/invites/{invite_id}", tag = "dashboard", params(("invite_id" = InviteId, Path, description = "The invite")), responses((status = 204, description = "Revoked"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such invite (`invite_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn revoke_invite(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: InviteId = raw.parse().map_err(|_| Error::InviteNotFound)?;
    members::revoke_invite(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct TokenQuery {
    token: String,
}

#[utoipa::path(get, path = "/invites/lookup", tag = "dashboard", params(TokenQuery), responses((status = 200, description = "What the invite grants", body = InviteInfo), (status = 404, description = "Unknown, used or expired invite (`invite_not_found`)", body = ErrorBody)), security(()))]
async fn lookup_invite(
    State(state): State<AppState>,
    Query(q): Query<TokenQuery>,
) -> Result<Json<InviteInfo>> {
    members::lookup(&state, &q.token).await.map(Json)
}

#[utoipa::path(post, path = "/invites/accept", tag = "dashboard", request_body = AcceptInvite, responses((status = 200, description = "Logged in: the operator and organizations; sets the `parley_staff` session cookie", body = Me), (status = 404, description = "Unknown, used or expired invite (`invite_not_found`)", body = ErrorBody), (status = 409, description = "Email already registered (`email_taken`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(()))]
async fn accept_invite(
    State(state): State<AppState>,
    MaybeStaff(claims): MaybeStaff,
    Json(req): Json<AcceptInvite>,
) -> Result<Response, ApiError> {
    let current = claims.as_ref().map(|c| c.sub);
    let (user, org) = members::accept(&state, req, current).await?;
    let auth_time = claims.map_or_else(|| now_secs(&state), |c| c.auth_time);
    logged_in(&state, StatusCode::OK, user, org, auth_time).await
}

#[utoipa::path(get, path = "/api-keys", tag = "dashboard", responses((status = 200, description = "Keys by visible prefix", body = Vec<ApiKey>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn list_api_keys(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<ApiKey>>> {
    crate::conversations::public_api::list_keys(&state, &op)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/api-keys", tag = "dashboard", request_body = CreateApiKey, responses((status = 201, description = "The key, shown once", body = ApiKeyCreated), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn create_api_key(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateApiKey>,
) -> Result<(StatusCode, Json<ApiKeyCreated>)> {
    let created = crate::conversations::public_api::create_for(&state, &op, &req.name).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(delete, path = "/api-keys/{key_id}", tag = "dashboard", params(("key_id" = ApiKeyId, Path, description = "The key record")), responses((status = 204, description = "Revoked"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such key", body = ErrorBody)), security(("staff_session" = [])))]
async fn revoke_api_key(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: ApiKeyId = raw.parse().map_err(|_| Error::ApiKeyNotFound)?;
    crate::conversations::public_api::revoke_key(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/projects", tag = "dashboard", responses((status = 200, description = "The organization's websites", body = Vec<Project>), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody)), security(("staff_session" = [])))]
async fn list_projects(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Project>>> {
    settings::projects(&state, &op).await.map(Json)
}

#[utoipa::path(post, path = "/projects", tag = "dashboard", request_body = CreateProject, responses((status = 201, description = "The new project", body = Project), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
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

#[utoipa::path(get, path = "/projects/{project_id}/settings", tag = "dashboard", params(("project_id" = ProjectId, Path, description = "The project")), responses((status = 200, description = "The project's widget settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 404, description = "No such project", body = ErrorBody)), security(("staff_session" = [])))]
async fn get_project_settings(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<Json<WidgetSettings>> {
    settings::get_for_project(&state, &op, project_id(&raw)?)
        .await
        .map(Json)
}

#[utoipa::path(put, path = "/projects/{project_id}/settings", tag = "dashboard", params(("project_id" = ProjectId, Path, description = "The project")), request_body = WidgetSettings, responses((status = 200, description = "Saved settings", body = WidgetSettings), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = ErrorBody), (status = 403, description = "The operator's role does not allow this (`forbidden`)", body = ErrorBody), (status = 404, description = "No such project", body = ErrorBody), (status = 422, description = "A field is missing, of the wrong type or invalid (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
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

#[utoipa::path(get, path = "/responder", tag = "dashboard", responses((status = 200, description = "The AI responder's settings (the API key only as `apiKeySet`)", body = ResponderSettings), (status = 401, description = "Not logged in", body = ErrorBody)), security(("staff_session" = [])))]
/// The organization's AI responder settings.
async fn get_responder(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<ResponderSettings>> {
    crate::responder::settings(&state, &op).await.map(Json)
}

#[utoipa::path(put, path = "/responder", tag = "dashboard", request_body = ResponderSettings, responses((status = 200, description = "Saved", body = ResponderSettings), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot change settings (`forbidden`)", body = ErrorBody), (status = 422, description = "Invalid provider settings (`validation_failed`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Saves the AI responder settings; an absent `apiKey` keeps the stored key.
async fn put_responder(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<ResponderSettings>,
) -> Result<Json<ResponderSettings>> {
    crate::responder::put_settings(&state, &op, req)
        .await
        .map(Json)
}

#[utoipa::path(put, path = "/conversations/{conversation_id}/responder", tag = "dashboard", params(("conversation_id" = ConversationId, Path, description = "The conversation")), request_body = SetResponder, responses((status = 200, description = "The conversation with `responderActive` as asked", body = Conversation), (status = 401, description = "Not logged in", body = ErrorBody), (status = 404, description = "Unknown conversation (`conversation_not_found`)", body = ErrorBody)), security(("staff_session" = [])))]
/// Switches the AI responder on or off in one conversation.
async fn set_conversation_responder(
    State(state): State<AppState>,
    Staff(op): Staff,
    ConversationPath(id): ConversationPath,
    Json(req): Json<SetResponder>,
) -> Result<Json<Conversation>> {
    crate::responder::set_active(&state, &op, id, req.active)
        .await
        .map(Json)
}

#[utoipa::path(get, path = "/articles", tag = "dashboard", responses((status = 200, description = "Knowledge-base articles, newest first", body = Vec<Article>), (status = 401, description = "Not logged in", body = ErrorBody)), security(("staff_session" = [])))]
/// The organization's knowledge base.
async fn list_articles(
    State(state): State<AppState>,
    Staff(op): Staff,
) -> Result<Json<Vec<Article>>> {
    crate::responder::knowledge::list(&state, &op)
        .await
        .map(Json)
}

#[utoipa::path(post, path = "/articles", tag = "dashboard", request_body = CreateArticle, responses((status = 201, description = "The new article", body = Article), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot edit the knowledge base", body = ErrorBody), (status = 422, description = "Empty or too long title or body", body = ErrorBody)), security(("staff_session" = [])))]
/// Adds an article; its sections become searchable passages.
async fn create_article(
    State(state): State<AppState>,
    Staff(op): Staff,
    Json(req): Json<CreateArticle>,
) -> Result<(StatusCode, Json<Article>)> {
    let article = crate::responder::knowledge::create(&state, &op, req).await?;
    Ok((StatusCode::CREATED, Json(article)))
}

#[utoipa::path(delete, path = "/articles/{article_id}", tag = "dashboard", params(("article_id" = ArticleId, Path, description = "The article")), responses((status = 204, description = "Deleted"), (status = 401, description = "Not logged in", body = ErrorBody), (status = 403, description = "Agents cannot edit the knowledge base", body = ErrorBody), (status = 404, description = "No such article", body = ErrorBody)), security(("staff_session" = [])))]
/// Deletes an article.
async fn delete_article(
    State(state): State<AppState>,
    Staff(op): Staff,
    PathParam(raw): PathParam,
) -> Result<StatusCode> {
    let id: ArticleId = raw.parse().map_err(|_| Error::ArticleNotFound)?;
    crate::responder::knowledge::delete(&state, &op, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
