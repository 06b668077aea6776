# Violates: PSAvoidUsingCmdletAliases
# % is ForEach-Object.
@(1, 2) | % { $_ }
