//! The library names parameters as the PowerShell cmdlets do (`-FileName`, the Cs cmdlets' convention); on the
//! command line the same parameters are `--file-name` flags. Messages are rewritten for the CLI so an admin is
//! told the flag to type.

/// PowerShell parameter → CLI flag, for the parameters the CLI has.
const FLAGS: &[(&str, &str)] = &[
    ("-DBInstance", "--db-instance"),
    ("-DBName", "--db-name"),
    ("-FileName", "--file-name"),
    ("-Report", "--report"),
    ("-StartDate", "--start-date"),
    ("-Force", "--force"),
    ("-Level", "--level"),
    ("-Scope", "--scope"),
    ("-Room", "--room"),
    ("-ThrottleLimit", "--throttle-limit"),
    ("-DisableExportedNodes", "--disable-exported-nodes"),
    ("-Encryption", "--encryption"),
    ("-TrustServerCertificate", "--trust-server-certificate"),
    ("-CACertificatePath", "--ca-certificate"),
    ("-HostNameInCertificate", "--host-name-in-certificate"),
    ("-WhatIf", "--what-if"),
    ("-ConflictAction", "--conflict-action"),
    ("-NameMap", "--name-map"),
    ("-NameSeparator", "--name-separator"),
    ("-SettingConflict", "--setting-conflict"),
    ("-TopicToDescription", "--topic-to-description"),
    ("-IncludeDisabledRooms", "--include-disabled-rooms"),
    ("-RootRoomsCategory", "--root-rooms-category"),
    ("-BatchSize", "--batch-size"),
    ("-TargetDBInstance", "--target-db-instance"),
    ("-TargetDBName", "--target-db-name"),
    ("-ConnectTimeoutSeconds", "--connect-timeout-seconds"),
    ("-CommandTimeoutSeconds", "--command-timeout-seconds"),
    ("-ConnectRetryCount", "--connect-retry-count"),
    ("-AsBytes", "--as-bytes"),
    ("-Credential", "--user"),
    ("-Authentication", "--authentication"),
    ("-SourceDBInstance", "--source-db-instance"),
    ("-SourceDBName", "--source-db-name"),
    ("-Parallelism", "--parallelism"),
    ("-Quick", "--quick"),
    ("-OutputFolder", "--output"),
    ("-FileStoreUrl", "--file-store-url"),
    ("-TimeZone", "--time-zone"),
    ("-MessagesPerPage", "--messages-per-page"),
    ("-OnlyNotMigrated", "--only-not-migrated"),
    ("-PersistentChatPoolFqdn", "--persistent-chat-pool-fqdn"),
    ("-SkipLegacyClientAccess", "--skip-legacy-client-access"),
    ("-StopAfterWhatIf", "--stop-after-what-if"),
    ("-SipAddress", "--sip-address"),
    ("-DisplayName", "--display-name"),
    ("-ReleaseMethod", "--release-method"),
];

/// `message` with each PowerShell parameter name replaced by its CLI flag; `-Force (--force)` (a message that
/// already names both) becomes `--force`. Only whole names preceded by a space, a quote or a bracket (or at the
/// start) are replaced, so `-Forced` or `a-Force` stay as they are.
pub fn for_cli(message: &str) -> String {
    let mut out = message.to_string();
    for (name, flag) in FLAGS {
        out = out.replace(&format!("{name} ({flag})"), flag);
        out = replace_whole(&out, name, flag);
    }
    out
}

fn replace_whole(text: &str, name: &str, flag: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(name) {
        let before = rest[..at]
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back());
        let after = rest[at + name.len()..].chars().next();
        let starts = before.is_none_or(|c| c.is_whitespace() || "'\"([{,;".contains(c));
        let ends = after.is_none_or(|c| !c.is_ascii_alphanumeric());
        out.push_str(&rest[..at]);
        out.push_str(if starts && ends { flag } else { name });
        rest = &rest[at + name.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::for_cli;

    #[test]
    fn powershell_names_become_flags() {
        assert_eq!(
            for_cli("-FileName 'x.zip' already exists; give -Force (--force) to replace it"),
            "--file-name 'x.zip' already exists; give --force to replace it"
        );
        assert_eq!(
            for_cli("Check -DBName (--db-name) and access"),
            "Check --db-name and access"
        );
        assert_eq!(for_cli("-Report would write"), "--report would write");
    }

    #[test]
    fn other_text_is_left_alone() {
        assert_eq!(for_cli("a-Force and -Forced"), "a-Force and -Forced");
        assert_eq!(for_cli("room 'Sales-Room'"), "room 'Sales-Room'");
    }
}
