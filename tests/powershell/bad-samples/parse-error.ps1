# Violates: PSParseError
# An unclosed array subexpression.
$names = @(1, 2
