function Get-PChatClientAccessFact {
    <#
    .SYNOPSIS
    Gathers what the client-access analysis needs with the Cs cmdlets (reading only).

    .DESCRIPTION
    Builds the ClientAccessFacts object of the client_access operation (docs/client-access.md), with the keys and
    value types the library expects (it refuses unknown keys):
      users     <- Get-CsUser (SipAddress, Enabled, RegistrarPool, PersistentChatPolicy, DisplayName)
      policies  <- Get-CsPersistentChatPolicy (Identity, EnablePersistentChat)
      pools     <- Get-CsPool (Fqdn, Site) for the pools Get-CsService -Registrar lists (PoolFqdn, Version)
      endpoints <- Get-CsPersistentChatEndpoint (SipAddress, PersistentChatPoolFqdn)
      groups    <- -GroupMember as given: group, OU or domain (DN or ma-grp: URI) -> the SIP addresses of its users
    Every Cs cmdlet runs through Invoke-PChatCsCommand: locally or in -Session.
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        [Parameter()]
        [AllowNull()]
        [System.Collections.IDictionary] $GroupMember,

        [Parameter()]
        [AllowNull()]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    $cs = @{ Session = $Session }

    $users = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($user in @(Invoke-PChatCsCommand @cs -Name 'Get-CsUser')) {
        if ($null -eq $user -or [string]::IsNullOrEmpty([string]$user.SipAddress)) {
            continue
        }
        $registrarPool = $null
        if (-not [string]::IsNullOrEmpty([string]$user.RegistrarPool)) {
            $registrarPool = [string]$user.RegistrarPool
        }
        $policy = $null
        if (-not [string]::IsNullOrEmpty([string]$user.PersistentChatPolicy)) {
            $policy = [string]$user.PersistentChatPolicy
        }
        [void]$users.Add([ordered]@{
            sipAddress = [string]$user.SipAddress
            enabled = [bool]$user.Enabled
            registrarPool = $registrarPool
            persistentChatPolicy = $policy
            displayName = [string]$user.DisplayName
        })
    }

    $policies = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($policy in @(Invoke-PChatCsCommand @cs -Name 'Get-CsPersistentChatPolicy')) {
        if ($null -eq $policy -or [string]::IsNullOrEmpty([string]$policy.Identity)) {
            continue
        }
        [void]$policies.Add([ordered]@{ identity = [string]$policy.Identity; enablePersistentChat = [bool]$policy.EnablePersistentChat })
    }

    # Get-CsPool has the site, Get-CsService -Registrar the product version.
    $sites = @{}
    foreach ($pool in @(Invoke-PChatCsCommand @cs -Name 'Get-CsPool')) {
        if ($null -ne $pool -and -not [string]::IsNullOrEmpty([string]$pool.Fqdn)) {
            $sites[([string]$pool.Fqdn).ToLowerInvariant()] = [string]$pool.Site
        }
    }
    $pools = New-Object -TypeName 'System.Collections.ArrayList'
    $seen = @{}
    foreach ($registrar in @(Invoke-PChatCsCommand @cs -Name 'Get-CsService' -Arguments @{ Registrar = $true })) {
        if ($null -eq $registrar -or [string]::IsNullOrEmpty([string]$registrar.PoolFqdn) -or $null -eq $registrar.Version) {
            continue
        }
        $fqdn = [string]$registrar.PoolFqdn
        if ($seen.ContainsKey($fqdn.ToLowerInvariant())) {
            continue
        }
        $seen[$fqdn.ToLowerInvariant()] = $true
        $site = $null
        if (-not [string]::IsNullOrEmpty([string]$sites[$fqdn.ToLowerInvariant()])) {
            $site = [string]$sites[$fqdn.ToLowerInvariant()]
        }
        [void]$pools.Add([ordered]@{ fqdn = $fqdn; version = [int]$registrar.Version; site = $site })
    }

    $endpoints = New-Object -TypeName 'System.Collections.ArrayList'
    foreach ($endpoint in @(Invoke-PChatCsCommand @cs -Name 'Get-CsPersistentChatEndpoint')) {
        if ($null -eq $endpoint -or [string]::IsNullOrEmpty([string]$endpoint.SipAddress)) {
            continue
        }
        [void]$endpoints.Add([ordered]@{ sipAddress = [string]$endpoint.SipAddress; persistentChatPoolFqdn = [string]$endpoint.PersistentChatPoolFqdn })
    }

    $groups = New-Object -TypeName 'System.Collections.ArrayList'
    if ($null -ne $GroupMember) {
        foreach ($key in @($GroupMember.Keys)) {
            $members = [string[]]@($GroupMember[$key] | Where-Object { -not [string]::IsNullOrEmpty([string]$_) } | ForEach-Object { [string]$_ })
            [void]$groups.Add([ordered]@{ identity = [string]$key; members = $members })
        }
    }

    return [ordered]@{
        users = @($users)
        policies = @($policies)
        pools = @($pools)
        endpoints = @($endpoints)
        groups = @($groups)
    }
}
