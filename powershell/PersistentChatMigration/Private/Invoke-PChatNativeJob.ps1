function Invoke-PChatNativeJob {
    <#
    .SYNOPSIS
    Runs a native job (pcm_job_start / pcm_job_poll / pcm_job_result) on the calling thread.

    .DESCRIPTION
    Starts the job, then polls it with a short timeout and turns its events into PowerShell streams:
      progress -> Write-Progress (one progress record per activity), verbose -> Write-Verbose,
      warning  -> Write-Warning, item -> an output object (PSCustomObject, type name -ItemTypeName).
    The library never calls back into .NET: everything happens on this thread, so the pipeline can be stopped
    between two polls. Ctrl+C or a stopped pipeline (Select-Object -First, for example) runs the finally block,
    which cancels a job that has not finished and frees it (pcm_job_free runs exactly once, through a SafeHandle).
    At the end it writes Write-Progress -Completed, then outputs the final result's "data" (type name
    -ResultTypeName) or throws a terminating error built from the error envelope (see New-PChatErrorRecord).

    The request text never contains a password: SecureStrings in -Params travel through [PChatMigration.SecureRequest].
    #>
    [CmdletBinding()]
    [OutputType([System.Management.Automation.PSObject])]
    param(
        [Parameter(Mandatory = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $Operation,

        [Parameter()]
        [AllowNull()]
        [object] $Params,

        # Activity text for Write-Progress when the library sends none, and for the final -Completed record.
        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $Activity = 'PersistentChatMigration',

        # Type name inserted into the PSObject.TypeNames of every "item" event object.
        [Parameter()]
        [string] $ItemTypeName,

        # Type name inserted into the PSObject.TypeNames of the final result object.
        [Parameter()]
        [string] $ResultTypeName,

        # Attached to ErrorRecords (for example the DBInstance); must not contain secrets.
        [Parameter()]
        [AllowNull()]
        [object] $TargetObject,

        # How long one pcm_job_poll may wait for events. Short, so that Ctrl+C is honoured quickly.
        [Parameter()]
        [ValidateRange(0, 5000)]
        [uint32] $PollTimeoutMs = 200
    )

    # Progress ids: one per activity the library reports, from a base unlikely to collide with the caller's.
    $progressIdBase = 4710
    $progressIds = @{}
    $job = $null
    $ended = $false
    $final = $null

    try {
        Write-Verbose -Message ("Starting native job '{0}'." -f $Operation)
        # Built at call time (after any -Confirm prompt): passwords stay SecureStrings until SecureRequest writes
        # them into the unmanaged request buffer, which it zeroes once pcm_job_start returns.
        $request = ConvertTo-PChatSecureRequest -Operation $Operation -Params $Params
        if ($request.Secrets.Length -gt 0) {
            $job = [PChatMigration.SecureRequest]::StartJob($request.Json, $request.Placeholders, $request.Secrets)
        }
        else {
            $job = [PChatMigration.Native]::StartJob($request.Json)
        }
        $request = $null
        if (-not $job.IsStarted) {
            $startResponse = $job.StartResponse
            $envelope = ConvertFrom-PChatResponse -Response $startResponse
            throw (New-PChatErrorRecord -Envelope $envelope -Status $startResponse.Status -TargetObject $TargetObject)
        }

        while ($true) {
            $poll = $job.Poll($PollTimeoutMs)
            if ($poll.Status -eq [PChatMigration.PcmStatus]::JobFinished) {
                # The job has ended and every event has been delivered.
                break
            }
            $envelope = ConvertFrom-PChatResponse -Response $poll
            if ((-not $poll.IsOk) -or ($envelope.ok -ne $true)) {
                throw (New-PChatErrorRecord -Envelope $envelope -Status $poll.Status -TargetObject $TargetObject)
            }
            $events = @()
            if ($null -ne $envelope.data -and $null -ne $envelope.data.PSObject.Properties['events']) {
                $events = @($envelope.data.events)
            }
            foreach ($nativeEvent in $events) {
                if ($null -eq $nativeEvent) {
                    continue
                }
                $eventType = [string]$nativeEvent.type
                if ($eventType -eq 'progress') {
                    $progressActivity = [string]$nativeEvent.activity
                    if ([string]::IsNullOrEmpty($progressActivity)) {
                        $progressActivity = $Activity
                    }
                    if (-not $progressIds.ContainsKey($progressActivity)) {
                        $progressIds[$progressActivity] = $progressIdBase + $progressIds.Count
                    }
                    $progressArgs = @{
                        Id = $progressIds[$progressActivity]
                        Activity = $progressActivity
                    }
                    # Nested under the caller's own progress (Start-PChatMigration's stage record) when it set one.
                    if ($null -ne $script:PChatProgressParentId) {
                        $progressArgs['ParentId'] = [int]$script:PChatProgressParentId
                    }
                    # Write-Progress rejects an empty -Status on Windows PowerShell.
                    if (-not [string]::IsNullOrEmpty([string]$nativeEvent.status)) {
                        $progressArgs['Status'] = [string]$nativeEvent.status
                    }
                    if ($null -ne $nativeEvent.percent) {
                        $percent = [int][math]::Floor([double]$nativeEvent.percent)
                        $progressArgs['PercentComplete'] = [math]::Max(0, [math]::Min(100, $percent))
                    }
                    if ($null -ne $nativeEvent.secondsRemaining) {
                        $progressArgs['SecondsRemaining'] = [int]$nativeEvent.secondsRemaining
                    }
                    if ($null -ne $nativeEvent.current -and $null -ne $nativeEvent.total) {
                        $progressArgs['CurrentOperation'] = ('{0} of {1}' -f $nativeEvent.current, $nativeEvent.total)
                    }
                    Write-Progress @progressArgs
                }
                elseif ($eventType -eq 'verbose') {
                    Write-Verbose -Message ([string]$nativeEvent.message)
                }
                elseif ($eventType -eq 'warning') {
                    $warningText = [string]$nativeEvent.message
                    if (-not [string]::IsNullOrEmpty([string]$nativeEvent.code)) {
                        $warningText = ('{0} [{1}]' -f $warningText, $nativeEvent.code)
                    }
                    Write-Warning -Message $warningText
                }
                elseif ($eventType -eq 'item') {
                    $item = $nativeEvent.data
                    if ($null -ne $item) {
                        if (-not [string]::IsNullOrEmpty($ItemTypeName)) {
                            $item.PSObject.TypeNames.Insert(0, $ItemTypeName)
                        }
                        Write-Output -InputObject $item
                    }
                }
                else {
                    # Newer libraries may add event types; ignore them rather than fail.
                    Write-Verbose -Message ("Ignoring a native event of unknown type '{0}'." -f $eventType)
                }
            }
        }

        $final = $job.Result()
        $ended = $true
    }
    finally {
        # Runs on success, on error and when the pipeline is stopped (Ctrl+C). Only .NET calls come first: while a
        # pipeline is stopping, cmdlets such as Write-Progress throw, so they go last.
        if ($null -ne $job) {
            if ((-not $ended) -and (-not $job.IsClosed) -and $job.IsStarted) {
                try {
                    [void]$job.Cancel()
                }
                catch {
                    $null = $_
                }
            }
            $job.Dispose()
        }
        foreach ($progressActivity in @($progressIds.Keys)) {
            Write-Progress -Id $progressIds[$progressActivity] -Activity $progressActivity -Completed
        }
        if ($progressIds.Count -eq 0) {
            Write-Progress -Id $progressIdBase -Activity $Activity -Completed
        }
    }

    $envelope = ConvertFrom-PChatResponse -Response $final
    if ($final.IsOk -and ($envelope.ok -eq $true)) {
        $data = $envelope.data
        if ($null -ne $data) {
            if (-not [string]::IsNullOrEmpty($ResultTypeName)) {
                $data.PSObject.TypeNames.Insert(0, $ResultTypeName)
            }
            Write-Output -InputObject $data
        }
        return
    }
    throw (New-PChatErrorRecord -Envelope $envelope -Status $final.Status -TargetObject $TargetObject)
}
