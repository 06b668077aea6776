# Violates: PSProvideCommentHelp
# No comment-based help at all.
function Get-PChatSample {
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
