function Resolve-PChatFilePath {
    <#
    .SYNOPSIS
    Turns a path given to a cmdlet into the full file system path the native library needs.

    .DESCRIPTION
    The native library runs in this process, but its working directory is the process's, not PowerShell's current
    location (Set-Location does not change the process's directory). Every path handed to the library is
    therefore resolved here, relative to the current PowerShell location, with PowerShell's own rules: "~",
    ".\", "..\", PSDrives such as "Logs:\" and provider-qualified paths all work. The file does not have to exist
    (the export creates it). Wildcards are not expanded: the path is taken literally.

    A path on another provider (for example HKLM:\ or Cert:\) is refused with a terminating error whose id is
    invalid_path and whose category is InvalidArgument.
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Path,

        # The parameter the path came from (-FileName, -Report, ...), named in the error message.
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $ParameterName
    )

    $provider = $null
    $drive = $null
    try {
        $fullPath = $PSCmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path, [ref]$provider, [ref]$drive)
    }
    catch {
        $inner = $_.Exception
        while ($null -ne $inner.InnerException) {
            $inner = $inner.InnerException
        }
        $message = ("-{0} '{1}' is not a valid path: {2}" -f $ParameterName, $Path, $inner.Message)
        $exception = New-Object -TypeName 'System.ArgumentException' -ArgumentList @($message, $ParameterName)
        throw (New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, 'invalid_path', [System.Management.Automation.ErrorCategory]::InvalidArgument, $Path))
    }
    if ($null -eq $provider -or $provider.Name -ne 'FileSystem') {
        $providerName = '(unknown)'
        if ($null -ne $provider) {
            $providerName = $provider.Name
        }
        $message = ("-{0} '{1}' is on the {2} provider; give a file system path (for example C:\Exports\GroupChat.zip)." -f $ParameterName, $Path, $providerName)
        $exception = New-Object -TypeName 'System.ArgumentException' -ArgumentList @($message, $ParameterName)
        throw (New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, 'invalid_path', [System.Management.Automation.ErrorCategory]::InvalidArgument, $Path))
    }
    Write-Verbose -Message ("-{0} '{1}' resolves to '{2}'." -f $ParameterName, $Path, $fullPath)
    return $fullPath
}
