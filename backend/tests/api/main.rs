//! Parley's API tests: a real server on a random port, a fresh SQLite file per test, real
//! HTTP and WebSocket clients, and a manual clock for expiry. One binary, one module per
//! area (see the house style).

// A failed unwrap is a failed test, with its location: exactly what tests want.
#![allow(clippy::unwrap_used)]

mod access;
mod browser;
mod cli;
mod contact_sessions;
mod conversations;
mod crash;
mod dashboard;
mod email;
mod hardening;
mod helpers;
mod identity;
mod instances;
mod limits;
mod live;
mod messages;
mod metrics;
mod openapi;
mod organizations;
mod privacy;
mod public_api;
mod receiver;
mod responder;
mod revocation;
mod schemathesis;
mod seen;
mod smtp;
mod store;
mod webhooks;
