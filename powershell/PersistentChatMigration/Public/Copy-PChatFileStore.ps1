function Copy-PChatFileStore {
    <#
    .SYNOPSIS
    Copies the legacy Group Chat file repository to the Lync Server 2013 Persistent Chat file store, verifying
    every file with SHA-256, and reports referenced files that are missing and files nobody references.

    .DESCRIPTION
    The Copy-PChatFileStore cmdlet does the step the migration tools leave to a manual XCOPY: it copies the whole
    legacy file repository tree (every file, nested and empty folders) from -Source to the Persistent Chat file
    store at -Destination (a folder or a UNC share). Each file is written to a temporary name beside its
    destination while its SHA-256 is computed, flushed to disk, read back and compared, and only then renamed
    into place. A journal in the destination (.pchat-copy-journal.jsonl) records every verified file, so a run
    that was stopped (Ctrl+C, a reboot) resumes without copying the verified files again.

    A destination file that differs from the source is never replaced unless -Overwrite is given; it is reported
    as a conflict (a warning, or with -EnableException a non-terminating error, with the id file_conflict). With -Overwrite the old file is kept
    beside the new one as <name>.pchat-old-<n>. A second run against the same destination is refused while the
    first one runs.

    With -FileName (a package) or -DBInstance and -DBName (the legacy database, read-only) the cmdlet also reads
    every ma-filelink: reference of every room and reports, by room, the referenced files missing at the source
    (warnings), the files nobody references, and the hostile references it refused (such as ..\ or a UNC path):
    no reference can make it write outside -Destination.

    -WhatIf lists every file that would be copied and writes nothing. NTFS permissions (ACLs) are not copied:
    the file store's own permissions apply to the copied files.

    .PARAMETER Source
    The root of the legacy Group Chat file repository (the upload folder of the Group Chat Web service), for
    example "\\atl-gc-001\GroupChatFiles".

    .PARAMETER Destination
    The root of the Lync Server 2013 Persistent Chat file store defined in Topology Builder, for example
    "\\atl-fs-001\PChatFileStore". It is created when it does not exist (its parent must).

    .PARAMETER FileName
    A migration package whose file links are checked against the copied tree. Accepts the Path property of the
    objects Export-PChatMigrationData and Get-PChatMigrationPackage output from the pipeline.

    .PARAMETER DBInstance
    The SQL Server instance of the legacy Group Chat database whose file links are checked against the tree.

    .PARAMETER DBName
    The legacy Group Chat database on -DBInstance.

    .PARAMETER Overwrite
    Replaces destination files that differ from the source; the old file is kept as <name>.pchat-old-<n>.

    .PARAMETER Report
    The path of the report to write, for example "C:\Logs\FileCopy.html": an HTML page and a JSON file with the
    same base name. Existing report files are not replaced unless -Force is given.

    .PARAMETER Force
    Replaces existing report files.

    .PARAMETER Credential
    A SQL Server login (or DOMAIN\user with -Authentication Ntlm) for the legacy database.

    .PARAMETER Authentication
    How to sign in to the SQL Server: Windows, SqlServer or Ntlm (see Test-PChatSqlConnection).

    .PARAMETER Encryption
    TLS encryption of the connection: Mandatory (the default), Strict, Optional or Plaintext.

    .PARAMETER TrustServerCertificate
    Accepts the server's TLS certificate without validating it.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for the connection and sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each query may run (0-86400, 0 means no limit). The default is 30.

    .PARAMETER CACertificatePath
    A PEM or DER file with a certification authority to trust besides the system's certificate store.

    .PARAMETER EnableException
    Turns the friendly warning into a terminating error, for try/catch in runbooks. Without it a failure is one
    warning naming the cause and the fix, the cmdlet returns without output, and the error record
    (FullyQualifiedErrorId: the library's error code; TargetObject: the instance, file or room) is still added to
    $Error. With it the same record is thrown; a conflict or a file that failed to copy is then a non-terminating
    error (file_conflict, file_copy_failed; TargetObject: the file), so the other files are still copied.

    .EXAMPLE
    Copy-PChatFileStore -Source "\\atl-gc-001\GroupChatFiles" -Destination "\\atl-fs-001\PChatFileStore" -FileName "C:\Exports\GroupChat.zip" -Report "C:\Logs\FileCopy.html"

    Example 1 copies the legacy file repository to the 2013 file store, checks it against the rooms' file links
    in the exported package, and writes FileCopy.html and FileCopy.json. Run it again after an interruption: the
    verified files are not copied again.

    .EXAMPLE
    Copy-PChatFileStore -Source "D:\GroupChat\Files" -Destination "\\atl-fs-001\PChatFileStore" -WhatIf

    Example 2 lists every file that would be copied (and the conflicts a copy would find) without writing
    anything.

    .EXAMPLE
    Copy-PChatFileStore -Source "D:\GroupChat\Files" -Destination "\\atl-fs-001\PChatFileStore" -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -Overwrite

    Example 3 reads the file links from the legacy database, and replaces the destination files that differ from
    the source (keeping each old one as <name>.pchat-old-<n>).

    .INPUTS
    System.Management.Automation.PSObject. An object with a Path property (the output of
    Get-PChatMigrationPackage or Export-PChatMigrationData) binds to -FileName.

    .OUTPUTS
    PChatMigration.FileCopySummary. One object with the properties Status (Succeeded, Failed or WhatIf), Notes
    (the counts in one line), Succeeded, WhatIf, Source, Destination,
    Copied, CopiedBytes, SkippedIdentical, Conflicts, Failed, MissingAtSource (by room), Unreferenced,
    RefusedReferences, WouldCopy, Duration, MiBPerSecond, Journal, Report and Details (the library's whole
    result).

    .LINK
    Get-PChatFileManifest

    .LINK
    Export-PChatMigrationData

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(DefaultParameterSetName = 'Tree', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('PChatMigration.FileCopySummary')]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [ValidateNotNullOrEmpty()]
        [string] $Source,

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $Destination,

        [Parameter(Mandatory = $true, ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true)]
        [Alias('Path')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $DBName,

        [Parameter()]
        [switch] $Overwrite,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [switch] $Force,

        [Parameter(ParameterSetName = 'Database')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $Authentication,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateSet('Mandatory', 'Strict', 'Optional', 'Plaintext')]
        [string] $Encryption = 'Mandatory',

        [Parameter(ParameterSetName = 'Database')]
        [switch] $TrustServerCertificate,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateRange(1, 600)]
        [int] $ConnectTimeoutSeconds,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateRange(0, 86400)]
        [int] $CommandTimeoutSeconds,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $CACertificatePath,

        [Parameter()]
        [switch] $EnableException
    )

    process {
        $data = $null
        try {
            $sourcePath = Resolve-PChatFilePath -Path $Source -ParameterName 'Source'
            $destinationPath = Resolve-PChatFilePath -Path $Destination -ParameterName 'Destination'
            # -WhatIf (or an inherited $WhatIfPreference) is the library's plan, not a skipped call.
            $dryRun = [bool]$WhatIfPreference
            $action = ("Copy the file repository '{0}' (every file, SHA-256 verified)" -f $sourcePath)
            if ((-not $dryRun) -and (-not $PSCmdlet.ShouldProcess($destinationPath, $action))) {
                return
            }
            $params = [ordered]@{
                source = $sourcePath
                destination = $destinationPath
                overwrite = [bool]$Overwrite.IsPresent
                force = [bool]$Force.IsPresent
                whatIf = $dryRun
            }
            if ($PSCmdlet.ParameterSetName -eq 'FileName') {
                $params['fileName'] = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
            }
            if ($PSCmdlet.ParameterSetName -eq 'Database') {
                $connectionArgs = @{ DBInstance = $DBInstance; DBName = $DBName; Encryption = $Encryption }
                foreach ($name in @('Credential', 'Authentication', 'TrustServerCertificate', 'ConnectTimeoutSeconds',
                        'CommandTimeoutSeconds', 'CACertificatePath')) {
                    if ($PSBoundParameters.ContainsKey($name)) {
                        $connectionArgs[$name] = $PSBoundParameters[$name]
                    }
                }
                $params['connection'] = ConvertTo-PChatConnectionParameter @connectionArgs
            }
            if ($PSBoundParameters.ContainsKey('Report')) {
                $params['report'] = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
            }
            $jobArgs = @{
                Operation = 'copy_files'
                Params = $params
                Activity = 'Copying the file store'
                TargetObject = $destinationPath
            }
            $outputs = @(Invoke-PChatNativeJob @jobArgs)
            $params = $null
            if ($outputs.Count -gt 0) {
                $data = $outputs[$outputs.Count - 1]
            }
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            $params = $null
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        if ($null -eq $data) {
            return
        }
        if ($dryRun) {
            # Under -WhatIf each call prints "What if: Performing the operation ..." and returns false.
            foreach ($path in @($data.wouldCopy)) {
                if ($null -ne $path) {
                    [void]$PSCmdlet.ShouldProcess(('{0} -> {1}' -f $path, $destinationPath), 'Copy file')
                }
            }
        }
        foreach ($issue in @($data.conflicts)) {
            if ($null -eq $issue) {
                continue
            }
            $exception = New-Object -TypeName 'System.IO.IOException' -ArgumentList @(('{0}: {1}' -f $issue.path, $issue.reason))
            $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, 'file_conflict', [System.Management.Automation.ErrorCategory]::ResourceExists, [string]$issue.path)
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException -Continue
            continue
        }
        foreach ($issue in @($data.failed)) {
            if ($null -eq $issue) {
                continue
            }
            $exception = New-Object -TypeName 'System.IO.IOException' -ArgumentList @(('{0}: {1}' -f $issue.path, $issue.reason))
            $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, 'file_copy_failed', [System.Management.Automation.ErrorCategory]::WriteError, [string]$issue.path)
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException -Continue
            continue
        }
        foreach ($room in @($data.missingAtSource)) {
            if ($null -ne $room) {
                Write-Warning -Message ("Room '{0}' ({1}) references files missing at the source: {2}" -f $room.roomName, $room.roomId, (@($room.files) -join ', '))
            }
        }
        $counts = $data.counts
        # Status and Notes as dbatools' migration objects have them: what happened, in one line.
        $status = 'Failed'
        if ([bool]$data.whatIf) {
            $status = 'WhatIf'
        }
        elseif ([bool]$data.succeeded) {
            $status = 'Succeeded'
        }
        $notes = ('{0} copied, {1} already identical, {2} conflict(s), {3} failed' -f $counts.copied, $counts.skippedIdentical,
            @($data.conflicts | Where-Object { $null -ne $_ }).Count, @($data.failed | Where-Object { $null -ne $_ }).Count)
        if ([bool]$data.whatIf) {
            $notes = ('{0} file(s) would be copied' -f @($data.wouldCopy | Where-Object { $null -ne $_ }).Count)
        }
        $summary = [pscustomobject]@{
            Status = $status
            Notes = $notes
            Succeeded = [bool]$data.succeeded
            WhatIf = [bool]$data.whatIf
            Source = [string]$data.source
            Destination = [string]$data.destination
            Copied = $counts.copied
            CopiedBytes = $counts.copiedBytes
            SkippedIdentical = $counts.skippedIdentical
            Conflicts = @($data.conflicts)
            Failed = @($data.failed)
            MissingAtSource = @($data.missingAtSource)
            Unreferenced = @($data.unreferenced)
            RefusedReferences = @($data.refusedReferences)
            WouldCopy = @($data.wouldCopy)
            Duration = [System.TimeSpan]::FromMilliseconds([double]$data.durationMs)
            MiBPerSecond = $data.mibPerSecond
            Journal = $data.journal
            Report = $data.report
            Details = $data
        }
        $summary.PSObject.TypeNames.Insert(0, 'PChatMigration.FileCopySummary')
        Write-Output -InputObject $summary
    }
}
