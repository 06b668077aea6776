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

function ConvertFrom-PChatJsonNode {
    # One node of the tree: a JsonObject becomes a PSCustomObject, an object[] a new object[] of converted elements.
    # Not an advanced function: it is called once per object and array of a response (80,000 times for 40,000 rooms).
    # The recursion is as deep as the JSON, at most [PChatMigration.PChatJson]::MaxDepth (256) levels.
    param([object] $Node)

    if ($Node -is [PChatMigration.JsonObject]) {
        $properties = [ordered]@{}
        for ($i = 0; $i -lt $Node.Count; $i++) {
            $value = $Node.ValueAt($i)
            if (($value -is [PChatMigration.JsonObject]) -or ($value -is [object[]])) {
                $value = ConvertFrom-PChatJsonNode -Node $value
            }
            $properties[$Node.KeyAt($i)] = $value
        }
        return (New-Object -TypeName PSObject -Property $properties)
    }
    if ($Node -is [object[]]) {
        $items = New-Object -TypeName 'object[]' -ArgumentList $Node.Length
        for ($i = 0; $i -lt $Node.Length; $i++) {
            $value = $Node[$i]
            if (($value -is [PChatMigration.JsonObject]) -or ($value -is [object[]])) {
                $value = ConvertFrom-PChatJsonNode -Node $value
            }
            $items[$i] = $value
        }
        return , $items
    }
    return $Node
}
