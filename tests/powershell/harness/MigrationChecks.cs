// Start-PChatMigration's stages through the module's P/Invoke class, in the order and with the decisions of the
// library's migration_plan, against the SQL Server stand-in (tests/powershell_checks.rs seeds a legacy database and
// a fresh mgc and writes each stage's params exactly as the stage cmdlet builds them).
//
// The harness gathers the package facts as Get-PChatMigrationPackageFact does (the file, its staging folder,
// inspect_package), asks migration_plan, then runs each stage the plan says to run, as Start-PChatMigration does:
// readiness -> export -> import what-if -> import -> verify -> legacy-client plan. Runs 0-4:
//   0. Without the name map: readiness finds names too long, the run stops there (nothing else called).
//   1. -WhatIf: only readiness, the export's validate and the legacy-client plan are called; no package appears.
//   2. The real run: every stage succeeds, the import writes every exported message, verify passes.
//   3. A re-run: the package is present, so the export is Skipped, readiness reads the package, the import plan
//      and the import find nothing left to write (the import is Resumed: every message already present), verify
//      passes.
//   4. The package for another source database: refused (package_not_reusable) before anything runs; -Force
//      replaces it.
// The legacy-client stage can only be planned here (its steps are Lync Server cmdlets, run by
// Enable-PChatLegacyClientAccess under ShouldProcess).
//
// C# 5.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private sealed class StageRun
        {
            public string Stage;
            public string Status;
            public object Data;
        }

        private static void Migration(string configJson, string legacyFacts)
        {
            object config = MiniJson.Parse(configJson);
            string fileName = (string)MiniJson.Get(config, "fileName");

            // 0. Without the name map the readiness check finds names too long: the run stops there, nothing else is
            // called and nothing is written.
            List<string> calls = new List<string>();
            Dictionary<string, object> unnamed = new Dictionary<string, object>((Dictionary<string, object>)config);
            unnamed["readinessDatabase"] = MiniJson.Get(config, "readinessDatabaseWithoutNames");
            object plan = MigrationPlan(unnamed, false, calls);
            string failure;
            List<StageRun> runs = RunMigrationStages(unnamed, plan, legacyFacts, calls, out failure);
            ExpectStages("migration without the name map", runs, new[] { "Readiness=Failed" });
            Check("migration without the name map: the failure is a finding with Severity Error",
                failure != null && failure.StartsWith("a finding with Severity Error: name_"), failure);
            Expect("migration without the name map: the operations called", "migration_plan,readiness", string.Join(",", calls.ToArray()));
            Check("migration without the name map: no package was written", !File.Exists(fileName) && !Directory.Exists(fileName + ".staging"), fileName);

            // 1. -WhatIf: the whole plan, nothing written.
            calls = new List<string>();
            plan = MigrationPlan(config, true, calls);
            Expect("migration -WhatIf: exportDecision", "export", MiniJson.Get(plan, "exportDecision") as string);
            runs = RunMigrationStages(config, plan, legacyFacts, calls);
            ExpectStages("migration -WhatIf", runs, new[] {
                "Readiness=Succeeded", "Export=WhatIf", "ImportPlan=WhatIf", "Import=WhatIf", "Verify=WhatIf",
                "LegacyClientAccess=WhatIf" });
            Expect("migration -WhatIf: the operations called (read-only only)",
                "migration_plan,readiness,validate export,legacy_clients_plan", string.Join(",", calls.ToArray()));
            Check("migration -WhatIf: no package was written", !File.Exists(fileName) && !Directory.Exists(fileName + ".staging"), fileName);

            // 2. The real run.
            calls = new List<string>();
            plan = MigrationPlan(config, false, calls);
            Expect("migration: exportDecision", "export", MiniJson.Get(plan, "exportDecision") as string);
            runs = RunMigrationStages(config, plan, legacyFacts, calls);
            ExpectStages("migration", runs, new[] {
                "Readiness=Succeeded", "Export=Succeeded", "ImportPlan=Succeeded", "Import=Succeeded", "Verify=Succeeded",
                "LegacyClientAccess=Succeeded" });
            Expect("migration: the operations called, in order",
                "migration_plan,readiness,export,import what-if,import,verify,legacy_clients_plan", string.Join(",", calls.ToArray()));
            long exported = Number(StageData(runs, "Export"), "counts", "messages");
            Check("migration: the export wrote messages", exported > 0, Convert.ToString(exported));
            // The disabled rooms are left out by default (-IncludeDisabledRooms): the plan counts what is written.
            long planned = Number(StageData(runs, "ImportPlan"), "estimate", "messages");
            Check("migration: the import plan has messages to write, at most those exported", planned > 0 && planned <= exported,
                planned + " of " + exported);
            Expect("migration: the import wrote every message of its plan", Convert.ToString(planned),
                Convert.ToString(Number(StageData(runs, "Import"), "summary", "messagesImported")));
            Expect("migration: verify passed", "True", Convert.ToString(MiniJson.Get(StageData(runs, "Verify"), "summary", "passed")));

            // 3. The re-run after it: resumes from the package and the target.
            calls = new List<string>();
            plan = MigrationPlan(config, false, calls);
            Expect("migration re-run: exportDecision", "reusePackage", MiniJson.Get(plan, "exportDecision") as string);
            runs = RunMigrationStages(config, plan, legacyFacts, calls);
            ExpectStages("migration re-run", runs, new[] {
                "Readiness=Succeeded", "Export=Skipped", "ImportPlan=Succeeded", "Import=Resumed", "Verify=Succeeded",
                "LegacyClientAccess=Succeeded" });
            Expect("migration re-run: the operations called (no export; readiness of the package)",
                "inspect_package,migration_plan,readiness package,import what-if,import,verify,legacy_clients_plan", string.Join(",", calls.ToArray()));
            Expect("migration re-run: the import plan has nothing left to write", "0",
                Convert.ToString(Number(StageData(runs, "ImportPlan"), "estimate", "messages")));
            Expect("migration re-run: the import wrote nothing", "0",
                Convert.ToString(Number(StageData(runs, "Import"), "summary", "messagesImported")));
            Expect("migration re-run: every message was already present", Convert.ToString(planned),
                Convert.ToString(Number(StageData(runs, "Import"), "summary", "messagesAlreadyPresent")));
            Expect("migration re-run: verify passed", "True", Convert.ToString(MiniJson.Get(StageData(runs, "Verify"), "summary", "passed")));

            // 4. The same package for another source database: refused before anything runs, replaced with -Force.
            Dictionary<string, object> other = new Dictionary<string, object>((Dictionary<string, object>)MiniJson.Get(config, "facts"));
            Dictionary<string, object> otherSource = new Dictionary<string, object>((Dictionary<string, object>)MiniJson.Get(other, "source"));
            otherSource["dbName"] = "AnotherGroupChat";
            other["source"] = otherSource;
            Dictionary<string, object> otherConfig = new Dictionary<string, object>((Dictionary<string, object>)config);
            otherConfig["facts"] = other;
            object refused = MigrationPlanAnswer(otherConfig, false, new List<string>());
            Expect("migration for another source: exportDecision", "refused", MiniJson.Get(refused, "exportDecision") as string);
            List<object> blockers = MiniJson.Get(refused, "blockers") as List<object>;
            Check("migration for another source: blocker package_not_reusable naming the package's source",
                blockers != null && blockers.Count == 1 && (string)MiniJson.Get(blockers[0], "code") == "package_not_reusable" &&
                ((string)MiniJson.Get(blockers[0], "message")).Contains("not from database 'AnotherGroupChat'"), ToJson(refused));
            other["force"] = true;
            object forced = MigrationPlanAnswer(otherConfig, false, new List<string>());
            Expect("migration for another source with -Force: exportDecision", "replacePackage", MiniJson.Get(forced, "exportDecision") as string);
        }

        // The facts Start-PChatMigration gathers (Get-PChatMigrationPackageFact), then migration_plan's answer.
        private static object MigrationPlanAnswer(object config, bool whatIf, List<string> calls)
        {
            string fileName = (string)MiniJson.Get(config, "fileName");
            Dictionary<string, object> package = new Dictionary<string, object>();
            package["fileName"] = fileName;
            package["exists"] = File.Exists(fileName);
            package["stagingExists"] = Directory.Exists(fileName + ".staging");
            if (File.Exists(fileName))
            {
                calls.Add("inspect_package");
                NativeResponse inspected = RunCmdletJob(InspectRequest(fileName));
                object envelope = Envelope(inspected);
                Dictionary<string, object> check = new Dictionary<string, object>();
                if (true.Equals(MiniJson.Get(envelope, "ok")))
                {
                    check["valid"] = MiniJson.Get(envelope, "data", "valid");
                    Dictionary<string, object> source = new Dictionary<string, object>();
                    source["dbInstance"] = MiniJson.Get(envelope, "data", "source", "dbInstance");
                    source["database"] = MiniJson.Get(envelope, "data", "source", "database");
                    check["source"] = source;
                    check["parameters"] = MiniJson.Get(envelope, "data", "parameters");
                }
                else
                {
                    check["valid"] = false;
                    check["errorCode"] = MiniJson.Get(envelope, "error", "code");
                    check["errorMessage"] = MiniJson.Get(envelope, "error", "message");
                }
                package["check"] = check;
            }
            Dictionary<string, object> facts = new Dictionary<string, object>((Dictionary<string, object>)MiniJson.Get(config, "facts"));
            facts["whatIf"] = whatIf;
            facts["package"] = package;
            calls.Add("migration_plan");
            NativeResponse response = Native.Call("{\"operation\":\"migration_plan\",\"params\":" + ToJson(facts) + "}");
            object answer = ExpectEnvelope("migration_plan (whatIf " + whatIf + ")", response, PcmStatus.Ok, true, null);
            return MiniJson.Get(answer, "data");
        }

        // The plan of a run that must be able to start (no blockers).
        private static object MigrationPlan(object config, bool whatIf, List<string> calls)
        {
            object plan = MigrationPlanAnswer(config, whatIf, calls);
            List<object> blockers = MiniJson.Get(plan, "blockers") as List<object>;
            Check("migration_plan: no blockers", blockers != null && blockers.Count == 0, ToJson(plan));
            return plan;
        }

        // A run expected to succeed: any failed stage fails the check.
        private static List<StageRun> RunMigrationStages(object config, object plan, string legacyFacts, List<string> calls)
        {
            string failure;
            List<StageRun> runs = RunMigrationStages(config, plan, legacyFacts, calls, out failure);
            if (failure != null)
            {
                Fail("migration stage " + runs[runs.Count - 1].Stage + " failed: " + failure);
            }
            return runs;
        }

        // Start-PChatMigration's stage loop: each stage as the plan says, stopping at the first failure.
        private static List<StageRun> RunMigrationStages(object config, object plan, string legacyFacts, List<string> calls, out string failure)
        {
            failure = null;
            List<StageRun> runs = new List<StageRun>();
            foreach (object planned in (List<object>)MiniJson.Get(plan, "stages"))
            {
                StageRun run = new StageRun();
                run.Stage = (string)MiniJson.Get(planned, "stage");
                run.Status = (string)MiniJson.Get(planned, "status");
                string action = (string)MiniJson.Get(planned, "action");
                runs.Add(run);
                if (action != "run" && action != "whatIf")
                {
                    continue;
                }
                failure = RunMigrationStage(config, planned, run, action, legacyFacts, calls);
                if (failure != null)
                {
                    run.Status = "Failed";
                    break;
                }
            }
            return runs;
        }

        // One stage's native calls, and its failure (null: it succeeded), as Start-PChatMigration judges it.
        private static string RunMigrationStage(object config, object planned, StageRun run, string action, string legacyFacts, List<string> calls)
        {
            NativeResponse response;
            switch (run.Stage)
            {
                case "Readiness":
                    bool fromPackage = (string)MiniJson.Get(planned, "input") == "package";
                    calls.Add(fromPackage ? "readiness package" : "readiness");
                    response = RunCmdletJob(Request("readiness", MiniJson.Get(config, fromPackage ? "readinessPackage" : "readinessDatabase")));
                    run.Data = Data(response);
                    return run.Data == null ? response.Json : ErrorFinding(run.Data, response.Json);
                case "Export":
                    if (action == "whatIf")
                    {
                        calls.Add("validate export");
                        response = Native.Call(Validate("export", ToJson(MiniJson.Get(config, "export"))));
                        return Data(response) == null ? response.Json : null;
                    }
                    calls.Add("export");
                    response = RunCmdletJob(Request("export", MiniJson.Get(config, "export")));
                    run.Data = Data(response);
                    if (run.Data != null)
                    {
                        // As Start-PChatMigration: Resumed only when the staging folder gave rooms back.
                        run.Status = Number(run.Data, "reusedRooms") > 0 ? "Resumed" : "Succeeded";
                    }
                    return run.Data == null ? response.Json : null;
                case "ImportPlan":
                    calls.Add("import what-if");
                    response = RunCmdletJob(Request("import", MiniJson.Get(config, "importPlan")));
                    run.Data = Data(response);
                    return run.Data == null ? response.Json : ErrorFinding(run.Data, response.Json);
                case "Import":
                    calls.Add("import");
                    response = RunCmdletJob(Request("import", MiniJson.Get(config, "import")));
                    run.Data = Data(response);
                    if (run.Data != null && Number(run.Data, "summary", "messagesAlreadyPresent") > 0)
                    {
                        run.Status = "Resumed";
                    }
                    return run.Data == null ? response.Json : null;
                case "Verify":
                    calls.Add("verify");
                    response = RunCmdletJob(Request("verify", MiniJson.Get(config, "verify")));
                    run.Data = Data(response);
                    if (run.Data == null)
                    {
                        return response.Json;
                    }
                    return true.Equals(MiniJson.Get(run.Data, "summary", "passed")) ? null : "verify did not pass: " + response.Json;
                case "LegacyClientAccess":
                    calls.Add("legacy_clients_plan");
                    response = Native.LegacyClientsPlan(legacyFacts);
                    run.Data = Data(response);
                    if (run.Data == null)
                    {
                        return response.Json;
                    }
                    return (string)MiniJson.Get(run.Data, "status") == "blocked" ? "the legacy-client plan is blocked: " + response.Json : null;
            }
            return "unknown stage " + run.Stage;
        }

        private static string Request(string operation, object parameters)
        {
            return "{\"operation\":\"" + operation + "\",\"params\":" + ToJson(parameters) + "}";
        }

        // The envelope's data, or null for an error envelope.
        private static object Data(NativeResponse response)
        {
            object envelope = Envelope(response);
            return true.Equals(MiniJson.Get(envelope, "ok")) ? MiniJson.Get(envelope, "data") : null;
        }

        // The first finding with Severity Error (what fails the readiness and import-plan stages), or null.
        private static string ErrorFinding(object data, string json)
        {
            List<object> findings = MiniJson.Get(data, "findings") as List<object>;
            if (findings == null)
            {
                return "no findings array: " + json;
            }
            foreach (object finding in findings)
            {
                if ((string)MiniJson.Get(finding, "severity") == "Error")
                {
                    return "a finding with Severity Error: " + MiniJson.Get(finding, "code") + " " + MiniJson.Get(finding, "message");
                }
            }
            return null;
        }

        private static object StageData(List<StageRun> runs, string stage)
        {
            foreach (StageRun run in runs)
            {
                if (run.Stage == stage)
                {
                    return run.Data;
                }
            }
            return null;
        }

        private static long Number(object node, params string[] path)
        {
            object value = MiniJson.Get(node, path);
            return value == null ? -1 : Convert.ToInt64(value, CultureInfo.InvariantCulture);
        }

        private static void ExpectStages(string what, List<StageRun> runs, string[] expected)
        {
            List<string> actual = new List<string>();
            foreach (StageRun run in runs)
            {
                actual.Add(run.Stage + "=" + run.Status);
            }
            Expect(what + ": stages and statuses", string.Join(",", expected), string.Join(",", actual.ToArray()));
        }

        // JSON text of a MiniJson value (objects, arrays, strings, numbers, booleans, null).
        private static string ToJson(object value)
        {
            StringBuilder text = new StringBuilder();
            WriteJson(text, value);
            return text.ToString();
        }

        private static void WriteJson(StringBuilder text, object value)
        {
            if (value == null)
            {
                text.Append("null");
            }
            else if (value is string)
            {
                AppendJsonString(text, (string)value);
            }
            else if (value is bool)
            {
                text.Append((bool)value ? "true" : "false");
            }
            else if (value is Dictionary<string, object>)
            {
                text.Append('{');
                bool first = true;
                foreach (KeyValuePair<string, object> pair in (Dictionary<string, object>)value)
                {
                    text.Append(first ? "" : ",");
                    AppendJsonString(text, pair.Key);
                    text.Append(':');
                    WriteJson(text, pair.Value);
                    first = false;
                }
                text.Append('}');
            }
            else if (value is List<object>)
            {
                text.Append('[');
                bool first = true;
                foreach (object item in (List<object>)value)
                {
                    text.Append(first ? "" : ",");
                    WriteJson(text, item);
                    first = false;
                }
                text.Append(']');
            }
            else if (value is double)
            {
                text.Append(((double)value).ToString("R", CultureInfo.InvariantCulture));
            }
            else
            {
                text.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
            }
        }

        private static void AppendJsonString(StringBuilder text, string value)
        {
            text.Append('"');
            foreach (char c in value)
            {
                if (c == '"' || c == '\\')
                {
                    text.Append('\\').Append(c);
                }
                else if (c < ' ')
                {
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                }
                else
                {
                    text.Append(c);
                }
            }
            text.Append('"');
        }
    }
}
