//! Parley's backend: the widget API, live updates, the interim admin API, the widget's
//! assets and embed script, and a demo customer page.
//!
//! Layers: `http` (thin handlers, extractors, error mapping) → domain modules
//! (`sessions`, `conversations`, `messages`, `organizations`: the rules) → `store` (SQL).
//! `live` fans committed events out to connected clients.

pub mod accounts;
pub mod app;
pub mod clock;
pub mod config;
pub mod conversations;
pub mod demo;
pub mod error;
pub mod http;
pub mod identity;
pub mod limits;
pub mod live;
pub mod members;
pub mod messages;
pub mod organizations;
pub mod privacy;
pub mod public_api;
pub mod responder;
pub mod sessions;
pub mod settings;
pub mod staff;
pub mod store;

pub use app::{AppState, Application};
pub use config::Config;
