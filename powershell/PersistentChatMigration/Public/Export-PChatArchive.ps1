function Export-PChatArchive {
    <#
    .SYNOPSIS
    Turns a migration package into a self-contained, browsable archive: one HTML page per room, an index, a JSON
    Lines copy of every message and a manifest with the SHA-256 of every file.

    .DESCRIPTION
    The Export-PChatArchive cmdlet is part of decommissioning the legacy Group Chat pool (step 6): it keeps the
    chat history of rooms that were not migrated (disabled rooms, history before an export -StartDate, rooms out
    of scope) readable after the legacy servers and their database are gone. It reads a package written by
    Export-PChatMigrationData and writes into -OutputFolder:

      index.html              the categories (with their nested legacy path) and rooms, with message counts,
                              first and last message and a link to each room
      rooms\<guid>.html       one page per room (split every -MessagesPerPage messages, with links between
                              the pages): every message in chatId order, its time in UTC and in local time,
                              the poster's name and SIP URI, and the content
      data\<guid>.jsonl       a JSON Lines copy of every message of the room (room GUID, chatId, chatDate ticks
                              and ISO UTC, poster GUID and name, isAlert, content)
      archive-manifest.json   the counts, the rooms, and the size and SHA-256 of every file
      SHA256SUMS              the same checksums, for sha256sum -c or Get-FileHash

    The pages need nothing but a browser: no script, no external file, no network. Every name and message is
    HTML-escaped and control characters are shown as escapes (\u{1b}), so content written by anyone is shown as
    text, never as markup. ma-filelink: links become links to the copied file store (-FileStoreUrl); links that
    would leave the store (.., drive letters, UNC paths) are shown as text with the reason.

    The archive is written to a temporary folder beside -OutputFolder and renamed into place at the end: after
    Ctrl+C or an error nothing half-written is left. A non-empty -OutputFolder is refused unless -Force is given.
    The same package and parameters always give the same bytes.

    .PARAMETER FileName
    The migration package (.zip) to archive. Accepts the Path property of the objects Export-PChatMigrationData
    and Get-PChatMigrationPackage output, and the FullName of Get-ChildItem, from the pipeline.

    .PARAMETER OutputFolder
    The folder to write the archive to, for example "D:\Archive\GroupChat". It must not exist or be empty,
    unless -Force is given.

    .PARAMETER Room
    The rooms to archive: room GUIDs, node ids, names or Category\Room paths (the legacy path). Names are
    compared without regard to case; an ambiguous name is refused, listing the rooms it could mean. The
    default is every room of the package.

    .PARAMETER OnlyNotMigrated
    Archives only the rooms an import with the default options leaves out: disabled rooms and rooms whose
    category is not in the package.

    .PARAMETER FileStoreUrl
    Where the copied file store is, for the file links: an http(s):// or file:// URL, a UNC path
    (\\server\share\mgcfiles), a drive path, or a path relative to -OutputFolder. Without it file links are
    shown as text.

    .PARAMETER TimeZone
    The time zone of the "local" time column: local (this computer's time zone with its daylight saving time,
    the default), UTC, or a fixed offset such as +01:00 or -05:30. Time zone names are not supported.

    .PARAMETER MessagesPerPage
    How many messages one HTML page holds (1-100000). The default is 5000.

    .PARAMETER Force
    Replaces the contents of a non-empty -OutputFolder.

    .PARAMETER EnableException
    Turns the friendly warning into a terminating error, for try/catch in runbooks. Without it a failure is one
    warning naming the cause and the fix, the cmdlet returns without output, and the error record
    (FullyQualifiedErrorId: the library's error code; TargetObject: the instance, file or room) is still added to
    $Error. With it the same record is thrown.

    .EXAMPLE
    Export-PChatArchive -FileName "C:\Exports\GroupChat.zip" -OutputFolder "D:\Archive\GroupChat" -FileStoreUrl "\\atl-fs-001\PChatFiles"

    Example 1 archives every room of the package, with file links to the copied file store, and returns where to
    open the archive (its Index property).

    .EXAMPLE
    Get-PChatMigrationPackage "C:\Exports\GroupChat.zip" | Export-PChatArchive -OutputFolder "D:\Archive\NotMigrated" -OnlyNotMigrated -TimeZone "+01:00"

    Example 2 validates a package, then archives only the rooms the import leaves out, with local times at UTC+01:00.

    .EXAMPLE
    Export-PChatArchive -FileName "C:\Exports\GroupChat.zip" -OutputFolder "D:\Archive\Sales" -Room "Sales\Q3 forecast", "Sales\EMEA" -Force -WhatIf

    Example 3 shows what would be written for two rooms, replacing an earlier archive, without writing anything.

    .INPUTS
    System.Management.Automation.PSObject. An object with a Path or FullName property (the output of
    Get-PChatMigrationPackage, Export-PChatMigrationData or Get-ChildItem) binds to -FileName.

    .OUTPUTS
    PChatMigration.Archive. One object per archive, with the properties OutputFolder, Index (the page to open),
    Manifest, Rooms, Messages, Pages, Files, Bytes, SkippedRooms, FileLinks, RefusedFileLinks, TimeZone,
    FileStoreUrl and Details (the library's whole result, with the archived and the left-out rooms).

    .LINK
    Export-PChatMigrationData

    .LINK
    Get-PChatMigrationPackage

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    [OutputType('PChatMigration.Archive')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [Alias('Path', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter(Mandatory = $true, Position = 1)]
        [ValidateNotNullOrEmpty()]
        [string] $OutputFolder,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string[]] $Room,

        [Parameter()]
        [switch] $OnlyNotMigrated,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $FileStoreUrl,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $TimeZone,

        [Parameter()]
        [ValidateRange(1, 100000)]
        [int] $MessagesPerPage,

        [Parameter()]
        [switch] $Force,

        [Parameter()]
        [switch] $EnableException
    )

    process {
        try {
            $params = [ordered]@{}
            $params['fileName'] = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
            $params['outputFolder'] = Resolve-PChatFilePath -Path $OutputFolder -ParameterName 'OutputFolder'
            if ($PSBoundParameters.ContainsKey('Room')) {
                $params['rooms'] = [string[]]@($Room)
            }
            $params['onlyNotMigrated'] = [bool]$OnlyNotMigrated.IsPresent
            if ($PSBoundParameters.ContainsKey('FileStoreUrl')) {
                # Not resolved against the current location: a relative store path is relative to the archive.
                $params['fileStoreUrl'] = $FileStoreUrl
            }
            if ($PSBoundParameters.ContainsKey('TimeZone')) {
                $params['timeZone'] = $TimeZone
            }
            if ($PSBoundParameters.ContainsKey('MessagesPerPage')) {
                $params['messagesPerPage'] = $MessagesPerPage
            }
            $params['force'] = [bool]$Force.IsPresent
            $action = 'Write the archive of the package'
            if ($Force.IsPresent) {
                $action = 'Write the archive of the package, replacing the folder''s contents'
            }
            $target = ("{0} from {1}" -f $params['outputFolder'], $params['fileName'])
            if (-not $PSCmdlet.ShouldProcess($target, $action)) {
                return
            }
            $jobArgs = @{
                Operation = 'archive'
                Params = $params
                Activity = 'Archiving the package'
                TargetObject = $params['outputFolder']
            }
            $outputs = @(Invoke-PChatNativeJob @jobArgs)
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        if ($outputs.Count -eq 0) {
            return
        }
        $data = $outputs[$outputs.Count - 1]
        $counts = $data.counts
        $archive = [pscustomobject]@{
            OutputFolder = [string]$data.outputFolder
            Index = [string]$data.indexPath
            Manifest = [string]$data.manifestPath
            Rooms = $counts.rooms
            Messages = $counts.messages
            Pages = $counts.pages
            Files = $counts.files
            Bytes = $counts.bytes
            SkippedRooms = $counts.skippedRooms
            FileLinks = $counts.fileLinks
            RefusedFileLinks = $counts.refusedFileLinks
            TimeZone = [string]$data.timeZone
            FileStoreUrl = $data.fileStoreUrl
            Details = $data
        }
        $archive.PSObject.TypeNames.Insert(0, 'PChatMigration.Archive')
        Write-Output -InputObject $archive
    }
}
