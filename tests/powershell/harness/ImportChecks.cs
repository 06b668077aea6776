// The operations behind Import-PChatMigrationData and Test-PChatMigrationReadiness, called through the module's
// P/Invoke class with requests shaped exactly as the cmdlets build them (tests/powershell_checks.rs writes them).
//
// The -WhatIf import must succeed with a typed plan; an import into a legacy database must be refused with a
// code and a PowerShell category.
//
// C# 5.

using System;
using System.Collections.Generic;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        // ErrorCategory names (System.Management.Automation.ErrorCategory; not referenced: mscorlib + System only).
        private static readonly string[] ErrorCategories = new[] {
            "NotSpecified", "OpenError", "CloseError", "DeviceError", "DeadlockDetected", "InvalidArgument", "InvalidData",
            "InvalidOperation", "InvalidResult", "InvalidType", "MetadataError", "NotImplemented", "NotInstalled",
            "ObjectNotFound", "OperationStopped", "OperationTimeout", "SyntaxError", "ParserError", "PermissionDenied",
            "ResourceBusy", "ResourceExists", "ResourceUnavailable", "ReadError", "WriteError", "FromStdErr",
            "SecurityError", "ProtocolError", "ConnectionError", "AuthenticationError", "LimitsExceeded", "QuotaExceeded",
            "NotEnabled" };

        // Starts a job as Invoke-PChatNativeJob does and runs it to its end; a job refused at start gives its
        // start response (an error envelope).
        private static NativeResponse RunCmdletJob(string request)
        {
            List<string> texts = new List<string>();
            List<string> states = new List<string>();
            List<string> eventTypes = new List<string>();
            using (NativeJob job = Native.StartJob(request))
            {
                if (!job.IsStarted)
                {
                    // Refused at start (invalid parameters): an error envelope like any other.
                    return job.StartResponse;
                }
                PollUntilFinished(job, TimeSpan.FromSeconds(90), states, eventTypes, texts);
                NoPassword(texts);
                return job.Result();
            }
        }

        // An error envelope with a code and a valid PowerShell category (what New-PChatErrorRecord turns into an
        // ErrorRecord).
        private static void ExpectCodeAndCategory(string what, NativeResponse response, string expectedCode)
        {
            object envelope = Envelope(response);
            Check(what + ": an error envelope", envelope != null && false.Equals(MiniJson.Get(envelope, "ok")), response.Json);
            string code = MiniJson.Get(envelope, "error", "code") as string;
            string category = MiniJson.Get(envelope, "error", "category") as string;
            if (expectedCode != null)
            {
                Expect(what + ": error.code", expectedCode, code);
            }
            else
            {
                Check(what + ": error.code is set", !string.IsNullOrEmpty(code), response.Json);
            }
            Check(what + ": error.category is an ErrorCategory name", category != null && Array.IndexOf(ErrorCategories, category) >= 0,
                response.Json);
        }

        private static void ImportWhatIf(string request, string database)
        {
            NativeResponse result = RunCmdletJob(request);
            object envelope = Envelope(result);
            if (!true.Equals(MiniJson.Get(envelope, "ok")))
            {
                Fail("import -WhatIf into a fresh mgc failed: " + result.Json);
                return;
            }
            Check("import -WhatIf: data.whatIf is true", true.Equals(MiniJson.Get(envelope, "data", "whatIf")), result.Json);
            if (database != null)
            {
                Expect("import -WhatIf: data.target.database", database, MiniJson.Get(envelope, "data", "target", "database") as string);
            }
            // What Import-PChatMigrationData turns into PChatMigration.ImportEntity objects.
            List<object> entities = MiniJson.Get(envelope, "data", "entities") as List<object>;
            Check("import -WhatIf: data.entities is an array", entities != null, result.Json);
            int rooms = 0;
            if (entities != null)
            {
                foreach (object entity in entities)
                {
                    string type = MiniJson.Get(entity, "type") as string;
                    string status = MiniJson.Get(entity, "status") as string;
                    Check("import -WhatIf: every entity has type, name, status and notes",
                        type != null && MiniJson.Get(entity, "name") is string && status != null && MiniJson.Get(entity, "notes") is string,
                        result.Json);
                    Check("import -WhatIf: a Would* status (" + status + ")", status != null && status.StartsWith("Would"), result.Json);
                    if (type == "Room")
                    {
                        rooms++;
                    }
                }
            }
            Check("import -WhatIf: rooms are planned", rooms > 0, result.Json);
            // What the PChatMigration.ImportSummary object is built from.
            foreach (string part in new[] { "principals", "addins", "categories", "rooms" })
            {
                Check("import -WhatIf: data.summary." + part + ".created", MiniJson.Get(envelope, "data", "summary", part, "created") != null, result.Json);
            }
            Check("import -WhatIf: data.summary.messagesTotal", MiniJson.Get(envelope, "data", "summary", "messagesTotal") != null, result.Json);
            Check("import -WhatIf: data.estimate.messages", MiniJson.Get(envelope, "data", "estimate", "messages") != null, result.Json);
            Check("import -WhatIf: data.findings is an array", MiniJson.Get(envelope, "data", "findings") is List<object>, result.Json);
        }

        private static void ImportRefused(string request)
        {
            NativeResponse result = RunCmdletJob(request);
            ExpectCodeAndCategory("import into a legacy database", result, null);
            string message = MiniJson.Get(Envelope(result), "error", "message") as string;
            Check("import into a legacy database: the message says what the target must be (mgc)",
                message != null && message.Contains("mgc"), result.Json);
        }

        private static void Readiness(string request)
        {
            NativeResponse result = RunCmdletJob(request);
            object envelope = Envelope(result);
            if (!true.Equals(MiniJson.Get(envelope, "ok")))
            {
                Fail("readiness of a valid package failed: " + result.Json);
                return;
            }
            // What Test-PChatMigrationReadiness turns into PChatMigration.ReadinessFinding objects.
            List<object> findings = MiniJson.Get(envelope, "data", "findings") as List<object>;
            Check("readiness: data.findings is an array", findings != null, result.Json);
            if (findings != null)
            {
                foreach (object finding in findings)
                {
                    string severity = MiniJson.Get(finding, "severity") as string;
                    Check("readiness: a finding has severity Error, Warning or Info, a code and a message",
                        (severity == "Error" || severity == "Warning" || severity == "Info") &&
                        MiniJson.Get(finding, "code") is string && MiniJson.Get(finding, "message") is string, result.Json);
                }
            }
        }
    }
}
