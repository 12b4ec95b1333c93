//! Contacts (the visitors): their sessions and credentials, identity verification by the
//! organization's own site, blocking, and privacy requests (export, erasure, retention).

pub mod identity;
pub mod privacy;
pub mod sessions;
