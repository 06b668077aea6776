# Violates: PSUseCompatibleSyntax
# || is PowerShell 7.
Get-Date || Get-Location
