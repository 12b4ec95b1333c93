//! Pieces shared by several screens.

pub mod header;
