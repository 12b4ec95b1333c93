//! Following a conversation live over `/api/widget/live`, reconnecting after drops and
//! resuming from the highest `seq` received, so nothing is missed or repeated.

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::Message as WsMessage;
use gloo_net::websocket::futures::WebSocket;
use parley_client::live::{Backoff, socket_url};
use parley_shared::live::{ClientFrame, ServerFrame};
use parley_shared::{ConversationId, ErrorBody};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Where the visitor's typing frames go: the sending half of the open socket, if any.
#[derive(Clone, Default)]
pub struct Typer(Rc<RefCell<Option<SplitSink<WebSocket, WsMessage>>>>);

impl Typer {
    /// Whether a socket is open to carry typing frames.
    pub fn connected(&self) -> bool {
        self.0.borrow().is_some()
    }

    /// Tells the team the visitor is typing (nothing when not connected: it is only a hint).
    pub async fn typing(&self) {
        self.send(&ClientFrame::Typing).await;
    }

    /// Tells the team the visitor has seen the conversation up to `seq`; `false` when no
    /// socket carried it (the caller tries again once connected).
    pub async fn read(&self, seq: u64) -> bool {
        self.send(&ClientFrame::Read { seq }).await
    }

    async fn send(&self, frame: &ClientFrame) -> bool {
        let Ok(text) = serde_json::to_string(frame) else {
            return false;
        };
        // Taken out while sending, so no borrow lives across the await.
        let sink = self.0.borrow_mut().take();
        if let Some(mut sink) = sink
            && sink.send(WsMessage::Text(text)).await.is_ok()
        {
            self.0.borrow_mut().get_or_insert(sink);
            return true;
        }
        false
    }
}

/// Follows the session's conversations as a list (`watch`: each one's status, last message
/// and unread replies) until the returned future is dropped or the server refuses (the
/// refusal is returned), reconnecting after drops; `on_frame` gets the list, then changes.
pub async fn watch(token: String, on_frame: impl Fn(ServerFrame)) -> ErrorBody {
    let first = || ClientFrame::Watch {
        token: token.clone(),
    };
    run(&first, &on_frame, &|_| {}, None).await
}

/// Follows `conversation` until the returned future is dropped or the server refuses the
/// subscription (the refusal is returned: e.g. 401 `session_expired`). `last_seq` is read at
/// each (re)connection and must be kept up to date by `on_frame`.
pub async fn follow(
    token: String,
    conversation: ConversationId,
    last_seq: Rc<Cell<u64>>,
    on_frame: impl Fn(ServerFrame),
    on_connected: impl Fn(bool),
    typer: Typer,
) -> ErrorBody {
    let first = || ClientFrame::Subscribe {
        token: token.clone(),
        conversation_id: conversation,
        after_seq: last_seq.get(),
    };
    run(&first, &on_frame, &on_connected, Some(&typer)).await
}

/// One socket loop for both kinds (dynamic calls keep the wasm to one copy): sends `first()`
/// at each (re)connection, hands frames to `on_frame` until an error frame ends it, lends the
/// sending half to `typer` while connected.
async fn run(
    first: &dyn Fn() -> ClientFrame,
    on_frame: &dyn Fn(ServerFrame),
    on_connected: &dyn Fn(bool),
    typer: Option<&Typer>,
) -> ErrorBody {
    let mut backoff = Backoff::default();
    loop {
        if let Some(url) = socket_url("/api/widget/live")
            && let Ok(socket) = WebSocket::open(&url)
        {
            let (mut sink, mut stream) = socket.split();
            if let Ok(text) = serde_json::to_string(&first())
                && sink.send(WsMessage::Text(text)).await.is_ok()
            {
                if let Some(typer) = typer {
                    *typer.0.borrow_mut() = Some(sink);
                }
                while let Some(Ok(WsMessage::Text(text))) = stream.next().await {
                    let Ok(frame) = serde_json::from_str::<ServerFrame>(&text) else {
                        continue;
                    };
                    match frame {
                        ServerFrame::Error { error } => return error,
                        ServerFrame::Ready { .. } | ServerFrame::Conversations { .. } => {
                            backoff.reset();
                            on_connected(true);
                            on_frame(frame);
                        }
                        other => on_frame(other),
                    }
                }
            }
        }
        if let Some(typer) = typer {
            typer.0.borrow_mut().take();
        }
        on_connected(false);
        backoff.wait().await;
    }
}
