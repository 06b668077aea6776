function Test-PChatClientAccess {
    <#
    .SYNOPSIS
    Reports, per Persistent Chat room, which members can reach it with Lync 2013 clients, which depend on the legacy
    Group Chat endpoint and which have no access.

    .DESCRIPTION
    The Test-PChatClientAccess cmdlet supports step 8 of the migration (coexistence: new clients roll out while
    old ones keep working). It gathers the facts with the Lync Server cmdlets, reading only: the users
    (Get-CsUser: SIP address, Enabled, RegistrarPool, PersistentChatPolicy), the Persistent Chat policies
    (Get-CsPersistentChatPolicy), the registrar pools with their site and version (Get-CsPool, Get-CsService
    -Registrar) and the Persistent Chat endpoints legacy clients look up (Get-CsPersistentChatEndpoint). The
    pchat-migrate library reads the rooms and their members from the Persistent Chat database (mgc) and decides,
    for every user member:
      CanUseNewClient  homed on a Lync Server 2013 (or later) pool and enabled by the Persistent Chat policy that
                       applies to it (its per-user policy, else the site policy of its pool's site, else Global);
      DependsOnLegacy  homed on a Lync Server 2010 / OCS pool: it reaches chat only with the legacy Group Chat
                       client, through the legacy lookup endpoint;
      NoAccess         the policy that applies disables Persistent Chat (it is named), the user is disabled for
                       Lync Server, deleted or disabled in Persistent Chat, has no known pool, or Get-CsUser does
                       not know it.
    Group, OU and domain members are reported apart (UnexpandedPrincipals) unless -GroupMember gives their users.

    It outputs one PChatMigration.ClientAccessRoom object per room (counts, and Members: one
    PChatMigration.ClientAccessMember per user with the reason), then a PChatMigration.ClientAccessResult object
    like the Lync Test-Cs* cmdlets: Result is Success when every member can use a new client, else Failure, with
    Error and Diagnosis saying who is left behind. Warnings (users that depend on the legacy client while no
    endpoint of their SIP domain exists, users without facts, groups not expanded) are written as warnings. It
    changes nothing.

    The Lync Server cmdlets come from the Lync Server Management Shell, from the Lync module, from proxy functions
    imported with Import-PSSession, or from the remote PowerShell session given with -Session.

    .PARAMETER DBInstance
    The SQL Server instance of the Persistent Chat database, for example "atl-sql-002.litwareinc.com\rtc".

    .PARAMETER DBName
    The Persistent Chat database. The default is mgc.

    .PARAMETER GroupMember
    The users of group, OU or domain members, so that they are analysed one by one: a hashtable whose keys are the
    group's distinguished name (or its ma-grp: URI) and whose values are the SIP addresses of its users, for
    example @{ "CN=Sales,OU=Groups,DC=contoso,DC=com" = @("sip:alice@contoso.com", "sip:bob@contoso.com") }.

    .PARAMETER Session
    A PSSession to the pool's Lync Server remote PowerShell endpoint, in which the Cs cmdlets run, for example the
    result of New-PSSession -ConnectionUri "https://atl-fe-001.contoso.com/OcsPowershell" -Credential $cred.

    .PARAMETER Report
    Writes the result as an HTML page to this path and as JSON beside it (.json).

    .PARAMETER Force
    Replaces existing report files.

    .PARAMETER ProblemsOnly
    Lists in Members only the users who cannot use a new client (the counts stay whole); for large deployments,
    whose result is proportional to the rooms times their members.

    .PARAMETER Summary
    Outputs only the PChatMigration.ClientAccessResult object, not the rooms.

    .PARAMETER Credential
    The SQL Server login (SQL authentication) or the Windows account (Ntlm). Without it, the current Windows
    account is used.

    .PARAMETER Authentication
    Windows, SqlServer or Ntlm. The default is SqlServer with -Credential, Windows without.

    .PARAMETER Encryption
    Mandatory (the default), Strict, Optional or Plaintext.

    .PARAMETER TrustServerCertificate
    Accepts the server's certificate without validating it.

    .PARAMETER ConnectTimeoutSeconds
    Seconds to wait for each connection attempt.

    .PARAMETER CommandTimeoutSeconds
    Seconds a statement may run.

    .PARAMETER ConnectRetryCount
    How many times a failed connection is retried.

    .PARAMETER CACertificatePath
    A CA certificate (PEM or DER) to trust for the server's certificate.

    .PARAMETER HostNameInCertificate
    The name expected in the server's certificate.

    .PARAMETER EnableException
    Turns the friendly warning of an analysis that could not run into a terminating error, for try/catch in
    runbooks (FullyQualifiedErrorId: the library's error code). Without it the Failure result and the warning are
    written, and the error record is still added to $Error. Users who depend on the legacy endpoint are a finding,
    never an error: read Result.

    .EXAMPLE
    Test-PChatClientAccess -DBInstance "atl-sql-002.litwareinc.com\rtc"

    Example 1 runs in the Lync Server Management Shell and lists every room with its counts of members who can use
    a new client, depend on the legacy endpoint or have no access, then the result (Success or Failure).

    .EXAMPLE
    $session = New-PSSession -ConnectionUri "https://atl-fe-001.contoso.com/OcsPowershell" -Credential (Get-Credential)
    Test-PChatClientAccess -DBInstance "atl-sql-002.litwareinc.com\rtc" -Session $session -Report "C:\Logs\ClientAccess.html"

    Example 2 runs from an administrator's workstation: the Cs cmdlets run in the remote session; the HTML and
    JSON reports are written.

    .EXAMPLE
    Test-PChatClientAccess -DBInstance "atl-sql-002.litwareinc.com\rtc" | ForEach-Object { $_.Members } | Where-Object { $_.Access -ne 'CanUseNewClient' } | Format-Table SipAddress, Access, Reason

    Example 3 lists every member who cannot use a new client, with the reason (the policy or the pool).

    .EXAMPLE
    $sales = @{ "CN=Sales,OU=Groups,DC=litwareinc,DC=com" = @(Get-ADGroupMember "Sales" -Recursive | Get-CsUser | ForEach-Object { $_.SipAddress }) }
    Test-PChatClientAccess -DBInstance "atl-sql-002.litwareinc.com\rtc" -GroupMember $sales -Summary

    Example 4 expands the Sales group's members so they are analysed one by one, and outputs the result only.

    .INPUTS
    None. You cannot pipe objects to Test-PChatClientAccess.

    .OUTPUTS
    PChatMigration.ClientAccessRoom. RoomId, Name, Category, Disabled, CanUseNewClient, DependsOnLegacy, NoAccess,
    UnexpandedPrincipals, Members (PChatMigration.ClientAccessMember: SipAddress, DisplayName, Access, Membership,
    Via, ReasonCode, Reason, Policy, RegistrarPool) and Unexpanded.

    PChatMigration.ClientAccessResult. TargetFqdn (the database and instance), Result (Success or Failure), Latency,
    Error, Diagnosis, Rooms, RoomsNewClientsOnly, CanUseNewClient, DependsOnLegacy, NoAccess, UnexpandedPrincipals,
    LegacyEndpointPresent, Warnings, Report and the library's whole result in Details. When the analysis cannot run
    (the Cs cmdlets, the connection or a parameter failed), only TargetFqdn, Result (Failure), Latency, Error and
    Diagnosis (the error code, category and details), followed by a warning (a terminating error with
    -EnableException).

    .LINK
    Enable-PChatLegacyClientAccess

    .LINK
    Test-PChatMigration

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding()]
    [OutputType('PChatMigration.ClientAccessRoom', 'PChatMigration.ClientAccessResult')]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DBName = 'mgc',

        [Parameter()]
        [ValidateNotNull()]
        [System.Collections.IDictionary] $GroupMember,

        [Parameter()]
        [System.Management.Automation.Runspaces.PSSession] $Session,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Report,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [switch] $ProblemsOnly,

        [Parameter()]
        [switch] $Summary,

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

    $target = ('{0} on {1}' -f $DBName, $DBInstance)
    $started = [System.DateTime]::UtcNow
    $params = $null
    $failure = $null
    $outputs = @()
    try {
        Write-Verbose -Message 'Gathering the client-access facts (Get-CsUser, Get-CsPersistentChatPolicy, Get-CsPool, Get-CsService -Registrar, Get-CsPersistentChatEndpoint).'
        $facts = Get-PChatClientAccessFact -GroupMember $GroupMember -Session $Session
        # The library's ClientAccessParams (camelCase; it refuses unknown fields). Passwords are read here, at call time.
        $connectionArgs = @{ DBInstance = $DBInstance; DBName = $DBName; Encryption = $Encryption }
        foreach ($name in @('Credential', 'Authentication', 'TrustServerCertificate', 'ConnectTimeoutSeconds',
                'CommandTimeoutSeconds', 'ConnectRetryCount', 'CACertificatePath', 'HostNameInCertificate')) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $connectionArgs[$name] = $PSBoundParameters[$name]
            }
        }
        $params = [ordered]@{}
        $params['connection'] = ConvertTo-PChatConnectionParameter @connectionArgs
        $params['facts'] = $facts
        if ($PSBoundParameters.ContainsKey('Report')) {
            $params['report'] = Resolve-PChatFilePath -Path $Report -ParameterName 'Report'
        }
        $params['force'] = [bool]$Force.IsPresent
        $params['problemsOnly'] = [bool]$ProblemsOnly.IsPresent
        Write-Verbose -Message ('Analysing the rooms of {0}.' -f $target)
        $jobArgs = @{
            Operation = 'client_access'
            Params = $params
            Activity = 'Testing client access'
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
        # The analysis could not run: a result whose Result is Failure, then the warning (or the error).
        $failed = New-Object -TypeName 'System.Management.Automation.PSObject'
        $failed.PSObject.TypeNames.Insert(0, 'PChatMigration.ClientAccessResult')
        Add-PChatTestOutcome -InputObject $failed -TargetFqdn $target -Result 'Failure' -Latency ([System.DateTime]::UtcNow - $started) -ErrorRecord $failure
        Write-Output -InputObject $failed
        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $failure -EnableException:$EnableException
        return
    }
    if ($outputs.Count -eq 0) {
        return
    }
    $data = $outputs[$outputs.Count - 1]

    if (-not $Summary.IsPresent) {
        foreach ($room in @($data.rooms)) {
            if ($null -ne $room) {
                $object = ConvertTo-PChatClientAccessRoom -Room $room
                $object.PSObject.TypeNames.Insert(0, 'PChatMigration.ClientAccessRoom')
                Write-Output -InputObject $object
            }
        }
    }

    $counts = $data.summary.users
    $result = 'Success'
    $errorText = $null
    $diagnosis = $null
    if (-not [bool]$data.summary.allCanUseNewClient) {
        $result = 'Failure'
        $errorText = ('{0} user(s) depend on the legacy Group Chat endpoint and {1} have no access to Persistent Chat rooms in {2}.' -f
            $counts.dependsOnLegacy, $counts.noAccess, $target)
        $diagnosis = 'Move users homed on Lync Server 2010 pools to a Lync Server 2013 pool (Move-CsUser), and grant a Persistent Chat policy with EnablePersistentChat True (Grant-CsPersistentChatPolicy) to users whose policy disables it; the rooms list each member with its reason.'
    }
    $warnings = @()
    foreach ($warning in @($data.warnings)) {
        if ($null -ne $warning) {
            $warnings += ('[{0}] {1}' -f [string]$warning.code, [string]$warning.message)
        }
    }
    $summaryObject = [pscustomobject]@{
        TargetFqdn = $target
        Result = $result
        Latency = [System.DateTime]::UtcNow - $started
        Error = $errorText
        Diagnosis = $diagnosis
        Rooms = $data.summary.rooms
        RoomsNewClientsOnly = $data.summary.roomsNewClientsOnly
        CanUseNewClient = $counts.canUseNewClient
        DependsOnLegacy = $counts.dependsOnLegacy
        NoAccess = $counts.noAccess
        UnexpandedPrincipals = $counts.unexpandedPrincipals
        LegacyEndpointPresent = [bool]$data.summary.legacyEndpointPresent
        Warnings = $warnings
        Report = $data.report
        Details = $data
    }
    $summaryObject.PSObject.TypeNames.Insert(0, 'PChatMigration.ClientAccessResult')
    Write-Output -InputObject $summaryObject
}
