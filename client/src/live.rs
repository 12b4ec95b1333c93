//! The live socket's address and the reconnection rhythm both apps follow after a drop.

use std::time::Duration;

/// First wait after a drop, in milliseconds.
const FIRST_WAIT_MS: u64 = 500;
/// Longest wait between attempts: a server back after a restart is found within this.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// `ws://` or `wss://` (as the page) + the page's host + `path` (e.g. `/api/widget/live`);
/// `None` outside a browser page.
pub fn socket_url(path: &str) -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}{path}", location.host().ok()?))
}

/// Exponential backoff between reconnection attempts: 0.5 s, doubled up to 10 s, back to
/// 0.5 s once a connection is ready.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            next: Duration::from_millis(FIRST_WAIT_MS),
        }
    }
}

impl Backoff {
    /// The connection is up: the next drop waits the shortest time again.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The wait before the next attempt; each call doubles the following one.
    pub fn next_wait(&mut self) -> Duration {
        let wait = self.next;
        self.next = (self.next * 2).min(MAX_WAIT);
        wait
    }

    /// Waits [`Backoff::next_wait`] (browser timers).
    pub async fn wait(&mut self) {
        gloo_timers::future::sleep(self.next_wait()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_ten_seconds_and_start_over_after_a_connection() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = (0..7)
            .map(|_| backoff.next_wait().as_millis() as u64)
            .collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
        backoff.reset();
        assert_eq!(backoff.next_wait(), Duration::from_millis(500));
    }
}
