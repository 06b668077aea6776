# Violates: PSUseShouldProcessForStateChangingFunctions
# Declares SupportsShouldProcess, never asks: -WhatIf would change things anyway.
function Remove-PChatSample {
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
    Remove-PChatSample -Name 'a'

    Runs the sample.

    .EXAMPLE
    Remove-PChatSample -Name 'b'

    Runs it again.

    .INPUTS
    None.

    .OUTPUTS
    System.String

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(SupportsShouldProcess = $true)]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name,

        [Parameter()]
        [switch] $EnableException
    )
    Write-Output -InputObject $Name
}
