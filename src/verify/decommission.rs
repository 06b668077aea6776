//! The decommission checklist at the end of the verify report (steps 9–12 of the documented migration and
//! the summary's decommissioning item, migration-procedure.md §5): start the new pool, check it, keep what is
//! left readable (an archive), uninstall Group Chat, remove its trusted application and pool, publish the
//! topology, back up and retire the legacy database.
//!
//! Each step's command is filled in from [`DecommissionFacts`] (and the verify source) where known and keeps a
//! `<placeholder>` where not (`complete: false`). Values are PowerShell single-quoted literals, so a name holding
//! `$`, `` ` `` or a quote is never expanded or run when the admin pastes the command. When verify did not pass,
//! the first step says not to decommission and every action after it starts with "Not yet". docs/verify-report.md.

use super::{DecommissionFacts, DecommissionStep, VerifyResult};

/// The checklist for `result`'s migration, facts filled in where known, `<placeholders>` where not.
pub fn checklist(facts: &DecommissionFacts, result: &VerifyResult) -> Vec<DecommissionStep> {
    let known = Known::new(facts, result);
    let mut steps: Vec<DecommissionStep> = gate(result).into_iter().collect();
    steps.push(start_services(&known).build(&known));
    steps.push(check_rooms(&known).build(&known));
    steps.push(check_endpoint(&known).build(&known));
    steps.extend(keep_readable(&known).into_iter().map(|s| s.build(&known)));
    steps.extend(
        uninstall_group_chat(&known)
            .into_iter()
            .map(|s| s.build(&known)),
    );
    for step in [
        remove_trusted_application(&known),
        remove_trusted_application_pool(&known),
        publish_topology(),
        back_up_legacy_database(&known),
        retire_legacy_database(&known),
    ] {
        steps.push(step.build(&known));
    }
    steps
}

/// A value in a command: known (from the facts or the verify source) or a `<placeholder>` to fill in.
#[derive(Debug, Clone)]
struct Fact {
    text: String,
    known: bool,
}

impl Fact {
    fn of(value: Option<&str>, placeholder: &str) -> Fact {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => Fact {
                text: v.to_string(),
                known: true,
            },
            None => Fact::placeholder(placeholder),
        }
    }

    fn placeholder(name: &str) -> Fact {
        Fact {
            text: format!("<{name}>"),
            known: false,
        }
    }

    /// `self` + `separator` + `other`, known only when both are.
    fn join(&self, separator: &str, other: &Fact) -> Fact {
        Fact {
            text: format!("{}{separator}{}", self.text, other.text),
            known: self.known && other.known,
        }
    }

    /// The value as a PowerShell single-quoted string literal.
    fn quoted(&self) -> String {
        ps_quote(&self.text)
    }
}

/// `text` as a PowerShell single-quoted literal: nothing inside is expanded (`$`, `` ` ``, `$(...)`). PowerShell
/// treats the typographic single quotes (U+2018–U+201B) as quotes too, so each of them is doubled as well.
pub fn ps_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// What the checklist knows: the facts, and the legacy database when verify read it directly.
struct Known {
    passed: bool,
    legacy_pool: Fact,
    application_id: Fact,
    legacy_servers: Vec<String>,
    pool: Fact,
    lookup: Fact,
    /// The package verify compared with (the migration's package), when the source was one.
    package: Option<String>,
    legacy_instance: Fact,
    legacy_database: Fact,
}

impl Known {
    fn new(facts: &DecommissionFacts, result: &VerifyResult) -> Known {
        let (instance, database, package) = match result.source.kind.as_str() {
            // `instance/database` (verify's VerifySource): an instance name holds no '/' (host, `\instance`,
            // `,port`), so the first '/' separates them.
            "database" => match result.source.location.split_once('/') {
                Some((i, d)) => (Some(i), Some(d), None),
                None => (None, None, None),
            },
            "package" => (None, None, Some(result.source.location.clone())),
            _ => (None, None, None),
        };
        Known {
            passed: result.summary.passed,
            legacy_pool: Fact::of(
                facts.legacy_pool_fqdn.as_deref(),
                "legacy Group Chat pool FQDN",
            ),
            application_id: Fact::of(
                facts.trusted_application_id.as_deref(),
                "trusted application id",
            ),
            legacy_servers: facts
                .legacy_servers
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            pool: Fact::of(
                facts.persistent_chat_pool_fqdn.as_deref(),
                "Persistent Chat pool FQDN",
            ),
            lookup: Fact::of(
                facts.lookup_sip_address.as_deref(),
                "lookup SIP address, e.g. sip:ocschat@contoso.com",
            ),
            package: package.filter(|p| !p.trim().is_empty()),
            legacy_instance: Fact::of(instance, "legacy SQL Server instance"),
            legacy_database: Fact::of(database, "legacy Group Chat database"),
        }
    }
}

/// A step being built: its command from parts, complete while every fact in it is known.
struct Step {
    title: String,
    command: Option<(String, bool)>,
    note: String,
    /// An action (not a check): when verify did not pass, its note starts with "Not yet".
    action: bool,
}

impl Step {
    fn new(title: impl Into<String>, note: impl Into<String>) -> Step {
        Step {
            title: title.into(),
            command: None,
            note: note.into(),
            action: true,
        }
    }

    /// The command: `cmdlet` then `-Name 'value'` for each argument.
    fn cmdlet(mut self, cmdlet: &str, args: &[(&str, &Fact)]) -> Step {
        let mut text = cmdlet.to_string();
        let mut complete = true;
        for (name, value) in args {
            text.push_str(&format!(" -{name} {}", value.quoted()));
            complete &= value.known;
        }
        self.command = Some((text, complete));
        self
    }

    /// A command written out in full, complete when every fact in `facts` is known.
    fn command(mut self, text: String, facts: &[&Fact]) -> Step {
        self.command = Some((text, facts.iter().all(|f| f.known)));
        self
    }

    /// Appends a switch parameter to the command.
    fn switch(mut self, name: &str) -> Step {
        if let Some((text, _)) = &mut self.command {
            text.push_str(&format!(" -{name}"));
        }
        self
    }

    fn check(mut self) -> Step {
        self.action = false;
        self
    }

    fn build(self, known: &Known) -> DecommissionStep {
        let note = if self.action && !known.passed {
            format!(
                "Not yet: verify did not pass; do this only after it does. {}",
                self.note
            )
        } else {
            self.note
        };
        let (command, complete) = match self.command {
            Some((text, complete)) => (Some(text), complete),
            None => (None, true),
        };
        DecommissionStep {
            title: self.title,
            command,
            note,
            complete,
        }
    }
}

/// The first step when the legacy deployment must not be retired yet: verify failed, or only compared counts.
fn gate(result: &VerifyResult) -> Option<DecommissionStep> {
    let s = &result.summary;
    if !s.passed {
        let differing = s.mismatched + s.missing + s.extra;
        return Some(DecommissionStep {
            title: format!(
                "Do not decommission: {differing} item{} do{} not match",
                plural(differing),
                if differing == 1 { "es" } else { "" }
            ),
            command: None,
            note: format!(
                "Verify found {} mismatched, {} missing and {} extra item(s) (listed above, each with its first \
                 difference). Until the target matches, the legacy database is the only complete copy of the \
                 chat history: fix the cause (re-run the import, which resumes and skips what is there), run \
                 verify again, and start the steps below only when it passes.",
                s.mismatched, s.missing, s.extra
            ),
            complete: false,
        });
    }
    if result.quick {
        return Some(DecommissionStep {
            title: "Run a full verify before retiring anything".to_string(),
            command: None,
            note: "This was a quick verify: it compared message counts and the first and last chatId and \
                   chatDate of each room, not the messages themselves. Run verify without -Quick (--quick) \
                   before the irreversible steps below."
                .to_string(),
            complete: false,
        });
    }
    None
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Step 9: start the new pool.
fn start_services(k: &Known) -> Step {
    Step::new(
        "Start the Persistent Chat services (step 9)",
        format!(
            "On every computer of the Persistent Chat pool {} (turn them all on), if they are not running yet; \
             Start-CsWindowsService starts the Lync Server services of the computer it runs on. Users then \
             post into the migrated rooms.",
            k.pool.text
        ),
    )
    .command("Start-CsWindowsService".to_string(), &[])
}

/// Step 10: the documented check with the Lync tools, beside this report's database comparison.
fn check_rooms(k: &Known) -> Step {
    Step::new(
        "Check the migrated rooms with the Lync Server tools (step 10)",
        "This report compared the databases. Also list the categories (Get-CsPersistentChatCategory) and \
         add-ins (Get-CsPersistentChatAddin), run Test-CsPersistentChatMessage, and sign in with a legacy \
         Group Chat client and a Lync 2013 client.",
    )
    .cmdlet("Get-CsPersistentChatRoom", &[("PersistentChatPoolFqdn", &k.pool)])
    .check()
}

/// Legacy clients find the pool through the lookup address, now a Persistent Chat endpoint.
fn check_endpoint(k: &Known) -> Step {
    Step::new(
        "Check the endpoint legacy clients look up",
        format!(
            "It must return the endpoint of pool {} (its PersistentChatPoolFqdn). If it returns nothing, the \
             lookup address still belongs to the AD user of the Lookup service: Enable-PChatLegacyClientAccess \
             (or pchat-migrate legacy-clients plan) releases it and creates the endpoint, in that order.",
            k.pool.text
        ),
    )
    .cmdlet("Get-CsPersistentChatEndpoint", &[("Identity", &k.lookup)])
    .check()
}

/// Keep the history of rooms that were not migrated readable after the legacy servers are gone.
fn keep_readable(k: &Known) -> Vec<Step> {
    let archive_note = "A browsable archive (one HTML page per room, an index, a JSON Lines copy) keeps the \
                        history of the rooms the import left out (disabled, out of scope, before -StartDate) \
                        readable without the legacy servers. CLI: pchat-migrate archive --file-name PACKAGE \
                        --output FOLDER [--only-not-migrated].";
    let folder = Fact::placeholder("archive folder");
    match &k.package {
        Some(package) => {
            let package = Fact::of(Some(package), "package");
            vec![Step::new(
                "Keep what is left readable: archive the rooms that were not migrated",
                format!(
                    "{archive_note} -OnlyNotMigrated (--only-not-migrated) keeps the rooms a default import of \
                     this package leaves out (disabled rooms, rooms whose category is not in it); leave it out to \
                     archive every room. This package holds only what was exported: if the export used \
                     -StartDate or -Scope, export the legacy database again without them and archive that \
                     package instead."
                ),
            )
            .cmdlet(
                "Export-PChatArchive",
                &[("FileName", &package), ("OutputFolder", &folder)],
            )
            .switch("OnlyNotMigrated")]
        }
        None => {
            let full = Fact::placeholder("full export package .zip");
            vec![
                Step::new(
                    "Keep what is left readable: export the whole legacy database",
                    "Every room and all history (no -StartDate, no -Scope, disabled rooms included): only \
                     reads the legacy database.",
                )
                .cmdlet(
                    "Export-PChatMigrationData",
                    &[
                        ("DBInstance", &k.legacy_instance),
                        ("DBName", &k.legacy_database),
                        ("FileName", &full),
                    ],
                ),
                Step::new(
                    "Keep what is left readable: archive that package",
                    format!("{archive_note} Every room of it, migrated or not: the complete legacy history."),
                )
                .cmdlet(
                    "Export-PChatArchive",
                    &[("FileName", &full), ("OutputFolder", &folder)],
                ),
            ]
        }
    }
}

/// Step 11: stop and uninstall Group Chat on each legacy server (one step per server when they are known).
fn uninstall_group_chat(k: &Known) -> Vec<Step> {
    let servers: Vec<Fact> = if k.legacy_servers.is_empty() {
        vec![Fact::placeholder("legacy Group Chat server")]
    } else {
        k.legacy_servers
            .iter()
            .map(|s| Fact::of(Some(s), "legacy Group Chat server"))
            .collect()
    };
    servers
        .into_iter()
        .map(|server| {
            Step::new(
                format!("Stop and uninstall Group Chat on {} (step 11)", server.text),
                "Stops the Group Chat services (Lookup, Channel, Compliance) of that computer; then remove \
                 Lync Server 2010 Group Chat (or OCS 2007 R2 Group Chat) from Programs and Features there. The \
                 display-name filter is this tool's assumption: read the services it lists before uninstalling.",
            )
            .command(
                format!(
                    "Invoke-Command -ComputerName {} -ScriptBlock {{ Get-Service -DisplayName '*Group Chat*' | \
                     Stop-Service -PassThru }}",
                    server.quoted()
                ),
                &[&server],
            )
        })
        .collect()
}

const NOT_NAMED: &str = "The migration documentation says only to delete the trusted application and trusted \
                         application pool with PowerShell (or Topology Builder) and does not name the cmdlets; \
                         Remove-CsTrustedApplication and Remove-CsTrustedApplicationPool are the existing ones.";

/// Step 12, first half: the legacy Group Chat trusted application.
fn remove_trusted_application(k: &Known) -> Step {
    let identity = k.legacy_pool.join("/", &k.application_id);
    Step::new(
        "Remove the Group Chat trusted application (step 12)",
        format!(
            "Group Chat was a third-party trusted application on the pool {}. {NOT_NAMED}",
            k.legacy_pool.text
        ),
    )
    .cmdlet("Remove-CsTrustedApplication", &[("Identity", &identity)])
}

/// Step 12, second half: its trusted application pool.
fn remove_trusted_application_pool(k: &Known) -> Step {
    Step::new(
        "Remove the Group Chat trusted application pool (step 12)",
        format!("After its trusted application is gone. {NOT_NAMED}"),
    )
    .cmdlet(
        "Remove-CsTrustedApplicationPool",
        &[("Identity", &k.legacy_pool)],
    )
}

/// Publishing the topology makes the removals take effect.
fn publish_topology() -> Step {
    Step::new(
        "Publish the topology",
        "Publishes the removals: the trusted application and pool leave the Central Management store and their \
         Trusted Service Entries (TSEs) leave Active Directory.",
    )
    .command("Enable-CsTopology".to_string(), &[])
}

/// Back up the legacy database before it is retired (the package is not a SQL backup).
fn back_up_legacy_database(k: &Known) -> Step {
    let file = Fact::placeholder("backup file .bak");
    Step::new(
        "Back up the legacy Group Chat database",
        "A final copy-only full backup (Backup-SqlDatabase is in the SqlServer module); back up the legacy \
         compliance database too if Group Chat had one. Keep the backups as your retention rules say.",
    )
    .cmdlet(
        "Backup-SqlDatabase",
        &[
            ("ServerInstance", &k.legacy_instance),
            ("Database", &k.legacy_database),
            ("BackupFile", &file),
        ],
    )
    .switch("CopyOnly")
}

/// Take the legacy database offline: reversible, unlike dropping it.
fn retire_legacy_database(k: &Known) -> Step {
    let name = bracket(&k.legacy_database);
    let query = Fact {
        text: format!("ALTER DATABASE {name} SET OFFLINE WITH ROLLBACK IMMEDIATE"),
        known: k.legacy_database.known,
    };
    Step::new(
        "Retire the legacy Group Chat database",
        "After the backup: offline is reversible (SET ONLINE); detach or drop it when nothing needs it any \
         more.",
    )
    .cmdlet(
        "Invoke-Sqlcmd",
        &[("ServerInstance", &k.legacy_instance), ("Query", &query)],
    )
}

/// A T-SQL bracket-quoted identifier (`]` doubled).
fn bracket(name: &Fact) -> String {
    format!("[{}]", name.text.replace(']', "]]"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::result::TargetInfo;
    use crate::verify::{VerifySource, VerifySummary};

    fn result(passed: bool, quick: bool, source: VerifySource) -> VerifyResult {
        VerifyResult {
            quick,
            source,
            target: TargetInfo {
                db_instance: "sql13".into(),
                database: "mgc".into(),
                kind: "PersistentChat2013".into(),
            },
            summary: VerifySummary {
                passed,
                verified: 10,
                mismatched: if passed { 0 } else { 2 },
                missing: if passed { 0 } else { 1 },
                extra: 0,
                ..VerifySummary::default()
            },
            items: Vec::new(),
            decommission: Vec::new(),
            report: None,
        }
    }

    fn database_source() -> VerifySource {
        VerifySource {
            kind: "database".into(),
            location: "gcsql.contoso.com\\rtc/GroupChat".into(),
            source_kind: "LyncGroupChat2010".into(),
        }
    }

    fn package_source() -> VerifySource {
        VerifySource {
            kind: "package".into(),
            location: "C:\\Exports\\GroupChat.zip".into(),
            source_kind: "LyncGroupChat2010".into(),
        }
    }

    fn facts() -> DecommissionFacts {
        DecommissionFacts {
            legacy_pool_fqdn: Some("gcpool.contoso.com".into()),
            trusted_application_id: Some("GroupChat".into()),
            legacy_servers: vec!["gc01.contoso.com".into(), " gc02.contoso.com ".into()],
            persistent_chat_pool_fqdn: Some("pcpool.contoso.com".into()),
            lookup_sip_address: Some("sip:ocschat@contoso.com".into()),
        }
    }

    fn command_of<'a>(steps: &'a [DecommissionStep], cmdlet: &str) -> &'a DecommissionStep {
        steps
            .iter()
            .find(|s| s.command.as_deref().is_some_and(|c| c.starts_with(cmdlet)))
            .unwrap_or_else(|| panic!("no {cmdlet} step in {steps:#?}"))
    }

    #[test]
    fn known_facts_fill_every_command_in_the_documented_order() {
        let steps = checklist(&facts(), &result(true, false, database_source()));
        let titles: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
        assert!(
            titles[0].starts_with("Start the Persistent Chat services"),
            "{titles:?}"
        );
        let position = |needle: &str| {
            titles
                .iter()
                .position(|t| t.contains(needle))
                .unwrap_or_else(|| panic!("{needle} in {titles:?}"))
        };
        // Step 9 → 10 → endpoint → archive → 11 (each server) → 12 → publish → backup → retire.
        let order = [
            position("Start the Persistent Chat"),
            position("Check the migrated rooms"),
            position("endpoint legacy clients"),
            position("export the whole legacy database"),
            position("archive that package"),
            position("on gc01.contoso.com"),
            position("on gc02.contoso.com"),
            position("trusted application (step 12)"),
            position("trusted application pool"),
            position("Publish the topology"),
            position("Back up the legacy"),
            position("Retire the legacy"),
        ];
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{titles:?}");
        assert_eq!(
            command_of(&steps, "Remove-CsTrustedApplication ")
                .command
                .as_deref(),
            Some("Remove-CsTrustedApplication -Identity 'gcpool.contoso.com/GroupChat'")
        );
        assert_eq!(
            command_of(&steps, "Remove-CsTrustedApplicationPool")
                .command
                .as_deref(),
            Some("Remove-CsTrustedApplicationPool -Identity 'gcpool.contoso.com'")
        );
        assert_eq!(
            command_of(&steps, "Get-CsPersistentChatEndpoint")
                .command
                .as_deref(),
            Some("Get-CsPersistentChatEndpoint -Identity 'sip:ocschat@contoso.com'")
        );
        assert_eq!(
            command_of(&steps, "Backup-SqlDatabase").command.as_deref(),
            Some(
                "Backup-SqlDatabase -ServerInstance 'gcsql.contoso.com\\rtc' -Database 'GroupChat' \
                 -BackupFile '<backup file .bak>' -CopyOnly"
            )
        );
        assert_eq!(
            command_of(&steps, "Invoke-Sqlcmd").command.as_deref(),
            Some(
                "Invoke-Sqlcmd -ServerInstance 'gcsql.contoso.com\\rtc' -Query 'ALTER DATABASE [GroupChat] SET \
                 OFFLINE WITH ROLLBACK IMMEDIATE'"
            )
        );
        assert!(command_of(&steps, "Enable-CsTopology").complete);
        let remove = command_of(&steps, "Remove-CsTrustedApplication ");
        assert!(remove.complete);
        assert!(
            remove.note.contains("does not name the cmdlets"),
            "{}",
            remove.note
        );
        assert!(steps.iter().all(|s| !s.note.starts_with("Not yet")));
        // Only the paths the admin chooses stay open.
        let open: Vec<&str> = steps
            .iter()
            .filter(|s| !s.complete)
            .map(|s| s.title.as_str())
            .collect();
        assert_eq!(
            open,
            [
                "Keep what is left readable: export the whole legacy database",
                "Keep what is left readable: archive that package",
                "Back up the legacy Group Chat database",
            ]
        );
        for step in steps.iter().filter(|s| s.complete) {
            let command = step.command.as_deref().unwrap_or("");
            assert!(
                !command.contains('<'),
                "complete with a placeholder: {command}"
            );
        }
    }

    #[test]
    fn unknown_facts_stay_placeholders_and_incomplete() {
        let steps = checklist(
            &DecommissionFacts::default(),
            &result(true, false, package_source()),
        );
        let remove = command_of(&steps, "Remove-CsTrustedApplication ");
        assert_eq!(
            remove.command.as_deref(),
            Some(
                "Remove-CsTrustedApplication -Identity '<legacy Group Chat pool FQDN>/<trusted application id>'"
            )
        );
        assert!(!remove.complete);
        let endpoint = command_of(&steps, "Get-CsPersistentChatEndpoint");
        assert!(!endpoint.complete);
        assert!(endpoint
            .command
            .as_deref()
            .is_some_and(|c| c.contains("<lookup SIP address")));
        let uninstall: Vec<_> = steps
            .iter()
            .filter(|s| s.title.starts_with("Stop and uninstall"))
            .collect();
        assert_eq!(uninstall.len(), 1, "one step for the unknown servers");
        assert!(!uninstall[0].complete);
        assert!(uninstall[0].title.contains("<legacy Group Chat server>"));
        // The package verify compared with is the one to archive.
        let archive = command_of(&steps, "Export-PChatArchive");
        assert_eq!(
            archive.command.as_deref(),
            Some(
                "Export-PChatArchive -FileName 'C:\\Exports\\GroupChat.zip' -OutputFolder '<archive folder>' \
                 -OnlyNotMigrated"
            )
        );
        assert!(!steps
            .iter()
            .any(|s| s.title.contains("export the whole legacy database")));
        // The legacy database is not known from a package.
        let backup = command_of(&steps, "Backup-SqlDatabase");
        assert!(backup
            .command
            .as_deref()
            .is_some_and(|c| c.contains("'<legacy SQL Server instance>'")
                && c.contains("'<legacy Group Chat database>'")));
        for step in &steps {
            if let Some(command) = &step.command {
                assert_eq!(step.complete, !command.contains('<'), "{step:#?}");
            }
        }
    }

    #[test]
    fn a_failed_verify_says_not_to_decommission_first() {
        let steps = checklist(&facts(), &result(false, false, database_source()));
        assert_eq!(steps[0].title, "Do not decommission: 3 items do not match");
        assert!(!steps[0].complete);
        assert!(steps[0]
            .note
            .contains("2 mismatched, 1 missing and 0 extra"));
        for title in [
            "Stop and uninstall",
            "Remove the Group Chat trusted application",
            "Retire",
        ] {
            let step = steps
                .iter()
                .find(|s| s.title.starts_with(title))
                .unwrap_or_else(|| panic!("{title}"));
            assert!(
                step.note.starts_with("Not yet: verify did not pass"),
                "{step:#?}"
            );
        }
        // Checks are not actions: they may run at once.
        assert!(!command_of(&steps, "Get-CsPersistentChatEndpoint")
            .note
            .starts_with("Not yet"));
        let mut one = result(false, false, database_source());
        one.summary.mismatched = 1;
        one.summary.missing = 0;
        assert_eq!(
            checklist(&facts(), &one)[0].title,
            "Do not decommission: 1 item does not match"
        );
    }

    #[test]
    fn a_quick_verify_asks_for_a_full_one_first() {
        let steps = checklist(&facts(), &result(true, true, database_source()));
        assert_eq!(steps[0].title, "Run a full verify before retiring anything");
        assert!(!steps[0].complete);
        assert!(steps[1].title.starts_with("Start the Persistent Chat"));
    }

    #[test]
    fn values_are_inert_powershell_literals() {
        assert_eq!(ps_quote("a'b"), "'a''b'");
        assert_eq!(
            ps_quote("$(Remove-Item C:\\) `n"),
            "'$(Remove-Item C:\\) `n'"
        );
        assert_eq!(ps_quote("x\u{2019}; calc"), "'x\u{2019}\u{2019}; calc'");
        let mut hostile = facts();
        hostile.legacy_pool_fqdn = Some("p'; Remove-Item -Recurse C:\\; '".into());
        let steps = checklist(&hostile, &result(true, false, database_source()));
        assert_eq!(
            command_of(&steps, "Remove-CsTrustedApplicationPool")
                .command
                .as_deref(),
            Some("Remove-CsTrustedApplicationPool -Identity 'p''; Remove-Item -Recurse C:\\; '''")
        );
        let mut source = database_source();
        source.location = "sql/Group]Chat".into();
        let steps = checklist(&facts(), &result(true, false, source));
        assert!(command_of(&steps, "Invoke-Sqlcmd")
            .command
            .as_deref()
            .is_some_and(|c| c.contains("[Group]]Chat]")));
    }
}
