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
