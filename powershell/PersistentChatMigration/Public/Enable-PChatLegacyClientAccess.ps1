function Enable-PChatLegacyClientAccess {
    <#
    .SYNOPSIS
    Lets legacy Group Chat clients reach the Lync Server 2013 Persistent Chat pool: releases the lookup SIP
    address from the legacy lookup account, then creates a Persistent Chat endpoint with the same address.

    .DESCRIPTION
    The Enable-PChatLegacyClientAccess cmdlet is step 7 of the migration (the migration guide's step 8, "port
    the legacy Lookup Server URI"). Lync 2010 Group Chat and OCS 2007 R2 Group Chat clients find their server
    through a lookup SIP address, by default sip:ocschat@<SIP domain>, owned by an AD user the legacy Lookup
    service registered as. After the migration that user must give the address up, and only then can a
    Persistent Chat endpoint with the same address be created for the 2013 pool (a SIP address is unique).

    The cmdlet gathers the facts with the Lync Server cmdlets (Get-CsSipDomain, Get-CsService
    -PersistentChatServer and -Registrar, Get-CsPersistentChatEndpoint, Get-CsAdUser, Get-CsAdPrincipal),
    asks the pchat-migrate library for the plan, and runs its steps in order, each under ShouldProcess: release
    the address (Disable-CsUser by default, which Enable-CsUser reverses; or Remove-ADUser with -ReleaseMethod
    RemoveAdUser, as the migration guide describes), then New-CsPersistentChatEndpoint. It returns the endpoint
    (Get-CsPersistentChatEndpoint).

    It stops with an error listing the blockers when the plan must not run: the pool is not a Persistent Chat
    pool of the deployment, the address belongs to a contact or another object the cmdlet must not change, to a
    user homed on Lync Server 2013, or is already an endpoint of another pool. An address that already is an
    endpoint of this pool needs nothing; the cmdlet returns that endpoint. Warnings (several SIP domains, several
    endpoints for one pool, Remove-ADUser) are written as warnings.

    The Lync Server cmdlets come from the Lync Server Management Shell, from the Lync module (Import-Module Lync),
    from proxy functions imported with Import-PSSession, or from the remote PowerShell session given with
    -Session (for example to https://<front end>/OcsPowershell), so the cmdlet also runs on an administrator's
    workstation. Remove-ADUser always runs locally and needs the ActiveDirectory module.

    .PARAMETER PersistentChatPoolFqdn
    The FQDN of the Lync Server 2013 Persistent Chat pool legacy clients are to reach, for example
    "pcpool.contoso.com".

    .PARAMETER SipAddress
    The lookup SIP addresses to serve, for example "sip:ocschat@contoso.com". Without it: sip:ocschat@<d> for
    every SIP domain d of the deployment, because a legacy client's automatic configuration looks up
    ocschat@<its user's SIP domain>. With several SIP domains, either keep one endpoint per domain or give one
    address here and set the lookup server URI with Group Policy.

    .PARAMETER DisplayName
    The display name of the new endpoint's AD contact object.

    .PARAMETER ReleaseMethod
    How the lookup account gives up its address: Disable (the default) runs Disable-CsUser, reversible with
    Enable-CsUser; RemoveAdUser deletes the account with Remove-ADUser, as the migration guide says (needs the
    ActiveDirectory module; only the AD Recycle Bin can restore it).

    .PARAMETER Session
    A PSSession to the pool's Lync Server remote PowerShell endpoint, in which the Cs cmdlets run, for example
    the result of New-PSSession -ConnectionUri "https://atl-fe-001.contoso.com/OcsPowershell" -Credential $cred.

    .PARAMETER PlanOnly
    Outputs the plan (a PChatMigration.LegacyClientPlan object with its steps, blockers and warnings) and runs
    nothing, also when the plan is blocked.

    .PARAMETER EnableException
    Turns the friendly warning into a terminating error, for try/catch in runbooks. Without it a failure is one
    warning naming the cause and the fix, the cmdlet returns without output, and the error record
    (FullyQualifiedErrorId: the library's error code; TargetObject: the instance, file or room) is still added to
    $Error. With it the same record is thrown.

    .EXAMPLE
    Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn "pcpool.contoso.com"

    Example 1 releases sip:ocschat@contoso.com (the only SIP domain) from the legacy lookup user with
    Disable-CsUser, then creates the Persistent Chat endpoint sip:ocschat@contoso.com for pcpool.contoso.com,
    asking for confirmation of each step, and outputs the endpoint.

    .EXAMPLE
    Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn "pcpool.contoso.com" -SipAddress "sip:persistentchat@contoso.com" -DisplayName "Persistent Chat (legacy clients)" -Confirm:$false

    Example 2 creates an endpoint with a new address, without asking. Legacy clients must then be pointed at it,
    with the Group Policy setting for the lookup server URI or in the client's manual configuration.

    .EXAMPLE
    $session = New-PSSession -ConnectionUri "https://atl-fe-001.contoso.com/OcsPowershell" -Credential (Get-Credential)
    Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn "pcpool.contoso.com" -Session $session

    Example 3 runs from an administrator's workstation: the Lync Server cmdlets run in the remote PowerShell
    session to the front end.

    .EXAMPLE
    Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn "pcpool.contoso.com" -WhatIf

    Example 4 shows each step with its command line (What if: ... [Disable-CsUser -Identity '...']) and changes
    nothing.

    .EXAMPLE
    (Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn "pcpool.contoso.com" -PlanOnly).Steps | Format-Table

    Example 5 lists the planned steps, their command lines and how to undo them, for a change request.

    .INPUTS
    None. You cannot pipe objects to Enable-PChatLegacyClientAccess.

    .OUTPUTS
    Microsoft.Rtc.Management.ADConnect.Schema.OCSPersistentChatContact. The endpoint of each address, as
    Get-CsPersistentChatEndpoint returns it.

    PChatMigration.LegacyClientPlan. With -PlanOnly: Status (Ready, Done or Blocked), Steps
    (PChatMigration.LegacyClientPlanStep objects: Number, Kind, Title, Cmdlet, CommandLine, Reason, Undo), Blockers,
    Warnings and Inputs.

    .LINK
    Import-PChatMigrationData

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'High')]
    [OutputType('PChatMigration.LegacyClientPlan', 'Microsoft.Rtc.Management.ADConnect.Schema.OCSPersistentChatContact')]
    param(
        [Parameter(Mandatory = $true)]
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
        [switch] $PlanOnly,

        [Parameter()]
        [switch] $EnableException
    )

    try {
        $gather = @{
            PersistentChatPoolFqdn = $PersistentChatPoolFqdn
            ReleaseMethod = $ReleaseMethod
            Session = $Session
        }
        if ($PSBoundParameters.ContainsKey('SipAddress')) {
            $gather['SipAddress'] = $SipAddress
        }
        if ($PSBoundParameters.ContainsKey('DisplayName')) {
            $gather['DisplayName'] = $DisplayName
        }
        Write-Verbose -Message ('Gathering the legacy-client facts for {0}.' -f $PersistentChatPoolFqdn)
        $facts = Get-PChatLegacyClientFact @gather
        $plan = Invoke-PChatLegacyClientPlan -Facts $facts
    }
    catch [System.Management.Automation.PipelineStoppedException] {
        throw
    }
    catch {
        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
        return
    }

    foreach ($warning in @($plan.warnings)) {
        if ($null -ne $warning) {
            Write-Warning -Message ([string]$warning.message)
        }
    }

    if ($PlanOnly) {
        $steps = @(foreach ($step in @($plan.steps)) {
                if ($null -eq $step) {
                    continue
                }
                $undo = $null
                if ($null -ne $step.undo) {
                    $undo = [string]$step.undo.commandLine
                }
                $item = [pscustomobject]@{
                    Number = $step.number
                    Kind = [string]$step.kind
                    Title = [string]$step.title
                    SipAddress = [string]$step.sipAddress
                    Cmdlet = [string]$step.cmdlet
                    CommandLine = [string]$step.commandLine
                    Reason = [string]$step.reason
                    Undo = $undo
                    UndoNote = $step.undoNote
                }
                $item.PSObject.TypeNames.Insert(0, 'PChatMigration.LegacyClientPlanStep')
                $item
            })
        $result = [pscustomobject]@{
            PersistentChatPoolFqdn = [string]$plan.inputs.persistentChatPoolFqdn
            Status = [string]$plan.status
            SipAddresses = [string[]]@($plan.inputs.sipAddresses)
            Steps = $steps
            Blockers = [string[]]@($plan.blockers | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.message })
            Warnings = [string[]]@($plan.warnings | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_.message })
            Plan = $plan
        }
        $result.PSObject.TypeNames.Insert(0, 'PChatMigration.LegacyClientPlan')
        return $result
    }

    $blockers = @($plan.blockers | Where-Object { $null -ne $_ })
    if ($blockers.Count -gt 0) {
        $lines = @($blockers | ForEach-Object { '  [{0}] {1}' -f $_.code, $_.message })
        $message = ("Legacy-client access for {0} cannot be enabled; nothing was changed. Fix these first:`n{1}" -f $PersistentChatPoolFqdn, ($lines -join "`n"))
        $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($message)
        $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @($exception, 'legacy_client_plan_blocked', [System.Management.Automation.ErrorCategory]::InvalidOperation, $PersistentChatPoolFqdn)
        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException
        return
    }

    $executed = @()
    $stepFailure = $null
    try {
        $executed = @(Invoke-PChatPlanStep -Step @($plan.steps) -Cmdlet $PSCmdlet -Session $Session)
    }
    catch [System.Management.Automation.PipelineStoppedException] {
        throw
    }
    catch {
        # The record names the failed step, the steps completed before it and how to undo them.
        $stepFailure = $_
    }
    if ($null -ne $stepFailure) {
        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $stepFailure -EnableException:$EnableException
        return
    }
    if ($WhatIfPreference) {
        return
    }
    $completed = @($executed | Where-Object { $_.Status -eq 'Completed' })
    foreach ($address in @($plan.addresses)) {
        $ids = @($address.steps)
        $created = ([string]$address.status -eq 'done') -or (@($completed | Where-Object { $ids -contains $_.Id }).Count -eq $ids.Count -and $ids.Count -gt 0)
        if (-not $created) {
            Write-Warning -Message ('{0}: not every step ran, so no endpoint is returned for it.' -f $address.sipAddress)
            continue
        }
        try {
            Invoke-PChatCsCommand -Name 'Get-CsPersistentChatEndpoint' -Arguments @{ Identity = [string]$address.sipAddress } -Session $Session
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
    }
}
