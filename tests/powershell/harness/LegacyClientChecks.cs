// The planner behind Enable-PChatLegacyClientAccess, called through the module's P/Invoke class
// (Native.LegacyClientsPlan = pcm_legacy_clients_plan) with facts shaped exactly as Get-PChatLegacyClientFact
// builds them (tests/powershell_checks.rs writes them and checks they are the library's LegacyClientFacts).
//
// The steps must come back ordered (each address's release before its endpoint), with what Invoke-PChatPlanStep
// reads (cmdlet, module, arguments as name/value pairs, commandLine, target, action); malformed facts must be
// refused with invalid_parameter and a PowerShell category; a blocked plan is a plan.
//
// C# 5.

using System;
using System.Collections.Generic;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static void LegacyClientPlan(string facts)
        {
            NativeResponse response = Native.LegacyClientsPlan(facts);
            object envelope = ExpectEnvelope("pcm_legacy_clients_plan", response, PcmStatus.Ok, true, null);
            if (envelope == null)
            {
                return;
            }
            Expect("legacy plan: data.status", "ready", MiniJson.Get(envelope, "data", "status") as string);
            List<object> steps = MiniJson.Get(envelope, "data", "steps") as List<object>;
            Check("legacy plan: data.steps is an array of 3 (release and create for contoso, create for fabrikam)",
                steps != null && steps.Count == 3, response.Json);
            if (steps == null)
            {
                return;
            }
            Dictionary<string, int> releaseAt = new Dictionary<string, int>();
            Dictionary<string, int> createAt = new Dictionary<string, int>();
            for (int i = 0; i < steps.Count; i++)
            {
                object step = steps[i];
                string kind = MiniJson.Get(step, "kind") as string;
                string cmdlet = MiniJson.Get(step, "cmdlet") as string;
                string module = MiniJson.Get(step, "module") as string;
                string address = MiniJson.Get(step, "sipAddress") as string;
                string line = MiniJson.Get(step, "commandLine") as string;
                object number = MiniJson.Get(step, "number");
                Expect("legacy plan: step " + (i + 1) + " number", (i + 1).ToString(), number == null ? "null" : Convert.ToString(number));
                Check("legacy plan: step " + (i + 1) + " has what Invoke-PChatPlanStep reads (id, cmdlet, module, commandLine, target, action)",
                    MiniJson.Get(step, "id") is string && cmdlet != null && (module == "lync" || module == "activeDirectory") &&
                    line != null && line.StartsWith(cmdlet + " -") && MiniJson.Get(step, "target") is string &&
                    MiniJson.Get(step, "action") is string, response.Json);
                List<object> arguments = MiniJson.Get(step, "arguments") as List<object>;
                bool argumentsOk = arguments != null && arguments.Count > 0;
                if (arguments != null)
                {
                    foreach (object argument in arguments)
                    {
                        object value = MiniJson.Get(argument, "value");
                        string name = MiniJson.Get(argument, "name") as string;
                        argumentsOk = argumentsOk && name != null && (value is string || value is bool) && line != null && line.Contains(" -" + name);
                    }
                }
                Check("legacy plan: step " + (i + 1) + " arguments are ordered {name, value} pairs named in its command line", argumentsOk, response.Json);
                if (kind == "release")
                {
                    Expect("legacy plan: the release is Disable-CsUser (the default method)", "Disable-CsUser", cmdlet);
                    releaseAt[address] = i;
                }
                else if (kind == "createEndpoint")
                {
                    Expect("legacy plan: the endpoint step", "New-CsPersistentChatEndpoint", cmdlet);
                    createAt[address] = i;
                }
                else
                {
                    Fail("legacy plan: unknown step kind " + kind);
                }
            }
            Check("legacy plan: sip:ocschat@contoso.com is released, then its endpoint created",
                releaseAt.ContainsKey("sip:ocschat@contoso.com") && createAt.ContainsKey("sip:ocschat@contoso.com") &&
                releaseAt["sip:ocschat@contoso.com"] < createAt["sip:ocschat@contoso.com"], response.Json);
            Check("legacy plan: every release comes before its address's endpoint", ReleasesFirst(releaseAt, createAt), response.Json);
            Check("legacy plan: sip:ocschat@fabrikam.com (the second SIP domain, no owner) only gets its endpoint",
                createAt.ContainsKey("sip:ocschat@fabrikam.com") && !releaseAt.ContainsKey("sip:ocschat@fabrikam.com"), response.Json);
            List<object> warnings = MiniJson.Get(envelope, "data", "warnings") as List<object>;
            Check("legacy plan: two SIP domains are warned about", warnings != null && warnings.Count > 0 &&
                "several_sip_domains".Equals(MiniJson.Get(warnings[0], "code")), response.Json);

            // The same plan as pcm_call with the operation named.
            NativeResponse viaCall = Native.Call("{\"operation\":\"legacy_clients_plan\",\"params\":" + facts + "}");
            Expect("legacy plan: pcm_call gives the same response", response.Json, viaCall.Json);
        }

        private static bool ReleasesFirst(Dictionary<string, int> releaseAt, Dictionary<string, int> createAt)
        {
            foreach (KeyValuePair<string, int> release in releaseAt)
            {
                if (!createAt.ContainsKey(release.Key) || createAt[release.Key] < release.Value)
                {
                    return false;
                }
            }
            return true;
        }

        private static void LegacyClientPlanRefusals(string facts)
        {
            // A pool that is not among those gathered: a plan, blocked, listing the known pool.
            NativeResponse blocked = Native.LegacyClientsPlan(
                facts.Replace("\"persistentChatPoolFqdn\":\"pcpool.contoso.com\",\"sipDomains\"", "\"persistentChatPoolFqdn\":\"pcpool9.contoso.com\",\"sipDomains\""));
            object envelope = ExpectEnvelope("legacy plan for an unknown pool", blocked, PcmStatus.Ok, true, null);
            Expect("legacy plan for an unknown pool: data.status", "blocked", MiniJson.Get(envelope, "data", "status") as string);
            List<object> blockers = MiniJson.Get(envelope, "data", "blockers") as List<object>;
            Check("legacy plan for an unknown pool: the blocker is pool_not_found naming the known pool",
                blockers != null && blockers.Count == 1 && "pool_not_found".Equals(MiniJson.Get(blockers[0], "code")) &&
                (MiniJson.Get(blockers[0], "message") as string ?? "").Contains("pcpool.contoso.com"), blocked.Json);

            NativeResponse malformed = Native.LegacyClientsPlan(
                "{\"persistentChatPoolFqdn\":\"pc pool\",\"sipDomains\":[{\"name\":\"contoso.com\",\"isDefault\":true}]}");
            ExpectEnvelope("legacy plan with a bad FQDN", malformed, PcmStatus.InvalidRequest, false, "invalid_parameter");
            ExpectCodeAndCategory("legacy plan with a bad FQDN", malformed, "invalid_parameter");
            Check("legacy plan with a bad FQDN: the message names the field",
                malformed.Json != null && malformed.Json.Contains("persistentChatPoolFqdn"), malformed.Json);

            NativeResponse unknown = Native.LegacyClientsPlan(facts.Replace("\"sipDomains\":", "\"sipDomainz\":"));
            ExpectEnvelope("legacy plan with an unknown field", unknown, PcmStatus.InvalidRequest, false, "invalid_parameter");
            Check("legacy plan with an unknown field: the message names it", unknown.Json != null && unknown.Json.Contains("sipDomainz"), unknown.Json);

            ExpectEnvelope("legacy plan with NULL facts", Native.LegacyClientsPlan(null), PcmStatus.NullArgument, false, "null_argument");
            ExpectEnvelope("legacy plan with invalid JSON", Native.LegacyClientsPlan("{\"persistentChatPoolFqdn\":"), PcmStatus.InvalidJson, false, "invalid_json");
        }
    }
}
