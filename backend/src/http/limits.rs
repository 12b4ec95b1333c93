//! Rate limits on what anyone on the internet can call (the widget API), per client address,
//! per contact session and per organization, with `governor`'s keyed GCRA limiters. Over a
//! limit → 429 `rate_limited` with `Retry-After`. Staff logins have their own throttle
//! (`accounts`). Limits apply per process; behind a reverse proxy every client shares the
//! proxy's address, so put the limits on the proxy or give each client its own address.

use super::error::{ApiError, Result};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use parley_shared::{ContactSessionId, OrganizationId};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

fn quota(burst: u32, every: Duration) -> Quota {
    Quota::with_period(every)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN))
}

/// The limiters, shared by all requests.
pub struct Limits {
    enabled: bool,
    /// Visitor messages per contact session: a burst of 10, then one a second (60/min).
    messages_per_session: DefaultKeyedRateLimiter<ContactSessionId>,
    /// Visitor messages per client address (several visitors may share one): 30, then 5/s.
    messages_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Visitor messages per organization: 600, then 100/s.
    messages_per_organization: DefaultKeyedRateLimiter<OrganizationId>,
    /// New conversations per client address: 6 per 12 h.
    conversations_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// New contact sessions per client address: 20, then one every 3 min (20/h).
    sessions_per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    /// The limiters; with `enabled` false every check passes (benchmarks, trusted setups).
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            messages_per_session: RateLimiter::keyed(quota(10, Duration::from_secs(1))),
            messages_per_ip: RateLimiter::keyed(quota(30, Duration::from_millis(200))),
            messages_per_organization: RateLimiter::keyed(quota(600, Duration::from_millis(10))),
            conversations_per_ip: RateLimiter::keyed(quota(6, Duration::from_secs(2 * 3600))),
            sessions_per_ip: RateLimiter::keyed(quota(20, Duration::from_secs(180))),
        }
    }

    fn check<K: Hash + Eq + Clone>(
        &self,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        limiter
            .check_key(key)
            .map_err(|not_until| ApiError::RateLimited {
                retry_after_secs: not_until
                    .wait_time_from(DefaultClock::default().now())
                    .as_secs()
                    .max(1),
            })
    }

    /// A visitor message (or edit, or request for another answer). Errors: `RateLimited`.
    pub fn message(
        &self,
        session: ContactSessionId,
        ip: Option<IpAddr>,
        org: OrganizationId,
    ) -> Result<()> {
        self.check(&self.messages_per_session, &session)?;
        if let Some(ip) = ip {
            self.check(&self.messages_per_ip, &ip)?;
        }
        self.check(&self.messages_per_organization, &org)
    }

    /// A new conversation. Errors: `RateLimited`.
    pub fn conversation(&self, ip: Option<IpAddr>) -> Result<()> {
        ip.map_or(Ok(()), |ip| self.check(&self.conversations_per_ip, &ip))
    }

    /// A new contact session. Errors: `RateLimited`.
    pub fn session(&self, ip: Option<IpAddr>) -> Result<()> {
        ip.map_or(Ok(()), |ip| self.check(&self.sessions_per_ip, &ip))
    }
}
