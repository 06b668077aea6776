# Violates: PSProvideCommentHelp
# No comment-based help at all.
function Get-PChatSample {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [string] $Name
    )
    Write-Output -InputObject $Name
}
