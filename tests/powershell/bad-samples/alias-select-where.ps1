# Violates: PSAvoidUsingCmdletAliases
# select and where.
Get-Process | where { $_.Id -gt 0 } | select -First 1
