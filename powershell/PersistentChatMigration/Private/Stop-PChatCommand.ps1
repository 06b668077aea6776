function Stop-PChatCommand {
    <#
    .SYNOPSIS
    Reports a public cmdlet's failure the dbatools way: a friendly warning by default, an error with -EnableException.

    .DESCRIPTION
    Every failure of a public cmdlet goes through here (tests/powershell/lint-powershell.mjs, rule
    PChatReportFailureThroughStop, checks that no public cmdlet writes or throws an error record itself):

      default          one warning, "[<cmdlet>] <message> [<code>]", and nothing red on the screen. The record is
                       still added to $Error (Write-Error -ErrorAction SilentlyContinue), so a runbook can read
                       $Error[0].FullyQualifiedErrorId, its category and TargetObject after a warning.
      -EnableException the record itself: a terminating error ($Cmdlet.ThrowTerminatingError), or with -Continue a
                       non-terminating one ($Cmdlet.WriteError) that -ErrorAction Stop turns into a terminating one
                       and -ErrorVariable collects.

    -Continue marks a failure of one input (one instance, one package, one room) after which the cmdlet goes on
    with the next; without it the whole command has failed. Either way the caller returns (or continues its loop)
    right after this call: without -EnableException nothing stops it here. The record is never changed: its
    FullyQualifiedErrorId is the library's code, its category the code's category (New-PChatErrorRecord).

    Call it outside a try block (in a catch block or after it): inside one, the caller's own catch would take the
    terminating error of -EnableException and report it a second time.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        # The public cmdlet's $PSCmdlet: the error is its error, the warning names it.
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSCmdlet] $Cmdlet,

        [Parameter(Mandatory = $true)]
        [System.Management.Automation.ErrorRecord] $ErrorRecord,

        # The public cmdlet's -EnableException.
        [Parameter()]
        [switch] $EnableException,

        # Only this input failed: with -EnableException a non-terminating error instead of a terminating one.
        [Parameter()]
        [switch] $Continue
    )

    if ($EnableException.IsPresent) {
        if ($Continue.IsPresent) {
            $Cmdlet.WriteError($ErrorRecord)
            return
        }
        $Cmdlet.ThrowTerminatingError($ErrorRecord)
    }

    $message = $ErrorRecord.Exception.Message
    if ($null -ne $ErrorRecord.ErrorDetails -and -not [string]::IsNullOrEmpty($ErrorRecord.ErrorDetails.Message)) {
        $message = $ErrorRecord.ErrorDetails.Message
    }
    # The id without the ",<command>" PowerShell appends to a rethrown record.
    $code = ([string]$ErrorRecord.FullyQualifiedErrorId).Split(',')[0]
    $target = ''
    if ($null -ne $ErrorRecord.TargetObject -and -not [string]::IsNullOrEmpty([string]$ErrorRecord.TargetObject)) {
        $target = (' ({0})' -f [string]$ErrorRecord.TargetObject)
    }
    Write-Warning -Message ('[{0}]{1} {2} [{3}]' -f $Cmdlet.MyInvocation.MyCommand.Name, $target, $message, $code)
    # Into $Error for runbooks, without a second, red copy of the message on the screen.
    Write-Error -ErrorRecord $ErrorRecord -ErrorAction SilentlyContinue
}
