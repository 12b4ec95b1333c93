//! What the domain sees: the store, the live hub, the clock, the settings and the job
//! queue's bells. Nothing of HTTP (limiters, cookie keys, listeners and assets live in `http`), so
//! every domain module can be read and tested below the transport.

use crate::clock::Clock;
use crate::config::Config;
use crate::jobs::Bells;
use crate::live::Hub;
use crate::responder::Responder;
use crate::store::Store;
use std::sync::Arc;

/// The domain's dependencies; cheap to clone (every field is shared).
#[derive(Clone)]
pub struct State {
    /// The database.
    pub store: Arc<dyn Store>,
    /// Live fan-out to connected clients.
    pub hub: Arc<Hub>,
    /// The current time (a `ManualClock` in tests).
    pub clock: Arc<dyn Clock>,
    /// Settings (flags and environment).
    pub config: Arc<Config>,
    /// The URL browsers reach this server at, without a trailing slash (invite links,
    /// the demo page).
    pub public_url: Arc<str>,
    /// The AI responder's HTTP client and tuning.
    pub responder: Arc<Responder>,
    /// Outgoing webhooks' HTTP client and tuning.
    pub webhooks: Arc<crate::webhooks::Webhooks>,
    /// Email: the SMTP transport (off without `--smtp-url`) and timing.
    pub email: Arc<crate::email::Email>,
    /// The job queue's wake-up bells: ring a kind's after recording one of its jobs.
    pub jobs: Arc<Bells>,
}
