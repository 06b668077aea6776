function ConvertFrom-PChatJson {
    <#
    .SYNOPSIS
    Parses native-library JSON into PSCustomObjects that are the same on Windows PowerShell 3.0-5.1 and PowerShell 7.

    .DESCRIPTION
    Replaces ConvertFrom-Json for every native response (docs/powershell-objects.md): [PChatMigration.PChatJson]::Parse
    (Native/PChatMigrationJson.cs) reads text of any size (Windows PowerShell 3.0/4.0's ConvertFrom-Json stops at
    2,097,152 characters, a package of about 10,000 rooms), PascalCases every camelCase key (fileName -> FileName,
    dbInstance -> DBInstance, mibPerSecond -> MiBPerSecond) and turns ISO 8601 UTC text under keys ending in "Utc" into
    [DateTime] values of Kind Utc, on every PowerShell version. This function turns that tree into objects:
    JSON objects become PSCustomObjects with the members in the text's order, arrays object[], scalars stay .NET values
    (string, long, double, decimal, bool, DateTime, $null).
    Invalid JSON throws [PChatMigration.JsonReadException] naming the offset.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        # The JSON text.
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string] $Json
    )

    $tree = [PChatMigration.PChatJson]::Parse($Json)
    # The comma keeps a top-level array from being unrolled into the pipeline.
    return , (ConvertFrom-PChatJsonNode -Node $tree)
}
