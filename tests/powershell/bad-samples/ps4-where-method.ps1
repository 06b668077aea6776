# Violates: PSUseCompatibleSyntax
# .Where() is PowerShell 4.
$big = @(1, 2, 3).Where({ $_ -gt 1 })
