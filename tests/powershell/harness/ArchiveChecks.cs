// The operation behind Export-PChatArchive, called through the module's P/Invoke class with requests shaped
// exactly as the cmdlet builds them (tests/powershell_checks.rs writes them).
//
// The archive must succeed with a typed result whose files exist and whose counts are the package's; the named
// start (pcm_archive_start) into the now non-empty folder without force must be refused at once with a code and
// a PowerShell category, leaving the archive as it was.
//
// C# 5.

using System;
using System.IO;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static void Archive(string request, string refusedParams, int rooms, long messages)
        {
            NativeResponse result = RunCmdletJob(request);
            object envelope = Envelope(result);
            if (!true.Equals(MiniJson.Get(envelope, "ok")))
            {
                Fail("archive of a valid package failed: " + result.Json);
                return;
            }
            // What Export-PChatArchive turns into a PChatMigration.Archive object.
            string index = MiniJson.Get(envelope, "data", "indexPath") as string;
            string manifest = MiniJson.Get(envelope, "data", "manifestPath") as string;
            string folder = MiniJson.Get(envelope, "data", "outputFolder") as string;
            Check("archive: data.indexPath is a file", index != null && File.Exists(index), result.Json);
            Check("archive: data.manifestPath is a file", manifest != null && File.Exists(manifest), result.Json);
            Check("archive: data.outputFolder is a folder", folder != null && Directory.Exists(folder), result.Json);
            Expect("archive: data.counts.rooms", rooms.ToString(), Convert.ToString(MiniJson.Get(envelope, "data", "counts", "rooms")));
            Expect("archive: data.counts.messages", messages.ToString(), Convert.ToString(MiniJson.Get(envelope, "data", "counts", "messages")));
            foreach (string field in new[] { "pages", "files", "bytes", "skippedRooms", "fileLinks", "refusedFileLinks" })
            {
                Check("archive: data.counts." + field, MiniJson.Get(envelope, "data", "counts", field) != null, result.Json);
            }
            Check("archive: data.timeZone", MiniJson.Get(envelope, "data", "timeZone") is string, result.Json);
            Check("archive: data.rooms is an array", MiniJson.Get(envelope, "data", "rooms") is System.Collections.Generic.List<object>, result.Json);
            if (index == null || !File.Exists(index))
            {
                return;
            }
            DateTime written = File.GetLastWriteTimeUtc(index);
            string before = File.ReadAllText(index);

            // The named start refuses a non-empty folder before a job exists (what -Force is for).
            using (NativeJob job = Native.StartArchive(refusedParams))
            {
                Check("pcm_archive_start into a non-empty folder is refused at start", !job.IsStarted, "a job was started");
                if (!job.IsStarted)
                {
                    Expect("pcm_archive_start refusal: status", PcmStatus.InvalidRequest.ToString(), job.StartResponse.Status.ToString());
                    ExpectCodeAndCategory("pcm_archive_start into a non-empty folder", job.StartResponse, "invalid_parameter");
                    string message = MiniJson.Get(Envelope(job.StartResponse), "error", "message") as string;
                    Check("the refusal names -Force", message != null && message.Contains("-Force"), job.StartResponse.Json);
                }
            }
            Check("the refused archive left the folder as it was",
                File.ReadAllText(index) == before && File.GetLastWriteTimeUtc(index) == written, index);
        }
    }
}
