# Violates: PChatReportFailureThroughStop
# Goes on after reporting: without -EnableException the warning does not stop it.
function Get-PChatSample {
    <#
    .SYNOPSIS
    A sample cmdlet for the rule tests.

    .DESCRIPTION
    Complete in every respect except the one the header names.

    .PARAMETER Name
    A name.

    .PARAMETER EnableException
    Errors instead of warnings.

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
        [string] $Name,

        [Parameter()]
        [switch] $EnableException
    )
    try {
        $item = Get-Item -LiteralPath $Name -ErrorAction Stop
    }
    catch {
        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
    }
    Write-Output -InputObject $item.FullName
}
