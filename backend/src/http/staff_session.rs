//! Staff sessions on the wire: the HS256 JWT in an HttpOnly, SameSite=Strict cookie, its
//! signing keys, and the log-in throttle. The domain (`accounts`) knows accounts and
//! operators; only this module knows tokens and cookies.
//!
//! Session rules: a token lives `staff_idle_secs` (30 min) and is renewed by use; no
//! renewal goes past `staff_absolute_secs` (12 h) after login. Expiry is checked against
//! the injected clock, so it is tested without sleeping.

use super::AppState;
use super::error::{ApiError, Result};
use crate::error::Error;
use crate::staff::accounts::{self, Operator};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE as COOKIE_HEADER, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{AppendHeaders, IntoResponse, Response};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use parley_shared::staff::Me;
use parley_shared::{OrganizationId, UserId};
use serde::{Deserialize, Serialize};

/// Name of the staff session cookie.
pub const COOKIE: &str = "parley_staff";
const AUDIENCE: &str = "parley-dashboard";
const ISSUER: &str = "parley";
/// Renew a token once it is this old (seconds), so busy dashboards do not re-sign per request.
const RENEW_AFTER_SECS: i64 = 60;

/// Signing keys and the login throttle, shared by all requests.
pub struct StaffKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Failed log-ins per account and per client address.
    pub throttle: super::login_throttle::LoginThrottle,
}

impl StaffKeys {
    /// Keys from `secret` (HS256).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            throttle: Default::default(),
        }
    }
}

/// The claims of a staff session token. Times are Unix seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StaffClaims {
    /// The account.
    pub sub: UserId,
    /// The organization the session is scoped to.
    pub org: OrganizationId,
    /// Issued at.
    pub iat: i64,
    /// Expires at.
    pub exp: i64,
    /// When the person logged in (caps renewals).
    pub auth_time: i64,
    /// The account's session epoch when issued; a later logout bumps it, revoking this.
    #[serde(default)]
    pub sv: i64,
    /// Always `parley-dashboard`.
    pub aud: String,
    /// Always `parley`.
    pub iss: String,
}

/// The injected clock's time in Unix seconds (JWT times).
pub(super) fn now_secs(state: &AppState) -> i64 {
    state.clock.now().unix_millis() / 1000
}

/// A signed session for `user` in `org`: its `Set-Cookie` header value and its claims.
pub fn session_cookie(
    state: &AppState,
    user: UserId,
    org: OrganizationId,
    auth_time: i64,
    epoch: i64,
) -> Result<(String, StaffClaims)> {
    let now = now_secs(state);
    let exp =
        (now + state.config.staff_idle_secs).min(auth_time + state.config.staff_absolute_secs);
    let claims = StaffClaims {
        sub: user,
        org,
        iat: now,
        exp,
        auth_time,
        sv: epoch,
        aud: AUDIENCE.to_owned(),
        iss: ISSUER.to_owned(),
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &state.staff_keys.encoding,
    )
    .map_err(|e| Error::Validation(format!("cannot sign the session: {e}")))?;
    let secure = state
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"));
    let cookie = cookie::Cookie::build((COOKIE, token))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .secure(secure)
        .path("/")
        .max_age(cookie::time::Duration::seconds((exp - now).max(0)))
        .build()
        .to_string();
    Ok((cookie, claims))
}

/// A `Set-Cookie` value that deletes the session cookie.
pub fn clear_cookie() -> String {
    cookie::Cookie::build((COOKIE, ""))
        .http_only(true)
        .same_site(cookie::SameSite::Strict)
        .path("/")
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

/// The claims of a valid, unexpired token; `None` otherwise. Only HS256 is accepted, and
/// `aud`/`iss` must match.
pub fn decode(state: &AppState, token: &str) -> Option<StaffClaims> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_issuer(&[ISSUER]);
    // `exp` is checked below against the injected clock.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "aud", "iss", "sub"]);
    let claims =
        jsonwebtoken::decode::<StaffClaims>(token, &state.staff_keys.decoding, &validation)
            .ok()?
            .claims;
    let now = now_secs(state);
    (claims.exp > now && claims.auth_time + state.config.staff_absolute_secs > now)
        .then_some(claims)
}

/// Whether claims decoded earlier are still within their expiry and the absolute limit
/// (long-lived sockets re-check this periodically).
pub fn still_valid(state: &AppState, claims: &StaffClaims) -> bool {
    let now = now_secs(state);
    claims.exp > now && claims.auth_time + state.config.staff_absolute_secs > now
}

/// Whether a still-valid session should get a fresh token.
pub fn should_renew(state: &AppState, claims: &StaffClaims) -> bool {
    now_secs(state) - claims.iat >= RENEW_AFTER_SECS
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

/// Refuses cross-origin writes and upgrades ([`super::same_origin`]), decodes the session
/// cookie for the handlers, and renews it on successful requests so
/// an active dashboard stays logged in (up to the absolute limit).
pub(super) async fn session(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    if super::same_origin::refused(req.method(), req.headers(), &state.public_url) {
        return ApiError::CrossOrigin.into_response();
    }
    let claims = token(req.headers()).and_then(|t| decode(&state, &t));
    if let Some(c) = &claims {
        req.extensions_mut().insert(c.clone());
    }
    let mut response = next.run(req).await;
    if let Some(c) = claims
        && response.status().is_success()
        && !response.headers().contains_key(SET_COOKIE)
        && should_renew(&state, &c)
        && let Ok((cookie, _)) = session_cookie(&state, c.sub, c.org, c.auth_time, c.sv)
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
        let Session(claims) = Session::from_request_parts(parts, state).await?;
        Ok(Self(
            accounts::operator(state, claims.sub, claims.org, claims.sv).await?,
        ))
    }
}

/// The claims of a valid session cookie; none → 401 `unauthorized`.
pub(super) struct Session(pub StaffClaims);

impl<S: Send + Sync> FromRequestParts<S> for Session {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<StaffClaims>()
            .cloned()
            .map(Self)
            .ok_or(Error::Unauthorized)
    }
}

/// The session's claims when logged in (routes usable both ways).
pub(super) struct MaybeStaff(pub Option<StaffClaims>);

impl<S: Send + Sync> FromRequestParts<S> for MaybeStaff {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(parts.extensions.get::<StaffClaims>().cloned()))
    }
}

/// `Me` plus a fresh session cookie for `user` in `org`.
pub(super) async fn logged_in(
    state: &AppState,
    status: StatusCode,
    user: UserId,
    org: OrganizationId,
    auth_time: i64,
) -> Result<Response> {
    let epoch = state
        .store
        .user(user)
        .await?
        .ok_or(Error::Unauthorized)?
        .session_epoch;
    let (cookie, _) = session_cookie(state, user, org, auth_time, epoch)?;
    let op = accounts::operator(state, user, org, epoch).await?;
    let me = accounts::me(state, &op).await?;
    Ok((
        status,
        AppendHeaders([(SET_COOKIE, cookie)]),
        axum::Json::<Me>(me),
    )
        .into_response())
}
