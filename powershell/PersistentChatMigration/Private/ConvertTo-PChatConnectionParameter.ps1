function ConvertTo-PChatConnectionParameter {
    <#
    .SYNOPSIS
    Builds the connection part of a native request from Cs-style parameters.

    .DESCRIPTION
    Returns an ordered dictionary that ConvertTo-PChatRequestJson turns into the JSON the library expects
    (camelCase field names): dbInstance, dbName, authentication, user, password, encryption,
    trustServerCertificate, connectTimeoutSeconds, commandTimeoutSeconds, connectRetryCount, caCertificatePath,
    hostNameInCertificate (the library refuses unknown fields). Optional fields are present only when
    the caller bound the parameter, so the library's defaults apply otherwise.

    Authentication: Windows (integrated, the current account) when there is no -Credential, SqlServer when there
    is one; Ntlm signs in with the Windows account given in -Credential (DOMAIN\user).

    The password stays the PSCredential's SecureString: "password" holds that SecureString, never its text.
    Invoke-PChatNativeCall / Invoke-PChatNativeJob hand it to [PChatMigration.SecureRequest] at call time (after any
    -Confirm prompt), which writes it into the native request in unmanaged memory (docs/secrets.md).
    Remember that ConvertTo-Json on Windows PowerShell 3.0 needs -Depth for nested objects (this dictionary sits
    inside "params"); ConvertTo-PChatRequestJson passes it.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DBName,

        [Parameter()]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter()]
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $Authentication,

        [Parameter()]
        [ValidateSet('Mandatory', 'Strict', 'Optional', 'Plaintext')]
        [string] $Encryption = 'Mandatory',

        [Parameter()]
        [switch] $TrustServerCertificate,

        [Parameter()]
        [ValidateRange(1, 600)]
        [int] $ConnectTimeoutSeconds,

        [Parameter()]
        [ValidateRange(0, 86400)]
        [int] $CommandTimeoutSeconds,

        [Parameter()]
        [ValidateRange(0, 10)]
        [int] $ConnectRetryCount,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CACertificatePath,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $HostNameInCertificate
    )

    $hasCredential = ($null -ne $Credential) -and ($Credential -ne [System.Management.Automation.PSCredential]::Empty)
    if (-not $PSBoundParameters.ContainsKey('Authentication')) {
        if ($hasCredential) {
            $Authentication = 'SqlServer'
        }
        else {
            $Authentication = 'Windows'
        }
    }

    $problem = $null
    if ($Authentication -eq 'Windows' -and $hasCredential) {
        $problem = ('-Authentication Windows signs in as the current Windows account and does not use -Credential. ' +
            'Use -Authentication Ntlm to sign in with the Windows account in -Credential, or SqlServer for a SQL login.')
    }
    elseif ($Authentication -ne 'Windows' -and -not $hasCredential) {
        $problem = ('-Authentication {0} needs -Credential (the {1}).' -f $Authentication, $(if ($Authentication -eq 'Ntlm') { 'Windows account as DOMAIN\user' } else { 'SQL Server login' }))
    }
    if ($null -ne $problem) {
        $exception = New-Object -TypeName 'System.ArgumentException' -ArgumentList @($problem, 'Credential')
        throw (New-Object -TypeName 'System.Management.Automation.ErrorRecord' -ArgumentList @(
                $exception, 'invalid_authentication', [System.Management.Automation.ErrorCategory]::InvalidArgument, $DBInstance))
    }

    $connection = [ordered]@{
        dbInstance = $DBInstance
    }
    if ($PSBoundParameters.ContainsKey('DBName')) {
        $connection['dbName'] = $DBName
    }
    $connection['authentication'] = $Authentication
    $userText = ''
    if ($hasCredential) {
        $user = [string]$Credential.UserName
        if ($Authentication -eq 'SqlServer') {
            # Some hosts' credential prompts return "\sa" for a name typed without a domain.
            $user = $user.TrimStart('\')
        }
        $connection['user'] = $user
        # The SecureString itself: its text is written only into the unmanaged request buffer, at call time.
        $connection['password'] = $Credential.Password
        $userText = (' as {0}' -f $user)
    }
    $connection['encryption'] = $Encryption
    $connection['trustServerCertificate'] = [bool]$TrustServerCertificate.IsPresent
    if ($PSBoundParameters.ContainsKey('ConnectTimeoutSeconds')) {
        $connection['connectTimeoutSeconds'] = $ConnectTimeoutSeconds
    }
    if ($PSBoundParameters.ContainsKey('CommandTimeoutSeconds')) {
        $connection['commandTimeoutSeconds'] = $CommandTimeoutSeconds
    }
    if ($PSBoundParameters.ContainsKey('ConnectRetryCount')) {
        $connection['connectRetryCount'] = $ConnectRetryCount
    }
    if ($PSBoundParameters.ContainsKey('CACertificatePath')) {
        # The library runs in this process but does not know PowerShell's current location: pass a full path.
        $connection['caCertificatePath'] = $PSCmdlet.GetUnresolvedProviderPathFromPSPath($CACertificatePath)
    }
    if ($PSBoundParameters.ContainsKey('HostNameInCertificate')) {
        $connection['hostNameInCertificate'] = $HostNameInCertificate
    }

    # Describe the connection without the password.
    Write-Verbose -Message ("Connection: {0}, database {1}, {2} authentication{3}, encryption {4}{5}." -f $DBInstance,
        $(if ($PSBoundParameters.ContainsKey('DBName')) { $DBName } else { '(default)' }), $Authentication, $userText,
        $Encryption, $(if ($TrustServerCertificate.IsPresent) { ', server certificate trusted without validation' } else { '' }))

    return $connection
}
