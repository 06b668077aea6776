//! `pchat-migrate legacy-clients plan`: the legacy-client access plan (step 7) from facts given as JSON, for
//! review and runbooks. It prints what Enable-PChatLegacyClientAccess would run, step by step, and changes
//! nothing: the steps are Lync Server and Active Directory cmdlets that run on Windows.

use crate::import::out;
use clap::{Args, Subcommand};
use pchat_migrate::legacy_clients::{
    Finding, LegacyClientPlan, PlanStatus, PlanStep, ReleaseMethod,
};
use pchat_migrate::PcmError;
use serde_json::Value;

/// Exit code of a plan with blockers (it must not run); 0 when it is ready or already done.
pub const EXIT_BLOCKED: u8 = pchat_migrate::error::code::exit::INCOMPLETE;

#[derive(Subcommand, Clone)]
pub enum LegacyClientsCommand {
    /// Print the plan (numbered steps with their command lines, blockers, warnings) for the facts in a JSON
    /// file (docs/legacy-clients.md; a sample: examples/legacy-client-facts.json).
    #[command(
        after_help = "Exit codes: 0 the plan is ready (or there is nothing to do), 3 the plan is \
                            blocked (see its blockers), 2 the facts are malformed (invalid_parameter), 1 \
                            other errors."
    )]
    Plan(PlanArgs),
}

#[derive(Args, Clone)]
pub struct PlanArgs {
    /// The facts (LegacyClientFacts JSON): what Get-CsSipDomain, Get-CsService -PersistentChatServer,
    /// Get-CsPersistentChatEndpoint and Get-CsAdUser report, the pool and the addresses wanted; `-` reads stdin.
    #[arg(long)]
    pub facts: String,
    /// The Persistent Chat pool the endpoint is created in (replaces the facts' persistentChatPoolFqdn, as
    /// Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn).
    #[arg(long)]
    pub persistent_chat_pool_fqdn: Option<String>,
    /// A lookup SIP URI legacy clients use (repeatable; replaces the facts' sipAddresses, as -SipAddress).
    #[arg(long)]
    pub sip_address: Vec<String>,
    /// The endpoint's display name (replaces the facts' options.displayName, as -DisplayName).
    #[arg(long)]
    pub display_name: Option<String>,
    /// How the legacy owner of the address is released (replaces the facts' options.releaseMethod, as
    /// -ReleaseMethod).
    #[arg(long, value_enum)]
    pub release_method: Option<ReleaseMethodArg>,
}

/// -ReleaseMethod's values.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ReleaseMethodArg {
    Disable,
    RemoveAdUser,
}

impl PlanArgs {
    /// Puts the flags given over the facts' fields, as the cmdlet builds the facts from its parameters.
    fn apply_overrides(&self, facts: &mut Value) -> Result<(), PcmError> {
        let Value::Object(fields) = facts else {
            return Err(PcmError::invalid_parameter(
                "facts",
                format!("--facts '{}' is not a JSON object", self.facts),
            ));
        };
        if let Some(pool) = &self.persistent_chat_pool_fqdn {
            fields.insert("persistentChatPoolFqdn".into(), Value::from(pool.as_str()));
        }
        if !self.sip_address.is_empty() {
            fields.insert("sipAddresses".into(), Value::from(self.sip_address.clone()));
        }
        let mut options = match fields.remove("options") {
            Some(Value::Object(options)) => options,
            _ => serde_json::Map::new(),
        };
        if let Some(name) = &self.display_name {
            options.insert("displayName".into(), Value::from(name.as_str()));
        }
        if let Some(method) = self.release_method {
            let name = match method {
                ReleaseMethodArg::Disable => "disable",
                ReleaseMethodArg::RemoveAdUser => "removeAdUser",
            };
            options.insert("releaseMethod".into(), Value::from(name));
        }
        fields.insert("options".into(), Value::Object(options));
        Ok(())
    }
}

impl LegacyClientsCommand {
    /// The `legacy_clients_plan` request's params: the facts file's JSON as it is (the library checks it).
    pub fn to_params(&self) -> Result<Value, PcmError> {
        let LegacyClientsCommand::Plan(args) = self;
        let text = if args.facts == "-" {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).map_err(|e| {
                PcmError::invalid_parameter("facts", format!("cannot read stdin: {e}"))
            })?;
            text
        } else {
            std::fs::read_to_string(&args.facts).map_err(|e| {
                PcmError::invalid_parameter(
                    "facts",
                    format!("cannot read --facts '{}': {e}", args.facts),
                )
            })?
        };
        let mut facts: Value = serde_json::from_str(&text).map_err(|e| {
            PcmError::invalid_parameter(
                "facts",
                format!("--facts '{}' is not JSON: {e}", args.facts),
            )
        })?;
        args.apply_overrides(&mut facts)?;
        Ok(facts)
    }
}

fn typed(data: &Value) -> Option<LegacyClientPlan> {
    match serde_json::from_value(data.clone()) {
        Ok(plan) => Some(plan),
        Err(e) => {
            out(&format!(
                "(the plan could not be read by this build: {e}; raw JSON follows)"
            ));
            out(&serde_json::to_string_pretty(data).unwrap_or_default());
            None
        }
    }
}

/// The exit code of a successful call: [`EXIT_BLOCKED`] when the plan has blockers.
pub fn exit_code(data: &Value) -> u8 {
    match serde_json::from_value::<LegacyClientPlan>(data.clone()) {
        Ok(plan) if plan.status == PlanStatus::Blocked => EXIT_BLOCKED,
        _ => 0,
    }
}

/// The human plan: header, numbered steps with their command lines, blockers, warnings.
pub fn print(data: &Value, verbose: bool) {
    let Some(plan) = typed(data) else { return };
    let status = match plan.status {
        PlanStatus::Ready => "READY (run the steps in order)",
        PlanStatus::Done => {
            "DONE (every address is already an endpoint of the pool; nothing to run)"
        }
        PlanStatus::Blocked => "BLOCKED (fix the blockers; nothing may run)",
    };
    let inputs = &plan.inputs;
    out(&format!(
        "Legacy-client access for {}: {status}",
        inputs.persistent_chat_pool_fqdn
    ));
    let defaulted = if inputs.addresses_defaulted {
        " (default: sip:ocschat@<domain> for every SIP domain)"
    } else {
        ""
    };
    out(&format!(
        "Addresses     : {}{defaulted}",
        inputs.sip_addresses.join(", ")
    ));
    out(&format!(
        "SIP domains   : {}",
        inputs.sip_domains.join(", ")
    ));
    let release = match inputs.release_method {
        ReleaseMethod::Disable => "disable (Disable-CsUser; reversible with Enable-CsUser)",
        ReleaseMethod::RemoveAdUser => {
            "removeAdUser (Remove-ADUser; needs the ActiveDirectory module)"
        }
    };
    out(&format!("Release with  : {release}"));
    if plan.steps.is_empty() {
        out("Steps         : none");
    } else {
        out("Steps:");
        for step in &plan.steps {
            print_step(step, verbose);
        }
    }
    print_findings("Blockers", &plan.blockers);
    print_findings("Warnings", &plan.warnings);
}

fn print_step(step: &PlanStep, verbose: bool) {
    out(&format!("  {}. {}", step.number, step.title));
    out(&format!("     {}", step.command.command_line));
    out(&format!("     why : {}", step.reason));
    if let Some(undo) = &step.undo {
        out(&format!("     undo: {}", undo.command_line));
    }
    if let Some(note) = &step.undo_note {
        out(&format!("     note: {note}"));
    }
    if verbose {
        out(&format!(
            "     id  : {} (ShouldProcess: {} / {})",
            step.id, step.target, step.action
        ));
    }
}

fn print_findings(label: &str, findings: &[Finding]) {
    if findings.is_empty() {
        out(&format!("{label:<14}: none"));
        return;
    }
    out(&format!("{label}:"));
    for finding in findings {
        out(&format!("  [{}] {}", finding.code, finding.message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use pchat_migrate::legacy_clients::LegacyClientFacts;

    #[derive(Parser)]
    struct Wrapper {
        #[command(subcommand)]
        command: LegacyClientsCommand,
    }

    /// Enable-PChatLegacyClientAccess's parameters as flags replace the facts' fields; the rest stays.
    #[test]
    fn the_cmdlet_parameters_replace_the_facts_fields() {
        let sample = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/legacy-client-facts.json"
        );
        let argv = [
            "legacy-clients",
            "plan",
            "--facts",
            sample,
            "--persistent-chat-pool-fqdn",
            "pcpool2.contoso.com",
            "--sip-address",
            "sip:chat1@contoso.com",
            "--sip-address",
            "sip:chat2@contoso.com",
            "--display-name",
            "Legacy chat",
            "--release-method",
            "remove-ad-user",
        ];
        let command = Wrapper::try_parse_from(argv).expect("parses").command;
        let facts: LegacyClientFacts =
            serde_json::from_value(command.to_params().expect("params")).expect("facts");
        assert_eq!(facts.persistent_chat_pool_fqdn, "pcpool2.contoso.com");
        assert_eq!(
            facts.sip_addresses,
            ["sip:chat1@contoso.com", "sip:chat2@contoso.com"]
        );
        assert_eq!(facts.options.display_name.as_deref(), Some("Legacy chat"));
        assert_eq!(facts.options.release_method, ReleaseMethod::RemoveAdUser);
        assert!(!facts.sip_domains.is_empty(), "the file's other facts stay");

        let plain = Wrapper::try_parse_from(["legacy-clients", "plan", "--facts", sample])
            .expect("parses")
            .command;
        let facts: LegacyClientFacts =
            serde_json::from_value(plain.to_params().expect("params")).expect("facts");
        assert_eq!(facts.persistent_chat_pool_fqdn, "pcpool.contoso.com");
        assert_eq!(facts.options.release_method, ReleaseMethod::Disable);
    }
}
