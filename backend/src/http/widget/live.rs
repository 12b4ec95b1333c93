//! `GET /api/widget/live`: the widget's WebSocket (loop in `live::widget`).

use crate::http::AppState;
use crate::http::extract::Upgrade;
use crate::http::live::{adapt, capped, until_shutdown};
use crate::live::{socket, widget};
use axum::extract::State;
use axum::extract::ws::WebSocket;
use axum::response::Response;

#[utoipa::path(get, path = "/live", tag = "live", responses((status = 101, description = "WebSocket: first frame `auth` with the contact token, then `subscribe` frames; see ClientFrame / ServerFrame"), (status = 400, description = "Not a WebSocket upgrade", body = parley_shared::ErrorBody)), security(()))]
pub(super) async fn upgrade(State(state): State<AppState>, Upgrade(ws): Upgrade) -> Response {
    capped(ws).on_upgrade(move |socket| {
        let sockets = state.sockets.clone();
        sockets.track_future(serve(state, socket))
    })
}

async fn serve(state: AppState, socket: WebSocket) {
    let _open = crate::http::metrics::OpenSocket::new("widget");
    let mut socket = adapt(socket);
    let outcome = until_shutdown(&state, widget::follow(&state, &mut socket)).await;
    socket::finish(&mut socket, outcome, widget::error_frame).await;
}
