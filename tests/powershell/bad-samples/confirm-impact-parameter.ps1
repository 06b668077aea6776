# Violates: PChatConfirmImpactHigh
# -DisableExportedNodes writes to the source database (listed in rules.json) but is only confirmed at Medium impact.
function Export-PChatMigrationData {
    <#
    .SYNOPSIS
    A sample cmdlet for the rule tests.

    .DESCRIPTION
    Complete in every respect except the one the header names.

    .PARAMETER Name
    A name.

    .PARAMETER DisableExportedNodes
    Disables the exported rooms in the source.

    .PARAMETER EnableException
    Errors instead of warnings.

    .EXAMPLE
    Export-PChatMigrationData -Name 'a'

    Runs the sample.

    .EXAMPLE
    Export-PChatMigrationData -Name 'b'

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
        [switch] $DisableExportedNodes,

        [Parameter()]
        [switch] $EnableException
    )
    if ($PSCmdlet.ShouldProcess($Name, 'Export')) {
        Write-Output -InputObject $Name
    }
}
