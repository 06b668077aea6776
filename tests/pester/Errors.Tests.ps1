# Failures the dbatools way (Stop-PChatCommand): a friendly warning by default, with the error record still in
# $Error; an error with -EnableException (terminating for a whole-command failure, non-terminating for one input);
# Test-* cmdlets answer with a Result/Error/Diagnosis object like Lync's Test-Cs* cmdlets. The native layer is
# mocked inside the module. Needs $env:PCHAT_MIGRATE_NATIVE_PATH (the module loads the library at import).
# Not run on the Linux CI machine (no PowerShell there): see docs/powershell-checks.md.

Describe 'Failures: warnings by default, errors with -EnableException' {
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
        # Every native job fails as a refused login does.
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -MockWith {
            $failure = [pscustomobject]@{ code = 'login_failed'; category = 'AuthenticationError'; message = 'Login failed for user pchat. Check -Credential.'; details = [pscustomobject]@{ server = 'sql13' } }
            throw (New-PChatErrorRecord -Envelope ([pscustomobject]@{ ok = $false; error = $failure }) -Status 1 -TargetObject 'sql13')
        }
        $Error.Clear()
    }

    It 'every public cmdlet has -EnableException' {
        foreach ($command in @(Get-Command -Module 'PersistentChatMigration')) {
            $command.Parameters.ContainsKey('EnableException') | Should -Be $true
        }
    }

    It 'Test-PChatSqlConnection answers Failure with Error and Diagnosis, warns, and keeps the record in $Error' {
        $result = Test-PChatSqlConnection -DBInstance 'sql13' -WarningVariable warned -WarningAction SilentlyContinue
        $result.PSObject.TypeNames[0] | Should -Be 'PChatMigration.ConnectionTest'
        $result.Result | Should -Be 'Failure'
        $result.TargetFqdn | Should -Be 'sql13'
        $result.Error | Should -Be 'Login failed for user pchat. Check -Credential.'
        $result.Diagnosis | Should -Match '^Code=login_failed; Category=AuthenticationError; Details='
        $result.Latency | Should -BeOfType ([System.TimeSpan])
        @($warned).Count | Should -Be 1
        [string]$warned[0] | Should -Match '^\[Test-PChatSqlConnection\] \(sql13\) Login failed .* \[login_failed\]$'
        $Error[0].FullyQualifiedErrorId | Should -BeLike 'login_failed*'
    }

    It 'Test-PChatSqlConnection -EnableException writes a non-terminating error per instance' {
        $results = @('sql13', 'sql14' | Test-PChatSqlConnection -EnableException -ErrorAction SilentlyContinue -ErrorVariable failed)
        $results.Count | Should -Be 2
        @($failed).Count | Should -Be 2
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'login_failed*'
        $failed[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        { Test-PChatSqlConnection -DBInstance 'sql13' -EnableException -ErrorAction Stop } | Should -Throw
    }

    It 'Export-PChatMigrationData warns and returns nothing by default' {
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeCall' -MockWith { [pscustomobject]@{ level = 'All'; dbInstance = 'sql10' } }
        $output = @(Export-PChatMigrationData -DBInstance 'sql10' -DBName 'GroupChat' -FileName (Join-Path -Path $work -ChildPath 'out.zip') -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue)
        $output.Count | Should -Be 0
        @($warned).Count | Should -Be 1
        $Error[0].FullyQualifiedErrorId | Should -BeLike 'login_failed*'
    }

    It 'Export-PChatMigrationData -EnableException throws whatever -ErrorAction says' {
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeCall' -MockWith { [pscustomobject]@{ level = 'All'; dbInstance = 'sql10' } }
        $caught = $null
        try {
            Export-PChatMigrationData -DBInstance 'sql10' -DBName 'GroupChat' -FileName (Join-Path -Path $work -ChildPath 'out.zip') -Confirm:$false -EnableException -ErrorAction Continue
        }
        catch {
            $caught = $_
        }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike 'login_failed*'
        $caught.TargetObject | Should -Be 'sql13'
    }

    It 'Test-PChatMigration answers Failure when it cannot run' {
        $summary = Test-PChatMigration -DBInstance 'sql13' -FileName $packagePath -WarningAction SilentlyContinue
        $summary.PSObject.TypeNames[0] | Should -Be 'PChatMigration.VerifySummary'
        $summary.Result | Should -Be 'Failure'
        $summary.Diagnosis | Should -Match 'Code=login_failed'
    }

    It 'an Error finding of the import plan is a warning, or an error with -EnableException' {
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -MockWith {
            [pscustomobject]@{
                whatIf = $true; target = [pscustomobject]@{ dbInstance = 'sql13'; database = 'mgc' }
                summary = [pscustomobject]@{ rooms = [pscustomobject]@{ created = 1; updated = 0 }; durationMs = 1 }
                estimate = [pscustomobject]@{ messages = 10; seconds = 1 }
                findings = @([pscustomobject]@{ severity = 'Error'; code = 'name_too_long'; message = 'A room name is too long.'; entity = 'Room 1'; rooms = @('Room 1') })
                entities = @()
            }
        }
        $summary = Import-PChatMigrationData -DBInstance 'sql13' -FileName $packagePath -WhatIf -WarningVariable warned -WarningAction SilentlyContinue
        $summary.Status | Should -Be 'Blocked'
        @($warned | Where-Object { [string]$_ -match 'name_too_long' }).Count | Should -Be 1
        $null = Import-PChatMigrationData -DBInstance 'sql13' -FileName $packagePath -WhatIf -EnableException -ErrorAction SilentlyContinue -ErrorVariable failed
        @($failed).Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'name_too_long*'
    }
}
