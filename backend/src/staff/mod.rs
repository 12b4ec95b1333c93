//! Support staff and their organizations: accounts and passwords, members and invites,
//! and the inbox (what an operator does to conversations).

pub mod accounts;
pub mod inbox;
pub mod members;
pub mod organizations;
