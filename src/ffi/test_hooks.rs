//! A hook for tests that check no panic escapes the C ABI (tests/c_abi_hostile.rs): a panic forced inside an
//! export's panic boundary, where no real input reaches a panic. Armed per thread and only from Rust code in the
//! same process: a C host cannot arm it (it is no export), and concurrent tests do not trip each other.

use std::cell::Cell;

thread_local! {
    static PANIC_NEXT: Cell<bool> = const { Cell::new(false) };
}

/// Makes the next export called on this thread that has a panic boundary (every export except the infallible
/// `pcm_version`, `pcm_abi_version` and `pcm_status_name`) panic inside it, before it does its work.
pub fn panic_in_next_export() {
    PANIC_NEXT.with(|armed| armed.set(true));
}

/// Panics when armed, disarming first (so the boundary's own recovery does not panic again).
pub(super) fn panic_if_armed() {
    if PANIC_NEXT.with(|armed| armed.replace(false)) {
        panic!("forced by a test (ffi::test_hooks::panic_in_next_export)");
    }
}
