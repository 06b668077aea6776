# Violates: PChatConfirmImpactHigh
# Import-PChatMigrationData is listed as a production write in rules.json; here it is Medium.
function Import-PChatMigrationData {
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
    Import-PChatMigrationData -Name 'a'

    Runs the sample.

    .EXAMPLE
    Import-PChatMigrationData -Name 'b'

    Runs it again.

    .INPUTS
    None.

    .OUTPUTS
    System.String

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name,

        [Parameter()]
        [switch] $EnableException
    )
    if ($PSCmdlet.ShouldProcess($Name, "Import")) {
        Write-Output -InputObject $Name
    }
}
