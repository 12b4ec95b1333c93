//! What both audiences' WebSockets share on the HTTP side: axum's WebSocket adapted to the
//! domain's [`Socket`](crate::live::socket::Socket), the read buffer, and the race against
//! shutdown. The loops themselves live in `live/` (widget, staff).

use super::AppState;
use crate::live::socket::{Inbound, Outbound, Outcome, Socket};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use futures_util::{SinkExt, StreamExt};
use std::future::{Future, ready};

/// Read buffer per socket: a client sends small frames, so the 128 KiB default would
/// waste memory on every idle visitor.
const READ_BUFFER_BYTES: usize = 4096;
/// Largest frame or message a client may send, in bytes: the protocols' frames (`subscribe`,
/// `follow`) are a few hundred bytes. Checked before a frame is buffered whole, so a huge
/// frame costs nothing (issue 21, finding 6: 16 MiB by default, read before authentication).
const MAX_MESSAGE_BYTES: usize = 8 * 1024;

/// `ws` with the socket's buffer and size caps.
pub(super) fn capped(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
}

/// `ws` as a stream of [`Inbound`] and a sink of [`Outbound`] frames.
pub(super) fn adapt(ws: WebSocket) -> impl Socket {
    ws.with(|frame: Outbound| ready(Ok::<_, axum::Error>(outgoing(frame))))
        .map(|frame| match frame {
            Ok(WsMessage::Text(text)) => Inbound::Text(text.as_str().to_owned()),
            Ok(WsMessage::Ping(_) | WsMessage::Pong(_)) => Inbound::Control,
            Ok(WsMessage::Binary(_)) => Inbound::Binary,
            Ok(WsMessage::Close(_)) | Err(_) => Inbound::Closed,
        })
}

fn outgoing(frame: Outbound) -> WsMessage {
    match frame {
        Outbound::Text(text) => WsMessage::Text(text.into()),
        Outbound::Ping => WsMessage::Ping(Default::default()),
        Outbound::Close(None) => WsMessage::Close(None),
        Outbound::Close(Some((code, reason))) => WsMessage::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })),
    }
}

/// Runs a socket's loop until it ends or the server starts shutting down
/// (`Err(Outcome::Restarting)`).
pub(super) async fn until_shutdown(
    state: &AppState,
    follow: impl Future<Output = Result<(), Outcome>>,
) -> Result<(), Outcome> {
    tokio::select! {
        outcome = follow => outcome,
        () = shutting_down(state) => Err(Outcome::Restarting),
    }
}

/// Resolves once the server starts shutting down (never if it cannot tell).
async fn shutting_down(state: &AppState) {
    let mut stopping = state.stopping.subscribe();
    if stopping.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}
