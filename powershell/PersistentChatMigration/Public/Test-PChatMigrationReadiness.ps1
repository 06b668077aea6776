function Test-PChatMigrationReadiness {
    <#
    .SYNOPSIS
    Checks a legacy Group Chat database or a migration package (and optionally the target mgc database) before
    the migration, and lists every finding with the rooms it touches. Writes nothing.

    .DESCRIPTION
    The Test-PChatMigrationReadiness cmdlet is step 3 of the migration (prepare). It runs the conversion from
    the Lync 2010 / OCS 2007 R2 Group Chat model to the Lync 2013 Persistent Chat model against a legacy
    database (-DBInstance and -DBName) or a package (-FileName, or a package object from the pipeline), and, with
    -TargetDBInstance, against the target mgc database, without writing to any of them.

    It outputs one PChatMigration.ReadinessFinding object per finding, with its Severity (Error, Warning, Info),
    Code, Message and the Rooms it touches: names that change when nested categories are flattened, names too
    long after prefixing, root managers who will manage every room, invitation, chat-history and file-post
    conflicts, federated, disabled and deleted principals, rooms without an enabled manager, disabled rooms,
    rooms with file links, and with a target: name collisions (and what -ConflictAction would do), principal
    types the target lacks, Persistent Chat servers running, and the backup status. Then one
    PChatMigration.ReadinessSummary object with the expected counts and the estimated export and import time.

    With -Report it writes an HTML page (with a chart of the messages per month, to choose -StartDate by looking)
    and a JSON file. Fix every Error before the import: Import-PChatMigrationData refuses to write while one
    remains.

    If the check cannot run, the summary's Result is Failure and a warning follows (a non-terminating error with
    -EnableException, whose FullyQualifiedErrorId is the library's code).

    The target is reached with the same encryption, certificate and timeout parameters as the source, and with
    -TargetCredential (or the current Windows account) to sign in.

    .PARAMETER DBInstance
    The SQL Server instance of the legacy Group Chat database, for example "atl-sql-001.litwareinc.com\rtc".

    .PARAMETER DBName
    The legacy Group Chat database to check, for example "GroupChat".

    .PARAMETER FileName
    A migration package (.zip) to check instead of a database. Accepts the Path property of the objects
    Export-PChatMigrationData and Get-PChatMigrationPackage output, and the FullName of Get-ChildItem, from the
    pipeline.

    .PARAMETER TargetDBInstance
    The SQL Server instance of the Lync Server 2013 Persistent Chat database to check collisions, principal
    types, running servers and the backup against. Without it only the source is checked.

    .PARAMETER TargetDBName
    The Persistent Chat database on -TargetDBInstance. The default is mgc.

    .PARAMETER TargetCredential
    A SQL Server login for the target. Omit it to sign in to the target as the current Windows account.

    .PARAMETER Report
    The path of the report to write, for example "C:\Logs\Readiness.html": an HTML page and a JSON file with the
    same base name. Existing report files are not replaced unless -Force is given.

    .PARAMETER Force
    Replaces existing report files.

    .PARAMETER NameMap
    A CSV file (Path,NewName) or JSON file of new names for categories and rooms by legacy path, as for
    Import-PChatMigrationData; the findings then show the names the import would use.

    .PARAMETER NameSeparator
    The text put between parent category names and a node's own name when flattening. The default is " - ".

    .PARAMETER SettingConflict
    How per-room chat-history and file-post settings are folded into the category: Strictest (the default) or
    MostPermissive.

    .PARAMETER TopicToDescription
    Reports the room topics as appended to the descriptions (as Import-PChatMigrationData -TopicToDescription
    would do) instead of dropped.

    .PARAMETER IncludeDisabledRooms
    Counts the disabled rooms as imported (as Import-PChatMigrationData -IncludeDisabledRooms would do).

    .PARAMETER RootRoomsCategory
    The category for rooms directly under the legacy root. The default is "Uncategorized".

    .PARAMETER ConflictAction
    How collisions with the target would be handled (Fail, Skip, Overwrite or Rename); the collision findings say
    what the import would do with it.

    .PARAMETER StartDate
    Counts only the chat history posted at or after this time, as an export with -StartDate would move it. A time
    without a time zone is local time.

    .PARAMETER Credential
    A SQL Server login (with -Authentication SqlServer, the default when -Credential is given) or a Windows account
    written as DOMAIN\user (with -Authentication Ntlm) for the source database.

    .PARAMETER Authentication
    How to sign in to the source SQL Server: Windows, SqlServer or Ntlm (see Test-PChatSqlConnection).

    .PARAMETER Encryption
    TLS encryption of the connections: Mandatory (the default), Strict, Optional or Plaintext.

    .PARAMETER TrustServerCertificate
    Accepts the servers' TLS certificates without validating them.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for each connection and sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each query may run (0-86400, 0 means no limit). The default is 30.

    .PARAMETER ConnectRetryCount
    How often a transient connection failure is retried (0-10). The default is 2.

    .PARAMETER CACertificatePath
    A PEM or DER file with a certification authority to trust besides the system's certificate store.

    .PARAMETER HostNameInCertificate
    The name expected in the source server's TLS certificate when it differs from the host name in -DBInstance.

    .PARAMETER EnableException
    Turns the friendly warning of a check that could not run into a non-terminating error (for try/catch with
    -ErrorAction Stop, $? or -ErrorVariable in runbooks). Without it the error record is still added to $Error.
    Findings are never errors: read the summary's Result, or the findings' Severity.

    .EXAMPLE
    Test-PChatMigrationReadiness -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -TargetDBInstance "atl-sql-002.litwareinc.com\rtc" -Report "C:\Logs\Readiness.html"

    Example 1 checks the legacy database against the target mgc database and writes Readiness.html (with the
    messages-per-month chart) and Readiness.json. It outputs every finding and the summary.

    .EXAMPLE
    Test-PChatMigrationReadiness -FileName "C:\Exports\GroupChat.zip" | Where-Object Severity -eq 'Error' | Format-Table -Property Code, Message, Rooms -Wrap

    Example 2 checks an exported package and shows only the errors, which stop an import until they are fixed
    (for example with -NameMap for names that are too long).

    .EXAMPLE
    Get-PChatMigrationPackage -FileName "C:\Exports\GroupChat.zip" | Test-PChatMigrationReadiness -TargetDBInstance "atl-sql-002.litwareinc.com\rtc" -ConflictAction Rename

    Example 3 validates a package, then checks it against the target, reporting the collisions as they would be
    renamed by Import-PChatMigrationData -ConflictAction Rename.

    .INPUTS
    System.Management.Automation.PSObject. An object with a Path or FullName property (the output of
    Get-PChatMigrationPackage, Export-PChatMigrationData or Get-ChildItem) binds to -FileName.

    .OUTPUTS
    PChatMigration.ReadinessFinding. One object per finding, with the properties Severity, Code, Message,
    EntityType, Entity and Rooms.

    PChatMigration.ReadinessSummary. One object at the end, with the properties Errors, Warnings and Infos (finding
    counts), Counts (the expected principals, categories, rooms, roles and messages), Estimate (the estimated
    export and import time and its basis), Report (the html and json paths, or $null), Details (the library's
    whole result, with the monthly histogram and the file-link counts), and, as the Lync Test-Cs* cmdlets,
    TargetFqdn, Result (Success, or Failure while a finding has Severity Error), Latency, Error and Diagnosis (the
    blocking codes). When the check cannot run (a connection or package problem) the summary has only those five
    members, Result Failure, with the library's error code in Diagnosis.

    .LINK
    Import-PChatMigrationData

    .LINK
    Export-PChatMigrationData

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(DefaultParameterSetName = 'Database')]
    [OutputType('PChatMigration.ReadinessFinding', 'PChatMigration.ReadinessSummary')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $DBName,

        [Parameter(Mandatory = $true, ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true)]
        [Alias('Path', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $TargetDBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $TargetDBName = 'mgc',

        [Parameter()]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $TargetCredential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $NameMap,

        [Parameter()]
        [ValidateNotNull()]
        [string] $NameSeparator,

        [Parameter()]
        [ValidateSet('Strictest', 'MostPermissive')]
        [string] $SettingConflict,

        [Parameter()]
        [switch] $TopicToDescription,

        [Parameter()]
        [switch] $IncludeDisabledRooms,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $RootRoomsCategory,

        [Parameter()]
        [ValidateSet('Fail', 'Skip', 'Overwrite', 'Rename')]
        [string] $ConflictAction = 'Fail',

        [Parameter()]
        [DateTime] $StartDate,

        [Parameter()]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter()]
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $Authentication,

        [Parameter()]
        [ValidateSet('Mandatory', 'Strict', 'Optional', 'Plaintext')]
        [string] $Encryption = 'Mandatory',

        [Parameter()]
        [switch] $TrustServerCertificate,

        [Parameter()]
        [ValidateRange(1, 600)]
        [int] $ConnectTimeoutSeconds,

        [Parameter()]
        [ValidateRange(0, 86400)]
        [int] $CommandTimeoutSeconds,

        [Parameter()]
        [ValidateRange(0, 10)]
        [int] $ConnectRetryCount,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CACertificatePath,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $HostNameInCertificate,

        [Parameter()]
        [switch] $EnableException
    )

    process {
        # Settings shared by the source and the target connection.
        $shared = @{ Encryption = $Encryption }
        foreach ($name in @('TrustServerCertificate', 'ConnectTimeoutSeconds', 'CommandTimeoutSeconds',
                'ConnectRetryCount', 'CACertificatePath')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $shared[$name] = $PSBoundParameters[$name]
            }
        }
        $params = $null
        $failure = $null
        $outputs = @()
        $shown = $FileName
        if ($PSCmdlet.ParameterSetName -eq 'Database') {
            $shown = ("database '{0}' on {1}" -f $DBName, $DBInstance)
        }
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            $params = [ordered]@{}
            if ($PSCmdlet.ParameterSetName -eq 'Database') {
                $sourceArgs = $shared.Clone()
                $sourceArgs['DBInstance'] = $DBInstance
                $sourceArgs['DBName'] = $DBName
                foreach ($name in @('Credential', 'Authentication', 'HostNameInCertificate')) {
                    if ($PSBoundParameters.ContainsKey($name)) {
                        $sourceArgs[$name] = $PSBoundParameters[$name]
                    }
                }
                $params['source'] = ConvertTo-PChatConnectionParameter @sourceArgs
                $shown = ("database '{0}' on {1}" -f $DBName, $DBInstance)
            }
            else {
                $params['fileName'] = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
                $shown = $params['fileName']
            }
            if ($PSBoundParameters.ContainsKey('TargetDBInstance')) {
                $targetArgs = $shared.Clone()
                $targetArgs['DBInstance'] = $TargetDBInstance
                $targetArgs['DBName'] = $TargetDBName
                if ($PSBoundParameters.ContainsKey('TargetCredential')) {
                    $targetArgs['Credential'] = $TargetCredential
                }
                $params['target'] = ConvertTo-PChatConnectionParameter @targetArgs
            }
            if ($PSBoundParameters.ContainsKey('Report')) {
                $params['report'] = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
            }
            $params['force'] = [bool]$Force.IsPresent
            if ($PSBoundParameters.ContainsKey('NameMap')) {
                $params['nameMapFile'] = Resolve-PChatFilePath -Path $NameMap -ParameterName 'NameMap'
            }
            if ($PSBoundParameters.ContainsKey('NameSeparator')) {
                $params['nameSeparator'] = $NameSeparator
            }
            if ($PSBoundParameters.ContainsKey('SettingConflict')) {
                $params['settingConflict'] = $SettingConflict
            }
            $params['topicToDescription'] = [bool]$TopicToDescription.IsPresent
            $params['includeDisabledRooms'] = [bool]$IncludeDisabledRooms.IsPresent
            if ($PSBoundParameters.ContainsKey('RootRoomsCategory')) {
                $params['rootRoomsCategory'] = $RootRoomsCategory
            }
            $params['conflictAction'] = $ConflictAction
            if ($PSBoundParameters.ContainsKey('StartDate')) {
                # Like the Cs cmdlets, a time without a kind is local time; the library gets UTC.
                $start = $StartDate
                if ($start.Kind -eq [System.DateTimeKind]::Unspecified) {
                    $start = [System.DateTime]::SpecifyKind($start, [System.DateTimeKind]::Local)
                }
                $params['startDate'] = $start.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
            }
            Write-Verbose -Message ('Checking the migration readiness of {0}.' -f $shown)
            $jobArgs = @{
                Operation = 'readiness'
                Params = $params
                Activity = 'Checking the migration readiness'
                TargetObject = $shown
            }
            $outputs = @(Invoke-PChatNativeJob @jobArgs)
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            $failure = $_
        }
        finally {
            $params = $null
        }
        if ($null -ne $failure) {
            # Like the Test-Cs* cmdlets: a summary whose Result is Failure, then the warning (or the error).
            $failed = New-Object -TypeName 'System.Management.Automation.PSObject'
            $failed.PSObject.TypeNames.Insert(0, 'PChatMigration.ReadinessSummary')
            Add-PChatTestOutcome -InputObject $failed -TargetFqdn $shown -Result 'Failure' -Latency $started.Elapsed -ErrorRecord $failure
            Write-Output -InputObject $failed
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $failure -EnableException:$EnableException -Continue
            return
        }
        if ($outputs.Count -eq 0) {
            return
        }
        $data = $outputs[$outputs.Count - 1]

        $severities = @{ Error = 0; Warning = 0; Info = 0 }
        foreach ($finding in @($data.findings)) {
            if ($null -eq $finding) {
                continue
            }
            $severity = [string]$finding.severity
            if ($severities.ContainsKey($severity)) {
                $severities[$severity] = $severities[$severity] + 1
            }
            $item = [pscustomobject]@{
                Severity = $severity
                Code = [string]$finding.code
                Message = [string]$finding.message
                EntityType = $finding.entityType
                Entity = $finding.entity
                Rooms = [string[]]@($finding.rooms | Where-Object { $null -ne $_ })
            }
            $item.PSObject.TypeNames.Insert(0, 'PChatMigration.ReadinessFinding')
            Write-Output -InputObject $item
        }
        $summary = [pscustomobject]@{
            Errors = $severities['Error']
            Warnings = $severities['Warning']
            Infos = $severities['Info']
            Counts = $data.Counts
            Estimate = $data.Estimate
            Report = $data.Report
            Details = $data
        }
        $blocking = @(@($data.Findings) | Where-Object { $null -ne $_ -and [string]$_.Severity -eq 'Error' } | ForEach-Object { [string]$_.Code } | Select-Object -Unique)
        if ($blocking.Count -eq 0) {
            Add-PChatTestOutcome -InputObject $summary -TargetFqdn $shown -Result 'Success' -Latency $started.Elapsed
        }
        else {
            $message = ('{0} finding(s) of severity Error block the import of {1}; fix them (the ReadinessFinding objects with Severity Error say how) and run the check again.' -f $severities['Error'], $shown)
            Add-PChatTestOutcome -InputObject $summary -TargetFqdn $shown -Result 'Failure' -Latency $started.Elapsed -ErrorMessage $message -Diagnosis ('Codes={0}' -f ($blocking -join ','))
        }
        $summary.PSObject.TypeNames.Insert(0, 'PChatMigration.ReadinessSummary')
        Write-Output -InputObject $summary
    }
}
