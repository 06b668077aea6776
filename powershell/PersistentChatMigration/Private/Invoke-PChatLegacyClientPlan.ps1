function Invoke-PChatLegacyClientPlan {
    <#
    .SYNOPSIS
    Asks the native planner (pcm_legacy_clients_plan) for the legacy-client access plan of the gathered facts.

    .DESCRIPTION
    Serialises the facts (the LegacyClientFacts object Get-PChatLegacyClientFact builds) to JSON, calls the
    synchronous pcm_legacy_clients_plan and returns the plan ("data" of the envelope). Malformed facts are a
    terminating error built by New-PChatErrorRecord (code invalid_parameter, naming the field). A plan with
    blockers is returned as a plan (status "blocked"); the caller decides.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Collections.IDictionary] $Facts
    )

    $json = ConvertTo-Json -InputObject $Facts -Depth 20 -Compress
    Write-Verbose -Message 'Planning legacy-client access (pcm_legacy_clients_plan).'
    $response = [PChatMigration.Native]::LegacyClientsPlan($json)
    $envelope = ConvertFrom-PChatResponse -Response $response
    if ($response.IsOk -and ($envelope.ok -eq $true)) {
        return $envelope.data
    }
    throw (New-PChatErrorRecord -Envelope $envelope -Status $response.Status -TargetObject $Facts['persistentChatPoolFqdn'])
}
