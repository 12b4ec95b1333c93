//! Rate limits on what anyone on the internet can call (the widget API), with `governor`'s
//! keyed GCRA limiters. Over a limit → 429 `rate_limited` with `Retry-After` and the wait in
//! plain words. Staff logins have their own throttle (`staff_session`). Limits apply per
//! process.
//!
//! Fairness comes from the narrow keys (contact session, organization). Per client address
//! there are only high ceilings against floods: offices, schools, mobile carriers and every
//! reverse proxy put many real visitors behind one address, and a per-address limit sized
//! for one person refused the seventh new conversation of an office for two hours (issue 20).
//! Every quota refills within a minute, so a refused visitor never waits longer than that.

use super::error::{ApiError, Result};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use parley_shared::{ContactSessionId, OrganizationId};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::time::Duration;

/// A burst of `burst`, then one more every `every`.
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
    /// Visitor messages per organization: 600, then 100/s.
    messages_per_organization: DefaultKeyedRateLimiter<OrganizationId>,
    /// Visitor messages per client address (a ceiling): 600, then 20/s.
    messages_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// New conversations per contact session: 10, then one every 30 s.
    conversations_per_session: DefaultKeyedRateLimiter<ContactSessionId>,
    /// New conversations per client address (a ceiling): 300, then one every 3 s (1,200/h).
    conversations_per_ip: DefaultKeyedRateLimiter<IpAddr>,
    /// New contact sessions per client address (a ceiling): 300, then one every 3 s (1,200/h).
    sessions_per_ip: DefaultKeyedRateLimiter<IpAddr>,
}

impl Limits {
    /// The limiters; with `enabled` false every check passes (benchmarks, trusted setups).
    pub fn new(enabled: bool) -> Self {
        Self {
            enabled,
            messages_per_session: RateLimiter::keyed(quota(10, Duration::from_secs(1))),
            messages_per_organization: RateLimiter::keyed(quota(600, Duration::from_millis(10))),
            messages_per_ip: RateLimiter::keyed(quota(600, Duration::from_millis(50))),
            conversations_per_session: RateLimiter::keyed(quota(10, Duration::from_secs(30))),
            conversations_per_ip: RateLimiter::keyed(quota(300, Duration::from_secs(3))),
            sessions_per_ip: RateLimiter::keyed(quota(300, Duration::from_secs(3))),
        }
    }

    fn check<K: Hash + Eq + Clone>(
        &self,
        name: &'static str,
        limiter: &DefaultKeyedRateLimiter<K>,
        key: &K,
    ) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        limiter
            .check_key(key)
            .inspect_err(|_| {
                metrics::counter!("parley_rate_limited_total", "limit" => name).increment(1);
            })
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
        self.check("messages_per_session", &self.messages_per_session, &session)?;
        if let Some(ip) = ip {
            self.check("messages_per_ip", &self.messages_per_ip, &ip)?;
        }
        self.check(
            "messages_per_organization",
            &self.messages_per_organization,
            &org,
        )
    }

    /// A new conversation. Errors: `RateLimited`.
    pub fn conversation(&self, session: ContactSessionId, ip: Option<IpAddr>) -> Result<()> {
        self.check(
            "conversations_per_session",
            &self.conversations_per_session,
            &session,
        )?;
        ip.map_or(Ok(()), |ip| {
            self.check("conversations_per_ip", &self.conversations_per_ip, &ip)
        })
    }

    /// A new contact session. Errors: `RateLimited`.
    pub fn session(&self, ip: Option<IpAddr>) -> Result<()> {
        ip.map_or(Ok(()), |ip| {
            self.check("sessions_per_ip", &self.sessions_per_ip, &ip)
        })
    }
}

/// A wait in plain words: "1 second", "45 seconds", "2 minutes".
pub fn plain_wait(secs: u64) -> String {
    match secs {
        0 | 1 => "1 second".into(),
        2..=90 => format!("{secs} seconds"),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_words() {
        assert_eq!(plain_wait(1), "1 second");
        assert_eq!(plain_wait(30), "30 seconds");
        assert_eq!(plain_wait(600), "10 minutes");
    }
}
