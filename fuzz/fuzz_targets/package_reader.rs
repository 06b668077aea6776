//! Any bytes as a migration package: opened and verified as `inspect_package` does (src/lib.rs,
//! `package_reader`). A panic, a refusal other than `invalid_package`, or a package that verifies but cannot be
//! read back is a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pchat_migrate_fuzz::package_reader(data);
});
