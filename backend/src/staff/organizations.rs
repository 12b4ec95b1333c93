//! Organizations (tenants).

use crate::clock::Clock;
use crate::store::{Organization, Store, StoreError};
use parley_shared::OrganizationId;

/// Name of the organization the demo page uses (reused across restarts).
pub const DEMO_NAME: &str = "Demo Company";

/// Creates an organization named `name` (trimmed; callers validate non-emptiness).
pub async fn create(
    store: &dyn Store,
    clock: &dyn Clock,
    name: &str,
) -> Result<Organization, StoreError> {
    let now = clock.now();
    let org = Organization {
        id: OrganizationId::new_random(),
        name: name.trim().to_owned(),
        created_at: now,
        updated_at: now,
    };
    store.create_organization(&org).await?;
    Ok(org)
}

/// The demo organization, created on first use.
pub async fn ensure_demo(store: &dyn Store, clock: &dyn Clock) -> Result<Organization, StoreError> {
    match store.organization_by_name(DEMO_NAME).await? {
        Some(org) => Ok(org),
        None => create(store, clock, DEMO_NAME).await,
    }
}
