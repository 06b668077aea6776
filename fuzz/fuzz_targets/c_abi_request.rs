//! Any bytes as a C ABI request: through `pcm_call` as sent, wrapped in `validate` (which parses and prepares
//! every job operation's parameters without starting a job) and through `pcm_legacy_clients_plan`
//! (src/lib.rs, `c_abi_request`). A panic (even one the boundary catches) or a malformed envelope is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pchat_migrate_fuzz::c_abi_request(data);
});
