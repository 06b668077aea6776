# Violates: PSAvoidUsingCmdletAliases
# ? is Where-Object.
@(1, 2) | ? { $_ -gt 1 }
