@{
    # Script module loaded by this manifest: it selects and loads the native library, then the functions.
    RootModule = 'PersistentChatMigration.psm1'

    ModuleVersion = '0.1.0'

    GUID = '1491bb70-2f59-45e4-89ec-79a89bdf579d'

    Author = 'pchat-migrate contributors'

    CompanyName = 'pchat-migrate'

    Copyright = 'Copyright (c) pchat-migrate contributors. Licensed under the MIT License.'

    Description = 'Migrates Lync Server 2010 Group Chat (and OCS 2007 R2 Group Chat) data to Lync Server 2013 Persistent Chat, through the pchat-migrate native library.'

    # The Lync Server 2013 Management Shell is Windows PowerShell 3.0 on .NET Framework 4.5 (64-bit); PowerShell 7
    # works too.
    PowerShellVersion = '3.0'

    # Runs on both editions: Desktop (Windows PowerShell 3.0-5.1) and Core (PowerShell 7). The CompatiblePSEditions
    # key is deliberately absent: Windows PowerShell 3.0 and 4.0 refuse to import a manifest that contains it, and
    # they are the shells Lync Server 2013 runs on. The PSEdition_Desktop/PSEdition_Core tags below say the same to
    # the PowerShell Gallery.

    # No DotNetFrameworkVersion/CLRVersion: PowerShell 3.0 already requires the .NET Framework 4 CLR, and older
    # shells compared DotNetFrameworkVersion against the CLR version (4.0.30319), so '4.5' would block the import.

    # Explicit lists, so that PowerShell can discover the commands without loading the module.
    FunctionsToExport = @('Copy-PChatFileStore', 'Enable-PChatLegacyClientAccess', 'Export-PChatArchive', 'Export-PChatMigrationData', 'Get-PChatFileManifest', 'Get-PChatMigrationPackage', 'Import-PChatMigrationData', 'Start-PChatMigration', 'Test-PChatClientAccess', 'Test-PChatMigration', 'Test-PChatMigrationReadiness', 'Test-PChatSqlConnection')

    CmdletsToExport = @()

    VariablesToExport = @()

    AliasesToExport = @()

    FormatsToProcess = @('PersistentChatMigration.Format.ps1xml')

    FileList = @(
        'PersistentChatMigration.psd1',
        'PersistentChatMigration.psm1',
        'PersistentChatMigration.Format.ps1xml',
        'Native/PChatMigrationNative.cs',
        'Native/PChatMigrationPlatform.cs',
        'Native/PChatMigrationJson.cs',
        'en-US/about_PersistentChatMigration.help.txt'
    )

    PrivateData = @{
        PSData = @{
            Tags = @('Lync', 'Lync2010', 'Lync2013', 'GroupChat', 'PersistentChat', 'SkypeForBusiness', 'Migration', 'SqlServer', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')

            # Assumed home of the project (docs/platforms.md, "Packaging"); scripts/package-module.sh --project-uri
            # replaces it and LicenseUri in the packaged copy.
            ProjectUri = 'https://github.com/pchat-migrate/pchat-migrate'

            LicenseUri = 'https://github.com/pchat-migrate/pchat-migrate/blob/main/LICENSE'

            ReleaseNotes = '0.1.0: first preview. Native builds for Windows 10 / Server 2016+ (win-x64) and for Windows 7 / Server 2008 R2 - 2012 R2 (win7-x64, the Lync Server 2013 servers), Linux x64 and arm64, with the C runtime linked statically; the loader picks the build for the OS version and names the real cause of a load failure. Test-PChatMigrationReadiness checks a legacy database or a package (and the target) before the migration; Import-PChatMigrationData imports a package into mgc with a full -WhatIf plan and per-entity results. Test-PChatSqlConnection checks the connection to a Group Chat or Persistent Chat SQL Server instance; Export-PChatMigrationData exports a legacy Group Chat database to a documented migration package (progress, resume, -WhatIf); Get-PChatMigrationPackage validates a package and lists its contents.'

            Prerelease = 'preview'
        }
    }
}
