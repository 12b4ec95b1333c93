//! Outgoing HTTP to addresses organizations choose (the AI responder's model URL; webhooks
//! next): one client that refuses private destinations, checked after DNS resolution on
//! every new connection, and follows no redirect.
//!
//! Why: anyone who signs up can set a model URL, and the server posted there with the API
//! key and relayed the answer to the visitor, so `http://127.0.0.1:6379`,
//! `http://169.254.169.254/` or `http://10.0.0.1/` reached the host's private network (issue
//! 21, finding 4). Local model servers (Ollama on a self-hosted, single-tenant instance) are
//! a real need, so the instance may list the private networks it allows
//! (`--allowed-private-destinations`, none by default).

use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Which destinations outgoing requests may reach.
#[derive(Clone, Debug, Default)]
pub struct Destinations {
    /// Private networks allowed anyway (e.g. `127.0.0.1/32` for a local model server).
    pub allowed_private: Vec<IpNet>,
}

impl Destinations {
    /// Whether a connection to `ip` is allowed: public addresses always; loopback, private,
    /// link-local (cloud metadata), shared, unique-local, unspecified, multicast, broadcast
    /// and documentation addresses only inside an allowed network. An IPv4 address written
    /// as IPv6 (`::ffff:10.0.0.1`) is judged as the IPv4 address.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        !is_private(ip) || self.allowed_private.iter().any(|net| net.contains(&ip))
    }
}

/// Addresses that are not a public internet host.
fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT; 0.0.0.0/8, "this network".
                || (a == 100 && (64..128).contains(&b))
                || a == 0
                // 240.0.0.0/4, reserved.
                || a >= 240
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local, 2001:db8::/32 documentation.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || (first == 0x2001 && v6.segments()[1] == 0x0db8)
                // 64:ff9b::/96 NAT64 could reach any IPv4 address, private ones included.
                || (first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

/// Why an outgoing request was refused before it left.
#[derive(Debug, thiserror::Error)]
#[error("{0} is a private address this instance does not allow (--allowed-private-destinations)")]
pub struct Refused(pub IpAddr);

/// Resolves names with the system resolver, then keeps only permitted addresses; a name
/// with none left fails to resolve, so no connection is attempted.
struct GuardedResolver(Arc<Destinations>);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let destinations = self.0.clone();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| destinations.permits(a.ip()))
                .collect();
            match (permitted.is_empty(), resolved.first()) {
                (true, Some(first)) => Err(Box::new(Refused(first.ip())) as _),
                _ => Ok(Box::new(permitted.into_iter()) as Addrs),
            }
        })
    }
}

/// Outgoing HTTP for organization-chosen URLs: the client and the rule it enforces.
#[derive(Clone)]
pub struct Outbound {
    client: reqwest::Client,
    destinations: Arc<Destinations>,
}

impl Outbound {
    /// A client that resolves through [`Destinations::permits`], follows no redirect (a
    /// public URL could otherwise send the request on to a private one) and gives up
    /// connecting after 5 s.
    pub fn new(destinations: Destinations) -> Self {
        let destinations = Arc::new(destinations);
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver(destinations.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Self {
            client,
            destinations,
        }
    }

    /// The client for `url` once it passes [`Outbound::check`]; otherwise why not (a URL
    /// that does not parse is left to the request to report).
    pub fn checked(&self, url: &str) -> Result<&reqwest::Client, String> {
        if let Ok(parsed) = reqwest::Url::parse(url) {
            self.check(&parsed).map_err(|e| e.to_string())?;
        }
        Ok(&self.client)
    }

    /// Refuses a URL whose host is an IP address outside the rule (such URLs never reach
    /// the resolver); names are checked when they are resolved.
    pub fn check(&self, url: &reqwest::Url) -> Result<(), Refused> {
        let ip = match url.host() {
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return Ok(()),
        };
        if self.destinations.permits(ip) {
            Ok(())
        } else {
            Err(Refused(ip))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_destinations_are_refused_unless_allowed() {
        let none = Destinations::default();
        for private in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(!none.permits(ip(private)), "{private} was permitted");
        }
        for public in ["1.1.1.1", "93.184.216.34", "2606:4700:4700::1111"] {
            assert!(none.permits(ip(public)), "{public} was refused");
        }
        let local_model = Destinations {
            allowed_private: vec!["127.0.0.1/32".parse().unwrap()],
        };
        assert!(local_model.permits(ip("127.0.0.1")));
        assert!(!local_model.permits(ip("127.0.0.2")));
        assert!(!local_model.permits(ip("169.254.169.254")));
    }

    #[test]
    fn ip_literal_urls_are_checked_before_any_connection() {
        let outbound = Outbound::new(Destinations::default());
        for url in [
            "http://127.0.0.1:11434/v1",
            "http://[::1]:6379/",
            "http://169.254.169.254/",
        ] {
            assert!(outbound.check(&url.parse().unwrap()).is_err(), "{url}");
        }
        assert!(
            outbound
                .check(&"https://api.openai.com/v1".parse().unwrap())
                .is_ok()
        );
    }
}
