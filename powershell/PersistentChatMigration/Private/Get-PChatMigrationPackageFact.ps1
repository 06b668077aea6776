function Get-PChatMigrationPackageFact {
    <#
    .SYNOPSIS
    Gathers the facts the migration planner (migration_plan) needs about the package at a path: whether it and
    an interrupted export's staging folder exist, and, when it exists, whether it validates and which source and
    export parameters its manifest records.

    .DESCRIPTION
    Read-only: the package is validated with Get-PChatMigrationPackage (inspect_package, every checksum and
    record). A package that does not validate is reported with the library's error code and message, not thrown:
    the planner decides (a blocker without -Force, exported again with it).
    #>
    [CmdletBinding()]
    [OutputType([System.Collections.Specialized.OrderedDictionary])]
    param(
        # The full path of the package (already resolved).
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $PackagePath
    )

    $facts = [ordered]@{
        fileName = $PackagePath
        exists = [System.IO.File]::Exists($PackagePath)
        stagingExists = [System.IO.Directory]::Exists($PackagePath + '.staging')
    }
    if (-not $facts['exists']) {
        return $facts
    }
    try {
        $package = Get-PChatMigrationPackage -FileName $PackagePath -ErrorAction Stop
        $facts['check'] = [ordered]@{
            valid = [bool]$package.Valid
            source = [ordered]@{
                dbInstance = [string]$package.Source.dbInstance
                database = [string]$package.Source.database
            }
            parameters = (ConvertTo-PChatRecordedExportParameter -Recorded $package.Parameters)
        }
    }
    catch [System.Management.Automation.PipelineStoppedException] {
        throw
    }
    catch {
        $code = 'invalid_package'
        if ($null -ne $_.Exception.PSObject.Properties['Code']) {
            $code = [string]$_.Exception.Code
        }
        $facts['check'] = [ordered]@{
            valid = $false
            errorCode = $code
            errorMessage = [string]$_.Exception.Message
        }
    }
    return $facts
}
