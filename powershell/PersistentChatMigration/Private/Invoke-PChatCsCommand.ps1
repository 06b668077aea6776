function Invoke-PChatCsCommand {
    <#
    .SYNOPSIS
    Runs one Lync Server (Cs) or ActiveDirectory cmdlet by name with splatted arguments, locally or in the pool's
    remote PowerShell session.

    .DESCRIPTION
    The one place the module runs a Cs cmdlet. Where it runs:
      - Module 'Lync' with -Session: in that session (Invoke-Command -Session), for example a session to
        https://<front end>/OcsPowershell opened with New-PSSession;
      - Module 'Lync' without -Session: the local command, which is the Lync Server Management Shell's module, a
        module that Import-Module Lync loads, or proxy functions already imported with Import-PSSession;
      - Module 'ActiveDirectory' (Remove-ADUser): always the local command (the Lync remote endpoint does not
        offer it), loading the ActiveDirectory module when needed.
    When the cmdlet cannot be found, a terminating error says how to get it.

    It does not ask for confirmation: reading cmdlets (Get-*) are called directly, and cmdlets that change
    something are called only by Invoke-PChatPlanStep, inside its ShouldProcess branch.
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Name,

        [Parameter()]
        [System.Collections.IDictionary] $Arguments = @{},

        [Parameter()]
        [ValidateSet('Lync', 'ActiveDirectory')]
        [string] $Module = 'Lync',

        [Parameter()]
        [AllowNull()]
        [System.Management.Automation.Runspaces.PSSession] $Session
    )

    if ($Module -eq 'Lync' -and $null -ne $Session) {
        if ([string]$Session.State -ne 'Opened') {
            throw ("The remote PowerShell session '{0}' to {1} is {2}, not Opened. Open a new one: " +
                "`$s = New-PSSession -ConnectionUri https://<front end>/OcsPowershell -Credential (Get-Credential)") -f $Session.Name, $Session.ComputerName, $Session.State
        }
        Write-Verbose -Message ('Running {0} in the remote session {1} ({2}).' -f $Name, $Session.Name, $Session.ComputerName)
        return (Invoke-Command -Session $Session -ScriptBlock { param($CommandName, $CommandArguments) & $CommandName @CommandArguments } -ArgumentList $Name, $Arguments -ErrorAction Stop)
    }

    $command = Get-Command -Name $Name -ErrorAction SilentlyContinue
    if ($null -eq $command) {
        $moduleName = 'Lync'
        if ($Module -eq 'ActiveDirectory') {
            $moduleName = 'ActiveDirectory'
        }
        if ($null -ne (Get-Module -ListAvailable -Name $moduleName)) {
            Write-Verbose -Message ('Loading the {0} module for {1}.' -f $moduleName, $Name)
            Import-Module -Name $moduleName -ErrorAction Stop -Verbose:$false
            $command = Get-Command -Name $Name -ErrorAction SilentlyContinue
        }
    }
    if ($null -eq $command) {
        if ($Module -eq 'ActiveDirectory') {
            throw ("{0} is not available on this computer: it comes from the ActiveDirectory module (Remote Server " +
                "Administration Tools, 'RSAT: Active Directory Domain Services and Lightweight Directory Services " +
                "Tools'). Install it, or use -ReleaseMethod Disable (Disable-CsUser).") -f $Name
        }
        throw ("{0} is not available: run this in the Lync Server Management Shell, load the Lync module " +
            "(Import-Module Lync), or give -Session with a remote PowerShell session to the pool's front end: " +
            "`$s = New-PSSession -ConnectionUri https://<front end>/OcsPowershell -Credential (Get-Credential)") -f $Name
    }
    return (& $command @Arguments)
}
