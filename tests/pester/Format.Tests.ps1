# Every PChatMigration.* type a public cmdlet declares in [OutputType()] has a default view from the module's
# Format.ps1xml once the module is imported (Get-FormatData), and the views' columns evaluate on a sample object.
# Needs $env:PCHAT_MIGRATE_NATIVE_PATH (the module loads the library at import).
# Not run on the Linux CI machine (no PowerShell there): see docs/powershell-checks.md.

Describe 'Default views of the output types' {
    BeforeAll {
        $repoRoot = Split-Path -Parent (Split-Path -Parent $PSCommandPath)
        $manifest = Join-Path -Path $repoRoot -ChildPath 'powershell/PersistentChatMigration/PersistentChatMigration.psd1'
        Import-Module -Name $manifest -Force -ErrorAction Stop
        $declared = @(Get-Command -Module 'PersistentChatMigration' -CommandType Function | ForEach-Object { @($_.OutputType) } |
                ForEach-Object { $_.Name } | Where-Object { $_ -like 'PChatMigration.*' } | Sort-Object -Unique)
    }

    AfterAll {
        Remove-Module -Name 'PersistentChatMigration' -Force -ErrorAction SilentlyContinue
    }

    It 'the public cmdlets declare PChatMigration.* output types' {
        $declared.Count | Should -BeGreaterThan 5
    }

    It 'every declared PChatMigration.* type has a view' {
        $missing = @($declared | Where-Object { $null -eq (Get-FormatData -TypeName $_) })
        ($missing -join ', ') | Should -Be ''
    }

    It 'a PChatMigration.VerifyItem is shown as a table with Status, Kind, Name and FirstDifference' {
        $item = [pscustomobject]@{ Status = 'Mismatch'; Kind = 'Room'; Name = "Sales`tQ3"; FirstDifference = 'message chatId 1200: content differs' }
        $item.PSObject.TypeNames.Insert(0, 'PChatMigration.VerifyItem')
        $text = $item | Format-Table | Out-String
        $text | Should -Match 'FirstDifference'
        $text | Should -Match 'message chatId 1200'
        # The control character is escaped, not printed.
        $text | Should -Not -Match "`t"
    }
}
