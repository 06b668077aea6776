# Violates: PSUseCompatibleSyntax
# The ternary operator is PowerShell 7.
$size = $big ? 10 : 1
