# Violates: PSProvideCommentHelp
# No .INPUTS.
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
