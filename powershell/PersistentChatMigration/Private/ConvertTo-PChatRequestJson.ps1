function ConvertTo-PChatRequestJson {
    <#
    .SYNOPSIS
    Builds the JSON text of a native request: {"operation": "<name>", "params": { ... }}.

    .DESCRIPTION
    The result may contain a password (connection parameters): never write it to the verbose, warning, debug or
    error streams, and drop the reference as soon as the native call has been made.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Operation,

        [Parameter()]
        [AllowNull()]
        [object] $Params
    )

    if ($null -eq $Params) {
        $Params = @{}
    }
    $request = [ordered]@{
        operation = $Operation
        params = $Params
    }
    # ConvertTo-Json serialises only two levels by default, and Windows PowerShell 3.0 then silently writes deeper
    # objects as their ToString() text. Requests nest more deeply (a "validate" request wraps another request, and
    # connection objects sit inside "params"), so always pass -Depth.
    return (ConvertTo-Json -InputObject $request -Depth 20 -Compress)
}
