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

mod common;

/// `pcm_job_free` on a running export cancels it and returns only once the job has ended: right after it, no
/// `.partial` and no lock file remain, and a re-run resumes from the staging folder.
#[tokio::test(flavor = "multi_thread")]
async fn freeing_a_running_export_waits_until_its_files_are_closed() {
    use chat_fixtures::{create_database, generate_model, write_legacy, DatabaseKind, Size};
    use pchat_migrate::export::assemble::test_hooks;
    use pchat_migrate::ffi::{pcm_job, pcm_job_free, pcm_job_poll, pcm_job_start, pcm_string_free};
    use std::ffi::{c_char, CStr, CString};
    use std::time::Duration;

    let server = common::TestServer::standin(sqlserver_standin::TlsMode::Supported);
    let db = common::unique_db_name("cabi");
    let mut admin = server.admin("master").await;
    create_database(&mut admin, &db, DatabaseKind::Legacy2010)
        .await
        .expect("schema");
    let model = generate_model(41, Size::Tiny);
    write_legacy(&mut admin, &model, DatabaseKind::Legacy2010)
        .await
        .expect("data");
    let dir = std::env::temp_dir().join(format!("pcm-cabi-free-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("freed.zip");
    let partial = pchat_migrate::util::sibling_path(&file, ".partial");
    let lock = pchat_migrate::util::sibling_path(&file, ".lock");
    let staging = pchat_migrate::util::sibling_path(&file, ".staging");
    let request = serde_json::json!({ "operation": "export", "params": {
        "connection": server.connection_params(Some(&db)),
        "fileName": file.display().to_string(),
        "throttleLimit": 1,
    }});
    // Held in "Writing the package" (with the partial file open) until cancelled.
    test_hooks::pause_while_writing(&file, Some(Duration::from_secs(60)));
    let text = CString::new(request.to_string()).expect("no NUL");
    let take = |s: *mut c_char| -> serde_json::Value {
        let value = serde_json::from_str(unsafe { CStr::from_ptr(s) }.to_str().expect("utf-8"))
            .expect("json");
        unsafe { pcm_string_free(s) };
        value
    };
    let mut job: *mut pcm_job = std::ptr::null_mut();
    let mut response: *mut c_char = std::ptr::null_mut();
    let status = unsafe { pcm_job_start(text.as_ptr(), &mut job, &mut response) };
    assert_eq!(status, 0, "{}", take(response));
    take(response);
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    'wait: loop {
        assert!(
            std::time::Instant::now() < deadline,
            "never reached the write"
        );
        let mut out: *mut c_char = std::ptr::null_mut();
        let status = unsafe { pcm_job_poll(job, 100, &mut out) };
        let batch = take(out);
        assert_eq!(status, 0, "{batch}");
        for event in batch["data"]["events"].as_array().into_iter().flatten() {
            if event["status"] == "Writing the package" {
                break 'wait;
            }
        }
    }
    // Let the job get to the pause, with the partial file written.
    std::thread::sleep(Duration::from_millis(200));
    assert!(partial.exists(), "the package is being written");
    pcm_job_free(job);
    assert!(
        !partial.exists(),
        "pcm_job_free returned while the partial file remained"
    );
    assert!(
        !lock.exists(),
        "pcm_job_free returned while the lock was held"
    );
    assert!(!file.exists());
    assert!(staging.join("ledger.json").exists());
    test_hooks::pause_while_writing(&file, None);
    let (result, _) = tokio::task::spawn_blocking(move || common::run_job(request))
        .await
        .expect("join");
    let result = result.expect("the re-run succeeds");
    assert_eq!(
        result["reusedRooms"].as_u64(),
        Some(model.rooms.len() as u64),
        "{result}"
    );
}

/// docs/c-abi.md's "Error codes" table is what `ErrorCode` yields (code, C status, PowerShell category).
#[test]
fn error_code_table_is_documented() {
    const BEGIN: &str = "<!-- error-codes:begin -->\n";
    const END: &str = "<!-- error-codes:end -->";
    let path = repo().join("docs/c-abi.md");
    let doc = std::fs::read_to_string(&path).expect("docs/c-abi.md");
    let start = doc.find(BEGIN).expect("begin marker") + BEGIN.len();
    let end = doc.find(END).expect("end marker");
    let table = pchat_migrate::error::code::markdown_table();
    if std::env::var_os("PCHAT_BLESS_DOCS").is_some() {
        let updated = format!("{}{table}{}", &doc[..start], &doc[end..]);
        std::fs::write(&path, updated).expect("write docs");
        return;
    }
    assert_eq!(
        &doc[start..end],
        table,
        "docs/c-abi.md's error code table is stale: regenerate it with `PCHAT_BLESS_DOCS=1 cargo test --test \
         c_abi error_code_table_is_documented`"
    );
}
