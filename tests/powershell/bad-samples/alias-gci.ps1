# Violates: PSAvoidUsingCmdletAliases
# gci, ls, cat and echo.
gci -Path . ; ls . ; cat -Path a.txt ; echo done
