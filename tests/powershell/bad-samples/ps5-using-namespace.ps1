# Violates: PSUseCompatibleSyntax
# using namespace is PowerShell 5.
using namespace System.IO
