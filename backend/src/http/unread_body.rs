//! `Connection: close` on an HTTP/1.1 answer sent before the request's body was read to its
//! end (a 401 from a credential check, a 413, a 408). hyper cannot reuse such a connection
//! and closed it without saying so, so a client's next request on it got no answer (issue
//! 21, finding 7). Reading a body only to discard it would let anyone make the server
//! download what it already refused, so the client is told to reconnect instead.

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, TRANSFER_ENCODING};
use axum::http::{HeaderValue, Version};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

/// Middleware: watches the body of HTTP/1.x requests that declare one, and marks the answer
/// `Connection: close` if the body was not read to its end. HTTP/2 streams are independent
/// (and forbid the header), so they pass untouched.
pub async fn close_if_unread(req: Request, next: Next) -> Response {
    let declares_body = req.headers().contains_key(TRANSFER_ENCODING)
        || req
            .headers()
            .get(CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if req.version() > Version::HTTP_11 || !declares_body {
        return next.run(req).await;
    }
    let ended = Arc::new(AtomicBool::new(false));
    let watched = ended.clone();
    let req = req.map(|inner| {
        Body::new(Watched {
            inner,
            ended: watched,
        })
    });
    let mut response = next.run(req).await;
    if !ended.load(Ordering::Acquire) {
        response
            .headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A request body that records when it has been read to its end.
struct Watched {
    inner: Body,
    ended: Arc<AtomicBool>,
}

impl HttpBody for Watched {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) || self.inner.is_end_stream() {
            self.ended.store(true, Ordering::Release);
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
