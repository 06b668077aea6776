//! The C ABI as a C program sees it: the committed header is what cbindgen generates now, and a C program
//! compiled against it works with the built library, both linked and loaded with dlopen.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn generate_header() -> String {
    let config =
        cbindgen::Config::from_file(repo().join("cbindgen.toml")).expect("cbindgen.toml parses");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(repo())
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

#[test]
fn header_is_fresh() {
    let path = repo().join("include/pchat_migrate.h");
    let generated = generate_header();
    if std::env::var_os("PCHAT_BLESS_HEADER").is_some() {
        std::fs::write(&path, &generated).expect("write header");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/pchat_migrate.h is stale: regenerate it with `PCHAT_BLESS_HEADER=1 cargo test --test c_abi \
         header_is_fresh` and commit it.\n--- generated ---\n{generated}"
    );
}

#[test]
fn header_abi_version_matches_the_library() {
    let header = std::fs::read_to_string(repo().join("include/pchat_migrate.h")).expect("header");
    let define = format!("#define PCM_ABI_VERSION {}", pchat_migrate::ABI_VERSION);
    assert!(
        header.contains(&define),
        "cbindgen.toml's PCM_ABI_VERSION differs from ABI_VERSION"
    );
}

/// target/<profile>/deps/ — where `cargo test` builds the cdylib for this run (it does not copy it up to
/// target/<profile>/, so the copy there may be stale).
fn library_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    exe.parent()
        .map(Path::to_path_buf)
        .expect("target/<profile>/deps/<test>")
}

fn library_file() -> PathBuf {
    let dir = library_dir();
    let name = if cfg!(target_os = "macos") {
        "libpchat_migrate.dylib"
    } else {
        "libpchat_migrate.so"
    };
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "the cdylib {} was not built",
        path.display()
    );
    path
}

#[test]
fn c_smoke_test_links_and_dlopens() {
    let lib = library_file();
    let out_dir = std::env::temp_dir().join(format!("pchat-c-smoke-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).expect("temp dir");
    let exe = out_dir.join("smoke");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let compile = Command::new(&cc)
        .args([
            "-std=c11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-D_GNU_SOURCE",
        ])
        .arg("-I")
        .arg(repo().join("include"))
        .arg(repo().join("tests/c/smoke.c"))
        .arg("-o")
        .arg(&exe)
        .arg("-L")
        .arg(library_dir())
        .arg("-lpchat_migrate")
        .arg("-ldl")
        .arg("-lpthread")
        .output()
        .expect("the C compiler runs");
    assert!(
        compile.status.success(),
        "C compile failed:\n{}",
        String::from_utf8_lossy(&compile.stderr)
    );
    let run = Command::new(&exe)
        .arg(&lib)
        .env("LD_LIBRARY_PATH", library_dir())
        .output()
        .expect("smoke test runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "C smoke test failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
    let _ = std::fs::remove_dir_all(&out_dir);
}
