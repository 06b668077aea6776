// Mono harness: compiled together with powershell/PersistentChatMigration/Native/PChatMigrationNative.cs (its library
// placeholder replaced by the absolute path of the built cdylib) and run with `mono`. It calls the REAL library
// through the module's P/Invoke declarations and managed wrapper, exactly as PowerShell's Add-Type would, and exits
// non-zero on any mismatch, printing what differed. Driven by tests/powershell_checks.rs.
//
//   mono harness.exe --version <crate version> --abi <PCM_ABI_VERSION the module expects> [--format <Format.ps1xml>]
//                    [--package <valid package.zip> --package-rooms <rooms with history> --package-messages <n>]
//                    [--import-request <file> --import-database <mgc name> --bad-import-request <file>]
//                    [--readiness-request <file>]
//                    [--verify-params <file> --verify-database-params <file> --verify-legacy-pool <fqdn>]
//                    [--archive-request <file> --archive-refused-params <file>] (with --package)
//                    [--migration <file> (Start-PChatMigration's stage params) with --legacy-client-facts <file>]
//                    [--client-access-params <file> --client-access-expect <new,legacy,none,unexpanded>]
//                    [--large-package <package.zip> --large-package-rooms <rooms>] (JsonChecks.cs: a response > 2 MB)
//
// With --package it also runs inspect_package (Get-PChatMigrationPackage) on that package and on a truncated copy,
// written next to it.
//
// C# 5 (compiled with -langversion:5, like Windows PowerShell's Add-Type).

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Xml;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private const string Password = "harness-Secret-7e1f";
        private static int passed;
        private static int failed;

        public static int Main(string[] args)
        {
            string expectedVersion = null;
            uint expectedAbi = 0;
            string formatFile = null;
            string packageFile = null;
            int packageRooms = -1;
            long packageMessages = -1;
            string importRequest = null;
            string importDatabase = null;
            string badImportRequest = null;
            string filesSource = null;
            string filesDestination = null;
            int filesCount = -1;
            string readinessRequest = null;
            string verifyParams = null;
            string verifyDatabaseParams = null;
            string verifyLegacyPool = null;
            string legacyClientFacts = null;
            string secretProbe = null;
            string secretPassword = null;
            string migrationConfig = null;
            string archiveRequest = null;
            string archiveRefusedParams = null;
            string clientAccessParams = null;
            string clientAccessExpect = null;
            string largePackage = null;
            int largePackageRooms = -1;
            for (int i = 0; i < args.Length; i++)
            {
                if (args[i] == "--version" && i + 1 < args.Length)
                {
                    expectedVersion = args[++i];
                }
                else if (args[i] == "--abi" && i + 1 < args.Length)
                {
                    expectedAbi = uint.Parse(args[++i]);
                }
                else if (args[i] == "--format" && i + 1 < args.Length)
                {
                    formatFile = args[++i];
                }
                else if (args[i] == "--package" && i + 1 < args.Length)
                {
                    packageFile = args[++i];
                }
                else if (args[i] == "--package-rooms" && i + 1 < args.Length)
                {
                    packageRooms = int.Parse(args[++i]);
                }
                else if (args[i] == "--package-messages" && i + 1 < args.Length)
                {
                    packageMessages = long.Parse(args[++i]);
                }
                else if (args[i] == "--import-request" && i + 1 < args.Length)
                {
                    importRequest = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--import-database" && i + 1 < args.Length)
                {
                    importDatabase = args[++i];
                }
                else if (args[i] == "--bad-import-request" && i + 1 < args.Length)
                {
                    badImportRequest = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--readiness-request" && i + 1 < args.Length)
                {
                    readinessRequest = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--verify-params" && i + 1 < args.Length)
                {
                    verifyParams = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--verify-database-params" && i + 1 < args.Length)
                {
                    verifyDatabaseParams = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--verify-legacy-pool" && i + 1 < args.Length)
                {
                    verifyLegacyPool = args[++i];
                }
                else if (args[i] == "--secret-probe" && i + 1 < args.Length)
                {
                    secretProbe = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--secret-password" && i + 1 < args.Length)
                {
                    secretPassword = File.ReadAllText(args[++i], new UTF8Encoding(false));
                }
                else if (args[i] == "--legacy-client-facts" && i + 1 < args.Length)
                {
                    legacyClientFacts = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--migration" && i + 1 < args.Length)
                {
                    migrationConfig = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--archive-request" && i + 1 < args.Length)
                {
                    archiveRequest = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--archive-refused-params" && i + 1 < args.Length)
                {
                    archiveRefusedParams = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--client-access-params" && i + 1 < args.Length)
                {
                    clientAccessParams = File.ReadAllText(args[++i]);
                }
                else if (args[i] == "--client-access-expect" && i + 1 < args.Length)
                {
                    clientAccessExpect = args[++i];
                }
                else if (args[i] == "--large-package" && i + 1 < args.Length)
                {
                    largePackage = args[++i];
                }
                else if (args[i] == "--large-package-rooms" && i + 1 < args.Length)
                {
                    largePackageRooms = int.Parse(args[++i]);
                }
                else if (args[i] == "--files-source" && i + 1 < args.Length)
                {
                    filesSource = args[++i];
                }
                else if (args[i] == "--files-destination" && i + 1 < args.Length)
                {
                    filesDestination = args[++i];
                }
                else if (args[i] == "--files-count" && i + 1 < args.Length)
                {
                    filesCount = int.Parse(args[++i]);
                }
                else
                {
                    Console.Error.WriteLine("unknown argument: " + args[i]);
                    return 2;
                }
            }
            if (expectedVersion == null || expectedAbi == 0)
            {
                Console.Error.WriteLine("usage: harness.exe --version <crate version> --abi <n> [--format <file>] " +
                    "[--package <file> --package-rooms <n> --package-messages <n>]");
                return 2;
            }
            if (packageFile != null && (packageRooms < 0 || packageMessages < 0))
            {
                Console.Error.WriteLine("--package needs --package-rooms and --package-messages");
                return 2;
            }

            // Bounded run time: a hung native call must fail the test, not hang it.
            Thread watchdog = new Thread(delegate()
            {
                Thread.Sleep(TimeSpan.FromSeconds(120));
                Console.WriteLine("FAIL harness watchdog: still running after 120 s (a native call hung)");
                Console.Out.Flush();
                Environment.Exit(3);
            });
            watchdog.IsBackground = true;
            watchdog.Start();

            Console.WriteLine("library: " + NativeMethods.Lib);
            Run("version and ABI", delegate { VersionAndAbi(expectedVersion, expectedAbi); });
            Run("runtime identifier selection (PersistentChatMigration.psm1)", RuntimeIdSelection);
            Run("Windows load failures named by their real cause", WindowsLoadFailures);
            Run("library missing from bin/<rid>/", MissingLibraryMessages);
            Run("real dlopen failures named by their real cause", RealDlopenFailures);
            Run("status names", StatusNames);
            Run("pcm_call", delegate { SyncCalls(expectedVersion, expectedAbi); });
            Run("pcm_job_start refusals", StartRefusals);
            Run("probe job against a closed port", ClosedPortJob);
            Run("probe job cancelled while connecting", CancelledJob);
            Run("pcm_job_free cancels a running job", FreeCancelsJob);
            Run("validate export requests (Export-PChatMigrationData)", ValidateExportRequests);
            Run("export job against a closed port leaves no package", ClosedPortExport);
            Run("named starts: export, import, inspect_package", NamedStarts);
            if (packageFile != null)
            {
                Run("inspect_package (Get-PChatMigrationPackage)", delegate { InspectPackage(packageFile, packageRooms, packageMessages); });
            }
            if (importRequest != null)
            {
                Run("import -WhatIf (Import-PChatMigrationData)", delegate { ImportWhatIf(importRequest, importDatabase); });
            }
            if (badImportRequest != null)
            {
                Run("import into a database that is not mgc", delegate { ImportRefused(badImportRequest); });
            }
            if (readinessRequest != null)
            {
                Run("readiness (Test-PChatMigrationReadiness)", delegate { Readiness(readinessRequest); });
            }
            if (verifyParams != null)
            {
                Run("validate verify (Test-PChatMigration)", delegate { ValidateVerify(verifyParams, verifyDatabaseParams); });
                Run("verify against an empty target (Test-PChatMigration)", delegate { VerifyAgainstAnEmptyTarget(verifyParams, verifyLegacyPool); });
            }
            if (secretProbe != null && secretPassword != null)
            {
                Run("passwords from a SecureString (SecureRequest)", delegate { SecretChecks(secretProbe, secretPassword); });
            }
            if (legacyClientFacts != null)
            {
                Run("legacy_clients_plan (Enable-PChatLegacyClientAccess)", delegate { LegacyClientPlan(legacyClientFacts); });
                Run("legacy_clients_plan refusals", delegate { LegacyClientPlanRefusals(legacyClientFacts); });
            }
            if (migrationConfig != null && legacyClientFacts != null)
            {
                Run("the stages of Start-PChatMigration: -WhatIf, the run, the re-run", delegate { Migration(migrationConfig, legacyClientFacts); });
            }
            if (clientAccessParams != null && clientAccessExpect != null)
            {
                Run("client_access (Test-PChatClientAccess)", delegate { ClientAccess(clientAccessParams, clientAccessExpect); });
                Run("client_access refusals", delegate { ClientAccessRefusals(clientAccessParams); });
            }
            if (archiveRequest != null && archiveRefusedParams != null)
            {
                Run("archive (Export-PChatArchive)", delegate { Archive(archiveRequest, archiveRefusedParams, packageRooms, packageMessages); });
            }
            if (filesSource != null && filesDestination != null)
            {
                Run("copy_files (Copy-PChatFileStore)", delegate { CopyFiles(filesSource, filesDestination, filesCount); });
            }
            Run("file_manifest refused at start (Get-PChatFileManifest)", FileManifestRefused);
            Run("JSON reader: PascalCase key rule (PChatMigrationJson.cs)", JsonNameRules);
            Run("JSON reader: UTC times under *Utc keys become DateTime", JsonTimeRules);
            Run("JSON reader: numbers, literals, containers", JsonValues);
            Run("JSON reader: hostile strings round-trip", JsonHostileStrings);
            Run("JSON reader: invalid JSON refused naming the offset", JsonInvalid);
            Run("JSON reader: deep nesting refused cleanly", JsonDeepNesting);
            if (largePackage != null)
            {
                Run("JSON reader: a " + largePackageRooms + "-room inspect_package response (over 2 MB)",
                    delegate { JsonLargeResponse(largePackage, largePackageRooms); });
            }
            if (formatFile != null)
            {
                Run("format file", delegate { FormatFile(formatFile); });
            }

            Console.WriteLine("harness: " + passed + " passed, " + failed + " failed");
            return failed == 0 ? 0 : 1;
        }

        // --- tests ----------------------------------------------------------------------------------------------

        private static void VersionAndAbi(string expectedVersion, uint expectedAbi)
        {
            Expect("pcm_version() = crate version", expectedVersion, Native.Version());
            Expect("pcm_abi_version() = ABI the module expects", expectedAbi.ToString(), Native.AbiVersion().ToString());
        }

        private static void StatusNames()
        {
            // Every PcmStatus constant has the library's name for it.
            Dictionary<int, string> declared = new Dictionary<int, string>();
            foreach (FieldInfo field in typeof(PcmStatus).GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                int value = (int)field.GetRawConstantValue();
                string expected = "PCM_STATUS_" + Snake(field.Name);
                declared[value] = expected;
                Expect("pcm_status_name(" + value + ") for PcmStatus." + field.Name, expected, Native.StatusName(value));
            }
            Expect("pcm_status_name(unknown)", "PCM_STATUS_UNKNOWN", Native.StatusName(123456));
            Expect("pcm_status_name(-1)", "PCM_STATUS_UNKNOWN", Native.StatusName(-1));
            // Every status the library can name is declared in PcmStatus (a new status needs a constant).
            for (int value = 0; value < 8000; value++)
            {
                string name = Native.StatusName(value);
                if (name != "PCM_STATUS_UNKNOWN" && !declared.ContainsKey(value))
                {
                    Fail("status " + value + " (" + name + ") is not declared in PChatMigration.PcmStatus");
                }
            }
        }

        private static void SyncCalls(string expectedVersion, uint expectedAbi)
        {
            NativeResponse version = Native.Call("{\"operation\":\"version\",\"params\":{}}");
            object envelope = ExpectEnvelope("version", version, PcmStatus.Ok, true, null);
            Expect("version: data.version", expectedVersion, MiniJson.Get(envelope, "data", "version") as string);
            object abi = MiniJson.Get(envelope, "data", "abiVersion");
            Expect("version: data.abiVersion", expectedAbi.ToString(), abi == null ? "null" : Convert.ToString(abi));

            ExpectEnvelope(
                "validate with an empty dbInstance",
                Native.Call("{\"operation\":\"validate\",\"params\":{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"\"}}}"),
                PcmStatus.InvalidRequest, false, "invalid_db_instance");

            ExpectEnvelope("invalid JSON", Native.Call("{\"operation\": "), PcmStatus.InvalidJson, false, "invalid_json");
            ExpectEnvelope("unknown operation", Native.Call("{\"operation\":\"no_such_operation\",\"params\":{}}"),
                PcmStatus.UnknownOperation, false, "unknown_operation");
            ExpectEnvelope("job operation through pcm_call", Native.Call(ProbeRequest("127.0.0.1,1", 2)),
                PcmStatus.UnknownOperation, false, "unknown_operation");
            ExpectEnvelope("NULL request", Native.Call(null), PcmStatus.NullArgument, false, "null_argument");

            // Non-ASCII text survives both directions (UTF-8 encode with NUL, decode by scanning for NUL).
            string name = "S\u00e9rv\u00e9r-\u00fc\u4e2d";
            NativeResponse utf8 = Native.Call(
                "{\"operation\":\"validate\",\"params\":{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"" + name +
                ",99999\",\"user\":\"sa\",\"password\":\"x\"}}}");
            Check("UTF-8 round trip: the response quotes '" + name + "'", utf8.Json != null && utf8.Json.Contains(name),
                utf8.ToString());

            // A request that is not valid UTF-8 (a lone 0xFF byte) is reported, not crashed on.
            IntPtr response;
            int status = NativeMethods.pcm_call(new byte[] { (byte)'{', 0xFF, (byte)'}', 0 }, out response);
            string text = Native.TakeString(response);
            Expect("invalid UTF-8 request: status", Native.StatusName(PcmStatus.InvalidUtf8), Native.StatusName(status));
            Check("invalid UTF-8 request: error envelope", text != null && text.Contains("\"ok\":false"), text);
        }

        private static void StartRefusals()
        {
            using (NativeJob job = Native.StartJob("{not json"))
            {
                Check("invalid JSON: no job", !job.IsStarted && job.IsClosed, job.StartResponse.ToString());
                ExpectEnvelope("pcm_job_start with invalid JSON", job.StartResponse, PcmStatus.InvalidJson, false, "invalid_json");
            }
            using (NativeJob job = Native.StartJob("{\"operation\":\"version\",\"params\":{}}"))
            {
                Check("sync operation as a job: no job", !job.IsStarted, job.StartResponse.ToString());
                ExpectEnvelope("pcm_job_start of a sync operation", job.StartResponse, PcmStatus.UnknownOperation, false, "unknown_operation");
            }
            using (NativeJob job = Native.StartJob("{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"\"}}"))
            {
                Check("invalid parameters: no job", !job.IsStarted, job.StartResponse.ToString());
                ExpectEnvelope("pcm_job_start with an empty dbInstance", job.StartResponse, PcmStatus.InvalidRequest, false, "invalid_db_instance");
            }
        }

        private static void ClosedPortJob()
        {
            List<string> texts = new List<string>();
            NativeJob job = Native.StartJob(ProbeRequest("127.0.0.1,1", 2));
            try
            {
                ExpectEnvelope("probe start", job.StartResponse, PcmStatus.Ok, true, null);
                Expect("probe start: data.operation", "probe", MiniJson.Get(MiniJson.Parse(job.StartResponse.Json), "data", "operation") as string);
                if (!job.IsStarted)
                {
                    return;
                }
                List<string> states = new List<string>();
                List<string> eventTypes = new List<string>();
                PollUntilFinished(job, TimeSpan.FromSeconds(30), states, eventTypes, texts);
                // A poll reports the terminal state only when events were still queued at the end (otherwise the
                // next poll is already JOB_FINISHED), so a terminal state, when seen, must be the right one.
                Check("closed port: no terminal state other than 'failed'", TerminalStatesAre(states, "failed"),
                    "states: " + string.Join(",", states.ToArray()));
                Check("closed port: a progress event arrived", eventTypes.Contains("progress"),
                    "events: " + string.Join(",", eventTypes.ToArray()));

                NativeResponse result = job.Result();
                texts.Add(result.Json);
                object envelope = ExpectEnvelope("closed port: result", result, PcmStatus.OperationFailed, false, null);
                string code = MiniJson.Get(envelope, "error", "code") as string;
                Check("closed port: a connection error code", code != null && (code.Contains("connect") || code == "timeout"),
                    "code: " + (code ?? "null") + " in " + result.Json);
                string category = MiniJson.Get(envelope, "error", "category") as string;
                Check("closed port: the envelope names the PowerShell category",
                    category == (code == "timeout" ? "OperationTimeout" : "ConnectionError"),
                    "category: " + (category ?? "null") + " in " + result.Json);
                string message = MiniJson.Get(envelope, "error", "message") as string;
                Check("closed port: the message names the instance", message != null && message.Contains("127.0.0.1"), result.Json);

                Expect("closed port: pcm_job_cancel after the end", Native.StatusName(PcmStatus.JobFinished), Native.StatusName(job.Cancel()));
                NativeResponse again = job.Result();
                Expect("closed port: the result can be read twice", result.Json, again.Json);
                NativeResponse poll = job.Poll(0);
                Expect("closed port: poll after the end", Native.StatusName(PcmStatus.JobFinished), poll.StatusName);
            }
            finally
            {
                job.Dispose();
            }
            Check("closed port: handle closed after Dispose", job.IsClosed, "IsClosed is false");
            job.Dispose(); // a second Dispose is harmless
            try
            {
                job.Poll(0);
                Fail("Poll after Dispose did not throw ObjectDisposedException");
            }
            catch (ObjectDisposedException)
            {
                Pass("Poll after Dispose throws ObjectDisposedException (no native call on a freed handle)");
            }
            foreach (string text in texts)
            {
                if (text != null && text.Contains(Password))
                {
                    Fail("a response contains the password: " + text);
                }
            }
        }

        private static void CancelledJob()
        {
            using (SilentServer server = new SilentServer())
            {
                NativeJob job = Native.StartJob(ProbeRequest("127.0.0.1," + server.Port, 30));
                try
                {
                    ExpectEnvelope("silent server: start", job.StartResponse, PcmStatus.Ok, true, null);
                    if (!job.IsStarted)
                    {
                        return;
                    }
                    List<string> states = new List<string>();
                    List<string> eventTypes = new List<string>();
                    List<string> texts = new List<string>();
                    DateTime deadline = DateTime.UtcNow.AddSeconds(15);
                    while (server.Accepted == 0 && DateTime.UtcNow < deadline)
                    {
                        PollOnce(job, 100, states, eventTypes, texts);
                    }
                    Check("silent server: the job connected", server.Accepted > 0, "no connection within 15 s");
                    Expect("silent server: result while running", Native.StatusName(PcmStatus.JobRunning), job.Result().StatusName);
                    Expect("silent server: pcm_job_cancel", Native.StatusName(PcmStatus.Ok), Native.StatusName(job.Cancel()));
                    int second = job.Cancel();
                    Check("silent server: a second cancel returns OK or JOB_FINISHED",
                        second == PcmStatus.Ok || second == PcmStatus.JobFinished, Native.StatusName(second));

                    Stopwatch watch = Stopwatch.StartNew();
                    PollUntilFinished(job, TimeSpan.FromSeconds(10), states, eventTypes, texts);
                    Check("silent server: ended within 10 s of the cancel", watch.Elapsed < TimeSpan.FromSeconds(10),
                        "took " + watch.Elapsed);
                    Check("silent server: no terminal state other than 'cancelled'", TerminalStatesAre(states, "cancelled"),
                        "states: " + string.Join(",", states.ToArray()));

                    ExpectEnvelope("silent server: result", job.Result(), PcmStatus.Cancelled, false, "cancelled");
                    Expect("silent server: cancel after the end", Native.StatusName(PcmStatus.JobFinished), Native.StatusName(job.Cancel()));
                }
                finally
                {
                    job.Dispose();
                }
            }
        }

        private static void FreeCancelsJob()
        {
            using (SilentServer server = new SilentServer())
            {
                NativeJob job = Native.StartJob(ProbeRequest("127.0.0.1," + server.Port, 30));
                ExpectEnvelope("free while running: start", job.StartResponse, PcmStatus.Ok, true, null);
                DateTime deadline = DateTime.UtcNow.AddSeconds(15);
                while (server.Accepted == 0 && DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(50);
                }
                Check("free while running: the job connected", server.Accepted > 0, "no connection within 15 s");
                job.Dispose();
                Check("free while running: handle closed", job.IsClosed, "IsClosed is false");
                // pcm_job_free cancels the job, which drops its connection: the server sees end-of-stream.
                Check("free while running: the job's connection was closed", server.WaitForClose(TimeSpan.FromSeconds(10)),
                    "the connection stayed open 10 s after pcm_job_free");
            }
        }

        // The export request exactly as Export-PChatMigrationData builds it (ConvertTo-PChatConnectionParameter's
        // connection object, a full -FileName path, -StartDate as UTC 'o' text), with "extra" appended.
        private static string ExportRequest(string fileName, string extra)
        {
            return ExportRequest(fileName, extra, true);
        }

        private static string ExportRequest(string fileName, string extra, bool withStartDate)
        {
            string start = new DateTime(2010, 1, 31, 8, 0, 0, DateTimeKind.Local).ToUniversalTime()
                .ToString("o", System.Globalization.CultureInfo.InvariantCulture);
            StringBuilder sb = new StringBuilder();
            sb.Append("{\"connection\":{\"dbInstance\":\"sql01.contoso.com\\\\rtc\",\"dbName\":\"GroupChat\",");
            sb.Append("\"authentication\":\"SqlServer\",\"user\":\"sa\",\"password\":\"" + Password + "\",");
            sb.Append("\"encryption\":\"Plaintext\",\"trustServerCertificate\":false,\"connectTimeoutSeconds\":2,\"connectRetryCount\":0}");
            if (fileName != null)
            {
                sb.Append(",\"fileName\":\"" + JsonEscape(fileName) + "\",\"asBytes\":false");
            }
            if (withStartDate)
            {
                sb.Append(",\"startDate\":\"" + start + "\"");
            }
            sb.Append(",\"disableExportedNodes\":false,\"throttleLimit\":4");
            sb.Append(extra);
            sb.Append("}");
            return sb.ToString();
        }

        private static string Validate(string operation, string paramsJson)
        {
            return "{\"operation\":\"validate\",\"params\":{\"operation\":\"" + operation + "\",\"params\":" + paramsJson + "}}";
        }

        private static void ValidateExportRequests()
        {
            string dir = Path.Combine(Path.GetTempPath(), "pchat-harness-" + Process.GetCurrentProcess().Id);
            Directory.CreateDirectory(dir);
            try
            {
                string file = Path.Combine(dir, "GroupChat export.zip");
                string report = Path.Combine(dir, "export.html");
                List<string> texts = new List<string>();

                NativeResponse valid = Native.Call(Validate("export", ExportRequest(file,
                    ",\"level\":\"Content\",\"scope\":[\"Sales\",\"Marketing\\\\Events\"],\"rooms\":[\"Pipeline\",\"Sales\\\\Forecast\",\"412\"],\"report\":\"" +
                    JsonEscape(report) + "\"")));
                texts.Add(valid.Json);
                object envelope = ExpectEnvelope("validate export (Level Content, Scope, Room, StartDate, Report)", valid, PcmStatus.Ok, true, null);
                Expect("validate export: data.valid", "True", Convert.ToString(MiniJson.Get(envelope, "data", "valid")));
                Expect("validate export: data.operation", "export", MiniJson.Get(envelope, "data", "operation") as string);
                Expect("validate export: data.level", "Content", MiniJson.Get(envelope, "data", "level") as string);
                Expect("validate export: data.fileName", file, MiniJson.Get(envelope, "data", "fileName") as string);
                Check("validate export: no file written", !File.Exists(file) && !File.Exists(report), dir);

                foreach (string level in new[] { "All", "User", "Category", "RoomDirectory", "Content" })
                {
                    // -StartDate and -Room need history or rooms: without them every level of the ValidateSet is accepted.
                    string request = "{\"connection\":{\"dbInstance\":\"sql01\",\"dbName\":\"GroupChat\",\"authentication\":\"SqlServer\"," +
                        "\"user\":\"sa\",\"password\":\"" + Password + "\",\"encryption\":\"Mandatory\",\"trustServerCertificate\":false}," +
                        "\"fileName\":\"" + JsonEscape(file) + "\",\"asBytes\":false,\"level\":\"" + level + "\",\"disableExportedNodes\":true,\"throttleLimit\":32}";
                    NativeResponse response = Native.Call(Validate("export", request));
                    texts.Add(response.Json);
                    object levelEnvelope = ExpectEnvelope("validate export -Level " + level, response, PcmStatus.Ok, true, null);
                    Expect("validate export -Level " + level + ": data.level", level, MiniJson.Get(levelEnvelope, "data", "level") as string);
                }

                NativeResponse asBytes = Native.Call(Validate("export", ExportRequest(null, ",\"asBytes\":true,\"level\":\"All\"")));
                texts.Add(asBytes.Json);
                ExpectEnvelope("validate export -AsBytes", asBytes, PcmStatus.Ok, true, null);

                string[][] refused = new string[][]
                {
                    new[] { "level Everything", ExportRequest(file, ",\"level\":\"Everything\""), "Everything" },
                    new[] { "an unknown field", ExportRequest(file, ",\"level\":\"All\",\"overwrite\":true"), "overwrite" },
                    new[] { "-ThrottleLimit 0", ExportRequest(file, ",\"level\":\"All\"").Replace("\"throttleLimit\":4", "\"throttleLimit\":0"), "ThrottleLimit" },
                    new[] { "-ThrottleLimit 33", ExportRequest(file, ",\"level\":\"All\"").Replace("\"throttleLimit\":4", "\"throttleLimit\":33"), "ThrottleLimit" },
                    new[] { "-StartDate with -Level User", ExportRequest(file, ",\"level\":\"User\""), "StartDate" },
                    new[] { "-Room with -Level Category", ExportRequest(file, ",\"level\":\"Category\",\"rooms\":[\"Pipeline\"]", false), "Room" },
                    new[] { "-FileName and -AsBytes", ExportRequest(file, ",\"level\":\"All\"").Replace("\"asBytes\":false", "\"asBytes\":true"), "AsBytes" },
                    new[] { "neither -FileName nor -AsBytes", ExportRequest(null, ",\"level\":\"All\""), "FileName" },
                    new[] { "-FileName in a missing folder", ExportRequest(Path.Combine(Path.Combine(dir, "no such folder"), "x.zip"), ",\"level\":\"All\""), "no such folder" },
                    new[] { "-StartDate that is not a date", ExportRequest(file, ",\"level\":\"All\"").Replace("\"startDate\":\"", "\"startDate\":\"yesterday"), "StartDate" },
                };
                foreach (string[] item in refused)
                {
                    NativeResponse response = Native.Call(Validate("export", item[1]));
                    texts.Add(response.Json);
                    object refusal = ExpectEnvelope("validate export with " + item[0], response, PcmStatus.InvalidRequest, false, "invalid_parameter");
                    string message = MiniJson.Get(refusal, "error", "message") as string;
                    Check("validate export with " + item[0] + ": the message names '" + item[2] + "'",
                        message != null && message.Contains(item[2]), response.Json);
                }

                // The same request as a job is refused at pcm_job_start, before anything runs.
                using (NativeJob job = Native.StartJob("{\"operation\":\"export\",\"params\":" + ExportRequest(file, ",\"level\":\"Everything\"") + "}"))
                {
                    Check("export job with level Everything: not started", !job.IsStarted, job.StartResponse.ToString());
                    ExpectEnvelope("export job with level Everything", job.StartResponse, PcmStatus.InvalidRequest, false, "invalid_parameter");
                    texts.Add(job.StartResponse.Json);
                }
                ExpectEnvelope("export through pcm_call", Native.Call("{\"operation\":\"export\",\"params\":" + ExportRequest(file, "") + "}"),
                    PcmStatus.UnknownOperation, false, "unknown_operation");
                NoPassword(texts);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        // pcm_export_start / pcm_import_start / pcm_inspect_package_start: the operation comes from the name, the
        // parameters are the object alone; the same job machinery answers.
        private static void NamedStarts()
        {
            string dir = Path.Combine(Path.GetTempPath(), "pchat-harness-named-" + Process.GetCurrentProcess().Id);
            List<string> texts = new List<string>();
            string missing = Path.Combine(dir, "missing.zip");
            using (NativeJob job = Native.StartExport(ExportRequest(missing, ",\"level\":\"Everything\"")))
            {
                Check("pcm_export_start with level Everything: not started", !job.IsStarted, job.StartResponse.ToString());
                ExpectEnvelope("pcm_export_start with level Everything", job.StartResponse, PcmStatus.InvalidRequest, false, "invalid_parameter");
                texts.Add(job.StartResponse.Json);
            }
            using (NativeJob job = Native.StartInspectPackage("{\"fileName\":\"" + JsonEscape(missing) + "\"}"))
            {
                ExpectEnvelope("pcm_inspect_package_start", job.StartResponse, PcmStatus.Ok, true, null);
                Expect("pcm_inspect_package_start: data.operation", "inspect_package",
                    MiniJson.Get(MiniJson.Parse(job.StartResponse.Json), "data", "operation") as string);
                if (job.IsStarted)
                {
                    PollUntilFinished(job, TimeSpan.FromSeconds(30), new List<string>(), new List<string>(), texts);
                    NativeResponse result = job.Result();
                    object envelope = ExpectEnvelope("pcm_inspect_package_start of a missing file", result, PcmStatus.OperationFailed, false, "io_error");
                    Expect("pcm_inspect_package_start: error.category", "ResourceUnavailable", MiniJson.Get(envelope, "error", "category") as string);
                }
            }
            string import = "{\"connection\":{\"dbInstance\":\"127.0.0.1,1\",\"user\":\"sa\",\"password\":\"" + Password +
                "\",\"encryption\":\"Plaintext\",\"connectTimeoutSeconds\":2,\"connectRetryCount\":0},\"fileName\":\"" +
                JsonEscape(missing) + "\",\"whatIf\":true}";
            using (NativeJob job = Native.StartImport(import))
            {
                ExpectEnvelope("pcm_import_start", job.StartResponse, PcmStatus.Ok, true, null);
                Expect("pcm_import_start: data.operation", "import",
                    MiniJson.Get(MiniJson.Parse(job.StartResponse.Json), "data", "operation") as string);
                if (job.IsStarted)
                {
                    PollUntilFinished(job, TimeSpan.FromSeconds(30), new List<string>(), new List<string>(), texts);
                    NativeResponse result = job.Result();
                    texts.Add(result.Json);
                    object envelope = Envelope(result);
                    Check("pcm_import_start: the job ends with an error envelope (nothing to import)",
                        result.Status != PcmStatus.Ok && MiniJson.Get(envelope, "error", "code") is string, result.Json);
                    Check("pcm_import_start: the error names its category",
                        MiniJson.Get(envelope, "error", "category") is string, result.Json);
                }
            }
            NoPassword(texts);
        }

        private static void ClosedPortExport()
        {
            string dir = Path.Combine(Path.GetTempPath(), "pchat-harness-export-" + Process.GetCurrentProcess().Id);
            Directory.CreateDirectory(dir);
            List<string> texts = new List<string>();
            try
            {
                string file = Path.Combine(dir, "export.zip");
                string request = "{\"operation\":\"export\",\"params\":" +
                    ExportRequest(file, ",\"level\":\"All\"").Replace("sql01.contoso.com\\\\rtc", "127.0.0.1,1") + "}";
                using (NativeJob job = Native.StartJob(request))
                {
                    ExpectEnvelope("export start", job.StartResponse, PcmStatus.Ok, true, null);
                    Expect("export start: data.operation", "export", MiniJson.Get(MiniJson.Parse(job.StartResponse.Json), "data", "operation") as string);
                    if (!job.IsStarted)
                    {
                        return;
                    }
                    List<string> states = new List<string>();
                    List<string> eventTypes = new List<string>();
                    PollUntilFinished(job, TimeSpan.FromSeconds(30), states, eventTypes, texts);
                    Check("export to a closed port: no terminal state other than 'failed'", TerminalStatesAre(states, "failed"),
                        "states: " + string.Join(",", states.ToArray()));
                    NativeResponse result = job.Result();
                    texts.Add(result.Json);
                    object envelope = ExpectEnvelope("export to a closed port: result", result, PcmStatus.OperationFailed, false, null);
                    string code = MiniJson.Get(envelope, "error", "code") as string;
                    Check("export to a closed port: a connection error code", code != null && (code.Contains("connect") || code == "timeout"),
                        "code: " + (code ?? "null") + " in " + result.Json);
                }
                Check("export to a closed port: no package, no partial file, no staging folder",
                    Directory.GetFileSystemEntries(dir).Length == 0, string.Join(", ", Directory.GetFileSystemEntries(dir)));
                NoPassword(texts);
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        private static void InspectPackage(string package, int rooms, long messages)
        {
            string request = InspectRequest(package);
            List<string> eventTypes = new List<string>();
            NativeResponse response = InspectJob(package, eventTypes);
            Check("inspect_package as a job: progress events (one per checked entry)", eventTypes.Contains("progress"),
                string.Join(",", eventTypes.ToArray()));
            object envelope = ExpectEnvelope("inspect_package of a valid package", response, PcmStatus.Ok, true, null);
            Expect("inspect_package: data.valid", "True", Convert.ToString(MiniJson.Get(envelope, "data", "valid")));
            Expect("inspect_package: data.path", package, MiniJson.Get(envelope, "data", "path") as string);
            Expect("inspect_package: data.sizeBytes", new FileInfo(package).Length.ToString(), Convert.ToString(MiniJson.Get(envelope, "data", "sizeBytes")));
            Expect("inspect_package: data.formatVersion", "1.1", MiniJson.Get(envelope, "data", "formatVersion") as string);
            Check("inspect_package: data.createdUtc is ISO 8601 UTC", IsUtcTime(MiniJson.Get(envelope, "data", "createdUtc") as string), response.Json);
            Check("inspect_package: data.source.dbInstance", MiniJson.Get(envelope, "data", "source", "dbInstance") is string, response.Json);
            Check("inspect_package: data.tool.name", MiniJson.Get(envelope, "data", "tool", "name") is string, response.Json);
            Expect("inspect_package: data.counts.messages", messages.ToString(), Convert.ToString(MiniJson.Get(envelope, "data", "counts", "messages")));
            List<object> list = MiniJson.Get(envelope, "data", "rooms") as List<object>;
            Check("inspect_package: data.rooms is an array", list != null, response.Json);
            if (list != null)
            {
                Expect("inspect_package: rooms listed", rooms.ToString(), list.Count.ToString());
                double sum = 0;
                foreach (object room in list)
                {
                    // The fields Get-PChatMigrationPackage turns into PChatMigration.PackageRoom objects.
                    string name = MiniJson.Get(room, "name") as string;
                    object count = MiniJson.Get(room, "messages");
                    Check("inspect_package: room " + name + " has roomId, name, path, messages and bytes",
                        MiniJson.Get(room, "roomId") is double && name != null && MiniJson.Get(room, "path") is List<object> &&
                        count is double && MiniJson.Get(room, "bytes") is double, Convert.ToString(room));
                    if (count is double)
                    {
                        sum += (double)count;
                        string first = MiniJson.Get(room, "firstMessageUtc") as string;
                        string last = MiniJson.Get(room, "lastMessageUtc") as string;
                        if ((double)count > 0)
                        {
                            Check("inspect_package: room " + name + " has first and last message times in UTC",
                                IsUtcTime(first) && IsUtcTime(last) && string.CompareOrdinal(first, last) <= 0, response.Json);
                        }
                        else
                        {
                            Check("inspect_package: room " + name + " without messages has no message times",
                                first == null && last == null, response.Json);
                        }
                    }
                }
                Expect("inspect_package: the rooms' messages add up to counts.messages", messages.ToString(), sum.ToString());
            }

            // A truncated copy (an interrupted copy to another server) must be refused, naming the file.
            string directory = Path.GetDirectoryName(package);
            string truncated = Path.Combine(directory, "truncated copy.zip");
            byte[] bytes = File.ReadAllBytes(package);
            byte[] half = new byte[bytes.Length / 2];
            Array.Copy(bytes, half, half.Length);
            File.WriteAllBytes(truncated, half);
            NativeResponse bad = InspectJob(truncated, new List<string>());
            object badEnvelope = ExpectEnvelope("inspect_package of a truncated copy", bad, PcmStatus.OperationFailed, false, "invalid_package");
            string badMessage = MiniJson.Get(badEnvelope, "error", "message") as string;
            Check("inspect_package of a truncated copy: the message names the file",
                badMessage != null && badMessage.Contains("truncated copy.zip"), bad.Json);

            // The end cut off (the manifest, the zip directory) and a few bytes missing are both refused.
            byte[] nearlyAll = new byte[bytes.Length - 7];
            Array.Copy(bytes, nearlyAll, nearlyAll.Length);
            File.WriteAllBytes(truncated, nearlyAll);
            ExpectEnvelope("inspect_package of a copy missing its last 7 bytes",
                InspectJob(truncated, new List<string>()),
                PcmStatus.OperationFailed, false, "invalid_package");
            File.Delete(truncated);

            // A missing file is an error too (Get-PChatMigrationPackage writes it and goes on with the next file).
            string missing = Path.Combine(directory, "missing.zip");
            NativeResponse absent = InspectJob(missing, new List<string>());
            object absentEnvelope = ExpectEnvelope("inspect_package of a missing file", absent, PcmStatus.OperationFailed, false, null);
            string absentMessage = MiniJson.Get(absentEnvelope, "error", "message") as string;
            Check("inspect_package of a missing file: the message names the file", absentMessage != null && absentMessage.Contains("missing.zip"), absent.Json);

            ExpectEnvelope("validate inspect_package", Native.Call(Validate("inspect_package", "{\"fileName\":\"" + JsonEscape(package) + "\"}")),
                PcmStatus.Ok, true, null);
            ExpectEnvelope("validate inspect_package with an unknown field",
                Native.Call(Validate("inspect_package", "{\"fileName\":\"x.zip\",\"path\":\"x.zip\"}")),
                PcmStatus.InvalidRequest, false, "invalid_parameter");
            // inspect_package is a job: pcm_call refuses it, naming pcm_job_start.
            NativeResponse asCall = Native.Call(request);
            object asCallEnvelope = ExpectEnvelope("inspect_package through pcm_call", asCall, PcmStatus.UnknownOperation, false, "unknown_operation");
            string asCallMessage = MiniJson.Get(asCallEnvelope, "error", "message") as string;
            Check("inspect_package through pcm_call: the message says to start a job",
                asCallMessage != null && asCallMessage.Contains("pcm_job_start"), asCall.Json);
        }

        private static string InspectRequest(string package)
        {
            return "{\"operation\":\"inspect_package\",\"params\":{\"fileName\":\"" + JsonEscape(package) + "\"}}";
        }

        // Runs inspect_package as Get-PChatMigrationPackage does (through Invoke-PChatNativeJob): start, poll to the
        // end, take the result.
        private static NativeResponse InspectJob(string package, List<string> eventTypes)
        {
            List<string> texts = new List<string>();
            List<string> states = new List<string>();
            using (NativeJob job = Native.StartJob(InspectRequest(package)))
            {
                ExpectEnvelope("inspect_package job start", job.StartResponse, PcmStatus.Ok, true, null);
                if (!job.IsStarted)
                {
                    return job.StartResponse;
                }
                PollUntilFinished(job, TimeSpan.FromSeconds(60), states, eventTypes, texts);
                return job.Result();
            }
        }

        private static bool IsUtcTime(string text)
        {
            DateTime parsed;
            return text != null && text.EndsWith("Z") && DateTime.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal, out parsed);
        }

        private static string JsonEscape(string text)
        {
            return text.Replace("\\", "\\\\").Replace("\"", "\\\"");
        }

        private static void NoPassword(List<string> texts)
        {
            foreach (string text in texts)
            {
                if (text != null && text.Contains(Password))
                {
                    Fail("a response contains the password: " + text);
                }
            }
        }

        private static void FormatFile(string file)
        {
            XmlDocument document = new XmlDocument();
            document.Load(file);
            XmlNodeList typeNames = document.SelectNodes("/Configuration/ViewDefinitions/View/ViewSelectedBy/TypeName");
            // The type names the cmdlets give their output objects.
            foreach (string expected in new[] { "PChatMigration.ConnectionTest", "PChatMigration.ExportResult", "PChatMigration.Package", "PChatMigration.PackageRoom",
                "PChatMigration.ImportEntity", "PChatMigration.ImportSummary", "PChatMigration.ReadinessFinding", "PChatMigration.ReadinessSummary",
                "PChatMigration.VerifyItem", "PChatMigration.VerifySummary", "PChatMigration.DecommissionStep",
                "PChatMigration.LegacyClientPlan", "PChatMigration.LegacyClientPlanStep", "PChatMigration.Archive",
                "PChatMigration.MigrationStage", "PChatMigration.MigrationSummary",
                "PChatMigration.ClientAccessRoom", "PChatMigration.ClientAccessMember", "PChatMigration.ClientAccessResult" })
            {
                bool found = false;
                foreach (XmlNode node in typeNames)
                {
                    if (node.InnerText.Trim() == expected)
                    {
                        found = true;
                    }
                }
                Check("format file: a view for " + expected, found, file);
            }
            foreach (XmlNode table in document.SelectNodes("//TableControl"))
            {
                int headers = table.SelectNodes("TableHeaders/TableColumnHeader").Count;
                foreach (XmlNode row in table.SelectNodes("TableRowEntries/TableRowEntry"))
                {
                    int items = row.SelectNodes("TableColumnItems/TableColumnItem").Count;
                    Check("format file: " + headers + " headers and " + items + " columns", headers == items, file);
                }
            }
        }

        // --- helpers --------------------------------------------------------------------------------------------

        private static string ProbeRequest(string instance, int connectTimeoutSeconds)
        {
            // A SQL login, so that validation passes on every platform (integrated Windows authentication is
            // Windows-only); plaintext, so that nothing waits for TLS; no retries, so that the test is quick.
            return "{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"" + instance + "\",\"user\":\"sa\",\"password\":\"" +
                Password + "\",\"encryption\":\"Plaintext\",\"connectTimeoutSeconds\":" + connectTimeoutSeconds +
                ",\"connectRetryCount\":0}}";
        }

        private static void PollUntilFinished(NativeJob job, TimeSpan limit, List<string> states, List<string> eventTypes, List<string> texts)
        {
            DateTime deadline = DateTime.UtcNow + limit;
            while (DateTime.UtcNow < deadline)
            {
                if (!PollOnce(job, 200, states, eventTypes, texts))
                {
                    return;
                }
            }
            Fail("the job did not finish within " + limit.TotalSeconds + " s; states: " + string.Join(",", states.ToArray()));
        }

        // Returns false once the job reports PCM_STATUS_JOB_FINISHED.
        private static bool PollOnce(NativeJob job, uint timeoutMs, List<string> states, List<string> eventTypes, List<string> texts)
        {
            NativeResponse poll = job.Poll(timeoutMs);
            texts.Add(poll.Json);
            if (poll.Status == PcmStatus.JobFinished)
            {
                object finished = Envelope(poll);
                Check("poll after the end: error envelope", finished != null && false.Equals(MiniJson.Get(finished, "ok")), poll.ToString());
                return false;
            }
            if (poll.Status != PcmStatus.Ok)
            {
                Fail("pcm_job_poll returned " + poll);
                throw new InvalidOperationException("poll failed");
            }
            object envelope = Envelope(poll);
            string state = MiniJson.Get(envelope, "data", "state") as string;
            if (state == null || Array.IndexOf(new[] { "running", "succeeded", "failed", "cancelled" }, state) < 0)
            {
                Fail("poll: unexpected state in " + poll.Json);
            }
            else if (states.Count == 0 || states[states.Count - 1] != state)
            {
                states.Add(state);
            }
            List<object> events = MiniJson.Get(envelope, "data", "events") as List<object>;
            if (events == null)
            {
                Fail("poll: no events array in " + poll.Json);
                return true;
            }
            foreach (object e in events)
            {
                string type = MiniJson.Get(e, "type") as string;
                if (type != "progress" && type != "verbose" && type != "warning" && type != "item")
                {
                    Fail("poll: unknown event type in " + poll.Json);
                }
                if (type == "progress" && !(MiniJson.Get(e, "activity") is string))
                {
                    Fail("poll: progress event without activity in " + poll.Json);
                }
                if ((type == "verbose" || type == "warning") && !(MiniJson.Get(e, "message") is string))
                {
                    Fail("poll: " + type + " event without message in " + poll.Json);
                }
                eventTypes.Add(type);
            }
            return true;
        }

        private static bool TerminalStatesAre(List<string> states, string expected)
        {
            foreach (string state in states)
            {
                if (state != "running" && state != expected)
                {
                    return false;
                }
            }
            return true;
        }

        private static object Envelope(NativeResponse response)
        {
            try
            {
                return MiniJson.Parse(response.Json);
            }
            catch (FormatException e)
            {
                Fail("response is not JSON (" + e.Message + "): " + response);
                return null;
            }
        }

        // Checks status, the "ok" member and (when given) error.code; returns the parsed envelope.
        private static object ExpectEnvelope(string what, NativeResponse response, int status, bool ok, string code)
        {
            Expect(what + ": status", Native.StatusName(status), response.StatusName);
            object envelope = Envelope(response);
            if (envelope == null)
            {
                return null;
            }
            Expect(what + ": ok", ok ? "True" : "False", Convert.ToString(MiniJson.Get(envelope, "ok")));
            if (!ok)
            {
                string actualCode = MiniJson.Get(envelope, "error", "code") as string;
                string message = MiniJson.Get(envelope, "error", "message") as string;
                Check(what + ": error.message is set", !string.IsNullOrEmpty(message), response.Json);
                if (code != null)
                {
                    Expect(what + ": error.code", code, actualCode);
                }
                else
                {
                    Check(what + ": error.code is set", !string.IsNullOrEmpty(actualCode), response.Json);
                }
            }
            return envelope;
        }

        private static string Snake(string pascal)
        {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < pascal.Length; i++)
            {
                if (i > 0 && char.IsUpper(pascal[i]))
                {
                    sb.Append('_');
                }
                sb.Append(char.ToUpperInvariant(pascal[i]));
            }
            return sb.ToString();
        }

        private static void Run(string name, ThreadStart body)
        {
            Console.WriteLine("== " + name);
            try
            {
                body();
            }
            catch (Exception e)
            {
                Fail(name + " threw " + e);
            }
        }

        private static void Expect(string what, string expected, string actual)
        {
            if (expected == actual)
            {
                Pass(what + " = " + (actual ?? "null"));
            }
            else
            {
                Fail(what + ": expected " + (expected ?? "null") + ", got " + (actual ?? "null"));
            }
        }

        private static void Check(string what, bool condition, string detail)
        {
            if (condition)
            {
                Pass(what);
            }
            else
            {
                Fail(what + " -- " + detail);
            }
        }

        private static void Pass(string what)
        {
            passed++;
            Console.WriteLine("  ok   " + what);
        }

        private static void Fail(string what)
        {
            failed++;
            Console.WriteLine("  FAIL " + what);
        }
    }

    /// <summary>A TCP listener on 127.0.0.1 that accepts connections and never answers.</summary>
    public sealed class SilentServer : IDisposable
    {
        private readonly TcpListener listener;
        private readonly Thread acceptThread;
        private readonly List<TcpClient> clients = new List<TcpClient>();
        private volatile bool stopping;

        public SilentServer()
        {
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            acceptThread = new Thread(AcceptLoop);
            acceptThread.IsBackground = true;
            acceptThread.Start();
        }

        public int Port { get { return ((IPEndPoint)listener.LocalEndpoint).Port; } }

        public int Accepted
        {
            get
            {
                lock (clients)
                {
                    return clients.Count;
                }
            }
        }

        /// <summary>True when the first accepted connection reaches end-of-stream (or resets) within the limit.</summary>
        public bool WaitForClose(TimeSpan limit)
        {
            TcpClient client;
            lock (clients)
            {
                if (clients.Count == 0)
                {
                    return false;
                }
                client = clients[0];
            }
            client.ReceiveTimeout = (int)limit.TotalMilliseconds;
            byte[] buffer = new byte[4096];
            DateTime deadline = DateTime.UtcNow + limit;
            try
            {
                NetworkStream stream = client.GetStream();
                while (DateTime.UtcNow < deadline)
                {
                    // The client sends a TDS prelogin first; keep reading until end-of-stream.
                    if (stream.Read(buffer, 0, buffer.Length) == 0)
                    {
                        return true;
                    }
                }
            }
            catch (IOException e)
            {
                // A reset also means the peer closed; a receive timeout means it did not.
                SocketException socketError = e.InnerException as SocketException;
                return socketError == null
                    || (socketError.SocketErrorCode != SocketError.TimedOut && socketError.SocketErrorCode != SocketError.WouldBlock);
            }
            return false;
        }

        private void AcceptLoop()
        {
            while (!stopping)
            {
                try
                {
                    TcpClient client = listener.AcceptTcpClient();
                    lock (clients)
                    {
                        clients.Add(client);
                    }
                }
                catch (SocketException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }

        public void Dispose()
        {
            stopping = true;
            listener.Stop();
            lock (clients)
            {
                foreach (TcpClient client in clients)
                {
                    client.Close();
                }
            }
        }
    }
}
