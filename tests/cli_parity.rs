//! The CLI offers every cmdlet parameter: the param blocks of powershell/PersistentChatMigration/Public/*.ps1
//! against docs/cli.md's table (cmdlet, subcommand, parameter, flag) and `pchat-migrate <subcommand> --help`.
//! A new cmdlet parameter fails here until it has a CLI flag, or a "PowerShell only" row saying why not.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The text of the cmdlet's `param(...)` block (the one after `[CmdletBinding(`), and whether it supports
/// ShouldProcess (then -WhatIf and -Confirm are its parameters too).
fn param_block(text: &str) -> (&str, bool) {
    let binding = text
        .find("[CmdletBinding(")
        .expect("a cmdlet declares [CmdletBinding()]");
    let open = binding + text[binding..].find("param(").expect("a param block");
    let should_process = text[binding..open].contains("SupportsShouldProcess = $true");
    let mut depth = 0;
    for (offset, c) in text[open..].char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return (&text[open..open + offset], should_process);
                }
            }
            _ => {}
        }
    }
    panic!("the param block never closes");
}

/// `$Name` declared on a line of its own, after attributes or a type (`[string] $DBInstance,`,
/// `$Credential = [...]::Empty,`); `$true` inside `[Parameter(Mandatory = $true)]` is not one.
fn declared_name(line: &str) -> Option<String> {
    let mut rest = line.trim_start();
    if rest.starts_with('[') {
        let close = rest.rfind(']')?;
        if rest[..close].contains('$') {
            return None;
        }
        rest = rest[close + 1..].trim_start();
    }
    let name: String = rest
        .strip_prefix('$')?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let after = rest[1 + name.len()..].trim_start();
    let ends = after.is_empty() || after.starts_with(',') || after.starts_with('=');
    (!name.is_empty() && ends).then_some(name)
}

fn cmdlet_parameters(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).expect("cmdlet source");
    let (block, should_process) = param_block(&text);
    let mut names: BTreeSet<String> = block.lines().filter_map(declared_name).collect();
    if should_process {
        names.extend(["WhatIf".to_string(), "Confirm".to_string()]);
    }
    names
}

/// Every public cmdlet with its parameters.
fn cmdlets() -> BTreeMap<String, BTreeSet<String>> {
    let dir = repo().join("powershell/PersistentChatMigration/Public");
    std::fs::read_dir(&dir)
        .expect("Public folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ps1"))
        .map(|p| {
            let name = p.file_stem().expect("name").to_string_lossy().into_owned();
            (name, cmdlet_parameters(&p))
        })
        .collect()
}

struct Row {
    cmdlet: String,
    subcommand: String,
    parameter: String,
    flag: String,
}

fn cell(text: &str) -> String {
    text.trim().trim_matches('`').to_string()
}

/// docs/cli.md's parity table.
fn table() -> Vec<Row> {
    let doc = std::fs::read_to_string(repo().join("docs/cli.md")).expect("docs/cli.md");
    let start = doc.find("<!-- parity:begin -->").expect("begin marker");
    let end = doc.find("<!-- parity:end -->").expect("end marker");
    doc[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| Cmdlet"))
        .map(|line| {
            let cells: Vec<&str> = line.trim().trim_matches('|').split('|').collect();
            assert_eq!(cells.len(), 4, "a row has 4 cells: {line}");
            Row {
                cmdlet: cell(cells[0]),
                subcommand: cell(cells[1]),
                parameter: cell(cells[2]).trim_start_matches('-').to_string(),
                flag: cells[3].trim().to_string(),
            }
        })
        .collect()
}

fn help(subcommand: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_pchat-migrate"))
        .args(subcommand.split(' '))
        .arg("--help")
        .output()
        .expect("runs");
    assert!(out.status.success(), "{subcommand} --help");
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

/// The flag (or `<FILE>`) a row names: the first backticked token.
fn flag_token(flag: &str) -> String {
    let inner = flag.trim_start_matches('`');
    inner
        .chars()
        .take_while(|c| *c != '`' && *c != ' ')
        .collect()
}

fn help_has(help: &str, token: &str) -> bool {
    help.split(|c: char| c.is_whitespace() || c == ',' || c == '=' || c == '[' || c == ']')
        .any(|word| word == token)
}

#[test]
fn every_cmdlet_parameter_has_a_cli_flag_or_an_allow_list_row() {
    let cmdlets = cmdlets();
    assert!(cmdlets.len() >= 10, "the Public folder was found");
    let rows = table();
    let mut documented: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for row in &rows {
        documented
            .entry(row.cmdlet.as_str())
            .or_default()
            .insert(row.parameter.clone());
    }
    for (cmdlet, parameters) in &cmdlets {
        let rows_for = documented.get(cmdlet.as_str()).cloned().unwrap_or_default();
        let missing: Vec<&String> = parameters.difference(&rows_for).collect();
        assert!(
            missing.is_empty(),
            "{cmdlet}: parameter(s) {missing:?} have no row in docs/cli.md's parity table: give the CLI a flag \
             and add the row, or add a 'PowerShell only: <why>' row"
        );
        let stale: Vec<&String> = rows_for.difference(parameters).collect();
        assert!(stale.is_empty(), "{cmdlet} has no parameter(s) {stale:?}");
    }
    for cmdlet in documented.keys() {
        assert!(cmdlets.contains_key(*cmdlet), "no cmdlet {cmdlet}");
    }
}

#[test]
fn every_flag_in_the_table_is_in_the_subcommand_help() {
    let mut helps: BTreeMap<String, String> = BTreeMap::new();
    for row in table() {
        if row.flag.starts_with("PowerShell only") {
            continue;
        }
        let help = helps
            .entry(row.subcommand.clone())
            .or_insert_with(|| help(&row.subcommand));
        let token = flag_token(&row.flag);
        assert!(
            token.starts_with("--") || token.starts_with('<'),
            "{} -{}: the flag cell starts with the flag in backticks or 'PowerShell only': {}",
            row.cmdlet,
            row.parameter,
            row.flag
        );
        assert!(
            help_has(help, &token),
            "{} -{}: `pchat-migrate {} --help` has no {token}",
            row.cmdlet,
            row.parameter,
            row.subcommand
        );
    }
}

#[test]
fn every_subcommand_takes_json() {
    let subcommands: BTreeSet<String> = table().into_iter().map(|r| r.subcommand).collect();
    for subcommand in subcommands
        .iter()
        .map(String::as_str)
        .chain(["version", "request"])
    {
        assert!(
            help_has(&help(subcommand), "--json"),
            "{subcommand} has no --json"
        );
    }
}

#[test]
fn the_param_block_parser_sees_what_a_new_parameter_looks_like() {
    let text = "function X {\n    [CmdletBinding(SupportsShouldProcess = $true)]\n    param(\n        \
                [Parameter(Mandatory = $true)]\n        [ValidateSet('a', 'b')]\n        [string] $Alpha,\n\n        \
                [Parameter()]\n        [System.Management.Automation.Credential()]\n        $Beta = \
                [System.Management.Automation.PSCredential]::Empty,\n        [switch] $Gamma\n    )\n    $inside = 1\n}";
    let dir = std::env::temp_dir().join(format!("pcm-parity-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("X.ps1");
    std::fs::write(&path, text).expect("write");
    let names = cmdlet_parameters(&path);
    let _ = std::fs::remove_dir_all(&dir);
    let expected: BTreeSet<String> = ["Alpha", "Beta", "Gamma", "WhatIf", "Confirm"]
        .map(String::from)
        .into();
    assert_eq!(names, expected);
}
