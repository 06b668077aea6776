function ConvertTo-PChatClientAccessRoom {
    <#
    .SYNOPSIS
    Turns one room of the library's client_access result into the object Test-PChatClientAccess outputs.

    .DESCRIPTION
    Test-PChatClientAccess gives it the type name PChatMigration.ClientAccessRoom. PascalCase properties (RoomId, Name, Category, Disabled, the counts, Members, Unexpanded); every member becomes
    a PChatMigration.ClientAccessMember object (SipAddress, DisplayName, Access, Membership, Via, ReasonCode,
    Reason, Policy, RegistrarPool).
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNull()]
        [object] $Room
    )

    $members = @()
    foreach ($entry in @($Room.members)) {
        if ($null -eq $entry) {
            continue
        }
        $member = [pscustomobject]@{
            SipAddress = [string]$entry.sipAddress
            DisplayName = $entry.displayName
            Access = [string]$entry.access
            Membership = [string]$entry.membership
            Via = [string[]]@($entry.via)
            ReasonCode = [string]$entry.reasonCode
            Reason = [string]$entry.reason
            Policy = $entry.policy
            RegistrarPool = $entry.registrarPool
            Room = [string]$Room.name
        }
        $member.PSObject.TypeNames.Insert(0, 'PChatMigration.ClientAccessMember')
        $members += $member
    }
    $unexpanded = @()
    foreach ($entry in @($Room.unexpanded)) {
        if ($null -ne $entry) {
            $unexpanded += [pscustomobject]@{ Kind = [string]$entry.kind; Identity = [string]$entry.identity; DisplayName = $entry.displayName }
        }
    }
    $object = [pscustomobject]@{
        RoomId = $Room.roomId
        Name = [string]$Room.name
        Category = [string]$Room.category
        Disabled = [bool]$Room.disabled
        CanUseNewClient = $Room.counts.canUseNewClient
        DependsOnLegacy = $Room.counts.dependsOnLegacy
        NoAccess = $Room.counts.noAccess
        UnexpandedPrincipals = $Room.counts.unexpandedPrincipals
        Members = $members
        Unexpanded = $unexpanded
    }
    return $object
}
