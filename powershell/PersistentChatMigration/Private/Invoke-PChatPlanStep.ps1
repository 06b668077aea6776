function Invoke-PChatPlanStep {
    <#
    .SYNOPSIS
    Runs the steps of a native plan in order, each under the calling cmdlet's ShouldProcess.

    .DESCRIPTION
    Generic: a step is { number, id, cmdlet, module, arguments: [{ name, value }], commandLine, target, action }
    as the library plans it (legacy_clients_plan); the arguments are splatted by name (a boolean value is a
    switch) to the cmdlet, which runs locally or in -Session (Invoke-PChatCsCommand).

    Every change happens inside `if ($Cmdlet.ShouldProcess(...))`, where $Cmdlet is the public cmdlet's
    $PSCmdlet (SupportsShouldProcess, ConfirmImpact High): -WhatIf prints each step's command line and runs
    nothing, -Confirm asks for each step, and the step's own confirmation is turned off (-Confirm:$false) because
    the question was already asked here. tests/powershell/check-powershell.mjs checks this structure.

    It stops at the first failure by throwing an error record (legacy_client_step_failed) that says which steps
    ran and how to undo them; the public cmdlet reports it with Stop-PChatCommand. A
    step declined at the confirmation prompt skips the later steps of the same address (the endpoint cannot take
    an address its owner still holds). It returns one object per step: Number, Id, CommandLine and Status
    (Completed, Skipped, WhatIf).
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [AllowEmptyCollection()]
        [object[]] $Step,

        # The public cmdlet's $PSCmdlet: its ShouldProcess honours -WhatIf and -Confirm.
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter()]
        [AllowNull()]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    $ran = New-Object -TypeName 'System.Collections.ArrayList'
    $declined = @{}
    $total = @($Step).Count
    foreach ($item in @($Step)) {
        $address = [string]$item.sipAddress
        $status = 'Skipped'
        if ($declined.ContainsKey($address)) {
            Write-Verbose -Message ('Skipping step {0} ({1}): an earlier step of {2} was declined.' -f $item.number, $item.commandLine, $address)
        }
        else {
            $action = 'Step {0} of {1}: {2} [{3}]' -f $item.number, $total, $item.action, $item.commandLine
            if ($Cmdlet.ShouldProcess([string]$item.target, $action)) {
                # A plain hashtable: every host splats it (named parameters bind in any order).
                $arguments = @{}
                foreach ($argument in @($item.arguments)) {
                    $arguments[[string]$argument.name] = $argument.value
                }
                $arguments['Confirm'] = $false
                $arguments['ErrorAction'] = 'Stop'
                try {
                    $null = Invoke-PChatCsCommand -Name ([string]$item.cmdlet) -Arguments $arguments -Module ([string]$item.module) -Session $Session
                }
                catch {
                    $done = @($ran | Where-Object { $_.Status -eq 'Completed' } | ForEach-Object { '{0}. {1}' -f $_.Number, $_.CommandLine })
                    $doneText = 'none'
                    if ($done.Count -gt 0) {
                        $doneText = $done -join '; '
                    }
                    $message = ('Step {0} ({1}) failed: {2} Steps completed before it: {3}. Nothing after it ran; ' +
                        'run the command again once the cause is fixed (finished steps are planned as done), or ' +
                        'undo the completed steps in reverse order.') -f $item.number, $item.commandLine, $_.Exception.Message, $doneText
                    $exception = New-Object -TypeName 'System.InvalidOperationException' -ArgumentList @($message, $_.Exception)
                    $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @($exception, 'legacy_client_step_failed', [System.Management.Automation.ErrorCategory]::InvalidOperation, $item.target)
                    # The caller reports it (Stop-PChatCommand: a warning, or the error with -EnableException).
                    throw $record
                }
                $status = 'Completed'
            }
            elseif ($WhatIfPreference) {
                $status = 'WhatIf'
            }
            else {
                $declined[$address] = $true
            }
        }
        [void]$ran.Add([pscustomobject]@{
            Number = $item.number
            Id = [string]$item.id
            CommandLine = [string]$item.commandLine
            Status = $status
        })
    }
    return $ran.ToArray()
}
