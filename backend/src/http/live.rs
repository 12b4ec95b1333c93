//! `GET /api/widget/live`: the widget's WebSocket (protocol in `parley_shared::live`).

use super::AppState;
use super::extract::Upgrade;
use crate::contacts::sessions;
use crate::conversations;
use crate::error::Error;
use crate::live::{LiveEvent, Topic};
use axum::extract::State;
use axum::extract::ws::{Message as WsMessage, WebSocket};
use axum::response::Response;
use parley_shared::ConversationId;
use parley_shared::live::{ClientFrame, ServerFrame};
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Read buffer per socket: a widget sends one small frame, so the 128 KiB default would
/// waste memory on every idle visitor.
pub(super) const READ_BUFFER_BYTES: usize = 4096;
/// How long a new socket may take to send its `subscribe` frame.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Pings keep proxies from closing idle sockets, reveal dead peers, and re-check sessions.
pub(super) fn ping_every(state: &AppState) -> Duration {
    Duration::from_millis(state.config.live_ping_ms.max(100))
}
/// Messages read from the store per backfill query.
const BACKFILL_BATCH: u32 = 100;

#[utoipa::path(get, path = "/live", tag = "live", responses((status = 101, description = "WebSocket: first frame `auth` with the contact token, then `subscribe` frames; see ClientFrame / ServerFrame"), (status = 400, description = "Not a WebSocket upgrade", body = parley_shared::ErrorBody)), security(()))]
pub(super) async fn upgrade(State(state): State<AppState>, Upgrade(ws): Upgrade) -> Response {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .on_upgrade(move |socket| {
            let sockets = state.sockets.clone();
            sockets.track_future(serve(state, socket))
        })
}

/// The socket went away or a send failed: stop serving it.
pub(super) struct Gone;

/// Sends one JSON text frame.
pub(super) async fn send<T: serde::Serialize>(
    socket: &mut WebSocket,
    frame: &T,
) -> Result<(), Gone> {
    let text = serde_json::to_string(frame).map_err(|_| Gone)?;
    socket
        .send(WsMessage::Text(text.into()))
        .await
        .map_err(|_| Gone)
}

fn widget_frame(message: parley_shared::api::Message) -> ServerFrame {
    ServerFrame::Message { message }
}

/// Resolves once the server starts shutting down (never if it cannot tell).
pub(super) async fn shutting_down(state: &AppState) {
    let mut stopping = state.stopping.subscribe();
    if stopping.wait_for(|s| *s).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// The close frame of a server going down: 1012 "service restart", reconnect.
pub(super) fn restarting() -> WsMessage {
    WsMessage::Close(Some(axum::extract::ws::CloseFrame {
        code: 1012,
        reason: "server restarting; reconnect".into(),
    }))
}

async fn serve(state: AppState, mut socket: WebSocket) {
    let outcome = tokio::select! {
        outcome = subscribe_and_follow(&state, &mut socket) => outcome,
        () = shutting_down(&state) => {
            let _ = socket.send(restarting()).await;
            return;
        }
    };
    match outcome {
        Ok(()) | Err(Outcome::Gone) => {}
        Err(Outcome::Refused(error)) => {
            let _ = send(
                &mut socket,
                &ServerFrame::Error {
                    error: error.body(),
                },
            )
            .await;
        }
    }
    let _ = socket.send(WsMessage::Close(None)).await;
}

/// How serving a socket ended.
pub(super) enum Outcome {
    /// The peer left.
    Gone,
    /// The server refused or ended it with this error (sent to the peer first).
    Refused(Error),
}

impl From<Gone> for Outcome {
    fn from(_: Gone) -> Self {
        Outcome::Gone
    }
}

impl From<Error> for Outcome {
    fn from(e: Error) -> Self {
        Outcome::Refused(e)
    }
}

/// Reads the `subscribe` frame; anything else, or nothing in time, is refused.
async fn read_subscribe(socket: &mut WebSocket) -> Result<ClientFrame, Outcome> {
    loop {
        let frame = tokio::time::timeout(HANDSHAKE_TIMEOUT, socket.recv())
            .await
            .map_err(|_| Error::BadRequest("expected a subscribe frame".into()))?;
        match frame {
            Some(Ok(WsMessage::Text(text))) => {
                return serde_json::from_str(text.as_str())
                    .map_err(|e| Outcome::Refused(Error::Validation(e.to_string())));
            }
            Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
            Some(Ok(_)) => {
                return Err(Error::BadRequest("expected a JSON text frame".into()).into());
            }
            None | Some(Err(_)) => return Err(Outcome::Gone),
        }
    }
}

/// Sends every stored message after `*last` (wrapped by `frame`), advancing `*last`.
pub(super) async fn backfill<T: serde::Serialize>(
    state: &AppState,
    socket: &mut WebSocket,
    id: ConversationId,
    last: &mut u64,
    frame: fn(parley_shared::api::Message) -> T,
) -> Result<(), Outcome> {
    loop {
        let batch = state
            .store
            .messages_after(id, *last, BACKFILL_BATCH)
            .await
            .map_err(Error::from)?;
        let full = batch.len() == BACKFILL_BATCH as usize;
        for message in batch {
            *last = message.seq;
            send(socket, &frame(message)).await?;
        }
        if !full {
            return Ok(());
        }
    }
}

/// Re-reads the conversation's status and any missed messages (after lost events).
async fn resync(
    state: &AppState,
    socket: &mut WebSocket,
    session: &crate::store::ContactSession,
    id: ConversationId,
    last: &mut u64,
) -> Result<(), Outcome> {
    let conversation = conversations::get_own(state, session, id).await?;
    let status = ServerFrame::Status {
        conversation_id: id,
        status: conversation.status,
        updated_at: conversation.updated_at,
    };
    send(socket, &status).await?;
    backfill(state, socket, id, last, widget_frame).await
}

async fn subscribe_and_follow(state: &AppState, socket: &mut WebSocket) -> Result<(), Outcome> {
    let ClientFrame::Subscribe {
        token,
        conversation_id,
        after_seq,
    } = read_subscribe(socket).await?;
    let session = sessions::authenticate(state, &token).await?;
    // Subscribe before reading the store: whatever commits after this point is announced,
    // whatever committed before it is read below, so nothing falls between the two.
    let mut events = state.hub.subscribe(Topic::Conversation(conversation_id));
    let conversation = conversations::get_own(state, &session, conversation_id).await?;
    send(socket, &ServerFrame::Ready { conversation }).await?;
    let mut last = after_seq;
    backfill(state, socket, conversation_id, &mut last, widget_frame).await?;

    let mut ping = tokio::time::interval(ping_every(state));
    ping.reset();
    loop {
        tokio::select! {
            event = events.recv() => match event {
                Ok(event) => match event.as_ref() {
                    LiveEvent::Frame(ServerFrame::Message { message }) if message.seq <= last => {}
                    LiveEvent::Frame(frame @ ServerFrame::Message { message }) if message.seq == last + 1 => {
                        last = message.seq;
                        send(socket, frame).await?;
                    }
                    // A gap (commits announced out of order): read what is missing.
                    LiveEvent::Frame(ServerFrame::Message { .. }) => {
                        backfill(state, socket, conversation_id, &mut last, widget_frame).await?
                    }
                    LiveEvent::Frame(other) => send(socket, other).await?,
                    LiveEvent::InboxChanged(_) => {}
                    LiveEvent::Resync => {
                        resync(state, socket, &session, conversation_id, &mut last).await?
                    }
                },
                Err(RecvError::Lagged(_)) => resync(state, socket, &session, conversation_id, &mut last).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return Err(Outcome::Gone),
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                // An expired session ends the subscription (HTTP activity may have extended
                // it meanwhile, so the store is asked, not the copy held here).
                let fresh = state.store.contact_session_by_token_hash(&session.token_hash).await.map_err(Error::from)?;
                if fresh.is_none_or(|s| s.expires_at <= state.clock.now()) {
                    return Err(Outcome::Refused(Error::SessionExpired));
                }
                socket.send(WsMessage::Ping(Default::default())).await.map_err(|_| Gone)?;
            }
        }
    }
}
