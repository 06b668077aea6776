# Violates: PChatReportFailureThroughStop
# No -EnableException: a runbook cannot ask for errors instead of warnings.
function Get-PChatSample {
    <#
    .SYNOPSIS
    A sample cmdlet for the rule tests.

    .DESCRIPTION
    Complete in every respect except the one the header names.

    .PARAMETER Name
    A name.

    .EXAMPLE
    Get-PChatSample -Name 'a'

    Runs the sample.

    .EXAMPLE
    Get-PChatSample -Name 'b'

    Runs it again.

    .INPUTS
    None.

    .OUTPUTS
    System.String

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name
    )
    try {
        Get-Item -LiteralPath $Name -ErrorAction Stop
    }
    catch {
        Write-Warning -Message $_.Exception.Message
    }
}
