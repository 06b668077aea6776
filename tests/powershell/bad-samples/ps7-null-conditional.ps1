# Violates: PSUseCompatibleSyntax
# ?. is PowerShell 7.
$length = $text?.Length
