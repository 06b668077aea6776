# Violates: PChatConfirmImpactHigh
# Starts the library's import job (writes to mgc) at the default Medium impact.
function Start-PChatSample {
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
    Start-PChatSample -Name 'a'

    Runs the sample.

    .EXAMPLE
    Start-PChatSample -Name 'b'

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
    if ($PSCmdlet.ShouldProcess($Name, "Import")) {
        $jobArgs = @{ Operation = 'import'; Params = @{ fileName = $Name } }
        Invoke-PChatNativeJob @jobArgs
    }
}
