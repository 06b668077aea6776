function ConvertFrom-PChatResponse {
    <#
    .SYNOPSIS
    Parses the JSON envelope of a PChatMigration.NativeResponse.

    .DESCRIPTION
    Returns the envelope object: {"ok": true, "data": ...} or {"ok": false, "error": {"code", "message", "details"}}.
    A missing or unreadable response becomes an error envelope with code "no_response" or "invalid_response", so
    callers handle a single shape.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        # A PChatMigration.NativeResponse (status + JSON text).
        [Parameter(Mandatory = $true)]
        [object] $Response
    )

    $json = [string]$Response.Json
    if ([string]::IsNullOrEmpty($json)) {
        return [pscustomobject]@{
            ok = $false
            error = [pscustomobject]@{
                code = 'no_response'
                message = ('The native library returned {0} without a response.' -f $Response.StatusName)
                details = $null
            }
        }
    }

    $envelope = $null
    try {
        # Windows PowerShell 3.0-5.1 parse with JavaScriptSerializer; the envelopes are small, well below its limits.
        $envelope = ConvertFrom-Json -InputObject $json
    }
    catch {
        $envelope = $null
    }
    if ($null -eq $envelope -or $null -eq $envelope.PSObject.Properties['ok']) {
        return [pscustomobject]@{
            ok = $false
            error = [pscustomobject]@{
                code = 'invalid_response'
                message = ('The native library returned {0} with a response that is not a JSON envelope.' -f $Response.StatusName)
                details = $null
            }
        }
    }
    return $envelope
}
