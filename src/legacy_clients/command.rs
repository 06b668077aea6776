//! A cmdlet call as data: the cmdlet, its ordered arguments (the PowerShell executor splats them) and the one
//! line an admin would type, quoted for PowerShell.

use serde::{Deserialize, Serialize};

/// An argument's value: text, or a switch (`true` is `-Name`, `false` is `-Name:$false`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ArgumentValue {
    Switch(bool),
    Text(String),
}

/// One named argument (`-Name value`), in the order the command line shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Argument {
    pub name: String,
    pub value: ArgumentValue,
}

/// Where a cmdlet comes from, so the executor knows where to run it: the Lync Server cmdlets run locally or in
/// the pool's remote PowerShell session; the ActiveDirectory module's always run on the local computer (the
/// Lync remote endpoint does not offer them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CmdletModule {
    Lync,
    ActiveDirectory,
}

/// A cmdlet call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Command {
    pub cmdlet: String,
    pub module: CmdletModule,
    pub arguments: Vec<Argument>,
    /// The call as it would be typed, each text value single-quoted.
    pub command_line: String,
}

impl Command {
    /// A call of `cmdlet` with `arguments` (name, value) in that order.
    pub fn new(
        cmdlet: &str,
        module: CmdletModule,
        arguments: Vec<(&str, ArgumentValue)>,
    ) -> Command {
        let arguments: Vec<Argument> = arguments
            .into_iter()
            .map(|(name, value)| Argument {
                name: name.to_string(),
                value,
            })
            .collect();
        let mut line = cmdlet.to_string();
        for argument in &arguments {
            line.push(' ');
            line.push_str(&render_argument(argument));
        }
        Command {
            cmdlet: cmdlet.to_string(),
            module,
            arguments,
            command_line: line,
        }
    }
}

/// Shorthand for a text value.
pub fn text(value: &str) -> ArgumentValue {
    ArgumentValue::Text(value.to_string())
}

fn render_argument(argument: &Argument) -> String {
    match &argument.value {
        ArgumentValue::Switch(true) => format!("-{}", argument.name),
        ArgumentValue::Switch(false) => format!("-{}:$false", argument.name),
        ArgumentValue::Text(value) => format!("-{} {}", argument.name, quote(value)),
    }
}

/// `value` as a PowerShell single-quoted string: nothing inside is expanded; each quote character is doubled.
/// PowerShell also takes the typographic single quotes (U+2018, U+2019, U+201A, U+201B) as quotes, so they are
/// doubled too — a name with one cannot end the string early.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}
