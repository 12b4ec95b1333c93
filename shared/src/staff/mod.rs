//! The staff dashboard's API (`/api/dashboard/...`) and its live protocol. Field names are
//! camelCase on the wire.

mod accounts;
mod inbox;
mod members;
mod privacy;
mod responder;
mod settings;
mod webhooks;

pub use accounts::*;
pub use inbox::*;
pub use members::*;
pub use privacy::*;
pub use responder::*;
pub use settings::*;
pub use webhooks::*;
