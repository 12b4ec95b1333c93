//! Live-socket frames from clients (widget and dashboard), resume positions included:
//! parsing never panics, and what parses serializes back to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parley_shared::live::ClientFrame;
use parley_shared::staff::StaffClientFrame;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = serde_json::from_str::<ClientFrame>(text) {
        let again = serde_json::to_string(&frame).expect("serializable");
        assert_eq!(
            serde_json::from_str::<ClientFrame>(&again).ok(),
            Some(frame)
        );
    }
    if let Ok(frame) = serde_json::from_str::<StaffClientFrame>(text) {
        let again = serde_json::to_string(&frame).expect("serializable");
        assert_eq!(
            serde_json::from_str::<StaffClientFrame>(&again).ok(),
            Some(frame)
        );
    }
});
