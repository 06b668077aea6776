// The operations behind Copy-PChatFileStore and Get-PChatFileManifest, called through the module's P/Invoke class
// by their named starts (pcm_copy_files_start, pcm_file_manifest_start) with parameters shaped as the cmdlets
// build them. tests/powershell_checks.rs writes the small source tree and gives its folders.
//
// A copy must succeed with typed counts and the same bytes at the destination; a second run must trust the
// journal; -WhatIf must list the files and write nothing; a manifest request without a source must be refused
// at start with a code and a PowerShell category.
//
// C# 5.

using System;
using System.Collections.Generic;
using System.IO;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static string CopyParams(string source, string destination, bool whatIf)
        {
            return "{\"source\":\"" + JsonEscape(source) + "\",\"destination\":\"" + JsonEscape(destination) +
                "\",\"overwrite\":false,\"force\":false,\"whatIf\":" + (whatIf ? "true" : "false") + "}";
        }

        private static NativeResponse RunNamedJob(NativeJob job)
        {
            List<string> texts = new List<string>();
            List<string> states = new List<string>();
            List<string> eventTypes = new List<string>();
            using (job)
            {
                if (!job.IsStarted)
                {
                    return job.StartResponse;
                }
                PollUntilFinished(job, TimeSpan.FromSeconds(60), states, eventTypes, texts);
                return job.Result();
            }
        }

        private static long Count(object envelope, string name)
        {
            object value = MiniJson.Get(envelope, "data", "counts", name);
            return value == null ? -1 : Convert.ToInt64(value);
        }

        // Every file under root, relative with '/' separators.
        private static List<string> Files(string root)
        {
            List<string> files = new List<string>();
            foreach (string path in Directory.GetFiles(root, "*", SearchOption.AllDirectories))
            {
                files.Add(path.Substring(root.Length + 1).Replace('\\', '/'));
            }
            files.Sort(StringComparer.Ordinal);
            return files;
        }

        private static void CopyFiles(string source, string destination, int expected)
        {
            NativeResponse first = RunNamedJob(Native.StartCopyFiles(CopyParams(source, destination, false)));
            object envelope = Envelope(first);
            if (!true.Equals(MiniJson.Get(envelope, "ok")))
            {
                Fail("copy_files of a small tree failed: " + first.Json);
                return;
            }
            // What Copy-PChatFileStore turns into its PChatMigration.FileCopySummary object.
            Check("copy_files: data.succeeded is true", true.Equals(MiniJson.Get(envelope, "data", "succeeded")), first.Json);
            Expect("copy_files: data.counts.copied", expected.ToString(), Count(envelope, "copied").ToString());
            Expect("copy_files: data.counts.sourceFiles", expected.ToString(), Count(envelope, "sourceFiles").ToString());
            Check("copy_files: data.conflicts and data.failed are empty arrays",
                MiniJson.Get(envelope, "data", "conflicts") is List<object> &&
                ((List<object>)MiniJson.Get(envelope, "data", "conflicts")).Count == 0 &&
                ((List<object>)MiniJson.Get(envelope, "data", "failed")).Count == 0, first.Json);
            Check("copy_files: data.journal names the journal", MiniJson.Get(envelope, "data", "journal") is string, first.Json);
            Check("copy_files: data.durationMs", MiniJson.Get(envelope, "data", "durationMs") != null, first.Json);
            foreach (string file in Files(source))
            {
                byte[] a = File.ReadAllBytes(Path.Combine(source, file));
                string copy = Path.Combine(destination, file);
                bool same = File.Exists(copy) && Convert.ToBase64String(a) == Convert.ToBase64String(File.ReadAllBytes(copy));
                Check("copy_files: " + file + " has the same bytes at the destination", same, first.Json);
            }

            NativeResponse second = RunNamedJob(Native.StartCopyFiles(CopyParams(source, destination, false)));
            object again = Envelope(second);
            Expect("copy_files again: data.counts.copied", "0", Count(again, "copied").ToString());
            Expect("copy_files again: data.counts.skippedByJournal", expected.ToString(), Count(again, "skippedByJournal").ToString());

            string planned = destination + "-whatif";
            NativeResponse plan = RunNamedJob(Native.StartCopyFiles(CopyParams(source, planned, true)));
            object planEnvelope = Envelope(plan);
            List<object> wouldCopy = MiniJson.Get(planEnvelope, "data", "wouldCopy") as List<object>;
            Check("copy_files -WhatIf: data.whatIf is true", true.Equals(MiniJson.Get(planEnvelope, "data", "whatIf")), plan.Json);
            Check("copy_files -WhatIf: data.wouldCopy lists every file", wouldCopy != null && wouldCopy.Count == expected, plan.Json);
            Check("copy_files -WhatIf: nothing written", !Directory.Exists(planned), plan.Json);
        }

        private static void FileManifestRefused()
        {
            NativeResponse refused = RunNamedJob(Native.StartFileManifest("{}"));
            ExpectCodeAndCategory("file_manifest without a source", refused, "invalid_parameter");
            string message = MiniJson.Get(Envelope(refused), "error", "message") as string;
            Check("file_manifest without a source: the message names -FileName", message != null && message.Contains("-FileName"), refused.Json);
        }
    }
}
