function ConvertFrom-PChatResponse {
    <#
    .SYNOPSIS
    Parses the JSON envelope of a PChatMigration.NativeResponse.

    .DESCRIPTION
    Returns the envelope object: {Ok = $true; Data = ...} or {Ok = $false; Error = {Code; Message; Details}}.
    A missing or unreadable response becomes an error envelope with code "no_response" or "invalid_response", so
    callers handle a single shape.

    The text is parsed by ConvertFrom-PChatJson, never ConvertFrom-Json (docs/powershell-objects.md): responses of
    any size (Windows PowerShell 3.0/4.0's ConvertFrom-Json stops at 2 MB), PascalCase keys at every level and UTC
    times as [DateTime] on every PowerShell version. PowerShell reads properties ignoring case, so callers written
    as $envelope.ok or $data.fileName read the PascalCase properties Ok and FileName.
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
            Ok = $false
            Error = [pscustomobject]@{
                Code = 'no_response'
                Message = ('The native library returned {0} without a response.' -f $Response.StatusName)
                Details = $null
            }
        }
    }

    $envelope = $null
    $problem = 'it is not a JSON object'
    try {
        $envelope = ConvertFrom-PChatJson -Json $json
    }
    catch {
        # [PChatMigration.JsonReadException]: "invalid JSON at offset N: ...".
        $envelope = $null
        $inner = $_.Exception
        while ($null -ne $inner.InnerException) {
            $inner = $inner.InnerException
        }
        $problem = $inner.Message
    }
    if ($null -eq $envelope -or $null -eq $envelope.PSObject.Properties['Ok']) {
        return [pscustomobject]@{
            Ok = $false
            Error = [pscustomobject]@{
                Code = 'invalid_response'
                Message = ('The native library returned {0} with a response that is not a JSON envelope ({1}).' -f $Response.StatusName, $problem)
                Details = $null
            }
        }
    }
    return $envelope
}
