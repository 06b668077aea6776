function ConvertTo-PChatDateTime {
    <#
    .SYNOPSIS
    Converts a UTC time from a native response into a local [DateTime], or $null.

    .DESCRIPTION
    The library writes times as ISO 8601 UTC text ("2026-11-24T08:30:00Z") under keys ending in "Utc";
    ConvertFrom-PChatJson already turns those into [DateTime] values of Kind Utc on every PowerShell version
    (docs/powershell-objects.md). Text is still accepted (a time that did not match the rule). The result
    is local time (DateTimeKind.Local), like the times Get-ChildItem and the Cs cmdlets show; call
    .ToUniversalTime() for UTC. Empty or unreadable values become $null (a package property is never lost over a
    display conversion).
    #>
    [CmdletBinding()]
    [OutputType([System.DateTime])]
    param(
        [Parameter()]
        [AllowNull()]
        [object] $Value
    )

    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [System.DateTime]) {
        # PowerShell 7 parsed it: "Z" gives Kind Utc, an offset gives Kind Local. Unspecified means UTC here.
        if ($Value.Kind -eq [System.DateTimeKind]::Unspecified) {
            $Value = [System.DateTime]::SpecifyKind($Value, [System.DateTimeKind]::Utc)
        }
        return $Value.ToLocalTime()
    }
    $text = [string]$Value
    if ([string]::IsNullOrEmpty($text)) {
        return $null
    }
    $styles = [System.Globalization.DateTimeStyles]::AssumeUniversal -bor [System.Globalization.DateTimeStyles]::AdjustToUniversal
    $parsed = [System.DateTime]::MinValue
    if ([System.DateTime]::TryParse($text, [System.Globalization.CultureInfo]::InvariantCulture, $styles, [ref]$parsed)) {
        return $parsed.ToLocalTime()
    }
    Write-Verbose -Message ("Could not read the time '{0}' from the native library." -f $text)
    return $null
}
