# Violates: PSUseApprovedVerbs
# 'Build' is approved only from PowerShell 6; the module runs on Windows PowerShell 3.0.
function Build-PChatSample {
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
    Build-PChatSample -Name 'a'

    Runs the sample.

    .EXAMPLE
    Build-PChatSample -Name 'b'

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
    Write-Output -InputObject $Name
}
