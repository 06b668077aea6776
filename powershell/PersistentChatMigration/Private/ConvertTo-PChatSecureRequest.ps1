function ConvertTo-PChatSecureRequest {
    <#
    .SYNOPSIS
    Builds a native request whose passwords stay SecureStrings: the JSON holds a placeholder for each.

    .DESCRIPTION
    Copies -Params (dictionaries and lists, at any depth), replacing every SecureString value by a fresh
    [PChatMigration.SecureRequest]::NewPlaceholder() string, then builds the JSON with ConvertTo-PChatRequestJson.
    Returns a hashtable: Json (the request text, no password in it), Placeholders (string[]) and Secrets
    (SecureString[], in the same order). [PChatMigration.SecureRequest]::Call / StartJob put each secret in place
    of its placeholder in unmanaged memory, at the native call. The caller's dictionaries are not changed.
    #>
    [CmdletBinding()]
    [OutputType([hashtable])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Operation,

        [Parameter()]
        [AllowNull()]
        [object] $Params
    )

    $placeholders = New-Object -TypeName 'System.Collections.Generic.List[string]'
    $secrets = New-Object -TypeName 'System.Collections.Generic.List[System.Security.SecureString]'
    $copy = ConvertTo-PChatPlaceholderCopy -Value $Params -Placeholders $placeholders -Secrets $secrets
    return @{
        Json = (ConvertTo-PChatRequestJson -Operation $Operation -Params $copy)
        Placeholders = [string[]]$placeholders.ToArray()
        Secrets = [System.Security.SecureString[]]$secrets.ToArray()
    }
}
