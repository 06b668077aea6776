function Start-PChatMigration {
    <#
    .SYNOPSIS
    Runs the whole migration in one command: readiness, export, import plan, import, verify and legacy-client
    access, stopping at the first stage that fails; a re-run resumes from the package and the target.

    .DESCRIPTION
    The Start-PChatMigration cmdlet is the module's "easy button", like dbatools' Start-DbaMigration. It runs the
    stage cmdlets in the order of the documented procedure, with the parameters given here:

    1. Readiness (Test-PChatMigrationReadiness): the legacy database (or the package, when it is reused) against
       the target. Any finding with Severity Error fails the stage.
    2. Export (Export-PChatMigrationData) to -FileName.
    3. ImportPlan (Import-PChatMigrationData -WhatIf): the full plan, nothing written. A finding with Severity
       Error fails the stage.
    4. Import (Import-PChatMigrationData), unless -StopAfterWhatIf.
    5. Verify (Test-PChatMigration): the target against the package, room by room. Any mismatch fails the stage.
    6. LegacyClientAccess (Enable-PChatLegacyClientAccess), unless -SkipLegacyClientAccess.

    Which stages run and how is decided by the pchat-migrate library (the migration_plan operation) from what is
    found before the run: whether -FileName exists and validates (Get-PChatMigrationPackage), which source and
    export parameters it records, and whether an interrupted export left its staging folder.

    Re-running after a failure resumes instead of starting over: a complete, valid package of the same source
    and parameters is reused (the Export stage is Skipped, "package present"); an interrupted export resumes from
    <FileName>.staging, reusing the rooms it finished; the import continues where it stopped, because the target
    is its ledger (rooms found by GUID are resumed, messages at or below a room's highest chatId in the target are
    not written again); verify always runs. A package that cannot be reused (not valid, another source, other
    -Level, -Scope, -Room or -StartDate) stops the run before anything is done unless -Force is given, which
    exports again over it.

    Each stage outputs one PChatMigration.MigrationStage object as it completes (Stage, Status, Notes, Duration,
    Result), and the run ends with one PChatMigration.MigrationSummary object. When a stage fails, the run stops
    there and writes a warning naming the stage and how to resume (a terminating error with -EnableException;
    either way the summary object comes first, with FailedStage and Resume).

    With -WhatIf only the read-only stages run: the readiness check, the export's parameter check, the import
    plan when the package already exists (otherwise the stage says it would be planned), and the legacy-client
    plan (Enable-PChatLegacyClientAccess -PlanOnly). No package, report or database row is written.

    The real run asks for confirmation before the export, the import (naming the rooms and messages of the plan)
    and the legacy-client access (ConfirmImpact High); give -Confirm:$false in a runbook.

    .PARAMETER SourceDBInstance
    The SQL Server instance of the legacy Group Chat database, for example "atl-sql-001.litwareinc.com\rtc".

    .PARAMETER SourceDBName
    The legacy Group Chat database, for example "GroupChat".

    .PARAMETER SourceCredential
    A SQL Server login for the legacy database. Omit it to sign in as the current Windows account.

    .PARAMETER DBInstance
    The SQL Server instance of the Lync Server 2013 Persistent Chat database, for example
    "atl-sql-002.litwareinc.com\rtc".

    .PARAMETER DBName
    The Persistent Chat database. The default is mgc.

    .PARAMETER Credential
    A SQL Server login for the Persistent Chat database. Omit it to sign in as the current Windows account.

    .PARAMETER FileName
    The migration package (.zip), for example "C:\Exports\GroupChat.zip": written by the export, read by the other
    stages, and the point a re-run resumes from.

    .PARAMETER Level
    What to export: All (the default), User, Category, RoomDirectory or Content (see Export-PChatMigrationData).

    .PARAMETER Scope
    The categories to export, with their rooms (see Export-PChatMigrationData -Scope).

    .PARAMETER Room
    The rooms to export (see Export-PChatMigrationData -Room).

    .PARAMETER StartDate
    Exports only the chat history posted at or after this time. A time without a time zone is local time.

    .PARAMETER ThrottleLimit
    How many rooms the export reads in parallel (1-32). The default is 4.

    .PARAMETER NameMap
    A CSV file (Path,NewName) or JSON file of new names for categories and rooms by legacy path, used by the
    readiness check, the import and the verification alike.

    .PARAMETER NameSeparator
    The text put between parent category names and a node's own name when flattening. The default is " - ".

    .PARAMETER SettingConflict
    How per-room chat-history and file-post settings are folded into the category: Strictest (the default) or
    MostPermissive.

    .PARAMETER TopicToDescription
    Appends each legacy room's topic to its description.

    .PARAMETER IncludeDisabledRooms
    Imports the rooms that are disabled in the package too.

    .PARAMETER RootRoomsCategory
    The category for rooms directly under the legacy root. The default is "Uncategorized".

    .PARAMETER ConflictAction
    What to do with names already used in the target: Fail (the default), Skip, Overwrite or Rename (see
    Import-PChatMigrationData).

    .PARAMETER Report
    A folder for the stages' reports: Readiness, Export, ImportPlan, Import and Verify (.html and .json each).
    No report is written with -WhatIf.

    .PARAMETER PersistentChatPoolFqdn
    The Lync Server 2013 Persistent Chat pool, for example "pcpool.contoso.com": legacy-client access is enabled
    for it, and the verification's decommission checklist names it. Required unless -SkipLegacyClientAccess.

    .PARAMETER SipAddress
    The lookup SIP addresses legacy clients use (see Enable-PChatLegacyClientAccess -SipAddress).

    .PARAMETER DisplayName
    The display name of the new Persistent Chat endpoint (see Enable-PChatLegacyClientAccess).

    .PARAMETER ReleaseMethod
    How the legacy lookup account gives up its address: Disable (the default) or RemoveAdUser.

    .PARAMETER Session
    A PSSession to the Lync Server remote PowerShell endpoint in which the Cs cmdlets run.

    .PARAMETER SkipLegacyClientAccess
    Leaves the legacy-client access stage out (run Enable-PChatLegacyClientAccess later).

    .PARAMETER StopAfterWhatIf
    Stops after the import plan: readiness, export and the plan run, nothing is imported.

    .PARAMETER Force
    Exports again over a package at -FileName that cannot be reused, replaces existing report files, and lets the
    import run although a Persistent Chat server pinged the target recently (as Import-PChatMigrationData -Force).

    .PARAMETER EnableException
    Makes a failed stage, or a plan that cannot start, a terminating error (for try/catch in runbooks) instead of
    the friendly warning. Without it the warning names the stage and how to resume, and the error record is still
    added to $Error (FullyQualifiedErrorId migration_stage_failed_<Stage>, or the blocker's code). The stages
    themselves always run with -EnableException, so their failures reach this command as errors.

    .PARAMETER Encryption
    TLS encryption of the connections: Mandatory (the default), Strict, Optional or Plaintext.

    .PARAMETER TrustServerCertificate
    Accepts the servers' TLS certificates without validating them.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for each connection and sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each statement may run (0-86400, 0 means no limit). The default is 30.

    .PARAMETER ConnectRetryCount
    How often a transient connection failure is retried (0-10). The default is 2.

    .PARAMETER CACertificatePath
    A PEM or DER file with a certification authority to trust besides the system's certificate store.

    .PARAMETER Authentication
    How to sign in to the target SQL Server: Windows (the current account, the default without -Credential),
    SqlServer (a SQL Server login from -Credential, the default with -Credential) or Ntlm (the Windows account in
    -Credential).

    .PARAMETER SourceAuthentication
    How to sign in to the legacy SQL Server, with -SourceCredential: Windows, SqlServer or Ntlm, as
    -Authentication.

    .PARAMETER HostNameInCertificate
    The name expected in the target server's TLS certificate when it differs from the host name in -DBInstance.

    .PARAMETER SourceHostNameInCertificate
    The name expected in the legacy server's TLS certificate when it differs from the host name in
    -SourceDBInstance.

    .EXAMPLE
    Start-PChatMigration -SourceDBInstance "atl-sql-001.litwareinc.com\rtc" -SourceDBName "GroupChat" -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -PersistentChatPoolFqdn "pcpool.litwareinc.com" -WhatIf

    Example 1 shows the whole plan: it checks the readiness of the legacy database against mgc, checks the export
    parameters and the legacy-client plan, and writes nothing.

    .EXAMPLE
    Start-PChatMigration -SourceDBInstance "atl-sql-001.litwareinc.com\rtc" -SourceDBName "GroupChat" -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -NameMap "C:\Exports\names.csv" -Report "C:\Logs" -PersistentChatPoolFqdn "pcpool.litwareinc.com" -Confirm:$false -EnableException

    Example 2 runs the whole migration without prompts and writes every stage's report to C:\Logs. If a stage
    fails, the error names it and says how to resume; run the same command again after the fix.

    .EXAMPLE
    Start-PChatMigration -SourceDBInstance "atl-sql-001.litwareinc.com\rtc" -SourceDBName "GroupChat" -DBInstance "atl-sql-002.litwareinc.com\rtc" -FileName "C:\Exports\GroupChat.zip" -SkipLegacyClientAccess -StopAfterWhatIf | Format-Table -Property Stage, Status, Notes -Wrap

    Example 3 exports and plans the import, then stops; a later run with the same -FileName reuses the package.

    .INPUTS
    None. You cannot pipe objects to Start-PChatMigration.

    .OUTPUTS
    PChatMigration.MigrationStage. One object per stage, as it completes, with the properties Stage (Readiness,
    Export, ImportPlan, Import, Verify, LegacyClientAccess), Status (Succeeded, Failed, Skipped, Resumed, WhatIf),
    Notes, Duration (a TimeSpan), Result (the stage cmdlet's summary object, or $null), Output (every object the
    stage cmdlet wrote) and Resume (what to do when it failed).

    PChatMigration.MigrationSummary. One object at the end, with the properties Completed, WhatIf, FailedStage,
    Resume, FileName, Source, Target, Duration, Stages (the MigrationStage objects) and Plan (the library's plan).

    .LINK
    Test-PChatMigrationReadiness

    .LINK
    Export-PChatMigrationData

    .LINK
    Import-PChatMigrationData

    .LINK
    Test-PChatMigration

    .LINK
    Enable-PChatLegacyClientAccess

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType('PChatMigration.MigrationStage', 'PChatMigration.MigrationSummary')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $SourceDBInstance,

        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $SourceDBName,

        [Parameter()]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $SourceCredential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DBName = 'mgc',

        [Parameter()]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

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
        [ValidateRange(1, 32)]
        [int] $ThrottleLimit = 4,

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
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $PersistentChatPoolFqdn,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $SipAddress,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DisplayName,

        [Parameter()]
        [ValidateSet('Disable', 'RemoveAdUser')]
        [string] $ReleaseMethod = 'Disable',

        [Parameter()]
        [System.Management.Automation.Runspaces.PSSession] $Session,

        [Parameter()]
        [switch] $SkipLegacyClientAccess,

        [Parameter()]
        [switch] $StopAfterWhatIf,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [switch] $EnableException,

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
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $Authentication,

        [Parameter()]
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $SourceAuthentication,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $HostNameInCertificate,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $SourceHostNameInCertificate
    )

    process {
        $runStarted = [System.DateTime]::UtcNow
        $dryRun = [bool]$WhatIfPreference
        $target = ('{0} on {1}' -f $DBName, $DBInstance)
        $source = ("database '{0}' on {1}" -f $SourceDBName, $SourceDBInstance)

        # --- The stage cmdlets' parameters, built once from this cmdlet's (thin: each stage checks its own). ---
        $shared = @{ Encryption = $Encryption }
        foreach ($name in @('TrustServerCertificate', 'ConnectTimeoutSeconds', 'CommandTimeoutSeconds',
                'ConnectRetryCount', 'CACertificatePath')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $shared[$name] = $PSBoundParameters[$name]
            }
        }
        $conversion = @{ ConflictAction = $ConflictAction }
        foreach ($name in @('NameMap', 'NameSeparator', 'SettingConflict', 'TopicToDescription',
                'IncludeDisabledRooms', 'RootRoomsCategory')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $conversion[$name] = $PSBoundParameters[$name]
            }
        }
        $targetArgs = $shared.Clone()
        $targetArgs['DBInstance'] = $DBInstance
        $targetArgs['DBName'] = $DBName
        if ($PSBoundParameters.ContainsKey('Credential')) {
            $targetArgs['Credential'] = $Credential
        }
        foreach ($name in @('Authentication', 'HostNameInCertificate')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $targetArgs[$name] = $PSBoundParameters[$name]
            }
        }
        $sourceArgs = $shared.Clone()
        $sourceArgs['DBInstance'] = $SourceDBInstance
        $sourceArgs['DBName'] = $SourceDBName
        if ($PSBoundParameters.ContainsKey('SourceCredential')) {
            $sourceArgs['Credential'] = $SourceCredential
        }
        # The legacy server's own sign-in and certificate name (the servers differ; the shared TLS settings do not).
        if ($PSBoundParameters.ContainsKey('SourceAuthentication')) {
            $sourceArgs['Authentication'] = $SourceAuthentication
        }
        if ($PSBoundParameters.ContainsKey('SourceHostNameInCertificate')) {
            $sourceArgs['HostNameInCertificate'] = $SourceHostNameInCertificate
        }
        $legacyArgs = @{ ReleaseMethod = $ReleaseMethod }
        foreach ($name in @('PersistentChatPoolFqdn', 'SipAddress', 'DisplayName', 'Session')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $legacyArgs[$name] = $PSBoundParameters[$name]
            }
        }

        # --- The facts, and the library's plan (migration_plan): the stage order and the resume decision. ---
        try {
            $packagePath = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
            $reportFolder = $null
            if ($PSBoundParameters.ContainsKey('Report')) {
                $reportFolder = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
            }
            $requested = [ordered]@{ level = $Level }
            if ($PSBoundParameters.ContainsKey('Scope')) {
                $requested['scope'] = [string[]]@($Scope)
            }
            if ($PSBoundParameters.ContainsKey('Room')) {
                $requested['rooms'] = [string[]]@($Room)
            }
            if ($PSBoundParameters.ContainsKey('StartDate')) {
                # Like the Cs cmdlets, a time without a kind is local time; the library gets UTC.
                $start = $StartDate
                if ($start.Kind -eq [System.DateTimeKind]::Unspecified) {
                    $start = [System.DateTime]::SpecifyKind($start, [System.DateTimeKind]::Local)
                }
                $requested['startDateUtc'] = $start.ToUniversalTime().ToString('o', [System.Globalization.CultureInfo]::InvariantCulture)
            }
            $facts = [ordered]@{
                whatIf = $dryRun
                stopAfterWhatIf = [bool]$StopAfterWhatIf.IsPresent
                skipLegacyClientAccess = [bool]$SkipLegacyClientAccess.IsPresent
                force = [bool]$Force.IsPresent
                source = [ordered]@{ dbInstance = $SourceDBInstance; dbName = $SourceDBName }
                export = $requested
                package = (Get-PChatMigrationPackageFact -PackagePath $packagePath)
            }
            if ($PSBoundParameters.ContainsKey('PersistentChatPoolFqdn')) {
                $facts['persistentChatPoolFqdn'] = $PersistentChatPoolFqdn
            }
            $plan = Invoke-PChatNativeCall -Operation 'migration_plan' -Params $facts -TargetObject $packagePath
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        $blockers = @($plan.blockers | Where-Object { $null -ne $_ })
        if ($blockers.Count -gt 0) {
            $lines = @($blockers | ForEach-Object { '  [{0}] {1}' -f $_.code, $_.message })
            $message = ("The migration cannot start; nothing was done. Fix these first:`n{0}" -f ($lines -join "`n"))
            $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($message)
            $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, [string]$blockers[0].code, [System.Management.Automation.ErrorCategory]::InvalidOperation, $packagePath)
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException
            return
        }
        Write-Verbose -Message ('Migration plan: {0} ({1}).' -f $plan.exportDecision, $plan.exportReason)

        # The report files of a stage, when it writes one and -Report names a folder.
        $withReport = {
            param([hashtable] $Arguments, [object] $Planned, [string] $Name)
            if ($null -ne $reportFolder -and [bool]$Planned.writesReport) {
                $Arguments['Report'] = (Join-Path -Path $reportFolder -ChildPath ('{0}.html' -f $Name))
                $Arguments['Force'] = [bool]$Force.IsPresent
            }
            return $Arguments
        }

        # The summary object of a stage cmdlet's output (its last object), or $null.
        $lastOf = {
            param([object[]] $Objects)
            if ($Objects.Count -eq 0) {
                return $null
            }
            return $Objects[$Objects.Count - 1]
        }

        $stages = New-Object -TypeName 'System.Collections.Generic.List[object]'
        $failedStage = $null
        $resume = $null
        $failure = $null
        $importPlan = $null
        $declined = $false
        # The stages' native progress (Invoke-PChatNativeJob) nests under this one: stage -> room.
        $stageProgressId = 4700
        $script:PChatProgressParentId = $stageProgressId
        try {
            foreach ($planned in @($plan.stages)) {
                $stageName = [string]$planned.stage
                $action = [string]$planned.action
                $status = [string]$planned.status
                $notes = [string]$planned.note
                $outputs = @()
                $stageStarted = [System.DateTime]::UtcNow
                $stageError = $null
                # Set where the stage cmdlet was called for its result: no result object is a failure, never a success.
                $expectsResult = $false
                Write-Progress -Id $stageProgressId -Activity 'Migrating Group Chat to Persistent Chat' -Status $stageName -PercentComplete ([int](100 * $stages.Count / 6))
                try {
                    if ($action -eq 'run' -or $action -eq 'whatIf') {
                        switch ($stageName) {
                            'Readiness' {
                                $stageArgs = $shared.Clone()
                                if ([string]$planned.input -eq 'package') {
                                    $stageArgs['FileName'] = $packagePath
                                }
                                else {
                                    foreach ($key in @($sourceArgs.Keys)) {
                                        $stageArgs[$key] = $sourceArgs[$key]
                                    }
                                }
                                $stageArgs['TargetDBInstance'] = $DBInstance
                                $stageArgs['TargetDBName'] = $DBName
                                if ($PSBoundParameters.ContainsKey('Credential')) {
                                    $stageArgs['TargetCredential'] = $Credential
                                }
                                if ($PSBoundParameters.ContainsKey('StartDate') -and [string]$planned.input -ne 'package') {
                                    $stageArgs['StartDate'] = $StartDate
                                }
                                $stageArgs = & $withReport ($stageArgs + $conversion) $planned 'Readiness'
                                $expectsResult = $true
                                $outputs = @(Test-PChatMigrationReadiness @stageArgs -EnableException -ErrorAction Stop)
                                $summary = & $lastOf $outputs
                                $notes = ('{0} error(s), {1} warning(s), {2} info(s)' -f $summary.Errors, $summary.Warnings, $summary.Infos)
                                if ([int64]$summary.Errors -gt 0) {
                                    $stageError = ('{0} finding(s) with Severity Error (see this stage''s Output)' -f $summary.Errors)
                                }
                            }
                            'Export' {
                                $stageArgs = $sourceArgs.Clone()
                                $stageArgs['FileName'] = $packagePath
                                $stageArgs['Level'] = $Level
                                $stageArgs['ThrottleLimit'] = $ThrottleLimit
                                foreach ($name in @('Scope', 'Room', 'StartDate')) {
                                    if ($PSBoundParameters.ContainsKey($name)) {
                                        $stageArgs[$name] = $PSBoundParameters[$name]
                                    }
                                }
                                $stageArgs = & $withReport $stageArgs $planned 'Export'
                                # A present package reaches this stage only when it cannot be reused and -Force is given
                                # (the plan's replacePackage): -Force replaces it, and existing report files.
                                $stageArgs['Force'] = [bool]$Force.IsPresent
                                if ($action -eq 'whatIf') {
                                    # Checks the parameters only (the library's validate); writes nothing.
                                    $outputs = @(Export-PChatMigrationData @stageArgs -EnableException -WhatIf:$true -ErrorAction Stop)
                                }
                                elseif ($PSCmdlet.ShouldProcess($packagePath, ('Export {0} ({1})' -f $source, $notes))) {
                                    $expectsResult = $true
                                    $outputs = @(Export-PChatMigrationData @stageArgs -EnableException -Confirm:$false -ErrorAction Stop)
                                    $result = & $lastOf $outputs
                                    $notes = ('{0} room(s), {1} message(s) to {2}; {3} room(s) reused from an interrupted run' -f
                                        $result.Counts.rooms, $result.Counts.messages, $result.Path, $result.ReusedRooms)
                                    # Resumed only when an interrupted run's staging folder gave rooms back.
                                    $status = 'Succeeded'
                                    if ([int64]$result.ReusedRooms -gt 0) {
                                        $status = 'Resumed'
                                    }
                                }
                                else {
                                    $status = 'Skipped'
                                    $notes = 'declined at the confirmation prompt'
                                }
                            }
                            'ImportPlan' {
                                $stageArgs = & $withReport ($targetArgs.Clone() + $conversion) $planned 'ImportPlan'
                                $stageArgs['FileName'] = $packagePath
                                if ($Force.IsPresent) {
                                    $stageArgs['Force'] = $true
                                }
                                # The plan's Error findings are non-terminating errors: the summary counts them.
                                $planErrors = $null
                                $expectsResult = $true
                                $outputs = @(Import-PChatMigrationData @stageArgs -EnableException -WhatIf:$true -ErrorAction SilentlyContinue -ErrorVariable planErrors)
                                $importPlan = & $lastOf $outputs
                                if ($null -eq $importPlan -and $null -ne $planErrors -and $planErrors.Count -gt 0) {
                                    throw $planErrors[0]
                                }
                                $errors = @($importPlan.Findings | Where-Object { $null -ne $_ -and [string]$_.severity -eq 'Error' })
                                $notes = ('{0} room(s) to create, {1} to update or resume, {2} message(s) to write' -f
                                    $importPlan.Rooms.created, $importPlan.Rooms.updated, $importPlan.Estimate.messages)
                                if ($errors.Count -gt 0) {
                                    $stageError = ('the import plan has {0} finding(s) with Severity Error, for example [{1}] {2}' -f $errors.Count, $errors[0].code, $errors[0].message)
                                }
                            }
                            'Import' {
                                $stageArgs = & $withReport ($targetArgs.Clone() + $conversion) $planned 'Import'
                                $stageArgs['FileName'] = $packagePath
                                if ($Force.IsPresent) {
                                    $stageArgs['Force'] = $true
                                }
                                $prompt = ('Import {0} message(s) into {1} rooms from {2}' -f $importPlan.Estimate.messages,
                                    ([int64]$importPlan.Rooms.created + [int64]$importPlan.Rooms.updated), $packagePath)
                                if ($PSCmdlet.ShouldProcess($target, $prompt)) {
                                    $expectsResult = $true
                                    $outputs = @(Import-PChatMigrationData @stageArgs -EnableException -WhatIf:$false -Confirm:$false -ErrorAction Stop)
                                    $result = & $lastOf $outputs
                                    $notes = ('{0} message(s) imported, {1} already present' -f $result.MessagesImported, $result.MessagesAlreadyPresent)
                                    if ([int64]$result.MessagesAlreadyPresent -gt 0) {
                                        # The target already held part of the package: the native import resumed.
                                        $status = 'Resumed'
                                    }
                                }
                                else {
                                    $status = 'Skipped'
                                    $notes = 'declined at the confirmation prompt'
                                }
                            }
                            'Verify' {
                                $stageArgs = & $withReport ($targetArgs.Clone() + $conversion) $planned 'Verify'
                                $stageArgs['FileName'] = $packagePath
                                if ($PSBoundParameters.ContainsKey('PersistentChatPoolFqdn')) {
                                    $stageArgs['PersistentChatPoolFqdn'] = $PersistentChatPoolFqdn
                                }
                                $verifyErrors = $null
                                $expectsResult = $true
                                $outputs = @(Test-PChatMigration @stageArgs -EnableException -ErrorAction SilentlyContinue -ErrorVariable verifyErrors)
                                $result = & $lastOf $outputs
                                # A verification that could not run answers with a Failure object without the counts.
                                $ran = ($null -ne $result) -and ($null -ne $result.PSObject.Properties['Passed'])
                                if ((-not $ran) -and $null -ne $verifyErrors -and $verifyErrors.Count -gt 0) {
                                    throw $verifyErrors[0]
                                }
                                $notes = ('{0} verified, {1} mismatched, {2} missing, {3} extra' -f $result.Verified, $result.Mismatched, $result.Missing, $result.Extra)
                                if (-not [bool]$result.Passed) {
                                    $stageError = ('the target does not match the package ({0})' -f $notes)
                                }
                            }
                            'LegacyClientAccess' {
                                if ($action -eq 'whatIf') {
                                    $expectsResult = $true
                                    $outputs = @(Enable-PChatLegacyClientAccess @legacyArgs -EnableException -PlanOnly -ErrorAction Stop)
                                    $result = & $lastOf $outputs
                                    $notes = ('plan {0}: {1} step(s)' -f $result.Status, @($result.Steps).Count)
                                    if ([string]$result.Status -eq 'blocked') {
                                        $stageError = ('the legacy-client plan is blocked: {0}' -f (@($result.Blockers) -join ' '))
                                    }
                                }
                                elseif ($PSCmdlet.ShouldProcess($PersistentChatPoolFqdn, 'Enable legacy Group Chat client access')) {
                                    # Each of its steps is confirmed again by Enable-PChatLegacyClientAccess itself.
                                    $outputs = @(Enable-PChatLegacyClientAccess @legacyArgs -EnableException -ErrorAction Stop)
                                    $notes = ('{0} endpoint(s) for {1}' -f $outputs.Count, $PersistentChatPoolFqdn)
                                }
                                else {
                                    $status = 'Skipped'
                                    $notes = 'declined at the confirmation prompt'
                                }
                            }
                        }
                    }
                }
                catch [System.Management.Automation.PipelineStoppedException] {
                    throw
                }
                catch {
                    $failure = $_
                    $stageError = $_.Exception.Message
                }
                if ($null -eq $stageError -and $expectsResult -and $outputs.Count -eq 0) {
                    $stageError = ('{0} returned no result' -f $stageName)
                }
                if ($null -ne $stageError) {
                    $status = 'Failed'
                    $notes = $stageError
                }
                $result = $null
                if ($outputs.Count -gt 0) {
                    $result = & $lastOf $outputs
                }
                $stage = [pscustomobject]@{
                    Stage = $stageName
                    Status = $status
                    Notes = $notes
                    Duration = ([System.DateTime]::UtcNow - $stageStarted)
                    Result = $result
                    Output = $outputs
                    Resume = [string]$planned.resume
                }
                $stage.PSObject.TypeNames.Insert(0, 'PChatMigration.MigrationStage')
                $stages.Add($stage)
                Write-Output -InputObject $stage
                if ($status -eq 'Failed') {
                    $failedStage = $stageName
                    $resume = [string]$planned.resume
                    break
                }
                if ($notes -eq 'declined at the confirmation prompt') {
                    # Later stages depend on this one: stop, without an error (the administrator chose it).
                    $declined = $true
                    break
                }
            }
        }
        finally {
            $script:PChatProgressParentId = $null
        }
        Write-Progress -Id $stageProgressId -Activity 'Migrating Group Chat to Persistent Chat' -Completed

        # Completed: every stage ran or was left out by choice (-SkipLegacyClientAccess), nothing failed or was declined.
        $completed = ($null -eq $failedStage) -and (-not $declined) -and (-not $dryRun) -and (-not $StopAfterWhatIf.IsPresent) -and
            ($stages.Count -eq @($plan.stages).Count)
        $summary = [pscustomobject]@{
            Completed = $completed
            WhatIf = $dryRun
            FailedStage = $failedStage
            Resume = $resume
            FileName = $packagePath
            Source = $source
            Target = $target
            Duration = ([System.DateTime]::UtcNow - $runStarted)
            Stages = $stages.ToArray()
            Plan = $plan
        }
        $summary.PSObject.TypeNames.Insert(0, 'PChatMigration.MigrationSummary')
        Write-Output -InputObject $summary

        if ($null -ne $failedStage) {
            $message = ('The migration stopped at the {0} stage: {1}. {2}' -f $failedStage, $stages[$stages.Count - 1].Notes, $resume)
            $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($message)
            if ($null -ne $failure) {
                $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($message, $failure.Exception)
            }
            $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, ('migration_stage_failed_{0}' -f $failedStage), [System.Management.Automation.ErrorCategory]::InvalidResult, $failedStage)
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException
            return
        }
    }
}
