//! The staff log-in throttle: **failures** per account and per client address, 5 per 5
//! minutes, then 429 until the window ends. Successful log-ins never count: colleagues behind
//! one office address logging in each morning locked each other out when every attempt
//! counted (issue 21, finding 5). A locked key is refused before the password is checked,
//! so a guesser learns nothing more while locked.
//!
//! A fixed window per key rather than `governor` (used for the widget limits): the check
//! must look without spending, and a GCRA limiter only has check-and-consume.

use super::error::{ApiError, Result};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Failures allowed per key within [`WINDOW`].
const MAX_FAILURES: u32 = 5;
/// How long failures are remembered, from the first of the window.
const WINDOW: Duration = Duration::from_secs(5 * 60);
/// Past this many keys, expired windows are dropped (bounded memory under a spray).
const PRUNE_AT: usize = 10_000;

#[derive(Clone, Copy, Debug)]
struct Window {
    failures: u32,
    ends: Instant,
}

/// Failed log-ins per key (`email:…`, `ip:…`).
#[derive(Debug, Default)]
pub struct LoginThrottle {
    windows: Mutex<HashMap<String, Window>>,
}

fn keys(email: &str, ip: Option<IpAddr>) -> impl Iterator<Item = String> {
    std::iter::once(format!("email:{email}")).chain(ip.map(|ip| format!("ip:{ip}")))
}

impl LoginThrottle {
    /// Whether `email` (normalized) and the client address may try now. Errors:
    /// `RateLimited` (429) with the seconds until the window ends.
    pub fn check(&self, email: &str, ip: Option<IpAddr>) -> Result<()> {
        self.check_at(email, ip, Instant::now())
    }

    /// Records a failed attempt (wrong password) for `email` and the client address.
    pub fn failed(&self, email: &str, ip: Option<IpAddr>) {
        self.failed_at(email, ip, Instant::now());
    }

    fn check_at(&self, email: &str, ip: Option<IpAddr>, now: Instant) -> Result<()> {
        let windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let wait = keys(email, ip)
            .filter_map(|k| windows.get(&k).copied())
            .filter(|w| w.failures >= MAX_FAILURES && w.ends > now)
            .map(|w| w.ends - now)
            .max();
        match wait {
            Some(wait) => Err(ApiError::RateLimited {
                retry_after_secs: wait.as_secs().max(1),
            }),
            None => Ok(()),
        }
    }

    fn failed_at(&self, email: &str, ip: Option<IpAddr>, now: Instant) {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= PRUNE_AT {
            windows.retain(|_, w| w.ends > now);
        }
        for key in keys(email, ip) {
            let window = windows.entry(key).or_insert(Window {
                failures: 0,
                ends: now + WINDOW,
            });
            if window.ends <= now {
                *window = Window {
                    failures: 0,
                    ends: now + WINDOW,
                };
            }
            window.failures += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_lock_the_account_and_the_address_until_the_window_ends() {
        let throttle = LoginThrottle::default();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert!(
                throttle
                    .check_at("ada@example.com", Some(ip), start)
                    .is_ok()
            );
            throttle.failed_at("ada@example.com", Some(ip), start);
        }
        assert!(throttle.check_at("ada@example.com", None, start).is_err());
        // Another account from the same address: the address is locked too.
        assert!(
            throttle
                .check_at("bob@example.com", Some(ip), start)
                .is_err()
        );
        // Another address for another account: free.
        assert!(throttle.check_at("bob@example.com", None, start).is_ok());
        let later = start + WINDOW + Duration::from_secs(1);
        assert!(
            throttle
                .check_at("ada@example.com", Some(ip), later)
                .is_ok()
        );
    }

    #[test]
    fn checks_alone_never_lock_anyone() {
        let throttle = LoginThrottle::default();
        let ip: IpAddr = "203.0.113.9".parse().unwrap();
        for _ in 0..100 {
            assert!(throttle.check("colleague@example.com", Some(ip)).is_ok());
        }
    }
}
