function New-PChatErrorRecord {
    <#
    .SYNOPSIS
    Builds an ErrorRecord from a native error envelope.

    .DESCRIPTION
    The exception is a PChatMigration.PChatNativeException whose Message is the library's message (a sentence for
    the administrator) and which carries Code, Status, StatusName, DetailsJson and Details (the details object).
    The ErrorRecord's error id is the library's stable code, so FullyQualifiedErrorId starts with it (PowerShell
    appends ",<command name>" when a cmdlet rethrows it). The category is the envelope's `category` (the library's name for the code's ErrorCategory), NotSpecified
    when absent.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        # The parsed envelope: {"ok": false, "error": {"code", "category", "message", "details"}}.
        [Parameter(Mandatory = $true)]
        [object] $Envelope,

        # The PCM_STATUS_* value that came with it.
        [Parameter(Mandatory = $true)]
        [int] $Status,

        [Parameter()]
        [AllowNull()]
        [object] $TargetObject
    )

    $code = 'unknown_error'
    $message = ('The native library reported {0} without an error message.' -f [PChatMigration.Native]::StatusName($Status))
    $details = $null
    $detailsJson = $null
    $errorObject = $null
    if ($null -ne $Envelope.PSObject.Properties['error']) {
        $errorObject = $Envelope.error
    }
    if ($null -ne $errorObject) {
        if (-not [string]::IsNullOrEmpty([string]$errorObject.code)) {
            $code = [string]$errorObject.code
        }
        if (-not [string]::IsNullOrEmpty([string]$errorObject.message)) {
            $message = [string]$errorObject.message
        }
        if ($null -ne $errorObject.PSObject.Properties['details']) {
            $details = $errorObject.details
        }
        if ($null -ne $details) {
            $detailsJson = ConvertTo-Json -InputObject $details -Depth 20 -Compress
        }
    }

    $exception = New-Object -TypeName 'PChatMigration.PChatNativeException' -ArgumentList @($message, $code, $Status, $detailsJson)
    $exception.Details = $details

    # The library names the category of every code (error.category, one table with the code and the status; see
    # docs/c-abi.md "Error codes"); an envelope without one, or with a name this PowerShell does not know, is
    # NotSpecified.
    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    if ($null -ne $errorObject -and $null -ne $errorObject.PSObject.Properties['category']) {
        $name = [string]$errorObject.category
        # IsDefined with a string is exact and case-sensitive, and exists on .NET 4.0 (PowerShell 3.0).
        if (-not [string]::IsNullOrEmpty($name) -and [System.Enum]::IsDefined([System.Management.Automation.ErrorCategory], $name)) {
            $category = [System.Management.Automation.ErrorCategory]$name
        }
    }

    return (New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @($exception, $code, $category, $TargetObject))
}
