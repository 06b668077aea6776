# Parameter binding of every public cmdlet, as PowerShell's own binder sees it: the parameter sets, Mandatory,
# Position and pipeline input that tests/powershell/parameters.json pins (extracted there from the parse tree), and
# the sets that must refuse ambiguous or incomplete command lines. Needs the built native library:
#   $env:PCHAT_MIGRATE_NATIVE_PATH = 'C:\src\pchat-migrate\target\release\pchat_migrate.dll'
#   Invoke-Pester -Path tests/pester
# Not run on the Linux CI machine (no PowerShell there): see docs/powershell-checks.md.

$repoRoot = Split-Path -Parent (Split-Path -Parent $PSCommandPath)
$pinnedPath = Join-Path -Path $repoRoot -ChildPath 'tests/powershell/parameters.json'
$pinned = Get-Content -LiteralPath $pinnedPath -Raw | ConvertFrom-Json
$cmdletCases = @(foreach ($property in $pinned.PSObject.Properties) {
        @{ Name = $property.Name; Expected = $property.Value }
    })

Describe 'Parameter binding of the public cmdlets' {
    BeforeAll {
        $repoRoot = Split-Path -Parent (Split-Path -Parent $PSCommandPath)
        $manifest = Join-Path -Path $repoRoot -ChildPath 'powershell/PersistentChatMigration/PersistentChatMigration.psd1'
        Import-Module -Name $manifest -Force -ErrorAction Stop
        # Read again here: Pester 5 runs the file's top level (which builds the test cases) in its discovery phase only.
        $pinnedNames = @((Get-Content -LiteralPath (Join-Path -Path $repoRoot -ChildPath 'tests/powershell/parameters.json') -Raw |
                    ConvertFrom-Json).PSObject.Properties | ForEach-Object { $_.Name } | Sort-Object)
    }

    AfterAll {
        Remove-Module -Name 'PersistentChatMigration' -Force -ErrorAction SilentlyContinue
    }

    It 'exports exactly the cmdlets of parameters.json' {
        $exported = @((Get-Command -Module 'PersistentChatMigration' -CommandType Function).Name | Sort-Object)
        ($exported -join ', ') | Should -Be ($pinnedNames -join ', ')
    }

    It '<Name> has the pinned parameter sets, Mandatory, Position, type and pipeline input' -TestCases $cmdletCases {
        param($Name, $Expected)
        $command = Get-Command -Name $Name -Module 'PersistentChatMigration'
        $setNames = @($Expected.parameterSets.PSObject.Properties | ForEach-Object { $_.Name } | Sort-Object)
        (@($command.ParameterSets | ForEach-Object { $_.Name } | Sort-Object) -join ', ') | Should -Be ($setNames -join ', ')
        if ($null -ne $Expected.defaultParameterSet) {
            $command.DefaultParameterSet | Should -Be $Expected.defaultParameterSet
        }
        # Without any explicit Position, PowerShell numbers the parameters in declaration order: not pinned then.
        $anyPosition = @($Expected.parameterSets.PSObject.Properties | ForEach-Object { @($_.Value) } |
                Where-Object { $null -ne $_.position }).Count -gt 0
        foreach ($set in $Expected.parameterSets.PSObject.Properties) {
            $actual = $command.ParameterSets | Where-Object { $_.Name -eq $set.Name }
            foreach ($parameter in @($set.Value)) {
                $info = $actual.Parameters | Where-Object { $_.Name -eq $parameter.name }
                $where = '{0} [{1}] -{2}' -f $Name, $set.Name, $parameter.name
                $info | Should -Not -BeNullOrEmpty -Because $where
                $info.IsMandatory | Should -Be ([bool]$parameter.mandatory) -Because $where
                $info.ValueFromPipeline | Should -Be ([bool]$parameter.valueFromPipeline) -Because $where
                $info.ValueFromPipelineByPropertyName | Should -Be ([bool]$parameter.valueFromPipelineByPropertyName) -Because $where
                $type = [System.Management.Automation.SwitchParameter]
                if ($parameter.type -ne 'switch') {
                    $type = $parameter.type -as [type]
                }
                $info.ParameterType | Should -Be $type -Because $where
                if ($null -ne $parameter.position) {
                    $info.Position | Should -Be ([int]$parameter.position) -Because $where
                }
                elseif ($anyPosition) {
                    $info.Position | Should -Be ([int]::MinValue) -Because $where
                }
                (@($info.Aliases | Sort-Object) -join ', ') | Should -Be (@($parameter.aliases | Sort-Object) -join ', ') -Because $where
            }
        }
    }

    It '<Name> has -WhatIf and -Confirm exactly when it declares SupportsShouldProcess' -TestCases $cmdletCases {
        param($Name, $Expected)
        $command = Get-Command -Name $Name -Module 'PersistentChatMigration'
        $command.Parameters.ContainsKey('WhatIf') | Should -Be ([bool]$Expected.supportsShouldProcess)
        $command.Parameters.ContainsKey('Confirm') | Should -Be ([bool]$Expected.supportsShouldProcess)
    }

    It 'Export-PChatMigrationData refuses -FileName together with -AsBytes (two sets)' {
        { Export-PChatMigrationData -DBInstance 'sql01' -DBName 'GroupChat' -FileName 'a.zip' -AsBytes -WhatIf } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Export-PChatMigrationData'
    }

    It 'Test-PChatMigration refuses a package and a database source at once' {
        { Test-PChatMigration -DBInstance 'sql13' -FileName 'a.zip' -SourceDBInstance 'sql10' -SourceDBName 'GroupChat' } |
            Should -Throw -ErrorId 'AmbiguousParameterSet,Test-PChatMigration'
    }

    It 'Import-PChatMigrationData takes the package path by position' {
        $command = Get-Command -Name 'Import-PChatMigrationData'
        $fileName = ($command.ParameterSets | Where-Object { $_.Name -eq 'FileName' }).Parameters |
            Where-Object { $_.Name -eq 'FileName' }
        $fileName.Position | Should -Be 0
    }

    It 'a missing mandatory parameter is an error in a non-interactive session, not a silent default' {
        $script = "Import-Module '{0}'; Import-PChatMigrationData -FileName 'a.zip'" -f
            (Join-Path -Path $repoRoot -ChildPath 'powershell/PersistentChatMigration/PersistentChatMigration.psd1')
        $shell = (Get-Process -Id $PID).Path
        $output = & $shell -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Not -Be 0
        ($output | Out-String) | Should -Match 'DBInstance'
    }
}
