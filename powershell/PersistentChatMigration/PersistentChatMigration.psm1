#Requires -Version 3.0
<#
    PersistentChatMigration module loader.

    1. Picks the native library (pchat-migrate, a Rust cdylib) for this OS and process architecture from
       bin/<rid>/ (win-x64, win-x86, win-arm64, linux-x64, linux-arm64, osx-x64, osx-arm64), unless the environment
       variable PCHAT_MIGRATE_NATIVE_PATH names another file (for development).
    2. On Windows PowerShell preloads it with LoadLibrary, as Devolutions' modules do, so that a missing dependency
       (for example the Visual C++ runtime) is reported with its Win32 error code at import time.
    3. Compiles Native/PChatMigrationNative.cs with Add-Type, after replacing the library placeholder with the absolute
       path of the chosen binary (works on .NET Framework 4.5, .NET 8 and Mono). A type left in the session by an
       earlier import is reused, because a .NET type cannot be unloaded.
    4. Refuses to load when pcm_abi_version() differs from the ABI version this module was built for.
    5. Dot-sources Private/*.ps1 and Public/*.ps1 and exports the public functions.

    Keep this file compatible with Windows PowerShell 3.0 (Lync Server 2013 management shell): no classes,
    no ::new(), no ternary operator, no ?? / ?. operators, no .Where()/.ForEach() methods.
#>

# The C ABI version (PCM_ABI_VERSION in include/pchat_migrate.h) this module's P/Invoke declarations were written for.
# tests/powershell_checks.rs reads this line and compares it with the header and with the real library.
$script:PChatExpectedAbiVersion = 2

# Placeholder in Native/PChatMigrationNative.cs that is replaced with the library path before Add-Type.
$script:PChatNativeLibraryToken = '@@PCHAT_MIGRATE_NATIVE_LIBRARY@@'

# Windows PowerShell 3.0-5.1 only runs on Windows and has no $IsWindows/$IsLinux/$IsMacOS automatic variables.
# Define them in the module scope; code below reads them unqualified, so that PowerShell 7 finds its automatic
# (global) variables ($script:IsWindows would be empty there).
if (-not (Test-Path -Path 'variable:global:IsWindows')) {
    $script:IsWindows = $true
    $script:IsLinux = $false
    $script:IsMacOS = $false
}

# Desktop = Windows PowerShell on .NET Framework ($PSVersionTable.PSEdition exists only from 5.1 on).
$script:PChatIsDesktopEdition = (-not $PSVersionTable.ContainsKey('PSEdition')) -or ($PSVersionTable.PSEdition -eq 'Desktop')

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

function Get-PChatNativeLibraryInfo {
    # Returns @{ Rid; FileName; Path; Source } for this platform; Path may not exist (the caller reports that).
    $architecture = Get-PChatProcessArchitecture
    if ($IsWindows) {
        $os = 'win'
        $fileName = 'pchat_migrate.dll'
    }
    elseif ($IsMacOS) {
        $os = 'osx'
        $fileName = 'libpchat_migrate.dylib'
    }
    elseif ($IsLinux) {
        $os = 'linux'
        $fileName = 'libpchat_migrate.so'
    }
    else {
        throw 'PersistentChatMigration: unsupported operating system (neither Windows, Linux nor macOS).'
    }
    $rid = '{0}-{1}' -f $os, $architecture
    $supported = @('win-x64', 'win-x86', 'win-arm64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64')

    $override = $env:PCHAT_MIGRATE_NATIVE_PATH
    if (-not [string]::IsNullOrEmpty($override)) {
        if (-not (Test-Path -LiteralPath $override -PathType Leaf)) {
            throw ("PersistentChatMigration: the environment variable PCHAT_MIGRATE_NATIVE_PATH is set to '{0}', " +
                "but no file exists there. Point it at a built {1} for {2}, or remove the variable to use the " +
                "library shipped with the module.") -f $override, $fileName, $rid
        }
        $resolved = (Resolve-Path -LiteralPath $override).ProviderPath
        return @{ Rid = $rid; FileName = $fileName; Path = $resolved; Source = 'PCHAT_MIGRATE_NATIVE_PATH' }
    }

    if ($supported -notcontains $rid) {
        throw ("PersistentChatMigration: there is no native library for this platform ({0}). Supported platforms: {1}. " +
            "Set PCHAT_MIGRATE_NATIVE_PATH to a {2} built for this platform to use it anyway.") -f $rid, ($supported -join ', '), $fileName
    }
    $path = Join-Path -Path (Join-Path -Path (Join-Path -Path $PSScriptRoot -ChildPath 'bin') -ChildPath $rid) -ChildPath $fileName
    return @{ Rid = $rid; FileName = $fileName; Path = $path; Source = 'module' }
}

function Import-PChatNativeLibrary {
    $library = Get-PChatNativeLibraryInfo
    if (-not (Test-Path -LiteralPath $library.Path -PathType Leaf)) {
        throw ("PersistentChatMigration: the native library for this platform ({0}) is missing. Expected file: '{1}'. " +
            "Reinstall the module, or set PCHAT_MIGRATE_NATIVE_PATH to the path of a built {2}.") -f $library.Rid, $library.Path, $library.FileName
    }
    Write-Verbose -Message ('PersistentChatMigration: using native library {0} ({1}, from {2})' -f $library.Path, $library.Rid, $library.Source)

    if ($IsWindows -and $script:PChatIsDesktopEdition) {
        # Windows PowerShell: preload the DLL (as DevolutionsGateway.psm1 does) so that load failures surface here
        # with a Win32 error code rather than as a DllNotFoundException on the first call.
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
        $module = [PChatMigration.Loader.Kernel32]::LoadLibrary($library.Path)
        if ($module -eq [IntPtr]::Zero) {
            $win32Error = [System.Runtime.InteropServices.Marshal]::GetLastWin32Error()
            throw ("PersistentChatMigration: Windows could not load '{0}' (Win32 error {1}). Check that the file is the " +
                "{2} build and that the Visual C++ 2015-2022 runtime is installed.") -f $library.Path, $win32Error, $library.Rid
        }
    }

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

Import-PChatNativeLibrary

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
