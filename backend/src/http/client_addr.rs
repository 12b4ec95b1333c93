//! The client's address, for rate limits and logs. Without trusted proxies it is the
//! socket peer, and forwarding headers are ignored (anyone can write them). With
//! `--trusted-proxies`, a request whose peer is one of them has its forwarding header read
//! right to left, skipping trusted hops: the first address that is not a trusted proxy is
//! the client (everything left of it was written by the client and may be forged).
//!
//! Why: behind a reverse proxy every visitor has the proxy's address, so per-address
//! limits would refuse the whole site at once (issue 20; the README recommends a proxy
//! for TLS).

pub use crate::config::ForwardedHeader;
use axum::extract::{ConnectInfo, Request};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// Most forwarding entries read per request: a long header costs bounded work.
const MAX_HOPS: usize = 32;

/// The proxies whose forwarding headers are believed (CIDR blocks), and which header.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    /// The proxies' address blocks; empty: no header is read.
    pub networks: Vec<IpNet>,
    /// The header they write.
    pub header: ForwardedHeader,
}

/// The resolved client address, put in the request's extensions by [`resolve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.networks.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops = match self.header {
            ForwardedHeader::XForwardedFor => entries(headers, "x-forwarded-for", x_forwarded_for),
            ForwardedHeader::Forwarded => entries(headers, "forwarded", forwarded_for),
        };
        let mut client = peer;
        for hop in hops.into_iter().rev() {
            // An entry that is not an address ("unknown", an obfuscated name): what is left
            // of it cannot be placed, so the last proxy that wrote it is the client.
            let Some(ip) = hop else { break };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 (`::ffff:1.2.3.4`, from dual-stack listeners) as plain IPv4, so one
/// visitor is one key and `--trusted-proxies 10.0.0.0/8` matches either form.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The last [`MAX_HOPS`] comma-separated entries of every `name` header, in order, each
/// parsed by `parse` (`None`: not an address).
fn entries(
    headers: &HeaderMap,
    name: &str,
    parse: fn(&str) -> Option<IpAddr>,
) -> Vec<Option<IpAddr>> {
    let all: Vec<Option<IpAddr>> = headers
        .get_all(name)
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("unknown").split(','))
        .map(|e| parse(e.trim()))
        .collect();
    let skip = all.len().saturating_sub(MAX_HOPS);
    all.into_iter().skip(skip).collect()
}

/// An address with an optional port: `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`.
fn address(raw: &str) -> Option<IpAddr> {
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| raw.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

fn x_forwarded_for(entry: &str) -> Option<IpAddr> {
    address(entry)
}

/// The `for=` parameter of one `Forwarded` element (`for=1.2.3.4;proto=https`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        address(value.trim().trim_matches('"'))
    })
}

/// Middleware: resolves the client address once per request into a [`ClientAddr`]
/// extension (read by the `ClientIp` extractor and the request log).
pub async fn resolve(
    axum::extract::State(proxies): axum::extract::State<std::sync::Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(peer) = peer {
        let client = proxies.client(peer, req.headers());
        req.extensions_mut().insert(ClientAddr(client));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn proxies(list: &[&str], header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies {
            networks: list.iter().map(|n| n.parse().unwrap()).collect(),
            header,
        }
    }

    fn headers(name: &'static str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(name, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_a_forged_header_is_ignored() {
        let none = TrustedProxies::default();
        let forged = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(none.client(ip("198.51.100.7"), &forged), ip("198.51.100.7"));
        // A trusted list that does not hold the peer changes nothing either.
        let other = proxies(&["10.0.0.0/8"], ForwardedHeader::XForwardedFor);
        assert_eq!(
            other.client(ip("198.51.100.7"), &forged),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn through_trusted_hops_the_rightmost_untrusted_entry_is_the_client() {
        let p = proxies(
            &["10.0.0.0/8", "192.168.1.1/32"],
            ForwardedHeader::XForwardedFor,
        );
        // The client forged "1.1.1.1"; the edge proxy appended the real address; an inner
        // proxy appended the edge's.
        let h = headers("x-forwarded-for", &["1.1.1.1, 203.0.113.9", "10.1.2.3"]);
        assert_eq!(p.client(ip("192.168.1.1"), &h), ip("203.0.113.9"));
        // Every entry trusted: the leftmost one is as far as can be seen.
        let h = headers("x-forwarded-for", &["10.9.9.9"]);
        assert_eq!(p.client(ip("10.0.0.1"), &h), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(p.client(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        // "unknown" stops the walk at the proxy that wrote it.
        let h = headers("x-forwarded-for", &["203.0.113.9, unknown, 10.2.2.2"]);
        assert_eq!(p.client(ip("10.0.0.1"), &h), ip("10.2.2.2"));
    }

    #[test]
    fn forwarded_header_with_ports_quotes_and_ipv6() {
        let p = proxies(&["127.0.0.1/32", "::1/128"], ForwardedHeader::Forwarded);
        let h = headers(
            "forwarded",
            &[r#"for=192.0.2.60;proto=http, For="[2001:db8:cafe::17]:4711""#],
        );
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("2001:db8:cafe::17"));
        let h = headers("forwarded", &["for=198.51.100.4:1234;by=127.0.0.1"]);
        assert_eq!(p.client(ip("::1"), &h), ip("198.51.100.4"));
    }

    #[test]
    fn ipv4_mapped_peers_match_ipv4_networks() {
        let p = proxies(&["127.0.0.1/32"], ForwardedHeader::XForwardedFor);
        let h = headers("x-forwarded-for", &["203.0.113.9"]);
        assert_eq!(p.client(ip("::ffff:127.0.0.1"), &h), ip("203.0.113.9"));
    }
}
