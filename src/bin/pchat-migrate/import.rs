//! `pchat-migrate import`: a migration package into Lync 2013 Persistent Chat (`mgc`). The flags are
//! Import-PChatMigrationData's parameters; they become the library's `import` request (`ImportParams`), and the
//! typed `ImportResult` comes back as a human summary (or, with `--json`, as it is).

use crate::ConnectionArgs;
use clap::{Args, ValueEnum};
use pchat_migrate::target::result::ImportResult;
use pchat_migrate::target::{EntityResult, EntityStatus, StatusCounts};
use pchat_migrate::transform::{Finding, Severity};
use pchat_migrate::util::text::escape_control;
use pchat_migrate::util::units::{format_bytes, format_count, format_duration_ms};
use pchat_migrate::PcmError;
use serde_json::{json, Map, Value};

/// `-ConflictAction`: what happens when a package item's name is already used in the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConflictActionArg {
    /// Refuse before the first write, listing every collision (the default).
    Fail,
    /// Keep the target's item; the package's is not imported.
    Skip,
    /// Replace the target's item (Import-CsPersistentChatData's behaviour).
    Overwrite,
    /// Import the package's item as "<name> (migrated)".
    Rename,
}

impl ConflictActionArg {
    /// The library's name (`ConflictAction` in src/target/model.rs).
    pub fn library_name(self) -> &'static str {
        match self {
            ConflictActionArg::Fail => "Fail",
            ConflictActionArg::Skip => "Skip",
            ConflictActionArg::Overwrite => "Overwrite",
            ConflictActionArg::Rename => "Rename",
        }
    }
}

/// `-SettingConflict`: how a per-room setting that 2013 keeps per category is folded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SettingConflictArg {
    /// Off wins: nothing becomes visible or allowed that was not before (the default).
    Strictest,
    /// On wins.
    MostPermissive,
}

/// The transform's choices, shared by `import` and `readiness` (the same parameters in both requests).
#[derive(Args, Clone)]
pub struct TransformArgs {
    /// A CSV (`Path,NewName`) or JSON file of new names: legacy path (`Sales\EMEA\Q3`) -> 2013 name.
    #[arg(long)]
    pub name_map: Option<String>,
    /// Put between the parent categories' names and a node's own name when flattening (default " - ").
    #[arg(long)]
    pub name_separator: Option<String>,
    /// Fold the rooms' chat-history and file-post settings into their category: strictest (off wins, the
    /// default) or most-permissive (on wins).
    #[arg(long, value_enum)]
    pub setting_conflict: Option<SettingConflictArg>,
    /// Append the legacy room topic (which 2013 drops) to the description when it fits.
    #[arg(long)]
    pub topic_to_description: bool,
    /// Import rooms that are disabled in the package (skipped by default).
    #[arg(long)]
    pub include_disabled_rooms: bool,
    /// Name of the category created for rooms directly under the legacy root (default "Uncategorized").
    #[arg(long)]
    pub root_rooms_category: Option<String>,
}

impl TransformArgs {
    /// Adds the transform fields the user gave to a request's params (absent ones keep the library's
    /// defaults, so the defaults live in one place).
    pub fn insert_into(&self, params: &mut Map<String, Value>) {
        if let Some(file) = &self.name_map {
            params.insert("nameMapFile".into(), json!(file));
        }
        if let Some(separator) = &self.name_separator {
            params.insert("nameSeparator".into(), json!(separator));
        }
        if let Some(policy) = self.setting_conflict {
            let name = match policy {
                SettingConflictArg::Strictest => "Strictest",
                SettingConflictArg::MostPermissive => "MostPermissive",
            };
            params.insert("settingConflict".into(), json!(name));
        }
        params.insert(
            "topicToDescription".into(),
            json!(self.topic_to_description),
        );
        params.insert(
            "includeDisabledRooms".into(),
            json!(self.include_disabled_rooms),
        );
        if let Some(name) = &self.root_rooms_category {
            params.insert("rootRoomsCategory".into(), json!(name));
        }
    }
}

/// Import options, named after Import-CsPersistentChatData's parameters (plus the transform's choices).
#[derive(Args, Clone)]
pub struct ImportArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    /// The migration package to import.
    #[arg(long = "file-name", visible_alias = "filename")]
    pub file_name: String,
    /// Plan only: preflight, every entity and conversion, the estimate; nothing is written to the target.
    #[arg(long)]
    pub what_if: bool,
    /// What to do when a category, room or add-in name is already used in the target.
    #[arg(long, value_enum, default_value = "fail")]
    pub conflict_action: ConflictActionArg,
    /// Write the report: 'x.html' gets the HTML page and 'x.json' beside it the JSON.
    #[arg(long)]
    pub report: Option<String>,
    /// Import although Persistent Chat servers pinged the target recently, and replace existing report files.
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub transform: TransformArgs,
    /// Messages per transaction (the library's default when absent).
    #[arg(long)]
    pub batch_size: Option<u32>,
}

impl ImportArgs {
    /// The `import` request's params. `--db-name` defaults to `mgc`, as -DBName does.
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let mut connection = self.connection.to_params()?;
        if let Value::Object(fields) = &mut connection {
            fields.entry("dbName").or_insert_with(|| json!("mgc"));
        }
        let mut params = Map::new();
        params.insert("connection".into(), connection);
        params.insert("fileName".into(), json!(self.file_name));
        params.insert("whatIf".into(), json!(self.what_if));
        params.insert(
            "conflictAction".into(),
            json!(self.conflict_action.library_name()),
        );
        params.insert("force".into(), json!(self.force));
        if let Some(report) = &self.report {
            params.insert("report".into(), json!(report));
        }
        self.transform.insert_into(&mut params);
        if let Some(size) = self.batch_size {
            params.insert("batchSize".into(), json!(size));
        }
        Ok(Value::Object(params))
    }
}

/// Writes one line to stdout with control characters escaped (names come from databases and packages); a
/// closed pipe ends the program quietly.
pub fn out(line: &str) {
    use std::io::Write as _;
    if writeln!(std::io::stdout(), "{}", escape_control(line)).is_err() {
        std::process::exit(0);
    }
}

/// The human summary of an import result; a result this build cannot read is printed as JSON.
pub fn print(data: &Value, verbose: bool) {
    match serde_json::from_value::<ImportResult>(data.clone()) {
        Ok(result) => print_result(&result, verbose),
        Err(e) => {
            out(&format!(
                "(the import result could not be read as expected: {e}; as JSON:)"
            ));
            out(&serde_json::to_string_pretty(data).unwrap_or_default());
        }
    }
}

fn print_result(result: &ImportResult, verbose: bool) {
    for line in summary_lines(result, verbose) {
        out(&line);
    }
}

/// The summary, line by line (printed with control characters escaped by [`out`]).
fn summary_lines(result: &ImportResult, verbose: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let target = &result.target;
    lines.push(format!(
        "Target        : {} on {} ({})",
        target.database, target.db_instance, target.kind
    ));
    let package = &result.package;
    lines.push(format!(
        "Package       : {} ({} '{}', created {})",
        package.path, package.source_kind, package.source_database, package.created_utc
    ));
    lines.push(
        if result.what_if {
            "Mode          : what-if: the plan only, nothing was written to the target"
        } else {
            "Mode          : import"
        }
        .to_string(),
    );
    print_preflight(result, &mut lines);
    lines.extend(finding_lines(&result.findings, verbose));
    entity_lines(&result.entities, verbose, &mut lines);
    let s = &result.summary;
    for (label, counts) in [
        ("Principals", &s.principals),
        ("Add-ins", &s.addins),
        ("Categories", &s.categories),
        ("Rooms", &s.rooms),
    ] {
        lines.push(format!(
            "{label:<14}: {}",
            counts_text(counts, result.what_if)
        ));
    }
    if result.what_if {
        let e = &result.estimate;
        lines.push(format!(
            "Messages      : {} in the package for the imported rooms, {} to write ({})",
            format_count(s.messages_total),
            format_count(e.messages),
            format_bytes(e.bytes)
        ));
        lines.push(format!(
            "Estimate      : {} ({})",
            format_duration_ms(seconds_to_ms(e.seconds)),
            e.basis
        ));
    } else {
        lines.push(format!(
            "Messages      : {} imported, {} already present (resumed), {} in the package ({})",
            format_count(s.messages_imported),
            format_count(s.messages_already_present),
            format_count(s.messages_total),
            format_bytes(s.bytes_imported)
        ));
        lines.push(format!(
            "Took          : {} ({} messages/s)",
            format_duration_ms(s.duration_ms),
            format_count(s.messages_per_second)
        ));
    }
    if let Some(report) = &result.report {
        lines.push(format!(
            "Report        : {} (and {})",
            report.html, report.json
        ));
    }
    lines
}

/// Seconds (a float from the estimate) as whole milliseconds for display; negative or non-finite is 0.
fn seconds_to_ms(seconds: f64) -> u64 {
    if seconds.is_finite() && seconds > 0.0 {
        // Saturates at u64::MAX: a display value, not a stored one.
        (seconds * 1000.0).round().min(u64::MAX as f64) as u64
    } else {
        0
    }
}

fn counts_text(c: &StatusCounts, what_if: bool) -> String {
    if what_if {
        format!(
            "{} to create, {} to update, {} to skip",
            c.created, c.updated, c.skipped
        )
    } else {
        format!(
            "{} created, {} updated, {} skipped, {} failed",
            c.created, c.updated, c.skipped, c.failed
        )
    }
}

fn print_preflight(result: &ImportResult, lines: &mut Vec<String>) {
    use pchat_migrate::target::BackupStatus;
    let p = &result.preflight;
    let recent: Vec<String> = p
        .servers
        .iter()
        .map(|s| match s.minutes_ago {
            Some(m) => format!("{} ({m} min ago)", s.address),
            None => format!("{} (never)", s.address),
        })
        .collect();
    lines.push(format!(
        "Servers       : {}",
        if recent.is_empty() {
            "none registered".to_string()
        } else {
            recent.join(", ")
        }
    ));
    lines.push(match &p.admin_lock {
        Some(lock) => format!(
            "Admin lock    : held by server {} (actor {}) until {}",
            lock.server_id, lock.actor_id, lock.expires
        ),
        None => "Admin lock    : free".to_string(),
    });
    lines.push(match &p.backup {
        BackupStatus::Found {
            finished,
            hours_ago,
        } => format!("Backup        : last full backup {finished} ({hours_ago} h ago)"),
        BackupStatus::None => "Backup        : no full backup found".to_string(),
        BackupStatus::Unknown { reason } => format!("Backup        : unknown ({reason})"),
    });
}

/// Findings by severity: errors and warnings in full, information as a count (in full with --verbose).
pub fn finding_lines(findings: &[Finding], verbose: bool) -> Vec<String> {
    let mut lines = Vec::new();
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    lines.push(format!(
        "Findings      : {} error(s), {} warning(s), {} information",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        if severity == Severity::Info && !verbose {
            continue;
        }
        for f in findings.iter().filter(|f| f.severity == severity) {
            let label = match severity {
                Severity::Error => "ERROR",
                Severity::Warning => "WARNING",
                Severity::Info => "INFO",
            };
            let rooms = match f.rooms.len() {
                0 => String::new(),
                1..=3 => format!(" (rooms: {})", f.rooms.join(", ")),
                n => format!(" ({n} rooms: {}, ...)", f.rooms[..3].join(", ")),
            };
            lines.push(format!("  {label:<7} {}: {}{rooms}", f.code, f.message));
        }
    }
    lines
}

/// The entities table (Type, Status, Name, Notes). Principals are many and mostly matched: listed with
/// --verbose only (the counts below always show them).
fn entity_lines(entities: &[EntityResult], verbose: bool, lines: &mut Vec<String>) {
    let shown: Vec<&EntityResult> = entities
        .iter()
        .filter(|e| verbose || e.entity_type != "Principal")
        .collect();
    if shown.is_empty() {
        return;
    }
    let type_width = shown
        .iter()
        .map(|e| e.entity_type.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    lines.push(format!(
        "  {:<type_width$}  {:<12}  {:<40}  Notes",
        "Type", "Status", "Name"
    ));
    for e in shown {
        lines.push(format!(
            "  {:<type_width$}  {:<12}  {:<40}  {}",
            e.entity_type,
            status_name(e.status),
            e.name,
            e.notes
        ));
    }
}

fn status_name(status: EntityStatus) -> &'static str {
    match status {
        EntityStatus::Successful => "Successful",
        EntityStatus::Skipped => "Skipped",
        EntityStatus::Failed => "Failed",
        EntityStatus::WouldCreate => "WouldCreate",
        EntityStatus::WouldUpdate => "WouldUpdate",
        EntityStatus::WouldSkip => "WouldSkip",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: ImportArgs,
    }

    fn parse(extra: &[&str]) -> ImportArgs {
        let mut argv = vec![
            "import",
            "--db-instance",
            "sql01\\rtc",
            "--file-name",
            "GroupChat.zip",
        ];
        argv.extend_from_slice(extra);
        Wrapper::try_parse_from(argv).expect("parses").args
    }

    /// The request the CLI builds is exactly the library's contract: `ImportParams` refuses unknown fields, so
    /// a misspelled or extra field fails here.
    fn contract(args: &ImportArgs) -> pchat_migrate::target::ImportParams {
        let params = args.to_params().expect("params");
        serde_json::from_value(params.clone())
            .unwrap_or_else(|e| panic!("not an ImportParams: {e}\n{params:#}"))
    }

    #[test]
    fn defaults_are_the_library_defaults_and_db_name_is_mgc() {
        let params = contract(&parse(&[]));
        assert_eq!(params.connection.db_name.as_deref(), Some("mgc"));
        assert!(!params.what_if);
        assert_eq!(
            params.conflict_action,
            pchat_migrate::target::ConflictAction::Fail
        );
        assert_eq!(params.name_separator, " - ");
        assert_eq!(params.root_rooms_category, "Uncategorized");
        assert_eq!(params.batch_size, None);
        assert_eq!(params.report, None);
    }

    #[test]
    fn every_flag_reaches_its_field() {
        use pchat_migrate::target::ConflictAction;
        use pchat_migrate::transform::SettingPolicy;
        let params = contract(&parse(&[
            "--db-name",
            "mgc2",
            "--what-if",
            "--conflict-action",
            "rename",
            "--report",
            "r.html",
            "--force",
            "--name-map",
            "names.csv",
            "--name-separator",
            " / ",
            "--setting-conflict",
            "most-permissive",
            "--topic-to-description",
            "--include-disabled-rooms",
            "--root-rooms-category",
            "Lobby",
            "--batch-size",
            "2000",
        ]));
        assert_eq!(params.connection.db_name.as_deref(), Some("mgc2"));
        assert!(params.what_if && params.force);
        assert_eq!(params.conflict_action, ConflictAction::Rename);
        assert_eq!(params.report.as_deref(), Some("r.html"));
        assert_eq!(params.name_map_file.as_deref(), Some("names.csv"));
        assert_eq!(params.name_separator, " / ");
        assert_eq!(params.setting_conflict, SettingPolicy::MostPermissive);
        assert!(params.topic_to_description && params.include_disabled_rooms);
        assert_eq!(params.root_rooms_category, "Lobby");
        assert_eq!(params.batch_size, Some(2000));
        for (flag, action) in [
            ("fail", ConflictAction::Fail),
            ("skip", ConflictAction::Skip),
            ("overwrite", ConflictAction::Overwrite),
        ] {
            assert_eq!(
                contract(&parse(&["--conflict-action", flag])).conflict_action,
                action
            );
        }
    }

    fn result(what_if: bool) -> ImportResult {
        use pchat_migrate::target::result::{PackageInfo, Preflight, TargetInfo};
        use pchat_migrate::target::{BackupStatus, Estimate, ImportSummary, ServerPing};
        let entity = |t: &str, name: &str, status| EntityResult {
            entity_type: t.into(),
            name: name.into(),
            status,
            notes: format!("notes of {name}"),
        };
        let finding = |severity, code: &str| Finding {
            severity,
            code: code.into(),
            message: format!("message of {code}"),
            entity_type: Some("Room".into()),
            entity: Some("Sales\\Q3".into()),
            rooms: vec!["Sales - Q3".into(), "b".into(), "c".into(), "d".into()],
        };
        ImportResult {
            what_if,
            target: TargetInfo {
                db_instance: "sql13".into(),
                database: "mgc".into(),
                kind: "PersistentChat2013".into(),
            },
            package: PackageInfo {
                path: "p.zip".into(),
                source_kind: "LyncGroupChat2010".into(),
                source_database: "GroupChat".into(),
                created_utc: "2026-12-01T00:00:00Z".into(),
            },
            summary: ImportSummary {
                rooms: StatusCounts {
                    created: 7,
                    updated: 1,
                    skipped: 2,
                    failed: 0,
                },
                messages_total: 1234,
                messages_imported: 1000,
                messages_already_present: 234,
                duration_ms: 1500,
                ..ImportSummary::default()
            },
            entities: vec![
                entity(
                    "Principal",
                    "sip:ann@contoso.com",
                    EntityStatus::WouldCreate,
                ),
                entity("Room", "Sales - Q3", EntityStatus::WouldCreate),
                entity("Category", "Sales", EntityStatus::WouldSkip),
            ],
            findings: vec![
                finding(Severity::Info, "name_prefixed"),
                finding(Severity::Warning, "invitation_forced_off"),
                finding(Severity::Error, "name_too_long"),
            ],
            preflight: Preflight {
                servers: vec![ServerPing {
                    server_id: 1,
                    address: "pchat01".into(),
                    last_ping: None,
                    minutes_ago: Some(90),
                }],
                admin_lock: None,
                backup: BackupStatus::Unknown {
                    reason: "no msdb".into(),
                },
            },
            estimate: Estimate {
                messages: 1234,
                bytes: 4096,
                seconds: 2.5,
                basis: "measured".into(),
            },
            report: None,
        }
    }

    fn has(lines: &[String], text: &str) -> bool {
        lines.iter().any(|l| l.contains(text))
    }

    #[test]
    fn the_what_if_summary_shows_the_plan() {
        let lines = summary_lines(&result(true), false);
        let all = lines.join("\n");
        assert!(has(&lines, "Mode          : what-if"), "{all}");
        assert!(
            has(&lines, "Target        : mgc on sql13 (PersistentChat2013)"),
            "{all}"
        );
        assert!(has(&lines, "pchat01 (90 min ago)"), "{all}");
        assert!(has(&lines, "Backup        : unknown (no msdb)"), "{all}");
        assert!(
            has(&lines, "1 error(s), 1 warning(s), 1 information"),
            "{all}"
        );
        assert!(
            has(
                &lines,
                "ERROR   name_too_long: message of name_too_long (4 rooms: Sales - Q3, b, c, ...)"
            ),
            "{all}"
        );
        assert!(has(&lines, "WARNING invitation_forced_off"), "{all}");
        assert!(
            !has(&lines, "INFO"),
            "information only with --verbose: {all}"
        );
        assert!(
            has(&lines, "WouldCreate") && has(&lines, "notes of Sales - Q3"),
            "{all}"
        );
        assert!(
            !has(&lines, "sip:ann@contoso.com"),
            "principals only with --verbose: {all}"
        );
        assert!(
            has(
                &lines,
                "Rooms         : 7 to create, 1 to update, 2 to skip"
            ),
            "{all}"
        );
        assert!(has(&lines, "Estimate      : 2.5 s (measured)"), "{all}");
        assert!(
            has(&lines, "1,234 to write (4.0 KB)") || has(&lines, "1,234 to write ("),
            "{all}"
        );
        assert!(!has(&lines, "Took"), "{all}");

        let verbose = summary_lines(&result(true), true);
        assert!(has(&verbose, "INFO    name_prefixed"));
        assert!(has(&verbose, "sip:ann@contoso.com"));
    }

    #[test]
    fn the_import_summary_shows_what_was_written() {
        let lines = summary_lines(&result(false), false);
        let all = lines.join("\n");
        assert!(has(&lines, "Mode          : import"), "{all}");
        assert!(
            has(
                &lines,
                "Rooms         : 7 created, 1 updated, 2 skipped, 0 failed"
            ),
            "{all}"
        );
        assert!(has(&lines, "1,000 imported, 234 already present"), "{all}");
        assert!(has(&lines, "Took"), "{all}");
        assert!(!has(&lines, "Estimate"), "{all}");
    }

    #[test]
    fn seconds_display_never_wraps() {
        assert_eq!(seconds_to_ms(1.5), 1500);
        assert_eq!(seconds_to_ms(-3.0), 0);
        assert_eq!(seconds_to_ms(f64::NAN), 0);
        assert_eq!(seconds_to_ms(f64::INFINITY), 0);
    }
}
