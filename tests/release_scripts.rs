//! The release scripts (docs/platforms.md): `scripts/package-module.sh` run for real here with the cdylib this test
//! run built (linux-x64) plus a stand-in prebuilt Windows DLL, and made to refuse mismatched versions and wrong
//! files; `scripts/build-release.sh`'s runtime-identifier table against the loader's
//! (Native/PChatMigrationPlatform.cs), its prerequisite messages with a controlled PATH, and the Windows import check
//! on import tables shaped as objdump prints them; `.cargo/config.toml` leaves the host build alone.
//!
//! The Windows builds themselves cannot be produced or loaded on these Linux machines (no MSVC linker, no Windows
//! SDK, no Windows): what is checked for them is the scripts' logic, not a built DLL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("release-scripts")
        .join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

fn text(output: &Output) -> String {
    format!(
        "status {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn script(name: &str, args: &[&str]) -> Output {
    Command::new("bash")
        .arg(repo().join("scripts").join(name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

/// The cdylib `cargo test` built for this run (as tests/powershell_checks.rs finds it).
fn cdylib() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let candidates = [
        deps.join("libpchat_migrate.so"),
        deps.parent()
            .expect("target/<profile>")
            .join("libpchat_migrate.so"),
    ];
    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| panic!("the cdylib was not built: looked for {candidates:?}"))
}

fn abi_version() -> u32 {
    pchat_migrate::ABI_VERSION
}

/// A stand-in for a prebuilt Windows DLL with the BUILDINFO.json build-release.sh writes.
fn write_prebuilt(dir: &Path, rid: &str, version: &str, abi: u32, content: &[u8]) {
    let folder = dir.join(rid);
    std::fs::create_dir_all(&folder).expect("prebuilt folder");
    std::fs::write(folder.join("pchat_migrate.dll"), content).expect("prebuilt dll");
    let info = format!(
        "{{\n  \"rid\": \"{rid}\",\n  \"target\": \"x86_64-win7-windows-msvc\",\n  \"crateVersion\": \"{version}\",\n  \
         \"abiVersion\": {abi},\n  \"crtStatic\": true\n}}\n"
    );
    std::fs::write(folder.join("BUILDINFO.json"), info).expect("BUILDINFO.json");
}

/// "MZ" and a few zero bytes: enough for the package script's header check (it never loads a Windows DLL).
const FAKE_PE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn package_script_assembles_the_module_with_bin_rid_folders_and_a_complete_manifest() {
    let out = scratch("package");
    let prebuilt = out.join("prebuilt");
    write_prebuilt(
        &prebuilt,
        "win7-x64",
        env!("CARGO_PKG_VERSION"),
        abi_version(),
        FAKE_PE,
    );
    let native = format!("linux-x64={}", cdylib().display());
    let dist = out.join("dist");
    let output = script(
        "package-module.sh",
        &[
            "--native",
            &native,
            "--no-build",
            "--prebuilt",
            prebuilt.to_str().expect("utf-8 path"),
            "--out",
            dist.to_str().expect("utf-8 path"),
            "--project-uri",
            "https://example.org/pchat-migrate/",
            "--require",
            "linux-x64,win7-x64",
        ],
    );
    assert!(
        output.status.success(),
        "package-module.sh failed:\n{}",
        text(&output)
    );
    let module = dist
        .join("PersistentChatMigration")
        .join(env!("CARGO_PKG_VERSION"));
    for file in [
        "PersistentChatMigration.psd1",
        "PersistentChatMigration.psm1",
        "PersistentChatMigration.Format.ps1xml",
        "Native/PChatMigrationNative.cs",
        "Native/PChatMigrationPlatform.cs",
        "Native/PChatMigrationJson.cs",
        "en-US/about_PersistentChatMigration.help.txt",
        "Public/Export-PChatMigrationData.ps1",
        "Private/Invoke-PChatNativeCall.ps1",
        "LICENSE",
        "bin/linux-x64/libpchat_migrate.so",
        "bin/win7-x64/pchat_migrate.dll",
        "bin/win7-x64/BUILDINFO.json",
    ] {
        assert!(
            module.join(file).is_file(),
            "{file} is missing from {}",
            module.display()
        );
    }
    let packaged =
        std::fs::read(module.join("bin/linux-x64/libpchat_migrate.so")).expect("packaged library");
    assert_eq!(
        packaged,
        std::fs::read(cdylib()).expect("built library"),
        "bin/linux-x64 is not the given library"
    );

    let manifest =
        std::fs::read_to_string(module.join("PersistentChatMigration.psd1")).expect("manifest");
    let has = |needle: &str| manifest.contains(needle);
    assert!(
        has(&format!("ModuleVersion = '{}'", env!("CARGO_PKG_VERSION"))),
        "{manifest}"
    );
    assert!(has("Tags = @('Lync'"), "PSData Tags missing:\n{manifest}");
    assert!(
        has("ProjectUri = 'https://example.org/pchat-migrate'"),
        "--project-uri not applied:\n{manifest}"
    );
    assert!(
        has("LicenseUri = 'https://example.org/pchat-migrate/blob/main/LICENSE'"),
        "{manifest}"
    );
    assert!(
        manifest
            .lines()
            .any(|l| l.trim_start().starts_with("ReleaseNotes = '") && l.len() > 40),
        "ReleaseNotes missing or empty:\n{manifest}"
    );
    for listed in [
        "'bin/linux-x64/libpchat_migrate.so'",
        "'bin/win7-x64/pchat_migrate.dll'",
        "'Native/PChatMigrationPlatform.cs'",
        "'Native/PChatMigrationJson.cs'",
        "'LICENSE'",
    ] {
        assert!(has(listed), "FileList does not list {listed}:\n{manifest}");
    }
    packaged_module_passes_the_module_checks(&out, &module);
    let _ = std::fs::remove_dir_all(&out);
}

/// The packaged folder (its rewritten manifest included) still passes tests/powershell/check-powershell.mjs: it
/// parses, and every FileList entry exists. The checker wants <root>/PersistentChatMigration/, so the version
/// folder is moved under such a root (a rename: the debug library is large).
fn packaged_module_passes_the_module_checks(out: &Path, module: &Path) {
    let checks = repo().join("tests").join("powershell");
    assert!(
        checks
            .join("node_modules")
            .join("tree-sitter-powershell")
            .join("package.json")
            .is_file(),
        "tests/powershell/node_modules is missing: run `bash scripts/setup-test-tools.sh`"
    );
    let root = out.join("check-root");
    std::fs::create_dir_all(&root).expect("check root");
    std::fs::rename(module, root.join("PersistentChatMigration"))
        .expect("move the packaged module");
    let output = Command::new("node")
        .arg("--no-deprecation")
        .arg(checks.join("check-powershell.mjs"))
        .arg("--root")
        .arg(&root)
        .arg("--expect-version")
        .arg(env!("CARGO_PKG_VERSION"))
        .current_dir(&checks)
        .output()
        .expect("run node (bash scripts/setup-test-tools.sh installs it)");
    assert!(
        output.status.success(),
        "the packaged module fails the module checks:\n{}",
        text(&output)
    );
}

/// Runs the package script expecting a refusal whose message names every one of `words`, with nothing assembled.
fn expect_refusal(args: &[&str], dist: &Path, words: &[&str]) {
    let output = script("package-module.sh", args);
    let all = text(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "package-module.sh should have refused:\n{all}"
    );
    for word in words {
        assert!(
            all.contains(word),
            "the refusal does not name '{word}':\n{all}"
        );
    }
    assert!(
        !dist.join("PersistentChatMigration").exists(),
        "a refused package still left {}",
        dist.join("PersistentChatMigration").display()
    );
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("copy target");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

#[test]
fn package_script_refuses_a_module_version_or_abi_that_differs_from_the_crate() {
    let out = scratch("mismatch");
    let dist = out.join("dist");
    let native = format!("linux-x64={}", cdylib().display());
    let module = out.join("module");
    copy_tree(
        &repo().join("powershell").join("PersistentChatMigration"),
        &module,
    );
    let manifest = module.join("PersistentChatMigration.psd1");
    let original = std::fs::read_to_string(&manifest).expect("manifest");
    let wanted = format!("ModuleVersion = '{}'", env!("CARGO_PKG_VERSION"));
    assert!(
        original.contains(&wanted),
        "the source manifest has no {wanted}"
    );
    std::fs::write(
        &manifest,
        original.replace(&wanted, "ModuleVersion = '9.8.7'"),
    )
    .expect("write manifest");
    let args = [
        "--native",
        &native,
        "--no-build",
        "--module-source",
        module.to_str().expect("utf-8"),
        "--out",
        dist.to_str().expect("utf-8"),
    ];
    expect_refusal(
        &args,
        &dist,
        &[
            "ModuleVersion '9.8.7'",
            &format!("crate version '{}'", env!("CARGO_PKG_VERSION")),
        ],
    );

    std::fs::write(&manifest, &original).expect("restore manifest");
    let psm1 = module.join("PersistentChatMigration.psm1");
    let loader = std::fs::read_to_string(&psm1).expect("psm1");
    let line = format!("$script:PChatExpectedAbiVersion = {}", abi_version());
    assert!(loader.contains(&line), "the loader has no `{line}`");
    std::fs::write(
        &psm1,
        loader.replace(&line, "$script:PChatExpectedAbiVersion = 99"),
    )
    .expect("write psm1");
    expect_refusal(
        &args,
        &dist,
        &[
            "ABI version '99'",
            &format!("PCM_ABI_VERSION {}", abi_version()),
        ],
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// A prebuilt library the package script must refuse: rid, BUILDINFO version and ABI, content, words of the refusal.
type PrebuiltCase<'a> = (&'a str, &'a str, u32, &'a [u8], Vec<String>);

#[test]
fn package_script_refuses_prebuilt_libraries_of_another_version_or_kind() {
    let out = scratch("prebuilt");
    let dist = out.join("dist");
    let native = format!("linux-x64={}", cdylib().display());
    let version = env!("CARGO_PKG_VERSION");
    let wrong_abi = abi_version() + 1;
    let lfs_pointer: &[u8] = b"version https://git-lfs.github.com/spec/v1\noid sha256:00\n";
    let cases: [PrebuiltCase; 3] = [
        (
            "win7-x64",
            version,
            wrong_abi,
            FAKE_PE,
            vec![
                format!("ABI '{wrong_abi}'"),
                "rebuild it from this tree".into(),
            ],
        ),
        (
            "win-x64",
            "0.0.1",
            abi_version(),
            FAKE_PE,
            vec!["version '0.0.1'".into()],
        ),
        (
            "win-x64",
            version,
            abi_version(),
            lfs_pointer,
            vec!["is not a Windows DLL".into()],
        ),
    ];
    for (i, (rid, built_version, abi, content, words)) in cases.iter().enumerate() {
        let prebuilt = out.join(format!("prebuilt-{i}"));
        write_prebuilt(&prebuilt, rid, built_version, *abi, content);
        let args = [
            "--native",
            &native,
            "--no-build",
            "--prebuilt",
            prebuilt.to_str().expect("utf-8"),
            "--out",
            dist.to_str().expect("utf-8"),
        ];
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        expect_refusal(&args, &dist, &words);
    }
    // The host library in the wrong rid folder: an x86-64 ELF given as linux-arm64.
    let wrong = format!("linux-arm64={}", cdylib().display());
    expect_refusal(
        &[
            "--native",
            &native,
            "--native",
            &wrong,
            "--no-build",
            "--out",
            dist.to_str().expect("utf-8"),
        ],
        &dist,
        &["machine 62, not for linux-arm64"],
    );
    let _ = std::fs::remove_dir_all(&out);
}

/// KnownRuntimeIds and RustTarget of Native/PChatMigrationPlatform.cs.
fn loader_rid_table() -> BTreeMap<String, String> {
    let source = std::fs::read_to_string(
        repo().join("powershell/PersistentChatMigration/Native/PChatMigrationPlatform.cs"),
    )
    .expect("PChatMigrationPlatform.cs");
    let mut table = BTreeMap::new();
    for line in source.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("case \"") else {
            continue;
        };
        let Some((rid, rest)) = rest.split_once("\": return \"") else {
            continue;
        };
        let Some((target, _)) = rest.split_once('"') else {
            continue;
        };
        table.insert(rid.to_string(), target.to_string());
    }
    let known = source
        .split("KnownRuntimeIds = new string[]")
        .nth(1)
        .expect("KnownRuntimeIds");
    let known = &known[..known.find('}').expect("end of KnownRuntimeIds")];
    let rids: std::collections::BTreeSet<&str> = known.split('"').skip(1).step_by(2).collect();
    assert_eq!(
        rids,
        table.keys().map(String::as_str).collect(),
        "KnownRuntimeIds and the RustTarget cases of PChatMigrationPlatform.cs differ"
    );
    table
}

#[test]
fn build_script_uses_the_loaders_rid_table_and_refuses_unknown_rids() {
    let output = script("build-release.sh", &["--list"]);
    assert!(output.status.success(), "{}", text(&output));
    let listed: BTreeMap<String, String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let mut fields = line.split_whitespace();
            (
                fields.next().unwrap_or("").to_string(),
                fields.next().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        loader_rid_table(),
        "build-release.sh --list and PChatMigrationPlatform.cs disagree"
    );
    assert!(
        String::from_utf8_lossy(&output.stdout)
            .contains("win7-x64 x86_64-win7-windows-msvc nightly + -Z build-std=std,panic_abort"),
        "{}",
        text(&output)
    );
    let bogus = script("build-release.sh", &["--rid", "win-xp"]);
    assert_eq!(bogus.status.code(), Some(2), "{}", text(&bogus));
    assert!(String::from_utf8_lossy(&bogus.stderr).contains("unknown runtime identifier 'win-xp'"));
}

/// A PATH with stub `cargo`, `rustup` and `rustc` that know no targets, no nightly and no cargo-xwin, plus the
/// system tools the script needs (bash, sed, grep, uname...). Deterministic whatever this machine has installed.
fn stub_path(dir: &Path) -> String {
    let bin = dir.join("stub-bin");
    std::fs::create_dir_all(&bin).expect("stub bin");
    for (name, body) in [
        ("cargo", "#!/bin/sh\nexit 101\n"),
        ("rustup", "#!/bin/sh\nexit 0\n"),
        ("rustc", "#!/bin/sh\nexit 0\n"),
    ] {
        let path = bin.join(name);
        std::fs::write(&path, body).expect("stub");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let tools = dir.join("tools");
    std::fs::create_dir_all(&tools).expect("tools");
    for tool in [
        "bash", "sed", "grep", "uname", "cut", "tr", "dirname", "cat", "printf", "ls", "awk",
        "mawk", "gawk",
    ] {
        if let Some(found) = ["/usr/bin", "/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
        {
            let _ = std::os::unix::fs::symlink(found, tools.join(tool));
        }
    }
    format!("{}:{}", bin.display(), tools.display())
}

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
#[test]
fn build_script_names_what_a_cross_build_lacks_before_building_anything() {
    let dir = scratch("prerequisites");
    let path = stub_path(&dir);
    let check = |rid: &str| {
        Command::new(dir.join("tools/bash"))
            .arg(repo().join("scripts/build-release.sh"))
            .args(["--check", "--rid", rid])
            .env("PATH", &path)
            .output()
            .expect("run build-release.sh")
    };
    let win7 = check("win7-x64");
    let all = text(&win7);
    assert_eq!(win7.status.code(), Some(3), "{all}");
    for needed in [
        "rustup toolchain install nightly --component rust-src",
        "cargo install --locked cargo-xwin",
        "apt-get install clang",
        "apt-get install lld",
    ] {
        assert!(
            all.contains(needed),
            "win7-x64: the message does not say `{needed}`:\n{all}"
        );
    }
    let win10 = check("win-x64");
    assert_eq!(win10.status.code(), Some(3), "{}", text(&win10));
    assert!(
        text(&win10).contains("rustup target add x86_64-pc-windows-msvc"),
        "{}",
        text(&win10)
    );
    let arm = check("linux-arm64");
    assert_eq!(arm.status.code(), Some(3), "{}", text(&arm));
    for needed in [
        "rustup target add aarch64-unknown-linux-gnu",
        "apt-get install gcc-aarch64-linux-gnu",
    ] {
        assert!(
            text(&arm).contains(needed),
            "linux-arm64: no `{needed}`:\n{}",
            text(&arm)
        );
    }
    let host = check("linux-x64");
    assert_eq!(
        host.status.code(),
        Some(0),
        "the host build needs nothing more:\n{}",
        text(&host)
    );
    assert!(
        text(&host).contains("cargo build --release --locked --lib --bin pchat-migrate"),
        "{}",
        text(&host)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn import_problems(rid: &str, dump: &str) -> Vec<String> {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && windows_import_problems {rid}",
            repo().join("scripts/release-common.sh").display()
        ))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("bash");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(dump.as_bytes())
        .expect("write dump");
    let output = child.wait_with_output().expect("wait");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// The shape of `objdump -p` / `llvm-objdump -p` on a PE file's import table.
fn dump(imports: &[(&str, &[&str])]) -> String {
    let mut text = String::from("The Import Tables (interpreted .idata section contents)\n");
    for (dll, functions) in imports {
        text.push_str(&format!(
            "\n\tDLL Name: {dll}\n\tvma:  Hint/Ord Member-Name Bound-To\n"
        ));
        for (i, function) in functions.iter().enumerate() {
            text.push_str(&format!("\t1400d{i:04x}\t  {i:>4}  {function}\n"));
        }
    }
    text
}

#[test]
fn windows_import_check_flags_a_dynamic_crt_and_windows10_only_imports() {
    let static_win7 = dump(&[
        ("KERNEL32.dll", &["GetProcAddress", "LoadLibraryExW"]),
        ("ADVAPI32.dll", &["SystemFunction036"]),
        ("WS2_32.dll", &["WSAStartup"]),
        ("bcrypt.dll", &["BCryptGenRandom"]),
    ]);
    assert_eq!(
        import_problems("win7-x64", &static_win7),
        Vec::<String>::new()
    );
    let dynamic = dump(&[
        ("KERNEL32.dll", &["GetProcAddress"]),
        ("VCRUNTIME140.dll", &["memcpy"]),
        ("api-ms-win-crt-runtime-l1-1-0.dll", &["_initterm"]),
    ]);
    let problems = import_problems("win-x64", &dynamic);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("vcruntime140.dll") && p.contains("+crt-static")),
        "{problems:?}"
    );
    let windows10 = dump(&[
        ("KERNEL32.dll", &["GetProcAddress"]),
        (
            "api-ms-win-core-synch-l1-2-0.dll",
            &["WaitOnAddress", "WakeByAddressSingle"],
        ),
        ("bcryptprimitives.dll", &["ProcessPrng"]),
    ]);
    let problems = import_problems("win7-x64", &windows10);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems
            .iter()
            .all(|p| p.contains("Windows 7 / Server 2008 R2")),
        "{problems:?}"
    );
    assert_eq!(
        import_problems("win-x64", &windows10),
        Vec::<String>::new(),
        "a Windows 10 build may import them"
    );
}

#[test]
fn cargo_config_only_configures_cross_targets() {
    let config =
        std::fs::read_to_string(repo().join(".cargo/config.toml")).expect(".cargo/config.toml");
    let mut section = String::new();
    let mut crt_static: BTreeMap<String, bool> = BTreeMap::new();
    for line in config
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            let triple = section.strip_prefix("target.").unwrap_or_else(|| {
                panic!("[{section}]: only [target.<triple>] tables (a [build] table would change the test build)")
            });
            assert!(
                !triple.starts_with("cfg("),
                "[{section}]: a cfg() table can match the host"
            );
            assert_ne!(
                triple, "x86_64-unknown-linux-gnu",
                "the host triple must not be configured"
            );
            if triple.ends_with("-windows-msvc") {
                crt_static.insert(triple.to_string(), false);
            }
        } else if line.starts_with("rustflags") && line.contains("\"target-feature=+crt-static\"") {
            crt_static.insert(section.trim_start_matches("target.").to_string(), true);
        }
    }
    for target in [
        "x86_64-pc-windows-msvc",
        "x86_64-win7-windows-msvc",
        "i686-pc-windows-msvc",
        "i686-win7-windows-msvc",
        "aarch64-pc-windows-msvc",
    ] {
        assert_eq!(
            crt_static.get(target),
            Some(&true),
            "{target} must link the C runtime statically: {crt_static:?}"
        );
    }
    assert!(
        config.contains("[target.aarch64-unknown-linux-gnu]\nlinker = \"aarch64-linux-gnu-gcc\""),
        "{config}"
    );
}
