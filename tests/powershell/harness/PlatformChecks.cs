// The loader's decisions (Native/PChatMigrationPlatform.cs, called by PersistentChatMigration.psm1): which
// bin/<rid>/ a process picks for its OS version and architecture, and what it says when a load fails. Tables of cases
// for the pure functions (Windows cannot run here, so its Win32 errors are inputs), plus REAL dlopen failures on this
// Linux machine: copies of the built library with a damaged header, another architecture, a missing file and a text
// file, so the diagnosis is checked against glibc's actual dlerror texts.
//
// C# 5.

using System;
using System.IO;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static readonly Version Server2008 = new Version(6, 0, 6002);
        private static readonly Version Server2008R2 = new Version(6, 1, 7601);
        private static readonly Version Server2012 = new Version(6, 2, 9200);
        private static readonly Version Server2012R2 = new Version(6, 3, 9600);
        private static readonly Version Server2016 = new Version(10, 0, 14393);
        private static readonly Version Server2022 = new Version(10, 0, 20348);

        private static void RuntimeIdSelection()
        {
            // platform, OS version, process architecture, rids in bin/, expected candidates, expected choice
            object[][] cases = new object[][]
            {
                new object[] { "windows", Server2022, "X64", "win-x64,win7-x64", "win-x64,win7-x64", "win-x64" },
                new object[] { "windows", Server2016, "AMD64", "win7-x64", "win-x64,win7-x64", "win7-x64" },
                new object[] { "windows", Server2012R2, "x64", "win-x64,win7-x64", "win7-x64", "win7-x64" },
                new object[] { "windows", Server2012, "x64", "win-x64,win7-x64", "win7-x64", "win7-x64" },
                new object[] { "windows", Server2008R2, "x64", "win-x64,win7-x64", "win7-x64", "win7-x64" },
                new object[] { "windows", Server2012R2, "x64", "win-x64", "win7-x64", null },
                new object[] { "windows", Server2008, "x64", "win-x64,win7-x64", "", null },
                new object[] { "windows", Server2022, "X86", "win-x64,win7-x64", "win-x86,win7-x86", null },
                new object[] { "windows", Server2012R2, "x86", "win7-x86,win-x86", "win7-x86", "win7-x86" },
                new object[] { "windows", Server2022, "Arm64", "win-arm64,win-x64", "win-arm64", "win-arm64" },
                new object[] { "windows", Server2012R2, "arm64", "win-arm64", "", null },
                new object[] { "Win32NT", null, "x64", "win-x64,win7-x64", "", null },
                new object[] { "linux", new Version(6, 1), "X64", "linux-x64,linux-arm64", "linux-x64", "linux-x64" },
                new object[] { "linux", new Version(6, 1), "aarch64", "linux-x64,linux-arm64", "linux-arm64", "linux-arm64" },
                new object[] { "linux", new Version(6, 1), "x86", "linux-x64", "", null },
                new object[] { "macos", new Version(23, 0), "Arm64", "osx-x64,osx-arm64", "osx-arm64", "osx-arm64" },
                new object[] { "freebsd", new Version(14, 0), "x64", "linux-x64", "", null },
            };
            foreach (object[] c in cases)
            {
                string platform = (string)c[0];
                Version os = (Version)c[1];
                string arch = (string)c[2];
                string[] available = ((string)c[3]).Split(',');
                string label = platform + " " + (os == null ? "?" : os.ToString()) + " " + arch + " with [" + c[3] + "]";
                Expect("candidates for " + label, (string)c[4],
                    string.Join(",", NativePlatform.RuntimeIdCandidates(platform, os, arch)));
                Expect("choice for " + label, (string)c[5], NativePlatform.SelectRuntimeId(platform, os, arch, available));
            }
            foreach (string rid in NativePlatform.KnownRuntimeIds)
            {
                Check("rid " + rid + " has a Rust target", NativePlatform.RustTarget(rid) != null, rid);
            }
            Expect("rid win7-x64 is built from", "x86_64-win7-windows-msvc", NativePlatform.RustTarget("win7-x64"));
            Expect("rid win-x64 is built from", "x86_64-pc-windows-msvc", NativePlatform.RustTarget("win-x64"));
        }

        private static void WindowsLoadFailures()
        {
            string dll = @"C:\Program Files\WindowsPowerShell\Modules\PersistentChatMigration\0.1.0\bin\win-x64\pchat_migrate.dll";
            // OS version, process architecture, rid (null: PCHAT_MIGRATE_NATIVE_PATH), Win32 error, expected cause,
            // words the message must contain ('|' separated)
            object[][] cases = new object[][]
            {
                new object[] { Server2012R2, "x64", "win-x64", 127, "os_too_old", "Windows 10 / Windows Server 2016|ProcessPrng|win7-x64|x86_64-win7-windows-msvc|not the Visual C++ runtime|Windows 8.1 / Windows Server 2012 R2" },
                new object[] { Server2008R2, "x64", "win-x64", 126, "os_too_old", "api-ms-win-core-synch-l1-2-0.dll|win7-x64|Windows 7 / Windows Server 2008 R2" },
                new object[] { Server2012, "x64", null, 126, "os_too_old", "if this is a Windows 10 build|win7-x64" },
                // What PowerShell passes for $null to a string parameter.
                new object[] { Server2012R2, "x64", "", 127, "os_too_old", "if this is a Windows 10 build|PCHAT_MIGRATE_NATIVE_PATH" },
                new object[] { Server2012R2, "x86", "win-x86", 127, "os_too_old", "win7-x86|i686-win7-windows-msvc" },
                new object[] { Server2016, "x64", "win-x64", 126, "missing_dependency", "Visual C++ 2015-2022 Redistributable (x64)|+crt-static|vcruntime140.dll" },
                new object[] { Server2012R2, "x64", "win7-x64", 126, "missing_dependency", "KB2999226|Visual C++" },
                new object[] { Server2022, "x64", "win-x64", 127, "mismatched_build", "not a matching pchat-migrate build" },
                new object[] { Server2008R2, "x64", "win7-x64", 127, "os_too_old", "service pack|win7-x64" },
                new object[] { Server2022, "x86", "win-x64", 193, "wrong_architecture", "Windows PowerShell (x86)|64-bit|x86 process" },
                new object[] { Server2012R2, "x64", "win7-x64", 216, "wrong_architecture", "ERROR_BAD_EXE_FORMAT" },
                new object[] { Server2022, "x64", "win-x64", 2, "file_missing", "does not exist" },
                new object[] { Server2022, "x64", "win-x64", 5, "access_denied", "read" },
                new object[] { Server2022, "x64", "win-x64", 1260, "blocked_by_policy", "AppLocker" },
                new object[] { Server2022, "x64", "win-x64", 4551, "blocked_by_policy", "Application Control" },
                new object[] { Server2022, "x64", "win-x64", 1114, "init_failed", "initialisation" },
                new object[] { Server2016, "x64", "win-x64", 14001, "missing_dependency", "side-by-side" },
                new object[] { Server2022, "x64", "win-x64", 87, "unknown", "Win32 error 87|docs/platforms.md" },
            };
            foreach (object[] c in cases)
            {
                Version os = (Version)c[0];
                string arch = (string)c[1];
                string rid = (string)c[2];
                int error = (int)c[3];
                NativeLoadFailure failure = NativePlatform.DescribeLoadFailure("windows", os, arch, rid, dll, error, "system text");
                string label = "Win32 error " + error + " loading " + (rid ?? "override") + " on " + os + " (" + arch + ")";
                ExpectFailure(label, failure, (string)c[4], ((string)c[5]).Split('|'));
                Check(label + ": names the file and the Win32 error", failure.Message.Contains(dll) &&
                    failure.Message.Contains("Win32 error " + error), failure.Message);
            }
        }

        private static void MissingLibraryMessages()
        {
            string bin = Path.Combine(Path.GetTempPath(), "pchat-platform-" + Guid.NewGuid().ToString("N"));
            try
            {
                // A module that ships only the Windows 10 build, installed on a Lync Server 2013 front end.
                Directory.CreateDirectory(Path.Combine(bin, "win-x64"));
                File.WriteAllText(Path.Combine(Path.Combine(bin, "win-x64"), "pchat_migrate.dll"), "MZ");
                Directory.CreateDirectory(Path.Combine(bin, "linux-x64"));
                string[] installed = NativePlatform.InstalledRuntimeIds(bin, "windows");
                Expect("installed Windows builds (a linux-x64 folder without the DLL is ignored)", "win-x64", string.Join(",", installed));
                Expect("installed Linux builds (folder without libpchat_migrate.so)", "", string.Join(",", NativePlatform.InstalledRuntimeIds(bin, "linux")));
                Expect("choice on Server 2012 R2 with only win-x64", null, NativePlatform.SelectRuntimeId("windows", Server2012R2, "x64", installed));
                ExpectFailure("missing win7-x64 on Server 2012 R2",
                    NativePlatform.DescribeMissingLibrary("windows", Server2012R2, "x64", bin, installed), "file_missing",
                    new string[] { Path.Combine(Path.Combine(bin, "win7-x64"), "pchat_migrate.dll"), "Builds in this module: win-x64",
                        "x86_64-win7-windows-msvc", "needs Windows 10 / Server 2016", "scripts/build-release.sh --rid win7-x64" });
                ExpectFailure("empty bin/ on Server 2022",
                    NativePlatform.DescribeMissingLibrary("windows", Server2022, "x64", bin, new string[0]), "file_missing",
                    new string[] { Path.Combine(Path.Combine(bin, "win-x64"), "pchat_migrate.dll"),
                        Path.Combine(Path.Combine(bin, "win7-x64"), "pchat_migrate.dll"), "Builds in this module: none", "PCHAT_MIGRATE_NATIVE_PATH" });
                ExpectFailure("Windows Server 2008 (6.0)",
                    NativePlatform.DescribeMissingLibrary("windows", Server2008, "x64", bin, installed), "unsupported_platform",
                    new string[] { "Windows 7 / Windows Server 2008 R2 SP1", "only need SQL access" });
                ExpectFailure("Linux on x86",
                    NativePlatform.DescribeMissingLibrary("linux", new Version(6, 1), "x86", bin, new string[0]), "unsupported_platform",
                    new string[] { "No build exists", "libpchat_migrate.so" });
            }
            finally
            {
                Directory.Delete(bin, true);
            }
        }

        private static void RealDlopenFailures()
        {
            string real = NativeMethods.Lib;
            Expect("dlopen of the built library", null, NativePlatform.Dlopen(real));
            string dir = Path.Combine(Path.GetTempPath(), "pchat-dlopen-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(dir);
            try
            {
                byte[] image = File.ReadAllBytes(real);
                // ELF header: EI_CLASS at 4 (2 = 64-bit), e_machine at 18 (little endian; 62 = x86-64, 183 = AArch64).
                byte[] elf32 = (byte[])image.Clone();
                elf32[4] = 1;
                byte[] arm64 = (byte[])image.Clone();
                arm64[18] = 183;
                arm64[19] = 0;
                DlopenCase(dir, "elfclass32", elf32, "wrong_architecture");
                DlopenCase(dir, "aarch64", arm64, "wrong_architecture");
                DlopenCase(dir, "lfs-pointer", System.Text.Encoding.ASCII.GetBytes(
                    "version https://git-lfs.github.com/spec/v1\noid sha256:0000\nsize 1\n"), "not_a_library");
                DlopenCase(dir, "pe", new byte[] { 0x4D, 0x5A, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0,
                    0xB8, 0, 0, 0, 0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0 }, "not_a_library");
                DlopenCase(dir, "missing", null, "file_missing");
            }
            finally
            {
                Directory.Delete(dir, true);
            }
            // What glibc says when a dependency is missing (not reproducible without building a second library).
            ExpectFailure("dlerror of a missing dependency", NativePlatform.DescribeLoadFailure("linux", new Version(6, 1), "x64",
                "linux-x64", "/opt/m/bin/linux-x64/libpchat_migrate.so", 0,
                "libssl.so.3: cannot open shared object file: No such file or directory"), "missing_dependency",
                new string[] { "libssl.so.3", "ldd" });
            ExpectFailure("dlerror of an old glibc", NativePlatform.DescribeLoadFailure("linux", new Version(4, 19), "x64",
                "linux-x64", "/opt/m/bin/linux-x64/libpchat_migrate.so", 0,
                "/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /opt/m/bin/linux-x64/libpchat_migrate.so)"),
                "glibc_too_old", new string[] { "glibc", "docs/platforms.md" });
            ExpectFailure("macOS architecture", NativePlatform.DescribeLoadFailure("macos", new Version(23, 0), "arm64",
                "osx-arm64", "/m/libpchat_migrate.dylib", 0,
                "dlopen(/m/libpchat_migrate.dylib, 0x0001): tried: '/m/libpchat_migrate.dylib' (mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64'))"),
                "wrong_architecture", new string[] { "osx-arm64" });
        }

        private static void DlopenCase(string dir, string name, byte[] content, string expectedCause)
        {
            string path = Path.Combine(dir, name + ".so");
            if (content != null)
            {
                File.WriteAllBytes(path, content);
            }
            string error = NativePlatform.Dlopen(path);
            Check("dlopen of " + name + " fails", error != null, "it loaded");
            if (error == null)
            {
                return;
            }
            Console.WriteLine("       dlerror: " + error);
            NativeLoadFailure failure = NativePlatform.DescribeLoadFailure("linux", new Version(6, 1), "x64", "linux-x64", path, 0, error);
            ExpectFailure("real dlopen failure (" + name + ")", failure, expectedCause, new string[] { path });
        }

        private static void ExpectFailure(string what, NativeLoadFailure failure, string cause, string[] words)
        {
            Expect(what + ": cause", cause, failure.Cause);
            foreach (string word in words)
            {
                Check(what + ": message names '" + word + "'", failure.Message.Contains(word), failure.Message);
            }
        }
    }
}
