//! The dashboard's live link (`/api/dashboard/live`): inbox updates for the current
//! organization, plus the messages of the open conversation. Reconnects with backoff; on
//! every `ready` the app refetches its inbox page, and the open conversation is followed
//! again from the highest `seq` held, so nothing is missed.

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use gloo_net::websocket::Message as WsMessage;
use gloo_net::websocket::futures::WebSocket;
use parley_client::live::{Backoff, socket_url};
use parley_shared::ConversationId;
use parley_shared::staff::{Me, StaffClientFrame, StaffServerFrame};
use std::cell::RefCell;
use std::rc::Rc;

/// Shared between the live task and the views.
#[derive(Default)]
pub struct Link {
    sink: Option<SplitSink<WebSocket, WsMessage>>,
    /// The open conversation and the highest `seq` the view holds.
    pub follow: Option<(ConversationId, u64)>,
}

/// A handle on the link.
pub type LinkRef = Rc<RefCell<Link>>;

async fn send_follow(link: &LinkRef) {
    let frame = {
        let l = link.borrow();
        StaffClientFrame::Follow {
            conversation_id: l.follow.map(|(id, _)| id),
            after_seq: l.follow.map_or(0, |(_, seq)| seq),
        }
    };
    send(link, &frame).await;
}

/// Tells the visitor of `conversation` (the followed one) that the operator is typing;
/// nothing when not connected (it is only a hint).
pub async fn typing(link: &LinkRef, conversation: ConversationId) {
    send(
        link,
        &StaffClientFrame::Typing {
            conversation_id: conversation,
        },
    )
    .await;
}

async fn send(link: &LinkRef, frame: &StaffClientFrame) {
    let Ok(text) = serde_json::to_string(frame) else {
        return;
    };
    // Take the sink out while sending, so no RefCell borrow lives across the await.
    let sink = link.borrow_mut().sink.take();
    if let Some(mut sink) = sink
        && sink.send(WsMessage::Text(text)).await.is_ok()
    {
        link.borrow_mut().sink = Some(sink);
    }
}

/// Follows `conversation` (or none) from `after_seq`, now and after reconnections.
pub async fn follow(link: &LinkRef, conversation: Option<(ConversationId, u64)>) {
    link.borrow_mut().follow = conversation;
    send_follow(link).await;
}

/// Runs until dropped (or the session ends: `on_frame` gets the error frame, and the task
/// stops).
pub async fn run(link: LinkRef, on_frame: impl Fn(StaffServerFrame), on_connected: impl Fn(bool)) {
    let mut backoff = Backoff::default();
    loop {
        if let Some(url) = socket_url("/api/dashboard/live")
            && let Ok(socket) = WebSocket::open(&url)
        {
            let (sink, mut stream) = socket.split();
            link.borrow_mut().sink = Some(sink);
            while let Some(Ok(WsMessage::Text(text))) = stream.next().await {
                let Ok(frame) = serde_json::from_str::<StaffServerFrame>(&text) else {
                    continue;
                };
                match frame {
                    StaffServerFrame::Ready => {
                        backoff.reset();
                        on_connected(true);
                        send_follow(&link).await;
                        on_frame(StaffServerFrame::Ready);
                    }
                    StaffServerFrame::Message { ref message } => {
                        let mut l = link.borrow_mut();
                        if let Some((id, seq)) = l.follow.as_mut()
                            && *id == message.conversation_id
                        {
                            *seq = (*seq).max(message.seq);
                        }
                        drop(l);
                        on_frame(frame);
                    }
                    // A 401 ends the session, unless this device holds a newer one: a
                    // password change here revokes the socket opened with the old cookie
                    // but sets a fresh cookie, so reconnect if `/me` still answers. Any
                    // other refusal (e.g. following a conversation that is gone) drops the
                    // follow and reconnects.
                    StaffServerFrame::Error { ref error } if error.status_code == 401 => {
                        link.borrow_mut().sink = None;
                        if crate::api::get::<Me>("/api/dashboard/me").await.is_ok() {
                            break;
                        }
                        on_connected(false);
                        on_frame(frame);
                        return;
                    }
                    StaffServerFrame::Error { .. } => {
                        link.borrow_mut().follow = None;
                    }
                    other => on_frame(other),
                }
            }
            link.borrow_mut().sink = None;
        }
        on_connected(false);
        backoff.wait().await;
    }
}
