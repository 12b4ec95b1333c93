//! A live socket as the domain sees it: frames in and out, whatever carries them. The HTTP
//! layer adapts its WebSocket to [`Socket`]; the unit tests use channels. What both
//! audiences' loops share lives here: sending JSON frames, the backfill that closes a gap
//! in `seq`, and how a socket's life ends.

use crate::error::Error;
use crate::state::State;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use parley_shared::api::Message;
use parley_shared::{ConversationId, ErrorBody};
use std::time::Duration;

/// A frame received from the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A text frame (every client frame is JSON text).
    Text(String),
    /// A ping or pong (answered by the transport).
    Control,
    /// A binary frame (the protocol has none).
    Binary,
    /// The peer closed the socket, or it broke.
    Closed,
}

/// A frame to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// One JSON text frame.
    Text(String),
    /// A keep-alive ping.
    Ping,
    /// The close frame: a code and reason, or none for a plain close.
    Close(Option<(u16, &'static str)>),
}

/// What the live loops need of a socket: a stream of [`Inbound`] frames and a sink of
/// [`Outbound`] ones. Implemented for every such type.
pub trait Socket: Stream<Item = Inbound> + Sink<Outbound> + Unpin + Send {}

impl<T: Stream<Item = Inbound> + Sink<Outbound> + Unpin + Send> Socket for T {}

/// The socket went away or a send failed: stop serving it.
#[derive(Debug)]
pub struct Gone;

/// How serving a socket ended.
#[derive(Debug)]
pub enum Outcome {
    /// The peer left.
    Gone,
    /// The server refused or ended it with this error (sent to the peer first).
    Refused(Error),
    /// The server is shutting down: the peer is told to reconnect.
    Restarting,
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

/// Close code of a server going down: 1012 "service restart" (RFC 6455 registry), so
/// clients reconnect at once instead of backing off.
pub const RESTARTING: (u16, &str) = (1012, "server restarting; reconnect");

/// Messages read from the store per backfill query.
const BACKFILL_BATCH: u32 = 100;

/// How often a socket is pinged (milliseconds from the settings, at least 100 ms): pings
/// keep proxies from closing idle sockets, reveal dead peers, and re-check sessions.
pub fn ping_every(state: &State) -> Duration {
    Duration::from_millis(state.config.live_ping_ms.max(100))
}

/// Sends one frame as JSON text. `Err(Gone)` when the peer is gone.
pub async fn send<S: Socket, T: serde::Serialize>(socket: &mut S, frame: &T) -> Result<(), Gone> {
    let text = serde_json::to_string(frame).map_err(|_| Gone)?;
    socket.send(Outbound::Text(text)).await.map_err(|_| Gone)
}

/// Sends a keep-alive ping. `Err(Gone)` when the peer is gone.
pub async fn ping<S: Socket>(socket: &mut S) -> Result<(), Gone> {
    socket.send(Outbound::Ping).await.map_err(|_| Gone)
}

/// The next frame from the peer; [`Inbound::Closed`] once the stream ends.
pub async fn recv<S: Socket>(socket: &mut S) -> Inbound {
    socket.next().await.unwrap_or(Inbound::Closed)
}

/// Sends every stored message of `id` after `*last` (wrapped by `frame`), advancing
/// `*last`: how a socket catches up after a gap, a lag or a reconnect with `afterSeq`.
pub async fn backfill<S: Socket, T: serde::Serialize>(
    state: &State,
    socket: &mut S,
    id: ConversationId,
    last: &mut u64,
    frame: fn(Message) -> T,
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

/// Ends a socket after its loop returned: a refusal is sent as the audience's error frame
/// (`error_frame`) before the close; a shutdown closes with [`RESTARTING`].
pub async fn finish<S: Socket, T: serde::Serialize>(
    socket: &mut S,
    outcome: Result<(), Outcome>,
    error_frame: fn(ErrorBody) -> T,
) {
    let close = match outcome {
        Ok(()) | Err(Outcome::Gone) => None,
        Err(Outcome::Restarting) => Some(RESTARTING),
        Err(Outcome::Refused(error)) => {
            let _ = send(socket, &error_frame(error.body())).await;
            None
        }
    };
    let _ = socket.send(Outbound::Close(close)).await;
}

#[cfg(test)]
pub(crate) mod testing {
    //! A [`Socket`] over channels, and a domain [`State`] on a fresh SQLite file.

    use super::{Inbound, Outbound};
    use crate::state::State;
    use futures_channel::mpsc;
    use futures_util::{Sink, Stream};
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Poll};

    /// The server's end of a socket whose peer is the test.
    pub struct ChannelSocket {
        inbound: mpsc::UnboundedReceiver<Inbound>,
        outbound: mpsc::UnboundedSender<Outbound>,
    }

    /// The test's end: what it sends in, what the server sent out.
    pub struct Peer {
        pub to_server: mpsc::UnboundedSender<Inbound>,
        pub from_server: mpsc::UnboundedReceiver<Outbound>,
    }

    /// A connected pair.
    pub fn pair() -> (ChannelSocket, Peer) {
        let (to_server, inbound) = mpsc::unbounded();
        let (outbound, from_server) = mpsc::unbounded();
        (
            ChannelSocket { inbound, outbound },
            Peer {
                to_server,
                from_server,
            },
        )
    }

    impl Peer {
        /// Sends a JSON text frame to the server.
        pub fn send_json(&self, value: serde_json::Value) {
            self.to_server
                .unbounded_send(Inbound::Text(value.to_string()))
                .unwrap();
        }

        /// The next frame the server sent, within 5 s.
        pub async fn next(&mut self) -> Outbound {
            use futures_util::StreamExt;
            tokio::time::timeout(std::time::Duration::from_secs(5), self.from_server.next())
                .await
                .expect("a frame within 5 s")
                .expect("the server end is open")
        }

        /// The next frame, parsed as JSON (panics on a non-text frame).
        pub async fn next_json(&mut self) -> serde_json::Value {
            match self.next().await {
                Outbound::Text(text) => serde_json::from_str(&text).unwrap(),
                other => panic!("expected a text frame, got {other:?}"),
            }
        }
    }

    impl Stream for ChannelSocket {
        type Item = Inbound;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Inbound>> {
            Pin::new(&mut self.inbound).poll_next(cx)
        }
    }

    impl Sink<Outbound> for ChannelSocket {
        type Error = mpsc::SendError;

        fn poll_ready(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            Pin::new(&mut self.outbound).poll_ready(cx)
        }

        fn start_send(mut self: Pin<&mut Self>, item: Outbound) -> Result<(), Self::Error> {
            Pin::new(&mut self.outbound).start_send(item)
        }

        fn poll_flush(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            Pin::new(&mut self.outbound).poll_flush(cx)
        }

        fn poll_close(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
        ) -> Poll<Result<(), Self::Error>> {
            Pin::new(&mut self.outbound).poll_close(cx)
        }
    }

    /// A domain state on a new SQLite database in `dir`, with a manual clock and 100 ms pings.
    pub async fn state(dir: &std::path::Path) -> (State, Arc<crate::clock::ManualClock>) {
        let mut config = crate::config::Config::for_data_dir(dir.to_path_buf());
        // Pings are when sessions are re-checked: often, so expiry tests end quickly.
        config.live_ping_ms = 100;
        let connected = crate::store::connect(&config.database_url(), &config.store_options())
            .await
            .expect("a fresh SQLite database");
        let clock = Arc::new(crate::clock::ManualClock::starting_now());
        let state = State {
            store: connected.store,
            hub: Arc::default(),
            clock: clock.clone(),
            config: Arc::new(config.clone()),
            public_url: Arc::from("http://127.0.0.1"),
            responder: Arc::new(crate::responder::Responder::new(
                config.responder_tuning(),
                config.destinations(),
            )),
            webhooks: Arc::new(crate::webhooks::Webhooks::new(
                config.webhook_tuning(),
                crate::outbound::Outbound::new(config.destinations()),
            )),
            email: Arc::new(crate::email::Email::from_config(&config).expect("no SMTP")),
            jobs: Arc::default(),
        };
        (state, clock)
    }
}
