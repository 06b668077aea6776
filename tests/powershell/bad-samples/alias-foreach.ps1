# Violates: PSAvoidUsingCmdletAliases
# foreach in a pipeline is the ForEach-Object alias (the foreach statement is fine).
@(1, 2) | foreach { $_ }
