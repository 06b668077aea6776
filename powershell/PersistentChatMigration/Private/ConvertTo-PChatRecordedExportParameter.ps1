function ConvertTo-PChatRecordedExportParameter {
    <#
    .SYNOPSIS
    Turns a package's recorded export parameters (Get-PChatMigrationPackage's Parameters) back into the JSON
    fields migration_plan compares: level, scope, rooms, startDateUtc.

    .DESCRIPTION
    Responses are read with PascalCase keys and UTC times as [DateTime] (ConvertFrom-PChatJson,
    docs/powershell-objects.md). Sending such an object back through ConvertTo-Json would give the library Level
    instead of level, and on Windows PowerShell 5.1 a "\/Date(...)\/" string instead of ISO 8601 text. This helper
    writes the four fields the planner reads (src/migration/model.rs parameter_difference) with their library
    names, the time as ISO 8601 UTC with seven fraction digits. Absent fields stay absent; $null gives $null.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        # The Parameters property of a PChatMigration.Package, or $null.
        [Parameter()]
        [AllowNull()]
        [object] $Recorded
    )

    if ($null -eq $Recorded) {
        return $null
    }
    $fields = [ordered]@{}
    if ($null -ne $Recorded.PSObject.Properties['Level']) {
        $fields['level'] = $Recorded.Level
    }
    if ($null -ne $Recorded.PSObject.Properties['Scope']) {
        $fields['scope'] = @($Recorded.Scope)
    }
    if ($null -ne $Recorded.PSObject.Properties['Rooms']) {
        $fields['rooms'] = @($Recorded.Rooms)
    }
    if ($null -ne $Recorded.PSObject.Properties['StartDateUtc']) {
        $start = $Recorded.StartDateUtc
        if ($start -is [System.DateTime]) {
            $start = $start.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", [System.Globalization.CultureInfo]::InvariantCulture)
        }
        $fields['startDateUtc'] = $start
    }
    return $fields
}
