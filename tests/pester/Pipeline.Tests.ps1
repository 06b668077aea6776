# Pipeline input: a package object from Get-PChatMigrationPackage binds, by its Path property, to the -FileName
# (alias Path) of the cmdlets that read a package. The native layer is mocked inside the module.
# Needs $env:PCHAT_MIGRATE_NATIVE_PATH (the module loads the library at import); nothing reaches it here.
# Not run on the Linux CI machine (no PowerShell there): see docs/powershell-checks.md.

Describe 'Package objects on the pipeline' {
    BeforeAll {
        $repoRoot = Split-Path -Parent (Split-Path -Parent $PSCommandPath)
        $manifest = Join-Path -Path $repoRoot -ChildPath 'powershell/PersistentChatMigration/PersistentChatMigration.psd1'
        Import-Module -Name $manifest -Force -ErrorAction Stop
        $work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('pchat-pester-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $work
        $packagePath = Join-Path -Path $work -ChildPath 'package.zip'
        Set-Content -LiteralPath $packagePath -Value 'not read: the native layer is mocked'
    }

    AfterAll {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Module -Name 'PersistentChatMigration' -Force -ErrorAction SilentlyContinue
    }

    BeforeEach {
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -MockWith {
            if ($Operation -eq 'inspect_package') {
                return [pscustomobject]@{ path = $Params.fileName; valid = $true; formatVersion = '1.0'; rooms = @(); counts = $null }
            }
            [pscustomobject]@{ whatIf = $true; passed = $true; items = @(); findings = @(); entities = @() }
        }
    }

    It 'Get-PChatMigrationPackage writes a PChatMigration.Package whose Path is the package' {
        $package = Get-PChatMigrationPackage -FileName $packagePath
        $package.PSObject.TypeNames[0] | Should -Be 'PChatMigration.Package'
        $package.Path | Should -Be $packagePath
    }

    It 'Get-PChatMigrationPackage takes paths from the pipeline' {
        $packages = @(@($packagePath, $packagePath) | Get-PChatMigrationPackage)
        $packages.Count | Should -Be 2
    }

    It '<Name> takes the package from the pipeline' -TestCases @(
        @{ Name = 'Import-PChatMigrationData'; Operation = 'import'; Run = { param($p) $p | Import-PChatMigrationData -DBInstance 'sql13' -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Test-PChatMigration'; Operation = 'verify'; Run = { param($p) $p | Test-PChatMigration -DBInstance 'sql13' -ErrorAction SilentlyContinue } }
        @{ Name = 'Test-PChatMigrationReadiness'; Operation = 'readiness'; Run = { param($p) $p | Test-PChatMigrationReadiness -ErrorAction SilentlyContinue } }
        @{ Name = 'Export-PChatArchive'; Operation = 'archive'; Run = { param($p) $p | Export-PChatArchive -OutputFolder (Join-Path -Path $work -ChildPath 'archive') -Confirm:$false -ErrorAction SilentlyContinue } }
    ) {
        param($Name, $Operation, $Run)
        $package = Get-PChatMigrationPackage -FileName $packagePath
        try {
            & $Run $package
        }
        catch {
            Write-Verbose -Message ('ignored: {0}' -f $_.Exception.Message)
        }
        # Inside the filter $Operation is the mocked command's parameter: compare with a copy of the test case's.
        $expectedOperation = $Operation
        $expectedPath = $packagePath
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -Times 1 -ParameterFilter {
            $Operation -eq $expectedOperation -and $Params.fileName -eq $expectedPath
        }
    }

    It 'Import-PChatMigrationData takes the bytes of Export-PChatMigrationData -AsBytes from the pipeline' {
        $command = Get-Command -Name 'Import-PChatMigrationData'
        $byteInput = ($command.ParameterSets | Where-Object { $_.Name -eq 'ByteInput' }).Parameters | Where-Object { $_.Name -eq 'ByteInput' }
        $byteInput.ValueFromPipeline | Should -Be $true
        $byteInput.ParameterType | Should -Be ([byte[]])
    }
}
