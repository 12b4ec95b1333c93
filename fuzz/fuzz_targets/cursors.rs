//! List cursors come back from clients (`?cursor=`): decoding never panics, and what decodes
//! is a position that encodes back to a cursor of the same position.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_shared::cursor::{decode, encode};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some((rank, ms, id)) = decode(text)
    {
        assert_eq!(decode(&encode(rank, ms, id)), Some((rank, ms, id)));
    }
});
