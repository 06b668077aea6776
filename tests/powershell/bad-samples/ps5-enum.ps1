# Violates: PSUseCompatibleSyntax
# enum is PowerShell 5.
enum PChatColour { Red; Green }
