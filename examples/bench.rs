//! The benchmark (not a test; figures vary with the machine): `bash scripts/bench.sh [SIZE ...]`.
//!
//! For each size — a number of generated messages (`100000`, `1M`, `10M`) or `realistic[:N]` (40,000 rooms,
//! about 100,000 principals, three rooms holding 60 % of N messages, default N = 5M) — it seeds the SQL Server
//! stand-in (a process of its own) with a Lync 2010 Group Chat deployment, then runs every phase in a process of
//! its own (so each peak RSS is the phase's own) and prints, one line each:
//!
//! - the raw floors, measured the same way as the phases they bound: a plain tiberius streaming read of the
//!   legacy history, and a plain tiberius bulk insert of the same rows into a fresh `mgc`;
//! - export (per ThrottleLimit) and import as messages/s and "NN% of the raw ..." of their floor;
//! - verify messages/s; the package codec without a database (write and read, messages/s on one core);
//!   inspect time; the peak RSS of every phase.
//!
//! Default sizes: 100000, 1M, 10M and realistic.
//!
//! For profiling one phase by hand: `bench --phase <name> key=value…` (see `run_phase`); with `BENCH_TRACE=1`
//! a phase prints each progress status it receives with its time since the start, on stderr.

#[path = "../tests/common/name_map.rs"]
mod name_map;
#[path = "bench_support/mod.rs"]
mod support;

use futures_util::TryStreamExt;
use name_map::write_name_map;
use pchat_migrate::operations::{start_job, Request};
use pchat_migrate::package::*;
use pchat_migrate::util::ticks::ticks_to_iso;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use support::*;
use tiberius::{ColumnData, QueryItem, TokenRow};

const THROTTLE_LIMITS: [u32; 4] = [1, 2, 4, 8];
const BULK_BATCH: usize = 5_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--phase") {
        let options: BTreeMap<String, String> = args[2..]
            .iter()
            .filter_map(|a| a.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut figures = run_phase(&args[1], &options);
        figures["peakRssKib"] = json!(peak_rss_kib());
        println!("{figures}");
        return;
    }
    let sizes: Vec<String> = if args.is_empty() {
        ["100000", "1M", "10M", "realistic"]
            .map(String::from)
            .to_vec()
    } else {
        args
    };
    let mut table = Vec::new();
    for size in &sizes {
        table.push(bench_size(size));
    }
    println!("\npeak RSS (MiB) by phase and size:");
    for (size, peaks) in &table {
        let cells: Vec<String> = peaks
            .iter()
            .map(|(phase, kib)| format!("{phase} {:.1}", *kib as f64 / 1024.0))
            .collect();
        println!("  {size:>12}: {}", cells.join(", "));
    }
}

/// `100000`, `1M`, `10M`, `realistic`, `realistic:N` → pchat-seed's size argument.
fn seed_size(size: &str) -> String {
    let count = |text: &str| -> u64 {
        let text = text.trim().replace('_', "");
        let (digits, factor) = match text.strip_suffix(['M', 'm']) {
            Some(d) => (d.to_string(), 1_000_000),
            None => match text.strip_suffix(['K', 'k']) {
                Some(d) => (d.to_string(), 1_000),
                None => (text.clone(), 1),
            },
        };
        digits.parse::<u64>().expect("a message count") * factor
    };
    match size.strip_prefix("realistic") {
        Some("") => "realistic:5000000".into(),
        Some(rest) => format!("realistic:{}", count(rest.trim_start_matches(':'))),
        None => format!("messages:{}", count(size)),
    }
}

/// Runs one phase in a child process; returns its figures.
fn phase(name: &str, options: &[(&str, String)]) -> Value {
    let output = Command::new(std::env::current_exe().expect("own path"))
        .arg("--phase")
        .arg(name)
        .args(options.iter().map(|(k, v)| format!("{k}={v}")))
        .output()
        .expect("the phase runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "phase {name} failed: {}{}",
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.lines().last().unwrap_or_default()).expect("the phase's figures")
}

fn mib(figures: &Value) -> f64 {
    figures["peakRssKib"].as_u64().unwrap_or(0) as f64 / 1024.0
}

fn rate(figures: &Value, count: &str) -> f64 {
    figures[count].as_u64().unwrap_or(0) as f64 / figures["secs"].as_f64().unwrap_or(f64::NAN)
}

/// Seeds one size and runs every phase; returns the size's label and each phase's peak RSS.
fn bench_size(size: &str) -> (String, Vec<(String, u64)>) {
    let seed_arg = seed_size(size);
    let (mut standin, port) = start_standin();
    let started = Instant::now();
    let seeded = seed(port, "Legacy", "legacy2010", Some(&seed_arg));
    println!(
        "\n== {size} ({seed_arg}): seeded in {:.1} s: {seeded}",
        started.elapsed().as_secs_f64()
    );
    for target in ["RawBulk", "Target"] {
        seed(port, target, "mgc2013", None);
    }
    let dir = std::env::temp_dir().join(format!("pchat-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    let port_arg = ("port", port.to_string());
    let mut peaks = Vec::new();

    let read = phase("raw-read", std::slice::from_ref(&port_arg));
    let floor = rate(&read, "rows");
    println!(
        "raw read (tiberius streaming, content as nvarchar): {} rows in {:.2} s = {floor:.0} rows/s, peak RSS {:.1} MiB",
        read["rows"], read["secs"].as_f64().unwrap_or(0.0), mib(&read)
    );
    peaks.push((
        "raw-read".to_string(),
        read["peakRssKib"].as_u64().unwrap_or(0),
    ));

    let package = dir.join("bench.zip");
    for throttle in THROTTLE_LIMITS {
        let _ = std::fs::remove_file(&package);
        let export = phase(
            "export",
            &[
                port_arg.clone(),
                ("file", package.display().to_string()),
                ("throttle", throttle.to_string()),
            ],
        );
        let messages_per_sec = rate(&export, "messages");
        println!(
            "export (ThrottleLimit {throttle}): {messages_per_sec:.0} messages/s = {:.0}% of the raw read; {} messages, \
             package {:.1} MB, client CPU {:.1} s, peak RSS {:.1} MiB",
            100.0 * messages_per_sec / floor,
            export["messages"],
            export["bytes"].as_u64().unwrap_or(0) as f64 / 1e6,
            export["cpuSecs"].as_f64().unwrap_or(0.0),
            mib(&export)
        );
        peaks.push((
            format!("export/{throttle}"),
            export["peakRssKib"].as_u64().unwrap_or(0),
        ));
    }
    let file = ("file", package.display().to_string());

    let messages = read["rows"].as_u64().unwrap_or(0);
    let codec_file = dir.join("codec.zip");
    let write = phase(
        "codec-write",
        &[
            ("file", codec_file.display().to_string()),
            ("messages", messages.to_string()),
        ],
    );
    let codec_read = phase("codec-read", std::slice::from_ref(&file));
    println!(
        "package write (no database, one core): {:.0} messages/s, peak RSS {:.1} MiB; package read (one core): \
         {:.0} messages/s, peak RSS {:.1} MiB",
        rate(&write, "messages"),
        mib(&write),
        rate(&codec_read, "messages"),
        mib(&codec_read)
    );
    let _ = std::fs::remove_file(&codec_file);
    peaks.push((
        "codec-write".into(),
        write["peakRssKib"].as_u64().unwrap_or(0),
    ));
    peaks.push((
        "codec-read".into(),
        codec_read["peakRssKib"].as_u64().unwrap_or(0),
    ));

    let inspect = phase("inspect", std::slice::from_ref(&file));
    println!(
        "inspect (every checksum, record and reference): {:.2} s = {:.0} messages/s, peak RSS {:.1} MiB",
        inspect["secs"].as_f64().unwrap_or(0.0),
        rate(&inspect, "messages"),
        mib(&inspect)
    );
    peaks.push((
        "inspect".into(),
        inspect["peakRssKib"].as_u64().unwrap_or(0),
    ));

    let bulk = phase("raw-bulk", &[port_arg.clone(), file.clone()]);
    let bulk_floor = rate(&bulk, "rows");
    println!(
        "raw bulk insert (tiberius, batches of {BULK_BATCH}, one transaction each): {} rows in {:.2} s = \
         {bulk_floor:.0} rows/s, peak RSS {:.1} MiB",
        bulk["rows"], bulk["secs"].as_f64().unwrap_or(0.0), mib(&bulk)
    );
    peaks.push(("raw-bulk".into(), bulk["peakRssKib"].as_u64().unwrap_or(0)));

    let names = dir.join("names.json");
    write_name_map(&package, &names);
    let names_arg = ("names", names.display().to_string());
    let import = phase(
        "import",
        &[port_arg.clone(), file.clone(), names_arg.clone()],
    );
    let import_rate = rate(&import, "messages");
    println!(
        "import: {import_rate:.0} messages/s = {:.0}% of the raw bulk insert; {} messages, client CPU {:.1} s, \
         peak RSS {:.1} MiB",
        100.0 * import_rate / bulk_floor,
        import["messages"],
        import["cpuSecs"].as_f64().unwrap_or(0.0),
        mib(&import)
    );
    let stages: Vec<&str> = import["stages"]
        .as_array()
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    println!("  import stages: {}", stages.join("; "));
    peaks.push(("import".into(), import["peakRssKib"].as_u64().unwrap_or(0)));

    let verify = phase("verify", &[port_arg, file, names_arg]);
    println!(
        "verify (package against mgc): {:.0} messages/s, passed {}, peak RSS {:.1} MiB",
        rate(&verify, "messages"),
        verify["passed"],
        mib(&verify)
    );
    peaks.push(("verify".into(), verify["peakRssKib"].as_u64().unwrap_or(0)));

    let _ = std::fs::remove_dir_all(&dir);
    drop(standin.stdin.take());
    let _ = standin.wait();
    (size.to_string(), peaks)
}

// --- the phases (each in its own process) -----------------------------------------------------------------------------

fn run_phase(name: &str, options: &BTreeMap<String, String>) -> Value {
    let get = |key: &str| -> String {
        options
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("phase {name} needs {key}="))
    };
    let port = || get("port").parse::<u16>().expect("a port");
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .expect("a runtime")
    };
    match name {
        "raw-read" => runtime().block_on(raw_read(port())),
        "raw-bulk" => runtime().block_on(raw_bulk(port(), PathBuf::from(get("file")))),
        "export" => export(
            port(),
            &get("file"),
            get("throttle").parse().expect("a ThrottleLimit"),
        ),
        "import" => import(port(), &get("file"), &get("names"), &target_of(options)),
        "verify" => verify(port(), &get("file"), &get("names"), &target_of(options)),
        "inspect" => inspect(&get("file")),
        "codec-write" => codec_write(
            Path::new(&get("file")),
            get("messages").parse().expect("a count"),
        ),
        "codec-read" => codec_read(Path::new(&get("file"))),
        // For profiling one phase by hand: the name map the import and verify phases take.
        "names" => {
            write_name_map(Path::new(&get("file")), Path::new(&get("names")));
            serde_json::json!({"names": get("names")})
        }
        other => panic!("unknown phase {other}"),
    }
}

/// The export's floor: every room's history read as the export reads it (room by room in chatId order, one
/// connection), content as nvarchar through tiberius.
async fn raw_read(port: u16) -> Value {
    let mut client = client(port, "Legacy").await;
    let started = Instant::now();
    let rooms: Vec<i32> = client
        .simple_query("SELECT channelId FROM dbo.tblChat GROUP BY channelId ORDER BY channelId")
        .await
        .expect("rooms")
        .into_first_result()
        .await
        .expect("rooms")
        .iter()
        .map(|r| r.get::<i32, _>(0).unwrap_or_default())
        .collect();
    let sql = "SELECT chatId, chatDate, userId, isAlert, content FROM dbo.tblChat WHERE channelId = @P1 ORDER BY chatId";
    let (mut rows, mut bytes) = (0u64, 0u64);
    for room in rooms {
        let mut stream = client.query(sql, &[&room]).await.expect("query");
        while let Some(item) = stream.try_next().await.expect("a row") {
            if let QueryItem::Row(row) = item {
                rows += 1;
                bytes += row.get::<&str, _>(4).map_or(0, |s| s.len() as u64);
            }
        }
    }
    json!({ "rows": rows, "bytes": bytes, "secs": started.elapsed().as_secs_f64() })
}

/// The import's floor: the package's rows (read on a thread of their own, as the import reads them) bulk-inserted
/// into `tblChat` of a fresh `mgc`, batches of [`BULK_BATCH`], each batch one transaction.
async fn raw_bulk(port: u16, file: PathBuf) -> Value {
    let mut client = client(port, "RawBulk").await;
    let started = Instant::now();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(i32, Vec<Message>)>(4);
    let reader = std::thread::spawn(move || {
        let mut reader = PackageReader::open(&file).expect("the package opens");
        let rooms: Vec<i32> = reader.manifest().rooms.iter().map(|r| r.room_id).collect();
        for room in rooms {
            let mut batch = Vec::with_capacity(BULK_BATCH);
            reader
                .for_each_message(room, |message, _| {
                    batch.push(message);
                    if batch.len() == BULK_BATCH {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(BULK_BATCH));
                        tx.blocking_send((room, full)).expect("the writer takes it");
                    }
                    Ok(())
                })
                .expect("the room reads");
            if !batch.is_empty() {
                tx.blocking_send((room, batch))
                    .expect("the writer takes it");
            }
        }
    });
    let columns = [
        "[channelId]",
        "[chatId]",
        "[chatDate]",
        "[userId]",
        "[isAlert]",
        "[content]",
        "[rtf]",
    ];
    let mut rows = 0u64;
    while let Some((room, batch)) = rx.recv().await {
        client
            .simple_query("BEGIN TRANSACTION")
            .await
            .expect("begin")
            .into_results()
            .await
            .expect("begin");
        let mut load = client
            .bulk_insert_columns("dbo.[tblChat]", &columns)
            .await
            .expect("bulk");
        for message in batch {
            let mut row = TokenRow::with_capacity(7);
            row.push(ColumnData::I32(Some(room)));
            row.push(ColumnData::I64(Some(message.chat_id)));
            row.push(ColumnData::I64(Some(message.chat_date)));
            row.push(ColumnData::I32(Some(message.poster_id)));
            row.push(ColumnData::Bit(Some(message.is_alert)));
            row.push(ColumnData::String(Some(Cow::Owned(message.content))));
            row.push(ColumnData::String(message.rtf.map(Cow::Owned)));
            load.send(row).await.expect("a row");
            rows += 1;
        }
        load.finalize().await.expect("finalize");
        client
            .simple_query("COMMIT TRANSACTION")
            .await
            .expect("commit")
            .into_results()
            .await
            .expect("commit");
    }
    reader.join().expect("the reader thread");
    json!({ "rows": rows, "secs": started.elapsed().as_secs_f64() })
}

/// Runs a library job to its end (the code path of the C ABI, the CLI and PowerShell); its result, seconds and
/// client CPU seconds.
fn job(request: Value) -> (Value, f64, f64) {
    let (result, secs, cpu, _) = job_with_stages(request);
    (result, secs, cpu)
}

/// [`job`], with the stage durations the job reported ("<stage>: done in N s", verbose).
fn job_with_stages(request: Value) -> (Value, f64, f64, Vec<String>) {
    let request = Request::from_value(request).expect("a request");
    let cpu = cpu_secs();
    let started = Instant::now();
    let mut stages = Vec::new();
    let result = start_job(&request)
        .expect("the job starts")
        .wait(|event| {
            if std::env::var_os("BENCH_TRACE").is_some() {
                if let pchat_migrate::jobs::JobEvent::Progress { status, .. } = event {
                    eprintln!("{:8.3} {status}", started.elapsed().as_secs_f64());
                }
            }
            if let pchat_migrate::jobs::JobEvent::Verbose { message } = event {
                if message.contains(": done in ") {
                    stages.push(message.clone());
                }
            }
        })
        .expect("the job succeeds");
    (
        result,
        started.elapsed().as_secs_f64(),
        cpu_secs() - cpu,
        stages,
    )
}

fn export(port: u16, file: &str, throttle: u32) -> Value {
    let (result, secs, cpu) = job(json!({ "operation": "export", "params": {
        "connection": connection(port, "Legacy"), "fileName": file, "throttleLimit": throttle } }));
    json!({ "messages": result["counts"]["messages"], "bytes": result["sizeBytes"], "secs": secs, "cpuSecs": cpu })
}

/// The target database of the import and verify phases: `db=` (for profiling one phase by hand), else Target.
fn target_of(options: &BTreeMap<String, String>) -> String {
    options
        .get("db")
        .cloned()
        .unwrap_or_else(|| "Target".to_string())
}

fn import(port: u16, file: &str, names: &str, target: &str) -> Value {
    let (result, secs, cpu, stages) = job_with_stages(json!({ "operation": "import", "params": {
        "connection": connection(port, target), "fileName": file, "nameMapFile": names, "includeDisabledRooms": true } }));
    json!({ "messages": result["summary"]["messagesImported"], "secs": secs, "cpuSecs": cpu, "stages": stages })
}

fn verify(port: u16, file: &str, names: &str, target: &str) -> Value {
    let (result, secs, cpu) = job(json!({ "operation": "verify", "params": {
        "connection": connection(port, target), "fileName": file, "nameMapFile": names, "includeDisabledRooms": true } }));
    json!({ "messages": result["summary"]["targetMessages"], "passed": result["summary"]["passed"],
            "secs": secs, "cpuSecs": cpu })
}

fn inspect(file: &str) -> Value {
    let (result, secs, cpu) =
        job(json!({ "operation": "inspect_package", "params": { "fileName": file } }));
    json!({ "messages": result["counts"]["messages"], "secs": secs, "cpuSecs": cpu })
}

/// Message `i` of the codec benchmark (~110 characters, as a chat line with a file link).
fn codec_message(i: u64, chat_id: i64) -> Message {
    let ticks = 634_609_728_000_000_000 + i as i64 * 10_000_000;
    Message {
        chat_id,
        chat_date: ticks,
        chat_date_utc: ticks_to_iso(ticks).expect("ticks in range"),
        poster_id: 2,
        poster_uri: Some("sip:ann@contoso.com".into()),
        is_alert: false,
        content: format!("Message {i:>9}: the quarterly numbers are in the shared folder, see ma-filelink:///share/q{i}.xlsx ok"),
        content_utf16_base64: None,
        rtf: None,
    }
}

/// The package writer alone, on this thread: `messages` messages over 100 rooms (no entities to speak of).
fn codec_write(path: &Path, messages: u64) -> Value {
    const ROOMS: u64 = 100;
    let started = Instant::now();
    let mut writer = PackageWriter::create(path).expect("create");
    writer
        .write_entities(&Entities::default(), || Ok(()))
        .expect("entities");
    let mut histories = Vec::new();
    for room in 0..ROOMS {
        let count = messages / ROOMS + u64::from(room < messages % ROOMS);
        let entry = messages_entry(room as i32 + 100);
        writer.begin_entry(&entry).expect("entry");
        for chat in 1..=count {
            writer
                .write_record(&codec_message((chat - 1) * ROOMS + room, chat as i64))
                .expect("a message");
        }
        writer.end_entry().expect("end");
        histories.push(RoomHistory {
            room_id: room as i32 + 100,
            entry,
            messages: count,
            first_chat_id: (count > 0).then_some(1),
            last_chat_id: (count > 0).then_some(count as i64),
            chat_id_bound: (count > 0).then_some(count as i64),
            first_message_utc: None,
            last_message_utc: None,
        });
    }
    let manifest = Manifest {
        format: FORMAT_NAME.into(),
        format_version: format!("{FORMAT_MAJOR}.{FORMAT_MINOR}"),
        tool: ToolInfo {
            name: "pchat-migrate".into(),
            version: "bench".into(),
        },
        created_utc: "2026-12-01T00:00:00Z".into(),
        source: SourceInfo {
            db_instance: "bench".into(),
            database: "bench".into(),
            kind: "LyncGroupChat2010".into(),
            product_version: None,
        },
        parameters: json!({}),
        counts: EntityCounts {
            messages,
            rooms: ROOMS,
            ..EntityCounts::default()
        },
        rooms: histories,
        entries: Vec::new(),
    };
    writer.finish(manifest).expect("finish");
    json!({ "messages": messages, "secs": started.elapsed().as_secs_f64() })
}

/// The package reader alone, on this thread: every message of every room, checksums checked.
fn codec_read(path: &Path) -> Value {
    let started = Instant::now();
    let mut reader = PackageReader::open(path).expect("the package opens");
    let rooms: Vec<i32> = reader.manifest().rooms.iter().map(|r| r.room_id).collect();
    let mut messages = 0u64;
    for room in rooms {
        reader
            .for_each_message(room, |_, _| {
                messages += 1;
                Ok(())
            })
            .expect("the room reads");
    }
    json!({ "messages": messages, "secs": started.elapsed().as_secs_f64() })
}
