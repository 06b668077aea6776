function New-PChatErrorRecord {
    <#
    .SYNOPSIS
    Builds an ErrorRecord from a native error envelope.

    .DESCRIPTION
    The exception is a PChatMigration.PChatNativeException whose Message is the library's message (a sentence for
    the administrator) and which carries Code, Status, StatusName, DetailsJson and Details (the details object).
    The ErrorRecord's error id is the library's stable code, so FullyQualifiedErrorId starts with it (PowerShell
    appends ",<command name>" when a cmdlet rethrows it). The category is derived from the status and the code.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.ErrorRecord])]
    param(
        # The parsed envelope: {"ok": false, "error": {"code", "message", "details"}}.
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

    $category = [System.Management.Automation.ErrorCategory]::NotSpecified
    switch ($Status) {
        ([PChatMigration.PcmStatus]::NullArgument) { $category = [System.Management.Automation.ErrorCategory]::InvalidArgument }
        ([PChatMigration.PcmStatus]::InvalidUtf8) { $category = [System.Management.Automation.ErrorCategory]::InvalidArgument }
        ([PChatMigration.PcmStatus]::InvalidJson) { $category = [System.Management.Automation.ErrorCategory]::InvalidArgument }
        ([PChatMigration.PcmStatus]::InvalidRequest) { $category = [System.Management.Automation.ErrorCategory]::InvalidArgument }
        ([PChatMigration.PcmStatus]::UnknownOperation) { $category = [System.Management.Automation.ErrorCategory]::NotImplemented }
        ([PChatMigration.PcmStatus]::Cancelled) { $category = [System.Management.Automation.ErrorCategory]::OperationStopped }
        ([PChatMigration.PcmStatus]::Panic) { $category = [System.Management.Automation.ErrorCategory]::InvalidOperation }
        ([PChatMigration.PcmStatus]::Runtime) { $category = [System.Management.Automation.ErrorCategory]::ResourceUnavailable }
        ([PChatMigration.PcmStatus]::InvalidHandle) { $category = [System.Management.Automation.ErrorCategory]::InvalidOperation }
        default {
            if ($code -match 'auth|login|password') {
                $category = [System.Management.Automation.ErrorCategory]::AuthenticationError
            }
            elseif ($code -match 'timeout|timed_out') {
                $category = [System.Management.Automation.ErrorCategory]::OperationTimeout
            }
            elseif ($code -match 'connect|network|tls|dns|resolve|refused|unreachable') {
                $category = [System.Management.Automation.ErrorCategory]::ConnectionError
            }
            elseif ($code -match 'permission|denied') {
                $category = [System.Management.Automation.ErrorCategory]::PermissionDenied
            }
            elseif ($code -match 'not_found|missing') {
                $category = [System.Management.Automation.ErrorCategory]::ObjectNotFound
            }
        }
    }

    return (New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @($exception, $code, $category, $TargetObject))
}
