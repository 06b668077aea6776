// The operation behind Test-PChatMigration, called through the module's P/Invoke class with the params shaped
// exactly as the cmdlet builds them (tests/powershell_checks.rs writes them: a package source, and the legacy
// database as the source).
//
// `validate` must accept both (VerifyParams refuses unknown fields, so a misspelled key in the cmdlet fails here)
// and refuse the same params with an unknown field. The job against a fresh mgc, into which nothing was
// imported, must end with a typed result that did not pass: Missing rooms with their first difference, the
// summary Test-PChatMigration shapes, and the decommission checklist whose first step says not to decommission.
//
// C# 5.

using System;
using System.Collections.Generic;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static void ValidateVerify(string packageParams, string databaseParams)
        {
            foreach (string[] variant in new[] { new[] { "a package source", packageParams }, new[] { "a database source", databaseParams } })
            {
                if (variant[1] == null)
                {
                    continue;
                }
                NativeResponse response = Native.Call(Validate("verify", variant[1]));
                NoPassword(new List<string> { response.Json });
                object envelope = ExpectEnvelope("validate verify with " + variant[0] + " (Test-PChatMigration)", response, PcmStatus.Ok, true, null);
                Expect("validate verify with " + variant[0] + ": data.operation", "verify", MiniJson.Get(envelope, "data", "operation") as string);
                Expect("validate verify with " + variant[0] + ": data.valid", "True", Convert.ToString(MiniJson.Get(envelope, "data", "valid")));
            }
            // The contract is strict: a field the library does not know is refused, naming it.
            string misspelled = packageParams.Substring(0, packageParams.LastIndexOf('}')) + ",\"legacyPool\":\"gcpool.contoso.com\"}";
            NativeResponse refused = Native.Call(Validate("verify", misspelled));
            object refusal = ExpectEnvelope("validate verify with an unknown field", refused, PcmStatus.InvalidRequest, false, "invalid_parameter");
            string message = MiniJson.Get(refusal, "error", "message") as string;
            Check("validate verify with an unknown field: the message names it", message != null && message.Contains("legacyPool"), refused.Json);
        }

        private static void VerifyAgainstAnEmptyTarget(string packageParams, string legacyPoolFqdn)
        {
            NativeResponse result = RunCmdletJob("{\"operation\":\"verify\",\"params\":" + packageParams + "}");
            object envelope = Envelope(result);
            if (!true.Equals(MiniJson.Get(envelope, "ok")))
            {
                Fail("verify of a package against a fresh mgc failed to run: " + result.Json);
                return;
            }
            // What Test-PChatMigration turns into PChatMigration.VerifySummary and its verification_failed error.
            Expect("verify: data.summary.passed (nothing was imported)", "False", Convert.ToString(MiniJson.Get(envelope, "data", "summary", "passed")));
            foreach (string count in new[] { "verified", "mismatched", "missing", "extra", "principals", "addins", "categories", "rooms",
                "sourceMessages", "targetMessages", "elapsedSeconds" })
            {
                Check("verify: data.summary." + count, MiniJson.Get(envelope, "data", "summary", count) != null, result.Json);
            }
            Check("verify: data.source.location", MiniJson.Get(envelope, "data", "source", "location") is string, result.Json);
            Check("verify: data.target.database", MiniJson.Get(envelope, "data", "target", "database") is string, result.Json);
            // What Test-PChatMigration turns into PChatMigration.VerifyItem objects.
            List<object> items = MiniJson.Get(envelope, "data", "items") as List<object>;
            Check("verify: data.items is an array", items != null, result.Json);
            int missingRooms = 0;
            if (items != null)
            {
                foreach (object item in items)
                {
                    string status = MiniJson.Get(item, "status") as string;
                    string kind = MiniJson.Get(item, "kind") as string;
                    Check("verify: every item has status, kind, name, key and differences",
                        status != null && kind != null && MiniJson.Get(item, "name") is string && MiniJson.Get(item, "key") is string &&
                        MiniJson.Get(item, "differences") != null, result.Json);
                    Check("verify: a status Test-PChatMigration documents (" + status + ")",
                        status == "Verified" || status == "Mismatch" || status == "Missing" || status == "Extra", result.Json);
                    if (kind == "Room" && status == "Missing")
                    {
                        missingRooms++;
                    }
                }
            }
            Check("verify: the package's rooms are Missing from the empty target", missingRooms > 0, result.Json);
            // The checklist (PChatMigration.DecommissionStep objects): gated, facts filled in.
            List<object> steps = MiniJson.Get(envelope, "data", "decommission") as List<object>;
            Check("verify: data.decommission is a non-empty array", steps != null && steps.Count > 0, result.Json);
            if (steps == null || steps.Count == 0)
            {
                return;
            }
            string first = MiniJson.Get(steps[0], "title") as string;
            Check("verify: the first checklist step says not to decommission", first != null && first.StartsWith("Do not decommission"), first);
            bool filled = false;
            foreach (object step in steps)
            {
                Check("verify: every step has a title, a note and complete",
                    MiniJson.Get(step, "title") is string && MiniJson.Get(step, "note") is string && MiniJson.Get(step, "complete") is bool,
                    result.Json);
                string command = MiniJson.Get(step, "command") as string;
                if (command != null && command.Contains("Remove-CsTrustedApplicationPool -Identity '" + legacyPoolFqdn + "'"))
                {
                    filled = true;
                }
            }
            Check("verify: -LegacyPoolFqdn is filled into Remove-CsTrustedApplicationPool", filled, result.Json);
        }
    }
}
