function Export-PChatMigrationData {
    <#
    .SYNOPSIS
    Exports the data of a Lync Server 2010 Group Chat (or Office Communications Server 2007 R2 Group Chat) database
    to a migration package.

    .DESCRIPTION
    The Export-PChatMigrationData cmdlet reads a legacy Group Chat database on the SQL Server instance given in
    -DBInstance and -DBName and writes its principals, categories, chat rooms, roles, scopes, add-ins and chat
    history to a migration package: a .zip file given in -FileName, or a byte array with -AsBytes. It takes the
    parameters of Export-CsPersistentChatData (-DBInstance, -DBName, -FileName, -AsBytes, -Level, -Scope,
    -StartDate, -DisableExportedNodes, -Report), so that commands written for that cmdlet work with few changes,
    and adds -Room, -ThrottleLimit and the connection parameters of Test-PChatSqlConnection.

    The export only reads the source database, in a consistent snapshot: messages posted while it runs are not
    half-exported. The one exception is -DisableExportedNodes, which disables the exported rooms in the source
    after a successful export, in a single transaction. Before the export, stop the Lync Server 2010 Group Chat
    services, as the migration procedure requires, and back up the database.

    How it differs from Export-CsPersistentChatData:
    - The package format is documented (a zip of JSON Lines files with a manifest and a SHA-256 checksum per
      file), so you can inspect what was exported before you import it. Get-PChatMigrationPackage checks a package
      completely and lists its rooms with their message counts and dates.
    - The cmdlet shows progress (rooms done, messages, megabytes, rate and the time remaining) and writes what it
      does to the verbose stream and what it skipped or could not read to the warning stream.
    - It returns a result object (PChatMigration.ExportResult) with the counts, the duration, the warnings and the
      report files, instead of nothing.
    - It can be interrupted: press Ctrl+C and no package is left at -FileName. Run the same command again to the
      same -FileName and the rooms that were already finished are reused, not exported again (the result's
      ReusedRooms says how many); rooms from another database, or rooms that changed since, are never reused.
    - An existing file at -FileName is not replaced unless you give -Force; and two exports to the same
      -FileName cannot run at once (the second stops at once, naming the lock file of the first).
    - Every output path (-FileName, -Report) is checked before the cmdlet connects to SQL Server.
    - Room histories are exported in parallel (-ThrottleLimit), each over its own connection.
    - -WhatIf is supported. With -WhatIf the cmdlet checks every parameter through the native library (the level,
      the dates, the file and report paths, the authentication settings), then counts what would be exported with
      read-only queries of the source (the same -Level, -Scope, -Room and -StartDate selection as the export):
      it returns a PChatMigration.ExportWhatIf object with the counts and the messages per room, and writes no
      file and disables nothing. Writing the package and disabling the exported rooms are each confirmed
      separately with -Confirm; disabling the rooms, a write to the production source, is asked even without
      -Confirm (-Confirm:$false skips the question, for scripts).

    If the export fails, the cmdlet writes a terminating error whose FullyQualifiedErrorId starts with the
    library's error code (for example connection_failed, login_failed, not_a_chat_database or invalid_parameter)
    and whose exception (PChatMigration.PChatNativeException) carries the code and the details.

    Your password is read from -Credential only when the request is sent to the library, and it is never written
    to the verbose, warning or error output, to the package or to the report.

    Like Export-CsPersistentChatData, run this cmdlet as a member of the CsPersistentChatAdministrator role with
    read rights on the Group Chat database (and write rights for -DisableExportedNodes).

    .PARAMETER DBInstance
    The SQL Server instance that hosts the legacy Group Chat database, as for Export-CsPersistentChatData: a fully
    qualified domain name and instance name, for example "atl-sql-001.litwareinc.com\rtc". To use a fixed port
    instead of the SQL Server Browser service, write "host,port".

    .PARAMETER DBName
    The name of the legacy Group Chat database to export, for example "GroupChat". Unlike
    Export-CsPersistentChatData, the name is required: the library does not guess which database on the instance
    holds the chat data.

    .PARAMETER FileName
    The path of the package (.zip) to create, for example "C:\Exports\GroupChat.zip". A relative path is resolved
    against the current PowerShell location. The folder must exist and be writable. If the file exists, the
    export is refused unless -Force is given. While the export runs, the files "<FileName>.partial" and
    "<FileName>.lock" and the folder "<FileName>.staging" are used next to it; they are removed when the export
    succeeds, and the staging folder is what a re-run reuses after an interruption (only for the same database,
    and only rooms unchanged since).

    .PARAMETER Force
    Replaces an existing file at -FileName when the export finishes. Without -Force an existing file (a package
    or not) is refused before anything is exported, and the error says what is there.

    .PARAMETER AsBytes
    Returns the package as a byte array instead of writing a file, like Export-CsPersistentChatData -AsBytes. Store
    it in a variable; the whole package is held in memory, so prefer -FileName for large databases. Cannot be
    combined with -FileName.

    .PARAMETER Level
    What to export:
    All: everything (the default): principals, categories, rooms, roles, scopes, add-ins and chat history.
    User: the principals (users, groups and the other principals) only.
    Category: the categories with their allowed and denied members, creators and managers, and the principals they
    name.
    RoomDirectory: the categories and rooms with all their roles, scopes and add-ins, without chat history.
    Content: the chat history, with the rooms and categories it belongs to, the add-ins those rooms use and the
    principals, but no roles or scopes.

    .PARAMETER Scope
    Exports only the named categories, with their subcategories and rooms. Give category names, or
    "Parent\Child" paths where names repeat. By default every category is exported.

    .PARAMETER Room
    Exports only the named rooms. Give room names, "Category\Room" paths where names repeat, or node ids (for
    example "412"). Not available with -Level User or Category. Combined with -Scope, a room must match both.

    .PARAMETER StartDate
    Exports only the chat history posted at or after this time, for example "1/31/2010" or (Get-Date).AddYears(-2).
    A time without a time zone is local time, as with Export-CsPersistentChatData; it is sent to the library in UTC.
    Valid with -Level All and Content (the levels that export chat history).

    .PARAMETER DisableExportedNodes
    After a successful export, disables the exported rooms in the source database, in one transaction, so that
    users cannot post to them any more. This is the only part of the export that writes to the source, so it is
    confirmed as a High-impact change: the cmdlet asks before it starts even without -Confirm (as Import does), unless
    you give -Confirm:$false or lower $ConfirmPreference to None. With -WhatIf it only reports what it would do.
    The result's RoomsDisabledInSource says how many rooms were disabled.

    .PARAMETER Report
    The path of a report to write, for example "C:\Logs\Export.html". The library writes an HTML report and a JSON
    report with the same base name next to each other (Export.html and Export.json), listing every exported room
    with its message count and dates, and every warning. A path ending in .json names the JSON report (the HTML
    one goes beside it as .html); any other path names the HTML report. A relative path is resolved against the
    current PowerShell location; the folder must exist and be writable; existing reports are overwritten. A
    report path that is the package, its .partial, .lock or .staging, is refused.

    .PARAMETER ThrottleLimit
    How many rooms are exported at the same time, each over its own connection to SQL Server (1-32). The default
    is 4. Raise it on a fast server with many rooms; lower it to reduce the load on a busy server.

    .PARAMETER Credential
    A SQL Server login (with -Authentication SqlServer, the default when -Credential is given) or a Windows account
    written as DOMAIN\user (with -Authentication Ntlm). Omit it to sign in as the current Windows account.

    .PARAMETER Authentication
    How to sign in to SQL Server: Windows (the current account, the default without -Credential), SqlServer (a SQL
    Server login from -Credential, the default with -Credential) or Ntlm (the Windows account in -Credential).

    .PARAMETER Encryption
    TLS encryption of the connection: Mandatory (the default), Strict (TDS 8.0), Optional (only the sign-in packet
    when the server cannot encrypt) or Plaintext (isolated test networks only). See Test-PChatSqlConnection.

    .PARAMETER TrustServerCertificate
    Accepts the server's TLS certificate without validating it (SQL Server's self-signed certificate, for
    example). Prefer installing a certificate that the client trusts.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for each connection and sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each query may run (0-86400, 0 means no limit). The default is 30; the export's long reads
    of chat history are streamed and are not cut off by it.

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
    Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -FileName "C:\Exports\GroupChat.zip"

    Example 1 exports everything (-Level All) from the legacy GroupChat database to C:\Exports\GroupChat.zip, signed
    in as the current Windows account, and shows the counts, the size and the duration of the export. It is the
    command of the Export-CsPersistentChatData example, with -DBName added.

    .EXAMPLE
    Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -FileName "C:\Exports\GroupChat.zip" -Report "C:\Logs\Export.html" -WhatIf

    Example 2 is a dry run: it checks the parameters, counts what would be exported (principals, categories, rooms,
    roles, scopes, add-ins and the messages of each room) with read-only queries, and writes neither the package
    nor the report. Remove -WhatIf to run the export.

    .EXAMPLE
    $result = Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -FileName ".\Sales.zip" -Scope @("Sales", "Marketing\Events") -StartDate "1/1/2012" -Report ".\Sales.html"
    $result.Warnings | Format-Table -Property code, message -Wrap

    Example 3 exports the categories Sales and Marketing\Events with their rooms, and only the chat history posted
    since January 1, 2012 (local time), to Sales.zip in the current folder. It writes Sales.html and Sales.json next
    to it, then lists the warnings of the export.

    .EXAMPLE
    Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -FileName "C:\Exports\GroupChat.zip" -ThrottleLimit 8 | Get-PChatMigrationPackage

    Example 4 exports with eight rooms in parallel and then checks the package it wrote: Get-PChatMigrationPackage
    reads the Path of the result, verifies every checksum and record, and shows the package. If this export is
    interrupted (Ctrl+C, a lost connection), run the same command again: the finished rooms are reused.

    .EXAMPLE
    $cred = Get-Credential -UserName "pchat_migration" -Message "SQL Server login"
    Export-PChatMigrationData -DBInstance "legacysql.litwareinc.com,1433" -DBName "GroupChat" -Credential $cred -TrustServerCertificate -FileName "D:\Exports\GroupChat.zip" -DisableExportedNodes -Confirm

    Example 5 signs in with a SQL Server login on port 1433, exports everything and then disables the exported
    rooms in the legacy database. -Confirm asks before the package is written and again before the rooms are
    disabled; answer No to the second question to export without disabling anything.

    .EXAMPLE
    $bytes = Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -AsBytes -Level RoomDirectory
    [System.IO.File]::WriteAllBytes("C:\Exports\Directory.zip", $bytes)

    Example 6 exports the categories and rooms with their roles but without chat history, and returns the package
    as a byte array, as Export-CsPersistentChatData -AsBytes does. The second command saves it to a file.

    .INPUTS
    None. You cannot pipe objects to Export-PChatMigrationData.

    .OUTPUTS
    PChatMigration.ExportResult. With -FileName, one object with the properties Status (Succeeded, or Resumed when
    rooms were taken from an interrupted earlier run), Notes (what was exported, in one line), Path (the package),
    SizeBytes, Level, Counts (Principals, Categories, Rooms, Roles, Scopes, Addins and Messages exported),
    Duration (a TimeSpan), MessagesPerSecond, ReusedRooms, RoomsDisabledInSource (with -DisableExportedNodes),
    NonUnicodeMessages and NonUnicodeMessageList (messages whose content is not valid Unicode, kept as exact bytes
    in the package; the list holds RoomId and ChatId of the first 100), Warnings (objects with Code and Message),
    Report (the Html and Json report paths, or $null) and Source (DBInstance, Database and Kind of the source
    database). Pipe it to Get-PChatMigrationPackage to check the package.

    System.Byte[]. With -AsBytes, the package as one byte array.

    PChatMigration.ExportWhatIf. With -WhatIf: WhatIf ($true), FileName, Source, Level, Counts (what the package
    would hold), Rooms (roomId, room, disabled, messages, firstMessageUtc, lastMessageUtc), SourceContentBytes
    (the message text's UTF-16 bytes in the source, an upper bound, not the package size), RoomsToDisable (with
    -DisableExportedNodes), Warnings and Duration.

    .LINK
    Get-PChatMigrationPackage

    .LINK
    Test-PChatSqlConnection

    .LINK
    about_PersistentChatMigration

    .LINK
    Export-CsPersistentChatData
    #>
    [CmdletBinding(DefaultParameterSetName = 'FileName', SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('PChatMigration.ExportResult', ParameterSetName = 'FileName')]
    [OutputType('System.Byte[]', ParameterSetName = 'AsBytes')]
    [OutputType('PChatMigration.ExportWhatIf')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBName,

        [Parameter(Mandatory = $true, ParameterSetName = 'FileName')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter(Mandatory = $true, ParameterSetName = 'AsBytes')]
        [switch] $AsBytes,

        [Parameter(ParameterSetName = 'FileName')]
        [switch] $Force,

        [Parameter()]
        [ValidateSet('All', 'User', 'Category', 'RoomDirectory', 'Content')]
        [string] $Level = 'All',

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Scope,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Room,

        [Parameter()]
        [DateTime] $StartDate,

        [Parameter()]
        [switch] $DisableExportedNodes,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [ValidateRange(1, 32)]
        [int] $ThrottleLimit = 4,

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
        $connectionArgs = @{
            DBInstance = $DBInstance
            DBName = $DBName
            Encryption = $Encryption
        }
        $optional = @('Credential', 'Authentication', 'TrustServerCertificate', 'ConnectTimeoutSeconds',
            'CommandTimeoutSeconds', 'ConnectRetryCount', 'CACertificatePath', 'HostNameInCertificate')
        foreach ($name in $optional) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $connectionArgs[$name] = $PSBoundParameters[$name]
            }
        }

        $exportParams = $null
        $checked = $null
        try {
            # Everything here is about the parameters, not the server: terminating, and also under -WhatIf.
            $exportParams = [ordered]@{
                connection = (ConvertTo-PChatConnectionParameter @connectionArgs)
            }
            $target = 'a byte array (-AsBytes)'
            if ($PSCmdlet.ParameterSetName -eq 'AsBytes') {
                # The package goes to a temporary file that is read back and deleted here: returning it inside the
                # JSON response would hold it as base64 text and again as a parsed string in memory.
                $bytesFile = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('pchat-export-{0}.zip' -f [guid]::NewGuid().ToString('N'))
                $exportParams['fileName'] = $bytesFile
                $exportParams['asBytes'] = $false
            }
            else {
                # The library's working directory is not PowerShell's current location: send a full path.
                $target = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
                $exportParams['fileName'] = $target
                $exportParams['asBytes'] = $false
                $exportParams['force'] = [bool]$Force.IsPresent
            }
            $exportParams['level'] = $Level
            if ($PSBoundParameters.ContainsKey('Scope')) {
                $exportParams['scope'] = [string[]]@($Scope)
            }
            if ($PSBoundParameters.ContainsKey('Room')) {
                $exportParams['rooms'] = [string[]]@($Room)
            }
            $startText = $null
            if ($PSBoundParameters.ContainsKey('StartDate')) {
                # Like the Cs cmdlets, a time without a kind ("1/31/2010") is local time.
                $start = $StartDate
                if ($start.Kind -eq [System.DateTimeKind]::Unspecified) {
                    $start = [System.DateTime]::SpecifyKind($start, [System.DateTimeKind]::Local)
                }
                $startText = $start.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
                $exportParams['startDate'] = $startText
            }
            $exportParams['disableExportedNodes'] = [bool]$DisableExportedNodes.IsPresent
            if ($PSBoundParameters.ContainsKey('Report')) {
                $exportParams['report'] = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
            }
            $exportParams['throttleLimit'] = $ThrottleLimit

            # The library checks the request without connecting (also what -WhatIf relies on).
            $validateArgs = @{
                Operation = 'validate'
                Params = [ordered]@{
                    operation = 'export'
                    params = $exportParams
                }
                TargetObject = $DBInstance
            }
            $checked = Invoke-PChatNativeCall @validateArgs
        }
        catch {
            $exportParams = $null
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }

        # Describe the export for -WhatIf, -Confirm and -Verbose (no password in it).
        $details = New-Object -TypeName 'System.Collections.Generic.List[string]'
        $details.Add(('Level {0}' -f $checked.level))
        if ($PSBoundParameters.ContainsKey('Scope')) {
            $details.Add(('categories {0}' -f ($Scope -join ', ')))
        }
        if ($PSBoundParameters.ContainsKey('Room')) {
            $details.Add(('rooms {0}' -f ($Room -join ', ')))
        }
        if ($null -ne $startText) {
            $details.Add(('history since {0} UTC' -f $startText))
        }
        $details.Add(('{0} room(s) in parallel' -f $ThrottleLimit))
        if ($PSBoundParameters.ContainsKey('Report')) {
            $details.Add(('report {0}' -f $exportParams['report']))
        }
        $source = ("database '{0}' on {1}" -f $DBName, $checked.dbInstance)
        $action = ('Export from {0} ({1})' -f $source, ($details -join '; '))
        Write-Verbose -Message ('{0} to {1}.' -f $action, $target)

        # Writing the package is a change on this computer; disabling the exported rooms is a change in the source.
        # Both questions are asked before the export starts, not after a long export; -WhatIf reports both.
        $exportApproved = $PSCmdlet.ShouldProcess($target, $action)
        if ($DisableExportedNodes.IsPresent -and ($exportApproved -or $WhatIfPreference)) {
            $disableAction = 'Disable the exported rooms after the export (-DisableExportedNodes)'
            $disableApproved = $PSCmdlet.ShouldProcess($source, $disableAction)
            # A write to the production source: confirmed as ConfirmImpact High would be, although the export itself
            # is Medium (ConfirmImpact is per cmdlet). At the default $ConfirmPreference (High) ShouldProcess did not
            # ask, so ask here; -Confirm (Low) already asked above and -Confirm:$false (None) skips both.
            $highImpactUnasked = $ConfirmPreference -eq [System.Management.Automation.ConfirmImpact]::High
            if ($disableApproved -and $exportApproved -and $highImpactUnasked) {
                $question = ('{0} in {1}? This writes to the production source database.' -f $disableAction, $source)
                $disableApproved = $PSCmdlet.ShouldContinue($question, 'Confirm a change to the source database')
            }
            if ((-not $disableApproved) -and $exportApproved) {
                Write-Verbose -Message 'The exported rooms will not be disabled: the export runs without -DisableExportedNodes.'
                $exportParams['disableExportedNodes'] = $false
            }
        }
        if (-not $exportApproved) {
            if ($WhatIfPreference) {
                # -WhatIf: the library counts what would be exported with read-only queries and writes nothing.
                $exportParams['whatIf'] = $true
                $counted = $null
                try {
                    $whatIfArgs = @{
                        Operation = 'export'
                        Params = $exportParams
                        Activity = ('Counting what would be exported from {0}' -f $source)
                        TargetObject = $DBInstance
                    }
                    $outputs = @(Invoke-PChatNativeJob @whatIfArgs)
                    if ($outputs.Count -gt 0) {
                        $counted = $outputs[$outputs.Count - 1]
                    }
                }
                catch [System.Management.Automation.PipelineStoppedException] {
                    throw
                }
                catch {
                    Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
                    return
                }
                finally {
                    # The request held the password; drop it.
                    $exportParams = $null
                }
                if ($null -eq $counted) {
                    return
                }
                $fileShown = $null
                if ($PSCmdlet.ParameterSetName -ne 'AsBytes') {
                    $fileShown = [string]$counted.fileName
                }
                $whatIfResult = [pscustomobject]@{
                    WhatIf = $true
                    FileName = $fileShown
                    Source = $counted.source
                    Level = [string]$counted.level
                    Counts = $counted.counts
                    Rooms = @($counted.rooms)
                    SourceContentBytes = $counted.sourceContentBytes
                    RoomsToDisable = $counted.roomsToDisable
                    Warnings = @($counted.warnings)
                    Duration = [System.TimeSpan]::FromMilliseconds([double]$counted.durationMs)
                }
                $whatIfResult.PSObject.TypeNames.Insert(0, 'PChatMigration.ExportWhatIf')
                Write-Output -InputObject $whatIfResult
                return
            }
            # The export was declined at the -Confirm prompt: nothing is written.
            $exportParams = $null
            return
        }

        $data = $null
        try {
            $jobArgs = @{
                Operation = 'export'
                Params = $exportParams
                Activity = ('Exporting Group Chat data from {0}' -f $source)
                TargetObject = $DBInstance
            }
            # The final result comes last (the export sends no per-item objects today; should it ever, they come
            # first and the result is still the last object).
            $outputs = @(Invoke-PChatNativeJob @jobArgs)
            if ($outputs.Count -gt 0) {
                $data = $outputs[$outputs.Count - 1]
            }
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            # Ctrl+C: the job was cancelled (no package is left; a re-run resumes) and freed by Invoke-PChatNativeJob.
            throw
        }
        catch {
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        finally {
            # The request held the password; drop it.
            $exportParams = $null
            if ($PSCmdlet.ParameterSetName -eq 'AsBytes' -and $null -eq $data) {
                # A temporary package is never resumed: drop what a failed or cancelled run left.
                Remove-Item -LiteralPath ($bytesFile + '.staging') -Recurse -Force -ErrorAction SilentlyContinue
            }
        }
        if ($null -eq $data) {
            return
        }

        if ($PSCmdlet.ParameterSetName -eq 'AsBytes') {
            try {
                $bytes = [System.IO.File]::ReadAllBytes($bytesFile)
            }
            finally {
                Remove-Item -LiteralPath $bytesFile -Force -ErrorAction SilentlyContinue
            }
            Write-Verbose -Message ('Exported {0} bytes.' -f $bytes.Length)
            # One byte[] object (not a stream of bytes), as Export-CsPersistentChatData -AsBytes returns.
            $PSCmdlet.WriteObject($bytes, $false)
            return
        }

        $reportFiles = $null
        if ($null -ne $data.PSObject.Properties['report']) {
            $reportFiles = $data.report
        }
        # Status and Notes as dbatools' migration objects have them: what happened, in one line.
        $status = 'Succeeded'
        $notes = ('{0} room(s), {1} message(s)' -f $data.counts.rooms, $data.counts.messages)
        if ($null -ne $data.reusedRooms -and [int64]$data.reusedRooms -gt 0) {
            $status = 'Resumed'
            $notes = ('{0}; {1} room(s) reused from an interrupted run' -f $notes, $data.reusedRooms)
        }
        $warningCount = @($data.warnings | Where-Object { $null -ne $_ }).Count
        if ($warningCount -gt 0) {
            $notes = ('{0}; {1} warning(s)' -f $notes, $warningCount)
        }
        $result = [pscustomobject]@{
            Status = $status
            Notes = $notes
            Path = [string]$data.path
            SizeBytes = $data.sizeBytes
            Level = [string]$data.level
            Counts = $data.counts
            Duration = [System.TimeSpan]::FromMilliseconds([double]$data.durationMs)
            MessagesPerSecond = $data.messagesPerSecond
            ReusedRooms = $data.reusedRooms
            RoomsDisabledInSource = $data.roomsDisabledInSource
            NonUnicodeMessages = $data.nonUnicodeMessages
            NonUnicodeMessageList = @($data.nonUnicodeMessageList)
            Warnings = @($data.warnings)
            Report = $reportFiles
            Source = $data.source
        }
        $result.PSObject.TypeNames.Insert(0, 'PChatMigration.ExportResult')
        Write-Output -InputObject $result
    }
}
