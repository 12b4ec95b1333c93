//! `GET /api/dashboard/live`: a dashboard's WebSocket (protocol in `parley_shared::staff`).
//! Authenticated by the session cookie sent with the upgrade request (the dashboard is
//! same-origin, so the browser sends it; SameSite=Strict keeps other sites out).

use crate::http::AppState;
use crate::http::extract::Upgrade;
use crate::http::live::{adapt, capped, until_shutdown};
use crate::http::staff_session::{self, Session, Staff, StaffClaims};
use crate::live::{socket, staff};
use crate::staff::accounts::Operator;
use axum::extract::State;
use axum::extract::ws::WebSocket;
use axum::response::Response;

#[utoipa::path(get, path = "/live", tag = "live", responses((status = 101, description = "WebSocket for the dashboard: inbox rows and followed conversations; see StaffClientFrame / StaffServerFrame"), (status = 401, description = "Not logged in, or the session expired (`unauthorized`)", body = parley_shared::ErrorBody)), security(("staff_session" = [])))]
pub(super) async fn upgrade(
    State(state): State<AppState>,
    Staff(op): Staff,
    Session(claims): Session,
    Upgrade(ws): Upgrade,
) -> Response {
    capped(ws).on_upgrade(move |socket| {
        let sockets = state.sockets.clone();
        sockets.track_future(serve(state, op, claims, socket))
    })
}

async fn serve(state: AppState, op: Operator, claims: StaffClaims, socket: WebSocket) {
    let _open = crate::http::metrics::OpenSocket::new("dashboard");
    let mut socket = adapt(socket);
    let session_valid = || staff_session::still_valid(&state, &claims);
    let follow = staff::follow(&state, op, session_valid, &mut socket);
    let outcome = until_shutdown(&state, follow).await;
    socket::finish(&mut socket, outcome, staff::error_frame).await;
}
