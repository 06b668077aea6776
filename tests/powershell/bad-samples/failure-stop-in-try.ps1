# Violates: PChatReportFailureThroughStop
# Reports inside the try block: with -EnableException its own catch takes the error a second time.
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
        if (-not (Test-Path -LiteralPath $Name)) {
            $record = New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                (New-Object -TypeName 'System.IO.FileNotFoundException' -ArgumentList @($Name)), 'not_found', 'ObjectNotFound', $Name)
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $record -EnableException:$EnableException
            return
        }
    }
    catch {
        Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
        return
    }
    Write-Output -InputObject $Name
}
