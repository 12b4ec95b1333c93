//! The opaque keyset cursor of most-recent-first lists (feature `verify`): a position
//! `(updated_at ms, id)` in unpadded base64url. Clients send it back (`?cursor=`), so
//! decoding takes any text and never panics (fuzzed).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

/// The cursor after an item last active at `updated_at_ms` (Unix ms) with ID `id`.
pub fn encode(updated_at_ms: i64, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{updated_at_ms}:{id}"))
}

/// The position in an [`encode`]d cursor; `None` for anything else.
pub fn decode(raw: &str) -> Option<(i64, Uuid)> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (ms, id) = text.split_once(':')?;
    Some((ms.parse().ok()?, id.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_decodes_to_its_position_and_garbage_to_nothing() {
        let id = Uuid::new_v4();
        assert_eq!(
            decode(&encode(1_700_000_000_123, id)),
            Some((1_700_000_000_123, id))
        );
        for bad in ["", "%%%", "bm9wZQ", "MTox"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
