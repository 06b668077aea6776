function Invoke-PChatNativeCall {
    <#
    .SYNOPSIS
    Runs a synchronous native operation (pcm_call) and returns its "data" object.

    .DESCRIPTION
    Builds the request {"operation": <Operation>, "params": <Params>}, calls pcm_call and parses the response.
    On success returns the envelope's "data". On failure throws a terminating error built from the error envelope
    (see New-PChatErrorRecord): the message is the library's message, the error id is its code, and the exception
    (PChatMigration.PChatNativeException) carries Code, Status and Details.

    The request text can contain a password; it is never written to any stream.
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
    $requestJson = ConvertTo-PChatRequestJson -Operation $Operation -Params $Params
    $response = [PChatMigration.Native]::Call($requestJson)
    # The request may hold a password: drop the reference at once.
    $requestJson = $null

    $envelope = ConvertFrom-PChatResponse -Response $response
    if ($response.IsOk -and ($envelope.ok -eq $true)) {
        return $envelope.data
    }
    throw (New-PChatErrorRecord -Envelope $envelope -Status $response.Status -TargetObject $TargetObject)
}
