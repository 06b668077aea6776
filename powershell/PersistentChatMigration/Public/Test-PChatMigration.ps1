function Test-PChatMigration {
    <#
    .SYNOPSIS
    Verifies a migration: compares the source (a package or the legacy database) with the Lync Server 2013
    Persistent Chat (mgc) database room by room, and ends with the decommission checklist.

    .DESCRIPTION
    The Test-PChatMigration cmdlet is step 10 of the documented migration ("verify that the data migrated
    correctly"), done by the library instead of by hand. It reads the expected state from the migration package
    (-FileName) or from the legacy Group Chat database (-SourceDBInstance, -SourceDBName; read-only), applies the
    same conversion Import-PChatMigrationData applies (so the prefixed names, materialised members and folded
    flags the import produces are expected, not reported), and compares it with the mgc database -DBName on
    -DBInstance: categories, rooms and their settings, role assignments, scopes, add-ins, principals (by their
    GUID) and every room's chat history (message count, first and last chatId and chatDate, and a SHA-256 of the
    ordered messages computed the same way on both sides). It writes nothing to either database.

    Give the conversion parameters the import was run with (-ConflictAction, -NameMap, -NameSeparator,
    -SettingConflict, -TopicToDescription, -IncludeDisabledRooms, -RootRoomsCategory): the expected names and
    roles are the ones that import produced.

    It outputs one PChatMigration.VerifyItem object per principal, add-in, category and room (Status Verified,
    Mismatch, Missing or Extra, with the first difference found, for example "message chatId 1200: content
    differs"), problems first, then one PChatMigration.VerifySummary object. With -Summary it outputs the
    summary only. The summary's Decommission property holds the decommission checklist: the steps to retire the
    legacy deployment, with the commands filled in from -LegacyPoolFqdn, -TrustedApplicationId, -LegacyServer,
    -PersistentChatPoolFqdn and -LookupSipAddress where given, and <placeholders> where not. With -Report the
    same result is written as an HTML page (ending with the checklist) and a JSON file.

    Like the Lync Test-Cs* cmdlets, the summary has TargetFqdn, Result (Success when every item is Verified,
    otherwise Failure), Latency, Error (the counts, in a sentence) and Diagnosis. When anything is not Verified
    the cmdlet also writes a warning after the output; with -EnableException it writes a non-terminating error
    instead (error id verification_failed, category InvalidResult), so a runbook can test $? or use
    -ErrorVariable, and -ErrorAction Stop stops; -FailOnMismatch makes it terminating. The CLI's equivalent is
    exit code 5 of pchat-migrate verify. If the verification cannot run (a connection, a package or a parameter
    problem), the summary's Result is Failure with the library's error code in Diagnosis, and the same warning
    or error follows, its FullyQualifiedErrorId the library's code.

    .PARAMETER DBInstance
    The SQL Server instance of the Lync Server 2013 Persistent Chat database to verify, for example
    "atl-sql-002.litwareinc.com\rtc".

    .PARAMETER DBName
    The Persistent Chat database to verify. The default is mgc.

    .PARAMETER FileName
    The migration package (.zip) the import read, for example "C:\Exports\GroupChat.zip". Accepts the Path
    property of the objects Export-PChatMigrationData and Get-PChatMigrationPackage output, and the FullName of
    Get-ChildItem, from the pipeline.

    .PARAMETER SourceDBInstance
    The SQL Server instance of the legacy Group Chat database, to compare with the database itself instead of a
    package, for example "atl-sql-001.litwareinc.com\rtc". It is only read.

    .PARAMETER SourceDBName
    The legacy Group Chat database on -SourceDBInstance, for example "GroupChat".

    .PARAMETER SourceCredential
    A SQL Server login for the legacy database. Omit it to sign in to it as the current Windows account.

    .PARAMETER StartDate
    With a database source: the -StartDate the export was run with, so that only the chat history posted at or
    after it is expected (a package holds what it was exported with and needs none). A time without a time
    zone is local time.

    .PARAMETER Quick
    Compares each room's message count and first and last chatId and chatDate only, without reading the messages
    (no SHA-256 digests), for very large deployments. A message altered in place is not found this way: run a
    full verification before decommissioning.

    .PARAMETER Report
    The path of the report to write, for example "C:\Logs\Verify.html": an HTML page and a JSON file with the
    same base name. Existing report files are not replaced unless -Force is given.

    .PARAMETER Force
    Replaces existing report files.

    .PARAMETER Parallelism
    How many rooms are compared at once (1-32). The library's default is 4.

    .PARAMETER ConflictAction
    The -ConflictAction the import was run with (Fail, Skip, Overwrite or Rename), so that renamed or skipped
    items are expected as the import left them.

    .PARAMETER NameMap
    The -NameMap file the import was run with (CSV Path,NewName or JSON).

    .PARAMETER NameSeparator
    The -NameSeparator the import was run with. The default is " - ".

    .PARAMETER SettingConflict
    The -SettingConflict the import was run with: Strictest (the default) or MostPermissive.

    .PARAMETER TopicToDescription
    Give it when the import was run with -TopicToDescription.

    .PARAMETER IncludeDisabledRooms
    Give it when the import was run with -IncludeDisabledRooms; otherwise disabled rooms are not expected in the
    target.

    .PARAMETER RootRoomsCategory
    The -RootRoomsCategory the import was run with. The default is "Uncategorized".

    .PARAMETER LegacyPoolFqdn
    For the decommission checklist: the FQDN of the legacy Group Chat trusted application pool, for example
    "gcpool.litwareinc.com".

    .PARAMETER TrustedApplicationId
    For the decommission checklist: the id of the Group Chat trusted application in that pool (the checklist
    removes "<pool FQDN>/<id>").

    .PARAMETER LegacyServer
    For the decommission checklist: the legacy Group Chat server computers (FQDNs) to uninstall Group Chat from.

    .PARAMETER PersistentChatPoolFqdn
    For the decommission checklist: the Lync Server 2013 Persistent Chat pool FQDN.

    .PARAMETER LookupSipAddress
    For the decommission checklist: the lookup SIP address legacy clients use, for example
    "sip:ocschat@litwareinc.com" (the checklist checks that it is now a Persistent Chat endpoint).

    .PARAMETER Summary
    Outputs only the PChatMigration.VerifySummary object, not one object per item.

    .PARAMETER FailOnMismatch
    Makes a failed verification a terminating error (verification_failed, or the library's code when it could not
    run), after the output has been written, with or without -EnableException.

    .PARAMETER EnableException
    Turns the friendly warning into an error, for runbooks that use try/catch, $? or -ErrorVariable: a failed or
    impossible verification is then a non-terminating error (FullyQualifiedErrorId verification_failed or the
    library's code). Without it the error record is still added to $Error.

    .PARAMETER Credential
    A SQL Server login (with -Authentication SqlServer, the default when -Credential is given) or a Windows account
    written as DOMAIN\user (with -Authentication Ntlm) for the Persistent Chat database.

    .PARAMETER Authentication
    How to sign in to the Persistent Chat SQL Server: Windows, SqlServer or Ntlm (see Test-PChatSqlConnection).

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
    The name expected in the Persistent Chat server's TLS certificate when it differs from the host name in
    -DBInstance.

    .EXAMPLE
    Test-PChatMigration -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -Report "C:\Logs\Verify.html" | Where-Object Status -ne 'Verified'

    Example 1 compares the package the import read with mgc and shows only the items that do not match, each with
    its first difference. Verify.html and Verify.json are written to C:\Logs, ending with the decommission
    checklist.

    .EXAMPLE
    $result = Test-PChatMigration -DBInstance "atl-sql-002.litwareinc.com\rtc" -SourceDBInstance "atl-sql-001.litwareinc.com\rtc" -SourceDBName "GroupChat" -Summary -FailOnMismatch -LegacyPoolFqdn "gcpool.litwareinc.com" -TrustedApplicationId "GroupChat" -LegacyServer "gc01.litwareinc.com", "gc02.litwareinc.com" -PersistentChatPoolFqdn "atl-pcpool-001.litwareinc.com" -LookupSipAddress "sip:ocschat@litwareinc.com"
    $result.Decommission | Format-List -Property Title, Command, Note

    Example 2 is a runbook step: it compares the legacy database itself with mgc, stops the runbook with a
    terminating error if anything does not match, and otherwise lists the decommission checklist with every
    command filled in.

    .EXAMPLE
    Test-PChatMigration -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -Quick -ConflictAction Rename -NameMap "C:\Exports\names.csv" -ErrorVariable failed
    if ($failed) { 'Not verified: see the Mismatch and Missing items' }

    Example 3 runs the quick comparison (counts and first and last messages only) of an import that was run with
    -ConflictAction Rename and a name map, and keeps the verification_failed error in $failed instead of stopping.

    .INPUTS
    System.Management.Automation.PSObject. An object with a Path or FullName property (the output of
    Get-PChatMigrationPackage, Export-PChatMigrationData or Get-ChildItem) binds to -FileName.

    .OUTPUTS
    PChatMigration.VerifyItem. One object per principal, add-in, category and room, problems first, with the
    properties Status (Verified, Mismatch, Missing, Extra), Kind (Principal, Addin, Category, Room), Name (the
    name in Lync 2013; a principal's URI), FirstDifference, Differences (how many were found), Key (the GUID or
    add-in name both sides are matched by), SourceName, TargetId and, for rooms, SourceHistory and TargetHistory
    (Messages, FirstChatId, LastChatId, FirstChatDateUtc, LastChatDateUtc, SHA256), and Notes (the first
    difference, $null when Verified).

    PChatMigration.VerifySummary. One object at the end, with the properties Passed, Quick, Verified, Mismatched,
    Missing, Extra, Principals, AddIns, Categories, Rooms, SourceMessages, TargetMessages, Duration (a TimeSpan),
    Source (Kind, Location, SourceKind), Target (DBInstance, Database, Kind), Decommission (the checklist: one
    PChatMigration.DecommissionStep per step with Title, Command, Note and Complete), Report (the html and json
    paths, or $null), Details (the library's whole result), and the test members TargetFqdn, Result (Success or
    Failure), Latency, Error and Diagnosis. When the verification cannot run the summary has only the test
    members.

    .LINK
    Import-PChatMigrationData

    .LINK
    Export-PChatMigrationData

    .LINK
    Test-PChatMigrationReadiness

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(DefaultParameterSetName = 'FileName')]
    [OutputType('PChatMigration.VerifyItem', 'PChatMigration.VerifySummary')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DBName = 'mgc',

        [Parameter(Mandatory = $true, ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true)]
        [Alias('Path', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $SourceDBInstance,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $SourceDBName,

        [Parameter(ParameterSetName = 'Database')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $SourceCredential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(ParameterSetName = 'Database')]
        [DateTime] $StartDate,

        [Parameter()]
        [switch] $Quick,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [ValidateRange(1, 32)]
        [int] $Parallelism,

        [Parameter()]
        [ValidateSet('Fail', 'Skip', 'Overwrite', 'Rename')]
        [string] $ConflictAction = 'Fail',

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
        [ValidateNotNullOrEmpty()]
        [string] $LegacyPoolFqdn,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $TrustedApplicationId,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $LegacyServer,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $PersistentChatPoolFqdn,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $LookupSipAddress,

        [Parameter()]
        [switch] $Summary,

        [Parameter()]
        [switch] $FailOnMismatch,

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
        # Settings shared by the target and the source connection.
        $shared = @{ Encryption = $Encryption }
        foreach ($name in @('TrustServerCertificate', 'ConnectTimeoutSeconds', 'CommandTimeoutSeconds',
                'ConnectRetryCount', 'CACertificatePath')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $shared[$name] = $PSBoundParameters[$name]
            }
        }
        $target = ('{0} on {1}' -f $DBName, $DBInstance)
        $params = $null
        $failure = $null
        $outputs = @()
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            # The library's VerifyParams (camelCase; it refuses unknown fields). Passwords are read here, at call time.
            $targetArgs = $shared.Clone()
            $targetArgs['DBInstance'] = $DBInstance
            $targetArgs['DBName'] = $DBName
            foreach ($name in @('Credential', 'Authentication', 'HostNameInCertificate')) {
                if ($PSBoundParameters.ContainsKey($name)) {
                    $targetArgs[$name] = $PSBoundParameters[$name]
                }
            }
            $params = [ordered]@{}
            $params['connection'] = ConvertTo-PChatConnectionParameter @targetArgs
            if ($PSCmdlet.ParameterSetName -eq 'Database') {
                $sourceArgs = $shared.Clone()
                $sourceArgs['DBInstance'] = $SourceDBInstance
                $sourceArgs['DBName'] = $SourceDBName
                if ($PSBoundParameters.ContainsKey('SourceCredential')) {
                    $sourceArgs['Credential'] = $SourceCredential
                }
                $params['sourceConnection'] = ConvertTo-PChatConnectionParameter @sourceArgs
                if ($PSBoundParameters.ContainsKey('StartDate')) {
                    # Like the Cs cmdlets, a time without a kind is local time; the library gets UTC.
                    $start = $StartDate
                    if ($start.Kind -eq [System.DateTimeKind]::Unspecified) {
                        $start = [System.DateTime]::SpecifyKind($start, [System.DateTimeKind]::Local)
                    }
                    $params['startDate'] = $start.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
                }
                $shown = ("database '{0}' on {1}" -f $SourceDBName, $SourceDBInstance)
            }
            else {
                $params['fileName'] = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
                $shown = $params['fileName']
            }
            $params['quick'] = [bool]$Quick.IsPresent
            if ($PSBoundParameters.ContainsKey('Report')) {
                $params['report'] = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
            }
            $params['force'] = [bool]$Force.IsPresent
            if ($PSBoundParameters.ContainsKey('Parallelism')) {
                $params['parallelism'] = $Parallelism
            }
            $params['conflictAction'] = $ConflictAction
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
            # The decommission checklist's facts: what is not given stays a <placeholder>.
            $decommission = [ordered]@{}
            if ($PSBoundParameters.ContainsKey('LegacyPoolFqdn')) {
                $decommission['legacyPoolFqdn'] = $LegacyPoolFqdn
            }
            if ($PSBoundParameters.ContainsKey('TrustedApplicationId')) {
                $decommission['trustedApplicationId'] = $TrustedApplicationId
            }
            if ($PSBoundParameters.ContainsKey('LegacyServer')) {
                $decommission['legacyServers'] = [string[]]@($LegacyServer)
            }
            if ($PSBoundParameters.ContainsKey('PersistentChatPoolFqdn')) {
                $decommission['persistentChatPoolFqdn'] = $PersistentChatPoolFqdn
            }
            if ($PSBoundParameters.ContainsKey('LookupSipAddress')) {
                $decommission['lookupSipAddress'] = $LookupSipAddress
            }
            $params['decommission'] = $decommission
            Write-Verbose -Message ('Verifying {0} against {1}.' -f $target, $shown)
            $jobArgs = @{
                Operation = 'verify'
                Params = $params
                Activity = 'Verifying the migration'
                TargetObject = $target
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
            # The verification could not run: like the Test-Cs* cmdlets, a summary whose Result is Failure.
            $failed = New-Object -TypeName 'System.Management.Automation.PSObject'
            $failed.PSObject.TypeNames.Insert(0, 'PChatMigration.VerifySummary')
            Add-PChatTestOutcome -InputObject $failed -TargetFqdn $target -Result 'Failure' -Latency $started.Elapsed -ErrorRecord $failure
            Write-Output -InputObject $failed
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $failure -EnableException:($EnableException.IsPresent -or $FailOnMismatch.IsPresent) -Continue:(-not $FailOnMismatch.IsPresent)
            return
        }
        if ($outputs.Count -eq 0) {
            return
        }
        # The final result is the last object (item events, if the library sends any, come before it).
        $data = $outputs[$outputs.Count - 1]

        if (-not $Summary.IsPresent) {
            foreach ($entry in @($data.items)) {
                if ($null -eq $entry) {
                    continue
                }
                $sourceHistory = $null
                $targetHistory = $null
                if ($null -ne $entry.PSObject.Properties['history'] -and $null -ne $entry.history) {
                    $sourceHistory = $entry.history.source
                    $targetHistory = $entry.history.target
                }
                # Notes: what a reader of the table needs, as in dbatools' migration objects.
                $notes = $null
                if (-not [string]::IsNullOrEmpty([string]$entry.firstDifference)) {
                    $notes = [string]$entry.firstDifference
                }
                $item = [pscustomobject]@{
                    Status = [string]$entry.status
                    Kind = [string]$entry.kind
                    Name = [string]$entry.name
                    FirstDifference = $entry.firstDifference
                    Differences = $entry.differences
                    Key = [string]$entry.key
                    SourceName = $entry.sourceName
                    TargetId = $entry.targetId
                    SourceHistory = $sourceHistory
                    TargetHistory = $targetHistory
                    Notes = $notes
                }
                $item.PSObject.TypeNames.Insert(0, 'PChatMigration.VerifyItem')
                Write-Output -InputObject $item
            }
        }

        $steps = @()
        foreach ($entry in @($data.decommission)) {
            if ($null -eq $entry) {
                continue
            }
            $step = [pscustomobject]@{
                Title = [string]$entry.title
                Command = $entry.command
                Note = [string]$entry.note
                Complete = [bool]$entry.complete
            }
            $step.PSObject.TypeNames.Insert(0, 'PChatMigration.DecommissionStep')
            $steps += $step
        }
        $counts = $data.summary
        $result = [pscustomobject]@{
            Passed = [bool]$counts.passed
            Quick = [bool]$data.quick
            Verified = $counts.verified
            Mismatched = $counts.mismatched
            Missing = $counts.missing
            Extra = $counts.extra
            Principals = $counts.principals
            AddIns = $counts.addins
            Categories = $counts.categories
            Rooms = $counts.rooms
            SourceMessages = $counts.sourceMessages
            TargetMessages = $counts.targetMessages
            Duration = [System.TimeSpan]::FromSeconds([double]$counts.elapsedSeconds)
            Source = $data.source
            Target = $data.target
            Decommission = $steps
            Report = $data.report
            Details = $data
        }
        $result.PSObject.TypeNames.Insert(0, 'PChatMigration.VerifySummary')
        $verdict = 'Success'
        $message = $null
        if (-not $result.Passed) {
            $verdict = 'Failure'
            $message = ('The migration did not verify: {0} mismatched, {1} missing and {2} extra item(s) ({3} verified) in {4}. The items with Status Mismatch, Missing or Extra name the first difference of each.' -f
                $result.Mismatched, $result.Missing, $result.Extra, $result.Verified, $target)
        }
        $diagnosis = ('Code=verification_failed; Mismatched={0}; Missing={1}; Extra={2}; Verified={3}' -f $result.Mismatched, $result.Missing, $result.Extra, $result.Verified)
        Add-PChatTestOutcome -InputObject $result -TargetFqdn $target -Result $verdict -Latency $result.Duration -ErrorMessage $message -Diagnosis $diagnosis
        Write-Output -InputObject $result

        if (-not $result.Passed) {
            # Usable in runbooks: Result is Failure; with -EnableException $? is false and -ErrorVariable holds the
            # error, -ErrorAction Stop stops; -FailOnMismatch always stops.
            $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($message)
            $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, 'verification_failed', [System.Management.Automation.ErrorCategory]::InvalidResult, $target)
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:($EnableException.IsPresent -or $FailOnMismatch.IsPresent) -Continue:(-not $FailOnMismatch.IsPresent)
            return
        }
    }
}
