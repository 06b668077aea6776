# -WhatIf on every state-changing cmdlet reaches nothing native that writes: the native layer
# (Invoke-PChatNativeJob, Invoke-PChatNativeCall) and the Cs command runner are mocked inside the module, and every
# call they receive under -WhatIf must be a read-only operation or carry whatIf = $true (the library's plan).
# Needs $env:PCHAT_MIGRATE_NATIVE_PATH (the module loads the library at import); nothing reaches it here.
# Not run on the Linux CI machine (no PowerShell there): see docs/powershell-checks.md.

Describe '-WhatIf calls nothing native that writes' {
    BeforeAll {
        $repoRoot = Split-Path -Parent (Split-Path -Parent $PSCommandPath)
        $manifest = Join-Path -Path $repoRoot -ChildPath 'powershell/PersistentChatMigration/PersistentChatMigration.psd1'
        Import-Module -Name $manifest -Force -ErrorAction Stop
        $work = Join-Path -Path ([System.IO.Path]::GetTempPath()) -ChildPath ('pchat-pester-' + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $work
        $package = Join-Path -Path $work -ChildPath 'package.zip'
        Set-Content -LiteralPath $package -Value 'not read: the native layer is mocked'
        # Operations that only read (the library's plan of a change is a whatIf = true request).
        $readOnly = @('validate', 'inspect_package', 'readiness', 'verify', 'file_manifest', 'probe')
        # Runs a command, ignoring the errors the mocked (empty) results cause after the calls being checked.
        $invokeQuietly = {
            param([scriptblock] $Command)
            try {
                & $Command
            }
            catch {
                Write-Verbose -Message ('ignored: {0}' -f $_.Exception.Message)
            }
        }
    }

    AfterAll {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
        Remove-Module -Name 'PersistentChatMigration' -Force -ErrorAction SilentlyContinue
    }

    BeforeEach {
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -MockWith {
            [pscustomobject]@{ whatIf = $true; path = $Params.fileName; rooms = @(); entities = @(); findings = @() }
        }
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeCall' -MockWith {
            [pscustomobject]@{ level = 'All'; dbInstance = 'sql01.contoso.com\rtc'; fileName = 'package.zip' }
        }
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatCsCommand' -MockWith { $null }
    }

    It '<Name> -WhatIf sends no writing request' -TestCases @(
        @{ Name = 'Import-PChatMigrationData'; Run = { Import-PChatMigrationData -DBInstance 'sql13' -FileName $package -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Export-PChatMigrationData'; Run = { Export-PChatMigrationData -DBInstance 'sql10' -DBName 'GroupChat' -FileName (Join-Path -Path $work -ChildPath 'out.zip') -DisableExportedNodes -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Export-PChatArchive'; Run = { Export-PChatArchive -FileName $package -OutputFolder (Join-Path -Path $work -ChildPath 'archive') -WhatIf -ErrorAction SilentlyContinue } }
        @{ Name = 'Copy-PChatFileStore'; Run = { Copy-PChatFileStore -Source $work -Destination (Join-Path -Path $work -ChildPath 'copy') -WhatIf -ErrorAction SilentlyContinue } }
    ) {
        param($Name, $Run)
        & $invokeQuietly $Run
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -Times 0 -Exactly -ParameterFilter {
            ($readOnly -notcontains $Operation) -and ($Params.whatIf -ne $true)
        }
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeCall' -Times 0 -Exactly -ParameterFilter {
            $readOnly -notcontains $Operation
        }
    }

    It 'Import-PChatMigrationData -WhatIf asks the library for the plan (whatIf = true), not nothing' {
        & $invokeQuietly { Import-PChatMigrationData -DBInstance 'sql13' -FileName $package -WhatIf -ErrorAction SilentlyContinue }
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -Times 1 -ParameterFilter {
            $Operation -eq 'import' -and $Params.whatIf -eq $true
        }
    }

    It 'Copy-PChatFileStore -WhatIf asks the library for the copy plan (whatIf = true)' {
        & $invokeQuietly { Copy-PChatFileStore -Source $work -Destination (Join-Path -Path $work -ChildPath 'copy') -WhatIf -ErrorAction SilentlyContinue }
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -Times 1 -ParameterFilter {
            $Operation -eq 'copy_files' -and $Params.whatIf -eq $true
        }
    }

    It 'Export-PChatMigrationData -WhatIf validates the request through the library and starts no export' {
        & $invokeQuietly { Export-PChatMigrationData -DBInstance 'sql10' -DBName 'GroupChat' -FileName (Join-Path -Path $work -ChildPath 'out.zip') -WhatIf -ErrorAction SilentlyContinue }
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeCall' -Times 1 -ParameterFilter { $Operation -eq 'validate' }
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatNativeJob' -Times 0 -Exactly -ParameterFilter { $Operation -eq 'export' }
    }

    It 'Enable-PChatLegacyClientAccess -WhatIf runs no planned step' {
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Get-PChatLegacyClientFact' -MockWith { [pscustomobject]@{ persistentChatPoolFqdn = 'pc.contoso.com' } }
        Mock -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatLegacyClientPlan' -MockWith {
            $step = [pscustomobject]@{
                number = 1; id = 'release-1'; sipAddress = 'sip:ocschat@contoso.com'; target = 'sip:ocschat@contoso.com'
                action = 'Disable the legacy user'; commandLine = 'Disable-CsUser -Identity sip:ocschat@contoso.com'
                cmdlet = 'Disable-CsUser'; module = 'Lync'; arguments = @([pscustomobject]@{ name = 'Identity'; value = 'sip:ocschat@contoso.com' })
            }
            [pscustomobject]@{ status = 'ready'; warnings = @(); blockers = @(); steps = @($step); addresses = @() }
        }
        & $invokeQuietly { Enable-PChatLegacyClientAccess -PersistentChatPoolFqdn 'pc.contoso.com' -WhatIf }
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatLegacyClientPlan' -Times 1
        Assert-MockCalled -ModuleName 'PersistentChatMigration' -CommandName 'Invoke-PChatCsCommand' -Times 0 -Exactly -ParameterFilter { $Name -notlike 'Get-*' }
    }
}
