function Import-PChatMigrationData {
    <#
    .SYNOPSIS
    Imports a migration package into a Lync Server 2013 Persistent Chat (mgc) database, with a full dry run
    (-WhatIf) and per-entity results.

    .DESCRIPTION
    The Import-PChatMigrationData cmdlet loads a migration package written by Export-PChatMigrationData (or by
    the library from a 2013 database) into the Persistent Chat database -DBName (default mgc) on -DBInstance. It
    takes the parameters of Import-CsPersistentChatData (-DBInstance, -FileName, -ByteInput, -Report, -WhatIf,
    -Confirm) and adds -DBName, -ConflictAction, -Force, the choices of the conversion from the legacy model
    (-NameMap, -NameSeparator, -SettingConflict, -TopicToDescription, -IncludeDisabledRooms,
    -RootRoomsCategory) and the connection parameters of Test-PChatSqlConnection.

    Before anything is written the library checks the package completely, checks that the target is a 2013/2015
    Persistent Chat database, that no Persistent Chat server pinged it recently (refused unless -Force), that
    no other administrator holds its admin lock, whether it was backed up recently, and every name collision
    with what the target already holds. Any error stops the import before its first write, with the code, the
    entity and the fix.

    How it differs from Import-CsPersistentChatData:
    - -WhatIf is a real plan: the library reads the package and the target and returns every principal, add-in,
      category and room it would create, update or skip (Status WouldCreate, WouldUpdate or WouldSkip) with
      notes on every conversion, and writes nothing. -WhatIf does not ask for confirmation.
    - Name collisions are not overwritten silently: -ConflictAction Fail (the default) refuses and lists them,
      Skip keeps the target's items, Overwrite replaces them (Microsoft's behaviour), Rename imports under
      "<name> (migrated)".
    - The import is resumable: run the same command again after a cancel or a lost connection, and it continues
      where it stopped (the target itself is the ledger), never duplicating a message.
    - It outputs one PChatMigration.ImportEntity object per entity (Type, Name, Status, Notes), like dbatools'
      migration commands, and a PChatMigration.ImportSummary object at the end.
    - The conversion findings go to the warning stream (Warning severity) and the verbose stream (Info); an
      Error finding of a -WhatIf plan is a warning too, or with -EnableException a non-terminating error (id =
      the finding's code), and the summary's Status is Blocked.

    The real import asks for confirmation (ConfirmImpact High), naming the database, the number of rooms and
    messages and the package: the cmdlet first plans the import without writing (as -WhatIf does) to count
    them. Give -Confirm:$false in runbooks; the plan is then not run twice.

    If the import fails, the cmdlet writes a warning naming the cause and the fix and returns; with
    -EnableException it throws a terminating error instead, whose FullyQualifiedErrorId is the library's error
    code (for example import_refused, target_not_ready, target_state_conflict, invalid_package or
    connection_failed), whose category is the library's, and whose exception (PChatMigration.PChatNativeException)
    carries the code and the details. The record is in $Error either way.

    .PARAMETER DBInstance
    The SQL Server instance of the Lync Server 2013 Persistent Chat database, as for
    Import-CsPersistentChatData: for example "atl-sql-002.litwareinc.com\rtc", or "host,port" for a fixed port.

    .PARAMETER DBName
    The Persistent Chat database to import into. The default is mgc, the name Lync Server 2013 gives it.

    .PARAMETER FileName
    The migration package (.zip) to import, for example "C:\Exports\GroupChat.zip". Accepts the Path property
    of the objects Export-PChatMigrationData and Get-PChatMigrationPackage output, and the FullName of
    Get-ChildItem, from the pipeline. A relative path is resolved against the current PowerShell location.

    .PARAMETER ByteInput
    The package as a byte array (what Export-PChatMigrationData -AsBytes returns), as for
    Import-CsPersistentChatData -ByteInput. It is written to a temporary file that is always removed when the
    cmdlet ends, also after an error or Ctrl+C. Piped bytes are collected and imported once, at the end; pass
    the array as a parameter (-ByteInput $bytes) or as one pipeline object (,$bytes | ...) rather than piping it
    byte by byte, which is slow for large packages.

    .PARAMETER Report
    The path of the report to write, for example "C:\Logs\Import.html": an HTML page and a JSON file with the
    same base name (Import.html and Import.json) with the preflight, the summary, every finding and every
    entity. Existing report files are not replaced unless -Force is given. Also written with -WhatIf.

    .PARAMETER ConflictAction
    What to do when the name of a package category, room or add-in is already used in the target by an item
    this import did not create: Fail (the default: refuse before writing, listing every collision), Skip (keep
    the target's item; rooms of a skipped category go into the existing one), Overwrite (replace the target's
    item, its roles and a room's messages; what Import-CsPersistentChatData does) or Rename (import as
    "<name> (migrated)", "<name> (migrated 2)", ...).

    .PARAMETER Force
    Imports although a Persistent Chat server pinged the target recently (the servers should be stopped during
    the import), and replaces existing report files.

    .PARAMETER NameMap
    A CSV file (columns Path,NewName) or JSON file ({"old path": "new name"}) of new names for categories and
    rooms, by their legacy path (category names below the root, then the node's own name, joined by "\", for
    example "Sales\EMEA\Q3 forecast"). Use it for names that are too long after flattening, or that collide.

    .PARAMETER NameSeparator
    The text put between the parent categories' names and a node's own name when nested legacy categories are
    flattened to the one level of Lync 2013. The default is " - ".

    .PARAMETER SettingConflict
    Lync 2013 keeps the chat-history and file-posting settings per category only. When the rooms of one category
    disagree: Strictest (the default: off wins, nothing becomes visible or allowed that was not before) or
    MostPermissive (on wins). Each conflict is reported with the choice made.

    .PARAMETER TopicToDescription
    Appends each legacy room's topic, which Lync 2013 does not have, to the room's description when it fits in
    256 characters. Without it the topic is dropped (and reported).

    .PARAMETER IncludeDisabledRooms
    Imports the rooms that are disabled in the package too. By default they are skipped: disabling a room is the
    documented way to leave it out of the migration.

    .PARAMETER RootRoomsCategory
    The name of the category created for rooms that sit directly under the legacy root category (Lync 2013 rooms
    must be in a category). The default is "Uncategorized".

    .PARAMETER BatchSize
    How many messages are written per transaction (100-100000). The library's default (5000) suits most servers.

    .PARAMETER Credential
    A SQL Server login (with -Authentication SqlServer, the default when -Credential is given) or a Windows account
    written as DOMAIN\user (with -Authentication Ntlm). Omit it to sign in as the current Windows account.

    .PARAMETER Authentication
    How to sign in to SQL Server: Windows (the current account, the default without -Credential), SqlServer (a SQL
    Server login from -Credential, the default with -Credential) or Ntlm (the Windows account in -Credential).

    .PARAMETER Encryption
    TLS encryption of the connection: Mandatory (the default), Strict (TDS 8.0), Optional (only the sign-in packet
    when the server cannot encrypt) or Plaintext (isolated test networks only).

    .PARAMETER TrustServerCertificate
    Accepts the server's TLS certificate without validating it. Prefer installing a certificate that the client
    trusts.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for each connection and sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each statement may run (0-86400, 0 means no limit). The default is 30.

    .PARAMETER ConnectRetryCount
    How often a transient connection failure is retried, with a growing pause between attempts (0-10). The
    default is 2.

    .PARAMETER CACertificatePath
    A PEM or DER file with a certification authority to trust besides the system's certificate store.

    .PARAMETER HostNameInCertificate
    The name expected in the server's TLS certificate when it differs from the host name in -DBInstance.

    .PARAMETER EnableException
    Turns the friendly warning into a terminating error, for try/catch in runbooks. Without it a failure is one
    warning naming the cause and the fix, the cmdlet returns without output, and the error record
    (FullyQualifiedErrorId: the library's error code; TargetObject: the instance, file or room) is still added to
    $Error. With it the same record is thrown.

    .EXAMPLE
    Import-PChatMigrationData -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -WhatIf

    Example 1 is the dry run of the documented procedure: it checks the package and the mgc database and lists
    every entity the import would create, update or skip, with the conversions in the Notes and the findings as
    warnings, and writes nothing. Fix every error and warning it reports before the real import.

    .EXAMPLE
    Import-PChatMigrationData -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -ConflictAction Rename -Report "C:\Logs\Import.html" -Confirm:$false

    Example 2 runs the import without a confirmation prompt (for a runbook), imports items whose names are
    already used in mgc as "<name> (migrated)", and writes Import.html and Import.json to C:\Logs.

    .EXAMPLE
    Get-PChatMigrationPackage -FileName "C:\Exports\GroupChat.zip" | Import-PChatMigrationData -DBInstance "atl-sql-002.litwareinc.com\rtc" -NameMap "C:\Exports\names.csv" -WhatIf | Where-Object Status -ne 'WouldCreate'

    Example 3 checks the package first, then plans its import with new names from names.csv, and shows only the
    entities that would not simply be created (updated or skipped ones).

    .EXAMPLE
    $bytes = Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -AsBytes
    Import-PChatMigrationData -DBInstance "atl-sql-002.litwareinc.com\rtc" -ByteInput $bytes -Confirm:$false

    Example 4 exports into memory and imports the bytes, as Import-CsPersistentChatData -ByteInput does; the
    temporary file the bytes are written to is removed when the cmdlet ends.

    .INPUTS
    System.Byte[]. The package as bytes (-ByteInput).

    System.Management.Automation.PSObject. An object with a Path or FullName property (the output of
    Get-PChatMigrationPackage, Export-PChatMigrationData or Get-ChildItem) binds to -FileName.

    .OUTPUTS
    PChatMigration.ImportEntity. One object per principal, add-in, category and room, with the properties Type
    (Principal, AddIn, Category, Room), Name (the name in Lync 2013), Status (Successful, Skipped, Failed, or
    WouldCreate, WouldUpdate, WouldSkip with -WhatIf) and Notes (conversions, renames, messages imported).

    PChatMigration.ImportSummary. One object at the end, with the properties Status (WhatIf, Succeeded, Resumed
    when part of the package was already in the target, or Blocked while a finding has Severity Error), Notes
    (the outcome in one line), WhatIf, DBInstance, Database, Package (Path, SourceKind, SourceDatabase,
    CreatedUtc), Principals, AddIns, Categories and Rooms (each with Created, Updated, Skipped and Failed
    counts), MessagesImported, MessagesAlreadyPresent, MessagesTotal, BytesImported, Duration (a TimeSpan),
    MessagesPerSecond, Estimate (Messages, Bytes, Seconds and Basis of the time estimate), EstimatedDuration (a
    TimeSpan), Preflight (Servers, AdminLock, Backup), Findings (every finding: Severity, Code, Message,
    EntityType, Entity, Rooms) and Report (the Html and Json paths, or $null).

    .LINK
    Test-PChatMigrationReadiness

    .LINK
    Export-PChatMigrationData

    .LINK
    Get-PChatMigrationPackage

    .LINK
    about_PersistentChatMigration

    .LINK
    Import-CsPersistentChatData
    #>
    [CmdletBinding(DefaultParameterSetName = 'FileName', SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType('PChatMigration.ImportEntity', 'PChatMigration.ImportSummary')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DBName = 'mgc',

        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true)]
        [Alias('Path', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter(Mandatory = $true, ParameterSetName = 'ByteInput', ValueFromPipeline = $true)]
        [ValidateNotNull()]
        [byte[]] $ByteInput,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [ValidateSet('Fail', 'Skip', 'Overwrite', 'Rename')]
        [string] $ConflictAction = 'Fail',

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
        [ValidateRange(100, 100000)]
        [int] $BatchSize,

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

    begin {
        # -ByteInput from the pipeline arrives one byte (or one array) per process call: collect it all.
        $byteBuffer = $null
        # Set when begin failed without -EnableException (a warning, not an exception): process and end do nothing.
        $stopped = $false

        # Parameter mapping: the import request without the package path (the library's ImportParams).
        $connectionArgs = @{
            DBInstance = $DBInstance
            DBName = $DBName
            Encryption = $Encryption
        }
        foreach ($name in @('Credential', 'Authentication', 'TrustServerCertificate', 'ConnectTimeoutSeconds',
                'CommandTimeoutSeconds', 'ConnectRetryCount', 'CACertificatePath', 'HostNameInCertificate')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $connectionArgs[$name] = $PSBoundParameters[$name]
            }
        }
        $options = [ordered]@{
            conflictAction = $ConflictAction
            force = [bool]$Force.IsPresent
            topicToDescription = [bool]$TopicToDescription.IsPresent
            includeDisabledRooms = [bool]$IncludeDisabledRooms.IsPresent
        }
        try {
            if ($PSBoundParameters.ContainsKey('Report')) {
                $options['report'] = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
            }
            if ($PSBoundParameters.ContainsKey('NameMap')) {
                $options['nameMapFile'] = Resolve-PChatFilePath -Path $NameMap -ParameterName 'NameMap'
            }
        }
        catch {
            $stopped = $true
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        if ($PSBoundParameters.ContainsKey('NameSeparator')) {
            $options['nameSeparator'] = $NameSeparator
        }
        if ($PSBoundParameters.ContainsKey('SettingConflict')) {
            $options['settingConflict'] = $SettingConflict
        }
        if ($PSBoundParameters.ContainsKey('RootRoomsCategory')) {
            $options['rootRoomsCategory'] = $RootRoomsCategory
        }
        if ($PSBoundParameters.ContainsKey('BatchSize')) {
            $options['batchSize'] = $BatchSize
        }
        # -WhatIf (or an inherited $WhatIfPreference) is the library's plan, not a skipped call.
        $dryRun = [bool]$WhatIfPreference

        # Runs one import request (the password is read from -Credential here, right before the call).
        $invokeImport = {
            param([string] $PackagePath, [bool] $PlanOnly, [bool] $WithReport)
            $params = [ordered]@{
                connection = (ConvertTo-PChatConnectionParameter @connectionArgs)
                fileName = $PackagePath
                whatIf = $PlanOnly
            }
            foreach ($key in @($options.Keys)) {
                if ($WithReport -or $key -ne 'report') {
                    $params[$key] = $options[$key]
                }
            }
            $jobArgs = @{
                Operation = 'import'
                Params = $params
                Activity = 'Importing into Persistent Chat'
                TargetObject = ('{0} on {1}' -f $DBName, $DBInstance)
            }
            $outputs = @(Invoke-PChatNativeJob @jobArgs)
            $params = $null
            if ($outputs.Count -eq 0) {
                return $null
            }
            return $outputs[$outputs.Count - 1]
        }

        # Output shaping: findings to the streams, one object per entity, then the summary.
        $writeResult = {
            param([object] $Data)
            foreach ($finding in @($Data.findings)) {
                if ($null -eq $finding) {
                    continue
                }
                $rooms = @($finding.rooms | Where-Object { $null -ne $_ })
                $text = ('{0} [{1}]' -f $finding.message, $finding.code)
                if ($rooms.Count -gt 0) {
                    $text = ('{0} (rooms: {1})' -f $text, ($rooms -join ', '))
                }
                switch ([string]$finding.severity) {
                    'Error' {
                        # A blocking finding of the plan: a warning, or with -EnableException a non-terminating error.
                        $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($text)
                        $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                            $exception, [string]$finding.code, [System.Management.Automation.ErrorCategory]::InvalidData, $finding.entity)
                        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException -Continue
                        continue
                    }
                    'Warning' { Write-Warning -Message $text }
                    default { Write-Verbose -Message $text }
                }
            }
            foreach ($entity in @($Data.entities)) {
                if ($null -eq $entity) {
                    continue
                }
                $item = [pscustomobject]@{
                    Type = [string]$entity.type
                    Name = [string]$entity.name
                    Status = [string]$entity.status
                    Notes = [string]$entity.notes
                }
                $item.PSObject.TypeNames.Insert(0, 'PChatMigration.ImportEntity')
                Write-Output -InputObject $item
            }
            $summary = $Data.summary
            $estimate = $Data.estimate
            $estimated = $null
            if ($null -ne $estimate -and $null -ne $estimate.seconds) {
                $estimated = [System.TimeSpan]::FromSeconds([double]$estimate.seconds)
            }
            # Status and Notes as dbatools' migration objects have them: what happened, in one line.
            $status = 'Succeeded'
            if ([bool]$Data.whatIf) {
                $status = 'WhatIf'
            }
            elseif ($null -ne $summary.messagesAlreadyPresent -and [int64]$summary.messagesAlreadyPresent -gt 0) {
                $status = 'Resumed'
            }
            $blocking = @(@($Data.findings) | Where-Object { $null -ne $_ -and [string]$_.severity -eq 'Error' }).Count
            if ($blocking -gt 0) {
                $status = 'Blocked'
            }
            $notes = ('{0} message(s) imported, {1} already present, of {2}' -f $summary.messagesImported, $summary.messagesAlreadyPresent, $summary.messagesTotal)
            if ([bool]$Data.whatIf) {
                $notes = ('plan: {0} room(s) to create, {1} to update or resume, {2} message(s) to write' -f
                    $summary.rooms.created, $summary.rooms.updated, $estimate.messages)
            }
            if ($blocking -gt 0) {
                $notes = ('{0}; {1} finding(s) with Severity Error block the import' -f $notes, $blocking)
            }
            $result = [pscustomobject]@{
                Status = $status
                Notes = $notes
                WhatIf = [bool]$Data.whatIf
                DBInstance = [string]$Data.target.dbInstance
                Database = [string]$Data.target.database
                Package = $Data.package
                Principals = $summary.principals
                AddIns = $summary.addins
                Categories = $summary.categories
                Rooms = $summary.rooms
                MessagesImported = $summary.messagesImported
                MessagesAlreadyPresent = $summary.messagesAlreadyPresent
                MessagesTotal = $summary.messagesTotal
                BytesImported = $summary.bytesImported
                Duration = [System.TimeSpan]::FromMilliseconds([double]$summary.durationMs)
                MessagesPerSecond = $summary.messagesPerSecond
                Estimate = $estimate
                EstimatedDuration = $estimated
                Preflight = $Data.preflight
                Findings = @($Data.findings)
                Report = $Data.report
            }
            $result.PSObject.TypeNames.Insert(0, 'PChatMigration.ImportSummary')
            Write-Output -InputObject $result
        }

        # Plan (-WhatIf) or confirm and import one package file.
        $importPackage = {
            param([string] $PackagePath, [string] $Shown)
            if ($dryRun) {
                & $writeResult (& $invokeImport $PackagePath $true $true)
                return
            }
            $target = ('{0} on {1}' -f $DBName, $DBInstance)
            $action = ('Import the rooms and messages of {0}' -f $Shown)
            # Count what the prompt names only when a prompt will be shown (-Confirm:$false skips the plan).
            $prompts = ($ConfirmPreference -ne [System.Management.Automation.ConfirmImpact]::None) -and
                ($ConfirmPreference -le [System.Management.Automation.ConfirmImpact]::High)
            if ($prompts) {
                $plan = & $invokeImport $PackagePath $true $false
                # Rooms created or resumed, and the messages still to write (a resumed room's are partly there).
                $rooms = [int64]$plan.summary.rooms.created + [int64]$plan.summary.rooms.updated
                $action = ('Import {0} rooms, {1} messages from {2}' -f $rooms, $plan.estimate.messages, $Shown)
            }
            if ($PSCmdlet.ShouldProcess($target, $action)) {
                & $writeResult (& $invokeImport $PackagePath $false $true)
            }
        }
    }

    process {
        if ($stopped) {
            return
        }
        if ($PSCmdlet.ParameterSetName -eq 'ByteInput') {
            if ($null -eq $byteBuffer) {
                $byteBuffer = New-Object -TypeName 'System.IO.MemoryStream'
            }
            $byteBuffer.Write($ByteInput, 0, $ByteInput.Length)
            return
        }
        try {
            $packagePath = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
            & $importPackage $packagePath $packagePath
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            $stopped = $true
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
    }

    end {
        if ($stopped -or $null -eq $byteBuffer) {
            return
        }
        # .NET calls, not New-Item/Remove-Item: those would obey -WhatIf and leave the file behind.
        $tempFile = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('pchat-import-{0}.zip' -f [guid]::NewGuid().ToString('N'))
        try {
            [System.IO.File]::WriteAllBytes($tempFile, $byteBuffer.ToArray())
            $byteBuffer.Dispose()
            $byteBuffer = $null
            & $importPackage $tempFile ('the package given as bytes (-ByteInput)')
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        finally {
            if ([System.IO.File]::Exists($tempFile)) {
                [System.IO.File]::Delete($tempFile)
            }
        }
    }
}
