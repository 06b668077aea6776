// Which native build of pchat-migrate this process can load, and why a load failed (docs/platforms.md).
//
// This logic cannot live in the Rust library: it runs before the library is loaded, and it explains why the library
// could not be. PersistentChatMigration.psm1 compiles this file with Add-Type FIRST (it has no library placeholder),
// picks bin/<rid>/ with SelectRuntimeId, and turns a failed LoadLibrary/dlopen into a message with DescribeLoadFailure.
// The Mono harness (tests/powershell/harness/PlatformChecks.cs) runs a table of cases through the same methods and
// real dlopen failures through Dlopen.
//
// Same rules as PChatMigrationNative.cs: C# 5 (Windows PowerShell 3.0-5.1 compile it with CodeDom), mscorlib only.
//
// Runtime identifiers (bin/<rid>/):
//   win-x64    x86_64-pc-windows-msvc    Windows 10 / Server 2016+ (Rust 1.78+ std needs them)   static CRT
//   win7-x64   x86_64-win7-windows-msvc  Windows 7 / Server 2008 R2 and later (tier 3, nightly)   static CRT
//   win-x86    i686-pc-windows-msvc      Windows 10+, 32-bit processes                            static CRT
//   win7-x86   i686-win7-windows-msvc    Windows 7+, 32-bit processes (tier 3, nightly)           static CRT
//   win-arm64  aarch64-pc-windows-msvc   Windows 10+ on ARM64                                     static CRT
//   linux-x64, linux-arm64, osx-x64, osx-arm64
// On Windows 10+ win-x64 is preferred over win7-x64 (tier 1: built by stable Rust and tested by Rust's CI on every
// change; modern synchronisation and randomness APIs); win7-x64 is the fallback there and the only choice on
// Windows 7 / 8 / 8.1 / Server 2008 R2 / 2012 / 2012 R2, where the Lync Server 2013 servers themselves run.

using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace PChatMigration
{
    /// <summary>Why a native library could not be loaded: a stable cause code and a message naming the fix.</summary>
    public sealed class NativeLoadFailure
    {
        private readonly string cause;
        private readonly string message;

        public NativeLoadFailure(string cause, string message)
        {
            this.cause = cause;
            this.message = message;
        }

        /// <summary>
        /// os_too_old, missing_dependency, wrong_architecture, not_a_library, file_missing, access_denied,
        /// blocked_by_policy, glibc_too_old, init_failed, mismatched_build, unsupported_platform, unknown.
        /// </summary>
        public string Cause { get { return cause; } }

        public string Message { get { return message; } }

        public override string ToString()
        {
            return message;
        }
    }

    /// <summary>Selection of bin/&lt;rid&gt;/ and load-failure diagnosis; pure functions plus two OS probes.</summary>
    public static class NativePlatform
    {
        /// <summary>Every runtime identifier a release may ship, in the order the docs list them.</summary>
        public static readonly string[] KnownRuntimeIds = new string[]
        {
            "win-x64", "win7-x64", "win-x86", "win7-x86", "win-arm64", "linux-x64", "linux-arm64", "osx-x64", "osx-arm64"
        };

        /// <summary>Windows 10 / Server 2016: the floor of Rust's tier-1 *-pc-windows-msvc std since Rust 1.78.</summary>
        public static readonly Version Windows10 = new Version(10, 0);

        /// <summary>Windows 7 / Server 2008 R2: the floor of the *-win7-windows-msvc targets.</summary>
        public static readonly Version Windows7 = new Version(6, 1);

        /// <summary>"windows", "linux" or "macos" for the names PowerShell and .NET use; null when unknown.</summary>
        public static string NormalizePlatform(string platform)
        {
            string p = (platform ?? "").Trim().ToLowerInvariant();
            if (p == "windows" || p == "win" || p == "win32nt")
            {
                return "windows";
            }
            if (p == "linux")
            {
                return "linux";
            }
            if (p == "macos" || p == "osx" || p == "darwin")
            {
                return "macos";
            }
            return null;
        }

        /// <summary>"x64", "x86", "arm64" for the spellings of RuntimeInformation, PROCESSOR_ARCHITECTURE and uname.</summary>
        public static string NormalizeArchitecture(string architecture)
        {
            string a = (architecture ?? "").Trim().ToLowerInvariant();
            if (a == "x64" || a == "amd64" || a == "x86_64")
            {
                return "x64";
            }
            if (a == "x86" || a == "i386" || a == "i686")
            {
                return "x86";
            }
            if (a == "arm64" || a == "aarch64")
            {
                return "arm64";
            }
            return a;
        }

        /// <summary>The library's file name on a platform (pchat_migrate.dll, libpchat_migrate.so, ...).</summary>
        public static string LibraryFileName(string platform)
        {
            string p = NormalizePlatform(platform);
            if (p == "windows")
            {
                return "pchat_migrate.dll";
            }
            return p == "macos" ? "libpchat_migrate.dylib" : "libpchat_migrate.so";
        }

        /// <summary>
        /// The runtime identifiers this process can load, best first. Empty when none can (Windows older than 7,
        /// an architecture without a build). osVersion is the real Windows version (see WindowsVersion).
        /// </summary>
        public static string[] RuntimeIdCandidates(string platform, Version osVersion, string processArchitecture)
        {
            string p = NormalizePlatform(platform);
            string arch = NormalizeArchitecture(processArchitecture);
            List<string> result = new List<string>();
            if (p == "windows")
            {
                bool modern = osVersion != null && osVersion >= Windows10;
                bool win7OrLater = osVersion != null && osVersion >= Windows7;
                if (arch == "x64" || arch == "x86")
                {
                    if (modern)
                    {
                        result.Add("win-" + arch);
                    }
                    if (win7OrLater)
                    {
                        result.Add("win7-" + arch);
                    }
                }
                else if (arch == "arm64" && modern)
                {
                    result.Add("win-arm64");
                }
            }
            else if ((p == "linux" || p == "macos") && (arch == "x64" || arch == "arm64"))
            {
                result.Add((p == "linux" ? "linux-" : "osx-") + arch);
            }
            return result.ToArray();
        }

        /// <summary>The first candidate present in <paramref name="availableRuntimeIds"/>; null when none is.</summary>
        public static string SelectRuntimeId(string platform, Version osVersion, string processArchitecture, string[] availableRuntimeIds)
        {
            List<string> available = new List<string>(availableRuntimeIds ?? new string[0]);
            foreach (string rid in RuntimeIdCandidates(platform, osVersion, processArchitecture))
            {
                if (available.Contains(rid))
                {
                    return rid;
                }
            }
            return null;
        }

        /// <summary>The rids under <paramref name="binFolder"/> whose folder holds the platform's library file.</summary>
        public static string[] InstalledRuntimeIds(string binFolder, string platform)
        {
            List<string> result = new List<string>();
            string fileName = LibraryFileName(platform);
            foreach (string rid in KnownRuntimeIds)
            {
                if (binFolder != null && File.Exists(Path.Combine(Path.Combine(binFolder, rid), fileName)))
                {
                    result.Add(rid);
                }
            }
            return result.ToArray();
        }

        /// <summary>The Rust target a runtime identifier is built from (scripts/build-release.sh uses the same table).</summary>
        public static string RustTarget(string rid)
        {
            switch (rid)
            {
                case "win-x64": return "x86_64-pc-windows-msvc";
                case "win7-x64": return "x86_64-win7-windows-msvc";
                case "win-x86": return "i686-pc-windows-msvc";
                case "win7-x86": return "i686-win7-windows-msvc";
                case "win-arm64": return "aarch64-pc-windows-msvc";
                case "linux-x64": return "x86_64-unknown-linux-gnu";
                case "linux-arm64": return "aarch64-unknown-linux-gnu";
                case "osx-x64": return "x86_64-apple-darwin";
                case "osx-arm64": return "aarch64-apple-darwin";
                default: return null;
            }
        }

        /// <summary>True for the Windows builds that need Windows 10 / Server 2016 (the *-pc-windows-msvc ones).</summary>
        public static bool NeedsWindows10(string rid)
        {
            return rid == "win-x64" || rid == "win-x86" || rid == "win-arm64";
        }

        /// <summary>A readable name for a Windows version: both the client and the server release of that kernel.</summary>
        public static string DescribeOs(string platform, Version osVersion)
        {
            string p = NormalizePlatform(platform);
            string number = osVersion == null ? "unknown version" : osVersion.ToString();
            if (p != "windows")
            {
                return (p == "macos" ? "macOS " : "Linux ") + number;
            }
            if (osVersion == null)
            {
                return "Windows (unknown version)";
            }
            string name;
            if (osVersion >= Windows10)
            {
                name = "Windows 10 / Windows Server 2016 or later";
            }
            else if (osVersion >= new Version(6, 3))
            {
                name = "Windows 8.1 / Windows Server 2012 R2";
            }
            else if (osVersion >= new Version(6, 2))
            {
                name = "Windows 8 / Windows Server 2012";
            }
            else if (osVersion >= Windows7)
            {
                name = "Windows 7 / Windows Server 2008 R2";
            }
            else
            {
                name = "Windows Vista / Windows Server 2008 or older";
            }
            return name + " (" + number + ")";
        }

        /// <summary>
        /// Why no library was found in bin/&lt;rid&gt;/: which folders were looked in, which builds the module has and
        /// which one to add. Also used when this OS or architecture has no build at all.
        /// </summary>
        public static NativeLoadFailure DescribeMissingLibrary(string platform, Version osVersion, string processArchitecture,
            string binFolder, string[] availableRuntimeIds)
        {
            string os = DescribeOs(platform, osVersion);
            string arch = NormalizeArchitecture(processArchitecture);
            string fileName = LibraryFileName(platform);
            string[] candidates = RuntimeIdCandidates(platform, osVersion, processArchitecture);
            string have = availableRuntimeIds == null || availableRuntimeIds.Length == 0
                ? "none" : string.Join(", ", availableRuntimeIds);
            string prefix = "PersistentChatMigration: no native library for " + os + ", " + arch + " process. ";
            if (candidates.Length == 0)
            {
                if (NormalizePlatform(platform) == "windows" && osVersion != null && osVersion < Windows7)
                {
                    return new NativeLoadFailure("unsupported_platform", prefix + "The oldest Windows pchat-migrate runs on is " +
                        "Windows 7 / Windows Server 2008 R2 SP1 (the x86_64-win7-windows-msvc build). Run the data steps from " +
                        "a newer admin host instead: they only need SQL access to the database servers (docs/platforms.md).");
                }
                return new NativeLoadFailure("unsupported_platform", prefix + "No build exists for this platform " +
                    "(supported: " + string.Join(", ", KnownRuntimeIds) + "). Build the library for it from source " +
                    "(cargo build --release) and set PCHAT_MIGRATE_NATIVE_PATH to the built " + fileName + ".");
            }
            List<string> looked = new List<string>();
            foreach (string rid in candidates)
            {
                looked.Add(Path.Combine(Path.Combine(binFolder ?? "bin", rid), fileName));
            }
            string wanted = candidates[candidates.Length - 1];
            string advice = "Install the module from a release package that contains bin" + Path.DirectorySeparatorChar +
                wanted + Path.DirectorySeparatorChar + ", or build it (scripts/build-release.sh --rid " + wanted +
                ", Rust target " + RustTarget(wanted) + ") and run scripts/package-module.sh; PCHAT_MIGRATE_NATIVE_PATH " +
                "can also point at a built " + fileName + ".";
            if (NormalizePlatform(platform) == "windows" && osVersion != null && osVersion < Windows10)
            {
                advice = "This Windows version needs the " + wanted + " build (" + RustTarget(wanted) + "); the win-" + arch +
                    " build needs Windows 10 / Server 2016 or later and would not load here. " + advice;
            }
            return new NativeLoadFailure("file_missing", prefix + "Looked for: " + string.Join("; ", looked.ToArray()) +
                ". Builds in this module: " + have + ". " + advice);
        }

        /// <summary>
        /// Turns a failed load into its real cause. On Windows pass the Win32 error of LoadLibrary (errorText may be
        /// null); elsewhere pass 0 and the dlerror text (or the DllNotFoundException message). rid is the bin folder
        /// the file came from, or null / "" when PCHAT_MIGRATE_NATIVE_PATH chose it (the build is then unknown).
        /// </summary>
        public static NativeLoadFailure DescribeLoadFailure(string platform, Version osVersion, string processArchitecture,
            string rid, string path, int win32Error, string errorText)
        {
            if (NormalizePlatform(platform) == "windows")
            {
                return DescribeWindowsFailure(osVersion, NormalizeArchitecture(processArchitecture), rid, path, win32Error, errorText);
            }
            return DescribeUnixFailure(platform, osVersion, NormalizeArchitecture(processArchitecture), rid, path, errorText);
        }

        private static string BuildName(string rid)
        {
            return string.IsNullOrEmpty(rid) ? "a build chosen by PCHAT_MIGRATE_NATIVE_PATH" : "the " + rid + " build";
        }

        private static NativeLoadFailure DescribeWindowsFailure(Version osVersion, string arch, string rid, string path,
            int win32Error, string errorText)
        {
            string os = DescribeOs("windows", osVersion);
            string head = "PersistentChatMigration: Windows could not load '" + path + "' (" + BuildName(rid) + ") on " + os +
                ", " + arch + " process: Win32 error " + win32Error + (string.IsNullOrEmpty(errorText) ? "" : " (" + errorText.Trim() + ")") + ". ";
            bool oldWindows = osVersion != null && osVersion < Windows10;
            // PowerShell passes $null to a string parameter as "": both mean "chosen by PCHAT_MIGRATE_NATIVE_PATH".
            bool maybeWindows10Build = string.IsNullOrEmpty(rid) || NeedsWindows10(rid);
            if ((win32Error == 126 || win32Error == 127) && oldWindows && maybeWindows10Build)
            {
                return OsTooOld(head, os, arch, rid);
            }
            switch (win32Error)
            {
                case 126:
                    return new NativeLoadFailure("missing_dependency", head + "Cause: a DLL it depends on is missing " +
                        "(ERROR_MOD_NOT_FOUND; the file itself exists). Release builds link the C runtime statically and need " +
                        "no Visual C++ Redistributable; a build made without +crt-static (a plain `cargo build`) needs " +
                        "vcruntime140.dll from the Visual C++ 2015-2022 Redistributable (" + arch + ")" +
                        (oldWindows ? " and, before Windows 10, the Universal C Runtime update (KB2999226)" : "") +
                        ". Fix: use the release build (scripts/build-release.sh) or install the redistributable; " +
                        "`dumpbin /dependents` shows what the DLL imports.");
                case 127:
                    return new NativeLoadFailure(oldWindows ? "os_too_old" : "mismatched_build", head + "Cause: a function the DLL " +
                        "imports is missing (ERROR_PROC_NOT_FOUND). " + (oldWindows
                            ? "This Windows version lacks an API the build uses: install the latest service pack and updates, " +
                              "and use the win7-" + arch + " build."
                            : "The file is not a matching pchat-migrate build or a system DLL was replaced: reinstall the " +
                              "module from one release."));
                case 193:
                case 216:
                    return new NativeLoadFailure("wrong_architecture", head + "Cause: the file is not a Windows DLL for this " +
                        arch + " process (ERROR_BAD_EXE_FORMAT): it was built for another architecture or is not a Windows DLL " +
                        "at all (a Linux .so, a damaged download, a Git LFS pointer). The Lync Server Management Shell is a " +
                        "64-bit process and needs win-x64 or win7-x64; a 32-bit 'Windows PowerShell (x86)' needs win-x86 " +
                        "or win7-x86. Fix: start the 64-bit shell, or install the " + arch + " build.");
                case 2:
                case 3:
                    return new NativeLoadFailure("file_missing", head + "Cause: the file does not exist at that path. " +
                        "Fix: reinstall the module, or correct PCHAT_MIGRATE_NATIVE_PATH.");
                case 5:
                    return new NativeLoadFailure("access_denied", head + "Cause: access denied. Fix: give this account read " +
                        "and execute rights on the module folder; check that antivirus software did not quarantine the DLL.");
                case 225:
                case 1260:
                case 4551:
                    return new NativeLoadFailure("blocked_by_policy", head + "Cause: a policy blocked the DLL (AppLocker, " +
                        "Windows Defender Application Control or antivirus). Fix: ask the administrators of that policy to " +
                        "allow the module folder or the DLL's hash.");
                case 1114:
                    return new NativeLoadFailure("init_failed", head + "Cause: the DLL's initialisation failed " +
                        "(ERROR_DLL_INIT_FAILED). Fix: start a new PowerShell session and retry; if it persists, report it " +
                        "with the output of `pchat-migrate version` on this host.");
                case 14001:
                    return new NativeLoadFailure("missing_dependency", head + "Cause: the side-by-side configuration is " +
                        "incorrect (a dynamically linked Visual C++ runtime). Fix: use the release build (static C runtime) " +
                        "or install the Visual C++ 2015-2022 Redistributable (" + arch + ").");
                default:
                    return new NativeLoadFailure("unknown", head + "Fix: check that the file is " + BuildName(rid) +
                        " for this Windows version (docs/platforms.md lists which build runs where).");
            }
        }

        private static NativeLoadFailure OsTooOld(string head, string os, string arch, string rid)
        {
            return new NativeLoadFailure("os_too_old", head + "Cause: " + (string.IsNullOrEmpty(rid) ? "if this is a Windows 10 build " +
                "(x86_64-pc-windows-msvc, rid win-" + arch + "), it " : "this build ") + "needs Windows 10 / Windows Server " +
                "2016 or later. Rust's standard library has required them since Rust 1.78: it imports ProcessPrng " +
                "(bcryptprimitives.dll) and WaitOnAddress (api-ms-win-core-synch-l1-2-0.dll), which " + os + " lacks, and " +
                "Windows reports that as a missing module or procedure, not as an old OS (it is not the Visual C++ runtime). " +
                "Fix: install the win7-" + arch + " build (Rust target " + RustTarget("win7-" + arch) + ") in bin" +
                Path.DirectorySeparatorChar + "win7-" + arch + Path.DirectorySeparatorChar + "; the module picks it on " +
                "this Windows version by itself.");
        }

        private static NativeLoadFailure DescribeUnixFailure(string platform, Version osVersion, string arch, string rid,
            string path, string errorText)
        {
            string text = errorText ?? "";
            string lower = text.ToLowerInvariant();
            string head = "PersistentChatMigration: could not load '" + path + "' (" + BuildName(rid) + ") on " +
                DescribeOs(platform, osVersion) + ", " + arch + " process: " + text.Trim() + ". ";
            if (lower.Contains("wrong elf class") || lower.Contains("machine type") || lower.Contains("incompatible architecture") ||
                lower.Contains("wrong architecture"))
            {
                return new NativeLoadFailure("wrong_architecture", head + "Cause: the library was built for another " +
                    "architecture. Fix: install the build for " + arch + " (" + (NormalizePlatform(platform) == "macos" ? "osx-" : "linux-") +
                    arch + ").");
            }
            if (lower.Contains("invalid elf header") || lower.Contains("file too short") || lower.Contains("not a mach-o") ||
                lower.Contains("unknown file type") || lower.Contains("not a dynamic"))
            {
                return new NativeLoadFailure("not_a_library", head + "Cause: the file is not a shared library for this OS " +
                    "(a Windows DLL, a damaged download or a Git LFS pointer). Fix: reinstall the module from a release package.");
            }
            if (lower.Contains("glibc_") && lower.Contains("not found"))
            {
                return new NativeLoadFailure("glibc_too_old", head + "Cause: the library was built against a newer glibc " +
                    "than this system has. Fix: build it on this host (cargo build --release) or on a distribution at least " +
                    "as old, and set PCHAT_MIGRATE_NATIVE_PATH to it; docs/platforms.md gives each build's glibc floor.");
            }
            if (lower.Contains("undefined symbol"))
            {
                return new NativeLoadFailure("mismatched_build", head + "Cause: a symbol is missing: the file is not a " +
                    "matching pchat-migrate build. Fix: reinstall the module and its library from one release.");
            }
            if (lower.Contains("permission denied") || lower.Contains("failed to map segment"))
            {
                return new NativeLoadFailure("access_denied", head + "Cause: the file cannot be read or mapped executable " +
                    "(permissions, or a file system mounted noexec). Fix: chmod a+rx the file or install the module elsewhere.");
            }
            if (lower.Contains("cannot open shared object file") || lower.Contains("no such file") || lower.Contains("image not found"))
            {
                string dependency = MissingDependencyName(text, path);
                if (dependency != null)
                {
                    return new NativeLoadFailure("missing_dependency", head + "Cause: the library needs " + dependency +
                        ", which this system lacks. Fix: install the package that provides it (for example libssl3 for a " +
                        "native-tls build), or use the default rustls build; `ldd` on the file lists its dependencies.");
                }
                // glibc says "No such file" for an existing library built for another machine: read its header.
                string fileArch = ElfArchitecture(path);
                if (fileArch != null && fileArch != arch)
                {
                    return new NativeLoadFailure("wrong_architecture", head + "Cause: the file exists but is a " + fileArch +
                        " library, and this process is " + arch + " (glibc reports that as a missing file). Fix: install " +
                        "the linux-" + arch + " build.");
                }
                return new NativeLoadFailure("file_missing", head + "Cause: the file does not exist. Fix: reinstall the " +
                    "module, or correct PCHAT_MIGRATE_NATIVE_PATH.");
            }
            return new NativeLoadFailure("unknown", head + "Fix: check that the file is " + BuildName(rid) +
                " for this system (docs/platforms.md lists which build runs where).");
        }

        /// <summary>The architecture in an ELF file's header (x64, arm64, x86, arm, machine-N); null if it is not ELF.</summary>
        public static string ElfArchitecture(string path)
        {
            byte[] header = new byte[20];
            try
            {
                if (path == null || !File.Exists(path))
                {
                    return null;
                }
                using (FileStream stream = File.OpenRead(path))
                {
                    if (stream.Read(header, 0, header.Length) < header.Length)
                    {
                        return null;
                    }
                }
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
            if (header[0] != 0x7F || header[1] != (byte)'E' || header[2] != (byte)'L' || header[3] != (byte)'F')
            {
                return null;
            }
            // e_machine, in the byte order EI_DATA (byte 5) gives: 1 little endian, 2 big endian.
            int machine = header[5] == 2 ? (header[18] << 8) | header[19] : header[18] | (header[19] << 8);
            switch (machine)
            {
                case 62: return "x64";
                case 183: return "arm64";
                case 3: return "x86";
                case 40: return "arm";
                default: return "machine-" + machine;
            }
        }

        /// <summary>"libssl.so.3" from "libssl.so.3: cannot open shared object file..."; null when it is the file itself.</summary>
        private static string MissingDependencyName(string text, string path)
        {
            int colon = text.IndexOf(": cannot open shared object file", StringComparison.Ordinal);
            if (colon <= 0)
            {
                return null;
            }
            string name = text.Substring(0, colon).Trim();
            if (path != null && (name == path || name.EndsWith(Path.GetFileName(path), StringComparison.Ordinal)))
            {
                return null;
            }
            return name;
        }

        [StructLayout(LayoutKind.Sequential, CharSet = CharSet.Unicode)]
        private struct OsVersionInfoEx
        {
            public int OSVersionInfoSize;
            public int MajorVersion;
            public int MinorVersion;
            public int BuildNumber;
            public int PlatformId;
            [MarshalAs(UnmanagedType.ByValTStr, SizeConst = 128)]
            public string CSDVersion;
            public short ServicePackMajor;
            public short ServicePackMinor;
            public short SuiteMask;
            public byte ProductType;
            public byte Reserved;
        }

        [DllImport("ntdll.dll")]
        private static extern int RtlGetVersion(ref OsVersionInfoEx versionInfo);

        /// <summary>
        /// The real Windows version. Environment.OSVersion is capped at 6.2 on .NET Framework for a host without a
        /// Windows 8.1+ compatibility manifest, which would make Windows 10 look like Windows 8; RtlGetVersion is not.
        /// </summary>
        public static Version WindowsVersion()
        {
            try
            {
                OsVersionInfoEx info = new OsVersionInfoEx();
                info.OSVersionInfoSize = Marshal.SizeOf(typeof(OsVersionInfoEx));
                if (RtlGetVersion(ref info) == 0)
                {
                    return new Version(info.MajorVersion, info.MinorVersion, info.BuildNumber);
                }
            }
            catch (DllNotFoundException)
            {
            }
            catch (EntryPointNotFoundException)
            {
            }
            return Environment.OSVersion.Version;
        }

        [DllImport("libdl.so.2", EntryPoint = "dlopen")]
        private static extern IntPtr LinuxDlopen(string fileName, int flags);

        [DllImport("libdl.so.2", EntryPoint = "dlerror")]
        private static extern IntPtr LinuxDlerror();

        /// <summary>
        /// dlopen on Linux (glibc): null when the library loaded, else the dlerror text, which names the real cause
        /// (the DllNotFoundException of a P/Invoke call often does not). The handle is kept: the library stays loaded.
        /// </summary>
        public static string Dlopen(string path)
        {
            const int RtldNow = 2;
            try
            {
                if (LinuxDlopen(path, RtldNow) != IntPtr.Zero)
                {
                    return null;
                }
                IntPtr error = LinuxDlerror();
                return error == IntPtr.Zero ? "dlopen failed without an error text" : Marshal.PtrToStringAnsi(error);
            }
            catch (DllNotFoundException)
            {
                // Not glibc (musl has no libdl.so.2): the caller falls back to the first P/Invoke call's exception.
                return null;
            }
        }
    }
}
