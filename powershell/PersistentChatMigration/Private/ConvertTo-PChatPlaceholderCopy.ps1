function ConvertTo-PChatPlaceholderCopy {
    <#
    .SYNOPSIS
    A copy of a request value with each SecureString replaced by a placeholder (recorded with its secret).
    #>
    [CmdletBinding()]
    param(
        [Parameter()]
        [AllowNull()]
        [object] $Value,

        [Parameter(Mandatory = $true)]
        [System.Collections.Generic.List[string]] $Placeholders,

        [Parameter(Mandatory = $true)]
        [System.Collections.Generic.List[System.Security.SecureString]] $Secrets
    )

    if ($Value -is [System.Security.SecureString]) {
        $placeholder = [PChatMigration.SecureRequest]::NewPlaceholder()
        $Placeholders.Add($placeholder)
        $Secrets.Add($Value)
        return $placeholder
    }
    if ($Value -is [System.Collections.IDictionary]) {
        $copy = [ordered]@{}
        foreach ($key in @($Value.Keys)) {
            $copy[$key] = ConvertTo-PChatPlaceholderCopy -Value $Value[$key] -Placeholders $Placeholders -Secrets $Secrets
        }
        return $copy
    }
    # Byte arrays hold no secrets (and can be large): passed through as they are.
    if (($Value -is [System.Collections.IList]) -and -not ($Value -is [byte[]])) {
        $items = New-Object -TypeName 'System.Collections.Generic.List[object]'
        foreach ($item in $Value) {
            $items.Add((ConvertTo-PChatPlaceholderCopy -Value $item -Placeholders $Placeholders -Secrets $Secrets))
        }
        return , $items.ToArray()
    }
    return $Value
}
