# Violates: PSUseCompatibleSyntax
# class is PowerShell 5.
class PChatSample { [string] $Name }
