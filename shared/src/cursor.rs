//! The opaque keyset cursor of most-recent-first lists (feature `verify`): a position
//! `(rank, updated_at ms, id)` in unpadded base64url, where `rank` groups rows shown first
//! (escalated conversations in the inbox's "Waiting" view; 0 elsewhere, and then not
//! written, so older cursors still decode). Clients send it back (`?cursor=`), so decoding
//! takes any text and never panics (fuzzed).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// The cursor after an item of `rank` last active at `updated_at_ms` (Unix ms) with ID `id`.
pub fn encode(rank: i64, updated_at_ms: i64, id: Uuid) -> String {
    if rank == 0 {
        URL_SAFE_NO_PAD.encode(format!("{updated_at_ms}:{id}"))
    } else {
        URL_SAFE_NO_PAD.encode(format!("{rank}/{updated_at_ms}:{id}"))
    }
}

/// The position `(rank, updated_at ms, id)` in an [`encode`]d cursor; `None` for anything
/// else.
pub fn decode(raw: &str) -> Option<(i64, i64, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (rank, rest) = match text.split_once('/') {
        Some((rank, rest)) => (rank.parse().ok()?, rest),
        None => (0, text.as_str()),
    };
    let (ms, id) = rest.split_once(':')?;
    Some((rank, ms.parse().ok()?, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_its_position_and_garbage_to_nothing() {
        let id = Uuid::new_v4();
        assert_eq!(
            decode(&encode(0, 1_700_000_000_123, id)),
            Some((0, 1_700_000_000_123, id))
        );
        assert_eq!(
            decode(&encode(1, 1_700_000_000_123, id)),
            Some((1, 1_700_000_000_123, id))
        );
        for bad in ["", "%%%", "bm9wZQ", "MTox"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
