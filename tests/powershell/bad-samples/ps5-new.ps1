# Violates: PSUseCompatibleSyntax
# ::new() is PowerShell 5.
$list = [System.Collections.Generic.List[string]]::new()
