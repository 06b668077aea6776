//! A real browser for the HTML report tests: headless chromium (found on PATH), the DOM it builds from a page
//! after loading it, and an instrument that measures a page's horizontal overflow. Shared by the readiness,
//! verify report and archive tests.

#![allow(dead_code)] // each test binary uses its own part of it

use std::path::{Path, PathBuf};

/// chromium, or a clear failure. Set PCHAT_SKIP_BROWSER_TESTS=1 to skip locally on a machine without it; CI
/// installs it (scripts/setup-test-tools.sh) and must not set the variable.
pub fn chromium() -> Option<PathBuf> {
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
        {
            let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if out.status.success() && !path.is_empty() {
                return Some(PathBuf::from(path));
            }
        }
    }
    if std::env::var("PCHAT_SKIP_BROWSER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("chromium not found: skipped because PCHAT_SKIP_BROWSER_TESTS=1");
        return None;
    }
    panic!(
        "chromium is not installed: run scripts/setup-test-tools.sh (apt-get install chromium), or set \
         PCHAT_SKIP_BROWSER_TESTS=1 to skip the browser checks on this machine only"
    );
}

/// Headless chromium in a 1024x768 window, with a profile of its own beside `page`.
fn headless(chromium: &Path, page: &Path) -> std::process::Command {
    let profile = page.with_extension("profile");
    let mut command = std::process::Command::new(chromium);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--window-size=1024,768",
        "--virtual-time-budget=5000",
        &format!("--user-data-dir={}", profile.display()),
    ]);
    command
}

fn run_on(mut command: std::process::Command, page: &Path) -> Vec<u8> {
    let out = command
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The DOM chromium builds from `page` after loading it (scripts would have run by then).
pub fn dump_dom(chromium: &Path, page: &Path, extra: &[&str]) -> String {
    let mut command = headless(chromium, page);
    command.args(extra).arg("--dump-dom");
    String::from_utf8(run_on(command, page)).expect("utf-8 DOM")
}

/// A PNG of `page` as chromium renders it, written to `png`.
pub fn screenshot(chromium: &Path, page: &Path, png: &Path) {
    let mut command = headless(chromium, page);
    command.arg(format!("--screenshot={}", png.display()));
    run_on(command, page);
}

/// A page of the test's own (not the report) that loads `report` in a 1024-px-wide frame and writes the
/// frame's document scroll width and client width into its DOM: a horizontal overflow is a scroll width larger
/// than the client width. (The report itself holds no script; this harness is the test's instrument.)
pub fn overflow_harness(dir: &Path, report: &Path, name: &str) -> PathBuf {
    let harness = dir.join(format!("{name}.html"));
    std::fs::write(
        &harness,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\
             <iframe id=\"f\" style=\"width:1024px;height:768px;border:0\"></iframe>\
             <script>var f=document.getElementById('f');f.addEventListener('load',function(){{\
             var d=f.contentDocument, p=document.createElement('pre');p.id='widths';\
             p.textContent=d?('widths '+d.documentElement.scrollWidth+' '+d.documentElement.clientWidth):'no access';\
             document.body.appendChild(p);}});f.src={:?};</script></body></html>",
            format!("file://{}", report.display())
        ),
    )
    .expect("harness");
    harness
}

pub fn widths(dom: &str) -> (u64, u64) {
    // The element the harness wrote (its script's own text holds the word too).
    let marker = "<pre id=\"widths\">widths ";
    let at = dom
        .find(marker)
        .unwrap_or_else(|| panic!("no widths in {dom}"));
    let nums: Vec<u64> = dom[at + marker.len()..]
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .take(2)
        .map(|s| s.parse().expect("number"))
        .collect();
    (nums[0], nums[1])
}
