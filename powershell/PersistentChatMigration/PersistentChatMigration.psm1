#Requires -Version 3.0
<#
    PersistentChatMigration module loader.

    1. Compiles Native/PChatMigrationPlatform.cs and lets it pick the native library (pchat-migrate, a Rust cdylib)
       for this OS version and process architecture from bin/<rid>/: win-x64 (Windows 10 / Server 2016+), win7-x64
       (Windows 7 / Server 2008 R2 - 2012 R2, also used on Windows 10+ when win-x64 is absent), win-x86, win7-x86,
       win-arm64, linux-x64, linux-arm64, osx-x64, osx-arm64 (docs/platforms.md), unless the environment variable
       PCHAT_MIGRATE_NATIVE_PATH names another file (for development).
    2. Preloads it (LoadLibrary on Windows, dlopen on Linux) so that a failure is reported at import time with its
       real cause and fix (NativePlatform.DescribeLoadFailure: a Windows 10 build on Server 2012 R2, a missing Visual
       C++ runtime, a 32-bit shell, a missing file, ...).
    3. Compiles Native/PChatMigrationNative.cs with Add-Type, after replacing the library placeholder with the absolute
       path of the chosen binary (works on .NET Framework 4.5, .NET 8 and Mono). A type left in the session by an
       earlier import is reused, because a .NET type cannot be unloaded.
    4. Refuses to load when pcm_abi_version() differs from the ABI version this module was built for.
    5. Compiles Native/PChatMigrationJson.cs, the JSON reader every native response is parsed with (no size limit,
       PascalCase keys, UTC times as [DateTime] on every PowerShell version; docs/powershell-objects.md).
    6. Dot-sources Private/*.ps1 and Public/*.ps1 and exports the public functions.

    Keep this file compatible with Windows PowerShell 3.0 (Lync Server 2013 management shell): no classes,
    no ::new(), no ternary operator, no ?? / ?. operators, no .Where()/.ForEach() methods.
#>

# The C ABI version (PCM_ABI_VERSION in include/pchat_migrate.h) this module's P/Invoke declarations were written for.
# tests/powershell_checks.rs reads this line and compares it with the header and with the real library.
$script:PChatExpectedAbiVersion = 2

# Placeholder in Native/PChatMigrationNative.cs that is replaced with the library path before Add-Type.
$script:PChatNativeLibraryToken = '@@PCHAT_MIGRATE_NATIVE_LIBRARY@@'

# The Write-Progress id native job progress nests under (-ParentId), set by Start-PChatMigration around its
# stages; $null: top-level records.
$script:PChatProgressParentId = $null

# Windows PowerShell 3.0-5.1 only runs on Windows and has no $IsWindows/$IsLinux/$IsMacOS automatic variables.
# Define them in the module scope; code below reads them unqualified, so that PowerShell 7 finds its automatic
# (global) variables ($script:IsWindows would be empty there).
if (-not (Test-Path -Path 'variable:global:IsWindows')) {
    $script:IsWindows = $true
    $script:IsLinux = $false
    $script:IsMacOS = $false
}

function Get-PChatProcessArchitecture {
    # Architecture of this process (not of the OS: a 32-bit PowerShell on 64-bit Windows needs the x86 binary).
    $runtimeInformation = 'System.Runtime.InteropServices.RuntimeInformation' -as [type]
    if ($null -ne $runtimeInformation) {
        # .NET Framework 4.7.1+, .NET Core/5+, Mono
        switch ([string]$runtimeInformation::ProcessArchitecture) {
            'X64' { return 'x64' }
            'X86' { return 'x86' }
            'Arm64' { return 'arm64' }
            default { return ([string]$runtimeInformation::ProcessArchitecture).ToLowerInvariant() }
        }
    }
    if ($IsWindows) {
        # .NET Framework 4.5-4.7: PROCESSOR_ARCHITECTURE describes the current process (x86 under WOW64).
        switch ($env:PROCESSOR_ARCHITECTURE) {
            'AMD64' { return 'x64' }
            'x86' { return 'x86' }
            'ARM64' { return 'arm64' }
            default { return [string]$env:PROCESSOR_ARCHITECTURE }
        }
    }
    if ([Environment]::Is64BitProcess) {
        return 'x64'
    }
    return 'x86'
}

function Import-PChatPlatformType {
    # Native/PChatMigrationPlatform.cs: which bin/<rid>/ this process can load and why a load failed. It has no
    # library placeholder, so it is compiled before the library is chosen (and reused on re-import).
    if ($null -eq ('PChatMigration.NativePlatform' -as [type])) {
        $platformSource = Join-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath 'Native') -ChildPath 'PChatMigrationPlatform.cs'
        Add-Type -TypeDefinition ([System.IO.File]::ReadAllText($platformSource)) -Language CSharp
    }
}

function Get-PChatPlatformName {
    if ($IsWindows) {
        return 'windows'
    }
    if ($IsMacOS) {
        return 'macos'
    }
    if ($IsLinux) {
        return 'linux'
    }
    throw 'PersistentChatMigration: unsupported operating system (neither Windows, Linux nor macOS).'
}

function Get-PChatNativeLibraryInfo {
    # Returns @{ Platform; OsVersion; Architecture; Rid; FileName; Path; Source }. Rid is the bin/<rid>/ folder chosen
    # by [PChatMigration.NativePlatform]::SelectRuntimeId (win-x64 on Windows 10+, else win7-x64, ...), or $null when
    # PCHAT_MIGRATE_NATIVE_PATH names the file (its build is then unknown).
    $platform = Get-PChatPlatformName
    $architecture = Get-PChatProcessArchitecture
    if ($IsWindows) {
        # The real version (RtlGetVersion): [Environment]::OSVersion says 6.2 on Windows 10 in some hosts.
        $osVersion = [PChatMigration.NativePlatform]::WindowsVersion()
    }
    else {
        $osVersion = [Environment]::OSVersion.Version
    }
    $fileName = [PChatMigration.NativePlatform]::LibraryFileName($platform)
    $info = @{ Platform = $platform; OsVersion = $osVersion; Architecture = $architecture; FileName = $fileName }

    $override = $env:PCHAT_MIGRATE_NATIVE_PATH
    if (-not [string]::IsNullOrEmpty($override)) {
        if (-not (Test-Path -LiteralPath $override -PathType Leaf)) {
            throw ("PersistentChatMigration: the environment variable PCHAT_MIGRATE_NATIVE_PATH is set to '{0}', " +
                "but no file exists there. Point it at a built {1} for this platform, or remove the variable to use the " +
                "library shipped with the module.") -f $override, $fileName
        }
        $info.Rid = $null
        $info.Path = (Resolve-Path -LiteralPath $override).ProviderPath
        $info.Source = 'PCHAT_MIGRATE_NATIVE_PATH'
        return $info
    }

    $binFolder = Join-Path -Path $PSScriptRoot -ChildPath 'bin'
    [string[]]$installed = @([PChatMigration.NativePlatform]::InstalledRuntimeIds($binFolder, $platform))
    $rid = [PChatMigration.NativePlatform]::SelectRuntimeId($platform, $osVersion, $architecture, $installed)
    if ($null -eq $rid) {
        throw ([PChatMigration.NativePlatform]::DescribeMissingLibrary($platform, $osVersion, $architecture, $binFolder, $installed)).Message
    }
    $info.Rid = $rid
    $info.Path = Join-Path -Path (Join-Path -Path $binFolder -ChildPath $rid) -ChildPath $fileName
    $info.Source = 'module'
    return $info
}

function Test-PChatNativeLibraryLoad {
    # Loads the library before any P/Invoke call, so that a failure is reported with its real cause (Win32 error or
    # dlerror text, explained by NativePlatform.DescribeLoadFailure) rather than as a bare DllNotFoundException.
    param([hashtable]$Library)
    if ($IsWindows) {
        if ($null -eq ('PChatMigration.Loader.Kernel32' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Runtime.InteropServices;
namespace PChatMigration.Loader
{
    public static class Kernel32
    {
        [DllImport("kernel32.dll", CharSet = CharSet.Unicode, SetLastError = true)]
        public static extern IntPtr LoadLibrary(string lpFileName);
    }
}
'@
        }
        $module = [PChatMigration.Loader.Kernel32]::LoadLibrary($Library.Path)
        if ($module -ne [IntPtr]::Zero) {
            return
        }
        $win32Error = [System.Runtime.InteropServices.Marshal]::GetLastWin32Error()
        $errorText = (New-Object -TypeName System.ComponentModel.Win32Exception -ArgumentList $win32Error).Message
        throw ([PChatMigration.NativePlatform]::DescribeLoadFailure($Library.Platform, $Library.OsVersion, $Library.Architecture,
                $Library.Rid, $Library.Path, $win32Error, $errorText)).Message
    }
    if ($IsLinux) {
        # $null: loaded (or no glibc dlopen to ask; the first call then reports the failure).
        $dlError = [PChatMigration.NativePlatform]::Dlopen($Library.Path)
        if ($null -ne $dlError) {
            throw ([PChatMigration.NativePlatform]::DescribeLoadFailure($Library.Platform, $Library.OsVersion, $Library.Architecture,
                    $Library.Rid, $Library.Path, 0, $dlError)).Message
        }
    }
}

function Import-PChatNativeLibrary {
    Import-PChatPlatformType
    $library = Get-PChatNativeLibraryInfo
    if (-not (Test-Path -LiteralPath $library.Path -PathType Leaf)) {
        throw ([PChatMigration.NativePlatform]::DescribeLoadFailure($library.Platform, $library.OsVersion, $library.Architecture,
                $library.Rid, $library.Path, 2, 'file not found')).Message
    }
    Write-Verbose -Message ('PersistentChatMigration: using native library {0} ({1}, from {2})' -f $library.Path, $library.Rid, $library.Source)
    Test-PChatNativeLibraryLoad -Library $library

    $existing = 'PChatMigration.NativeMethods' -as [type]
    if ($null -ne $existing) {
        # Add-Type cannot replace a type in a running session: reuse it (re-import of the module).
        $loadedFrom = [string]$existing::Lib
        if ($loadedFrom -ne $library.Path) {
            Write-Warning -Message (("PersistentChatMigration: this session already loaded the native library from '{0}'; " +
                "it keeps using it instead of '{1}'. Start a new PowerShell session to switch.") -f $loadedFrom, $library.Path)
        }
    }
    else {
        $sourcePath = Join-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath 'Native') -ChildPath 'PChatMigrationNative.cs'
        $source = [System.IO.File]::ReadAllText($sourcePath)
        if (-not $source.Contains($script:PChatNativeLibraryToken)) {
            throw "PersistentChatMigration: '$sourcePath' does not contain the library placeholder; the module files are damaged."
        }
        # The path becomes a C# string literal: escape backslashes and quotes.
        $literal = $library.Path.Replace('\', '\\').Replace('"', '\"')
        $source = $source.Replace($script:PChatNativeLibraryToken, $literal)
        Add-Type -TypeDefinition $source -Language CSharp
    }

    try {
        $abiVersion = [PChatMigration.Native]::AbiVersion()
        $libraryVersion = [PChatMigration.Native]::Version()
    }
    catch {
        # DllNotFoundException, BadImageFormatException (wrong architecture), EntryPointNotFoundException (not a
        # pchat-migrate library), wrapped by PowerShell in a MethodInvocationException.
        $inner = $_.Exception
        while ($null -ne $inner.InnerException) {
            $inner = $inner.InnerException
        }
        if (($inner -is [System.DllNotFoundException]) -or ($inner -is [System.BadImageFormatException])) {
            # The preload could not ask the OS (macOS, musl): explain the runtime's message instead.
            $code = 0
            if ($inner -is [System.BadImageFormatException]) {
                $code = 193
            }
            throw ([PChatMigration.NativePlatform]::DescribeLoadFailure($library.Platform, $library.OsVersion, $library.Architecture,
                    $library.Rid, $library.Path, $code, $inner.Message)).Message
        }
        throw ("PersistentChatMigration: could not call into the native library '{0}' ({1}): {2}" -f $library.Path, $library.Rid, $inner.Message)
    }
    if ($abiVersion -ne $script:PChatExpectedAbiVersion) {
        throw ("PersistentChatMigration: the native library '{0}' (version {1}) has C ABI version {2}, but this module " +
            "was built for ABI version {3}. Install the module and its native library from the same release.") -f $library.Path, $libraryVersion, $abiVersion, $script:PChatExpectedAbiVersion
    }

    $script:PChatNativeLibrary = @{
        Path = $library.Path
        Rid = $library.Rid
        Source = $library.Source
        Version = $libraryVersion
        AbiVersion = $abiVersion
    }
    Write-Verbose -Message ('PersistentChatMigration: native library version {0}, ABI {1}' -f $libraryVersion, $abiVersion)
}

function Import-PChatJsonType {
    # Native/PChatMigrationJson.cs: no library placeholder; reused on re-import (a .NET type cannot be unloaded).
    if ($null -eq ('PChatMigration.PChatJson' -as [type])) {
        $jsonSource = Join-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath 'Native') -ChildPath 'PChatMigrationJson.cs'
        Add-Type -TypeDefinition ([System.IO.File]::ReadAllText($jsonSource)) -Language CSharp
    }
}

Import-PChatNativeLibrary
Import-PChatJsonType

foreach ($folder in @('Private', 'Public')) {
    $folderPath = Join-Path -Path $PSScriptRoot -ChildPath $folder
    if (Test-Path -LiteralPath $folderPath -PathType Container) {
        foreach ($file in @(Get-ChildItem -LiteralPath $folderPath -Filter '*.ps1' -File | Sort-Object -Property Name)) {
            . $file.FullName
        }
    }
}

# One public function per Public/<Name>.ps1; the manifest's FunctionsToExport is the authoritative list.
$publicFunctions = @(Get-ChildItem -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath 'Public') -Filter '*.ps1' -File |
        ForEach-Object { $_.BaseName })
Export-ModuleMember -Function $publicFunctions
