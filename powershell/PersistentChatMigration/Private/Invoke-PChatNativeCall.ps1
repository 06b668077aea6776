function Invoke-PChatNativeCall {
    <#
    .SYNOPSIS
    Runs a synchronous native operation (pcm_call) and returns its "data" object.

    .DESCRIPTION
    Builds the request {"operation": <Operation>, "params": <Params>}, calls pcm_call and parses the response.
    On success returns the envelope's "data". On failure throws a terminating error built from the error envelope
    (see New-PChatErrorRecord): the message is the library's message, the error id is its code, and the exception
    (PChatMigration.PChatNativeException) carries Code, Status and Details.

    The request text never contains a password: SecureStrings in -Params travel through [PChatMigration.SecureRequest].
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Operation,

        [Parameter()]
        [AllowNull()]
        [object] $Params,

        # Attached to the ErrorRecord on failure (for example the DBInstance); must not contain secrets.
        [Parameter()]
        [AllowNull()]
        [object] $TargetObject
    )

    Write-Verbose -Message ("Calling native operation '{0}'." -f $Operation)
    # Built here, at call time (after any -Confirm prompt of the cmdlet): passwords stay SecureStrings until
    # SecureRequest writes them into the unmanaged request buffer, which it zeroes after the call.
    $request = ConvertTo-PChatSecureRequest -Operation $Operation -Params $Params
    if ($request.Secrets.Length -gt 0) {
        $response = [PChatMigration.SecureRequest]::Call($request.Json, $request.Placeholders, $request.Secrets)
    }
    else {
        $response = [PChatMigration.Native]::Call($request.Json)
    }
    $request = $null

    $envelope = ConvertFrom-PChatResponse -Response $response
    if ($response.IsOk -and ($envelope.ok -eq $true)) {
        return $envelope.data
    }
    throw (New-PChatErrorRecord -Envelope $envelope -Status $response.Status -TargetObject $TargetObject)
}
