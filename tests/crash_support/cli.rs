//! The CLI as an operator runs it, and killed as a crash kills it: `pchat-migrate export|import` against the
//! fixture's stand-in, SIGKILL sent a chosen time after the start, and the progress lines read from stderr so
//! a point can say which phase the kill hit (progress lines are too sparse to pick the kill point by: the
//! export's history is one line, the import's writes four).

use super::Fixture;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// When to kill a run.
#[derive(Debug, Clone, Copy)]
pub enum KillAt {
    /// Let it finish.
    Never,
    /// SIGKILL this long after the start (if it is still running).
    After(Duration),
}

/// How a CLI run ended.
#[derive(Debug)]
pub struct CliRun {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Lines on stderr when the kill was sent (all of them when it was not).
    pub lines_at_kill: usize,
    /// The last of those: the phase the run was in.
    pub phase: String,
    pub elapsed: Duration,
}

impl CliRun {
    /// Whether our SIGKILL ended it (rather than the process finishing first).
    pub fn killed(&self) -> bool {
        use std::os::unix::process::ExitStatusExt;
        self.status.signal() == Some(9)
    }

    /// Both streams, for failure messages.
    pub fn output(&self) -> String {
        format!(
            "status {:?}\nstdout:\n{}\nstderr:\n{}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// The connection flags for database `db` of the fixture's server, the password in `PCHAT_SQL_PASSWORD`.
fn connect(command: &mut Command, fixture: &Fixture, db: &str) {
    let params = fixture.server.connection_params(Some(db));
    let text = |key: &str| params[key].as_str().unwrap_or_default().to_string();
    command
        .args(["--db-instance", &text("dbInstance")])
        .args(["--db-name", db])
        .args(["--user", &text("user")])
        .env("PCHAT_SQL_PASSWORD", text("password"));
    if let Some(ca) = params["caCertificatePath"].as_str() {
        command.args(["--ca-certificate", ca]);
    }
    if params["encryption"] == "Plaintext" {
        command.args(["--encryption", "plaintext"]);
    }
}

/// `pchat-migrate export` of the fixture's source to `file`, with progress on stderr.
pub fn export_command(fixture: &Fixture, file: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pchat-migrate"));
    command.arg("export");
    connect(&mut command, fixture, &fixture.source);
    command.arg("--file-name").arg(file);
    command
}

/// `pchat-migrate import` of the clean package into `target` (name map, disabled rooms too), with progress.
pub fn import_command(fixture: &Fixture, target: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pchat-migrate"));
    command.arg("import");
    connect(&mut command, fixture, target);
    command
        .arg("--file-name")
        .arg(&fixture.clean)
        .arg("--name-map")
        .arg(&fixture.names)
        .args(["--include-disabled-rooms", "--batch-size", "100"]);
    command
}

fn drain(stream: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = BufReader::new(stream).read_to_string(&mut text);
        text
    })
}

/// Waits until `child` exits or `deadline` passes, whichever comes first.
fn wait_until(child: &mut Child, deadline: Instant) {
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `command` (blocking), killing it as `kill` says.
pub fn run(mut command: Command, kill: KillAt) -> CliRun {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the CLI starts");
    let stdout = drain(child.stdout.take().expect("stdout"));
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let stderr = child.stderr.take().expect("stderr");
    let seen = lines.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            seen.lock().expect("lines").push(line);
        }
    });
    let mut at_kill = None;
    if let KillAt::After(delay) = kill {
        wait_until(&mut child, started + delay);
        at_kill = Some(lines.lock().expect("lines").clone());
        let _ = child.kill();
    }
    let status = child.wait().expect("the CLI ends");
    reader.join().expect("stderr reader");
    let all = lines.lock().expect("lines").clone();
    let at_kill = at_kill.unwrap_or_else(|| all.clone());
    CliRun {
        status,
        stdout: stdout.join().expect("stdout reader"),
        lines_at_kill: at_kill.len(),
        phase: at_kill
            .last()
            .cloned()
            .unwrap_or_else(|| "(no output yet)".into()),
        stderr: all.join("\n"),
        elapsed: started.elapsed(),
    }
}

/// Runs `command` to its end on the blocking pool.
pub async fn run_async(command: Command, kill: KillAt) -> CliRun {
    tokio::task::spawn_blocking(move || run(command, kill))
        .await
        .expect("join")
}
