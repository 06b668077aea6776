function Get-PChatLegacyClientFact {
    <#
    .SYNOPSIS
    Gathers what the legacy-client planner needs with the Cs cmdlets (reading only).

    .DESCRIPTION
    Builds the LegacyClientFacts object of pcm_legacy_clients_plan (docs/legacy-clients.md), with the keys and
    value types the library expects (it refuses unknown keys):
      sipDomains     <- Get-CsSipDomain (Name, IsDefault)
      pools          <- Get-CsService -PersistentChatServer (Identity, "PersistentChatServer:<fqdn>")
      registrarPools <- Get-CsService -Registrar (PoolFqdn, Version)
      endpoints      <- Get-CsPersistentChatEndpoint (SipAddress, PersistentChatPoolFqdn, DisplayName,
                        DistinguishedName)
      owners         <- for each address: Get-CsAdUser -Filter "SipAddress -eq '<address>'" (users: Enabled,
                        RegistrarPool, DistinguishedName) and Get-CsAdPrincipal -Filter (contacts and other
                        objects holding the address)
    The addresses looked up are the requested ones, else sip:ocschat@<d> for every SIP domain (the planner's
    default). Every cmdlet runs through Invoke-PChatCsCommand: locally or in -Session.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $PersistentChatPoolFqdn,

        [Parameter()]
        [AllowEmptyCollection()]
        [string[]] $SipAddress = @(),

        [Parameter()]
        [ValidateSet('Disable', 'RemoveAdUser')]
        [string] $ReleaseMethod = 'Disable',

        [Parameter()]
        [AllowNull()]
        [string] $DisplayName,

        [Parameter()]
        [AllowNull()]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    $cs = @{ Session = $Session }

    $sipDomains = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($domain in @(Invoke-PChatCsCommand @cs -Name 'Get-CsSipDomain')) {
        if ($null -eq $domain -or [string]::IsNullOrEmpty([string]$domain.Name)) {
            continue
        }
        [void]$sipDomains.Add([ordered]@{ name = [string]$domain.Name; isDefault = [bool]$domain.IsDefault })
    }

    $pools = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($service in @(Invoke-PChatCsCommand @cs -Name 'Get-CsService' -Arguments @{ PersistentChatServer = $true })) {
        if ($null -eq $service) {
            continue
        }
        $identity = [string]$service.Identity
        if ([string]::IsNullOrEmpty($identity)) {
            $identity = [string]$service.PoolFqdn
        }
        if (-not [string]::IsNullOrEmpty($identity) -and $pools -notcontains $identity) {
            [void]$pools.Add($identity)
        }
    }

    $registrarPools = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($registrar in @(Invoke-PChatCsCommand @cs -Name 'Get-CsService' -Arguments @{ Registrar = $true })) {
        if ($null -eq $registrar -or [string]::IsNullOrEmpty([string]$registrar.PoolFqdn) -or $null -eq $registrar.Version) {
            continue
        }
        [void]$registrarPools.Add([ordered]@{ fqdn = [string]$registrar.PoolFqdn; version = [int]$registrar.Version })
    }

    $endpoints = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($endpoint in @(Invoke-PChatCsCommand @cs -Name 'Get-CsPersistentChatEndpoint')) {
        if ($null -eq $endpoint) {
            continue
        }
        $address = [string]$endpoint.SipAddress
        $pool = [string]$endpoint.PersistentChatPoolFqdn
        if ([string]::IsNullOrEmpty($address) -or [string]::IsNullOrEmpty($pool)) {
            Write-Warning -Message ("Skipping the Persistent Chat endpoint '{0}': it has no SipAddress or PersistentChatPoolFqdn." -f [string]$endpoint.Identity)
            continue
        }
        [void]$endpoints.Add([ordered]@{
            sipAddress = $address
            persistentChatPoolFqdn = $pool
            displayName = [string]$endpoint.DisplayName
            distinguishedName = [string]$endpoint.DistinguishedName
        })
    }

    # The addresses to look owners up for: the planner's own default when none is given.
    $lookup = @($SipAddress | Where-Object { -not [string]::IsNullOrEmpty($_) })
    if ($lookup.Count -eq 0) {
        $lookup = @($sipDomains | ForEach-Object { 'sip:ocschat@' + $_.name })
    }
    $owners = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($address in $lookup) {
        # A single quote in the address is doubled inside the filter's quoted string.
        $filter = "SipAddress -eq '{0}'" -f $address.Replace("'", "''")
        foreach ($user in @(Invoke-PChatCsCommand @cs -Name 'Get-CsAdUser' -Arguments @{ Filter = $filter })) {
            if ($null -eq $user) {
                continue
            }
            $identity = [string]$user.DistinguishedName
            if ([string]::IsNullOrEmpty($identity)) {
                $identity = [string]$user.Identity
            }
            $registrarPool = $null
            if (-not [string]::IsNullOrEmpty([string]$user.RegistrarPool)) {
                $registrarPool = [string]$user.RegistrarPool
            }
            [void]$owners.Add([ordered]@{
                identity = $identity
                sipAddress = [string]$user.SipAddress
                enabled = [bool]$user.Enabled
                registrarPool = $registrarPool
                objectKind = 'user'
                displayName = [string]$user.DisplayName
            })
        }
        try {
            $principals = @(Invoke-PChatCsCommand @cs -Name 'Get-CsAdPrincipal' -Arguments @{ Filter = $filter })
        }
        catch {
            Write-Warning -Message ("Could not look for contacts holding {0} (Get-CsAdPrincipal: {1}); only users were checked." -f $address, $_.Exception.Message)
            $principals = @()
        }
        foreach ($principal in $principals) {
            if ($null -eq $principal) {
                continue
            }
            # ObjectClass may be the whole class chain (top, person, ..., contact): the last one is the object's.
            $classes = @($principal.ObjectClass)
            $class = ''
            if ($classes.Count -gt 0) {
                $class = ([string]$classes[$classes.Count - 1]).ToLowerInvariant()
            }
            if ($class -eq 'user' -or [string]::IsNullOrEmpty([string]$principal.SipAddress)) {
                continue
            }
            $kind = 'other'
            if ($class -eq 'contact') {
                $kind = 'contact'
            }
            $identity = [string]$principal.DistinguishedName
            if ([string]::IsNullOrEmpty($identity)) {
                $identity = [string]$principal.Identity
            }
            [void]$owners.Add([ordered]@{
                identity = $identity
                sipAddress = [string]$principal.SipAddress
                enabled = $false
                registrarPool = $null
                objectKind = $kind
                displayName = [string]$principal.Name
            })
        }
    }

    $options = [ordered]@{ releaseMethod = 'disable' }
    if ($ReleaseMethod -eq 'RemoveAdUser') {
        $options['releaseMethod'] = 'removeAdUser'
    }
    if (-not [string]::IsNullOrEmpty($DisplayName)) {
        $options['displayName'] = $DisplayName
    }
    return [ordered]@{
        sipAddresses = [string[]]@($SipAddress | Where-Object { -not [string]::IsNullOrEmpty($_) })
        persistentChatPoolFqdn = $PersistentChatPoolFqdn
        sipDomains = @($sipDomains)
        pools = [string[]]@($pools)
        owners = @($owners)
        endpoints = @($endpoints)
        registrarPools = @($registrarPools)
        options = $options
    }
}
