# Violates: PSUseCompatibleSyntax
# ?? is PowerShell 7.
$name = $given ?? "default"
