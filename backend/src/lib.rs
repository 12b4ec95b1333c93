//! Parley's backend: the widget API, live updates, the interim admin API, the widget's
//! assets and embed script, and a demo customer page.
//!
//! Layers, each importing only the ones below: `app` (wiring) → `http` (thin handlers,
//! extractors, the error mapping, limits, cookies) → the domain folders (`contacts`,
//! `conversations`, `staff`, `settings`, `responder`, `jobs`: the rules, over
//! [`state::State`]) → `store` (SQL). `live` fans committed events out to connected clients.

pub mod app;
pub mod clock;
pub mod config;
pub mod contacts;
pub mod conversations;
pub mod demo;
pub mod email;
pub mod error;
pub mod http;
pub mod jobs;
pub mod live;
pub mod outbound;
pub mod responder;
pub mod secrets;
pub mod settings;
pub mod staff;
pub mod state;
pub mod store;
pub mod webhooks;

pub use app::Application;
pub use config::Config;
pub use http::AppState;
