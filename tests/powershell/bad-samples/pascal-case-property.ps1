# Violates: PChatPascalCaseProperty
# Builds output objects with camelCase properties, unlike every Cs cmdlet (and the module's JSON reader).
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
    System.Management.Automation.PSObject

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name,

        [Parameter()]
        [switch] $EnableException
    )
    $item = [pscustomobject]@{
        Name = $Name
        roomName = [string]$Name
    }
    Add-Member -InputObject $item -MemberType NoteProperty -Name 'messageCount' -Value 0
    Write-Output -InputObject $item
}
