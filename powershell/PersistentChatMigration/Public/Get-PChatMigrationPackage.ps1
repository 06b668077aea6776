function Get-PChatMigrationPackage {
    <#
    .SYNOPSIS
    Checks a migration package written by Export-PChatMigrationData and shows what it contains.

    .DESCRIPTION
    The Get-PChatMigrationPackage cmdlet opens a migration package (.zip) and validates all of it before it
    reports anything: the manifest, the SHA-256 checksum and size of every file in the package, every record,
    every reference between records (rooms to categories, roles and messages to principals) and every count. It
    then returns the package: its format version, when and from which database it was exported, with which
    parameters, the counts of principals, categories, rooms, roles, scopes, add-ins and messages, and one entry per
    room with chat history (message count, size, first and last message).

    Export-CsPersistentChatData writes an undocumented file that can only be checked by importing it. Run
    Get-PChatMigrationPackage after an export, after copying a package to another server, and before an import,
    to know that the package is complete and what it holds. It only reads the package. The check of a large
    package shows its progress (Write-Progress, one step per file in the package) and can be stopped with Ctrl+C.

    A damaged, incomplete or foreign file is reported with the id invalid_package and a message naming the problem
    (for example a checksum that does not match, a truncated file or a message posted by an unknown principal); a
    file that cannot be opened is reported with the id io_error. By default the report is a warning and the next
    package on the pipeline is checked; with -EnableException it is a non-terminating error (use -ErrorAction Stop
    to stop at the first bad package) whose exception (PChatMigration.PChatNativeException) carries the code and
    the details.

    .PARAMETER FileName
    The path of the package to check, for example "C:\Exports\GroupChat.zip". A relative path is resolved against
    the current PowerShell location; wildcards are not expanded (pipe Get-ChildItem to check several files). Accepts
    several paths, and pipeline input by value (strings) and by the property names FileName, Path (the result of
    Export-PChatMigrationData) and FullName (the files from Get-ChildItem).

    .PARAMETER EnableException
    Turns the friendly warning into an error, for try/catch, $? or -ErrorVariable in runbooks. Without it a
    failure is one warning naming the cause and the fix, and the error record (FullyQualifiedErrorId: the
    library's error code; TargetObject: the file) is still added to $Error. With it a failed input is a
    non-terminating error (-ErrorAction Stop makes it terminating) and the cmdlet goes on with the next input.

    .EXAMPLE
    Get-PChatMigrationPackage -FileName "C:\Exports\GroupChat.zip"

    Example 1 validates C:\Exports\GroupChat.zip and shows its format version, creation time, source database and
    counts.

    .EXAMPLE
    (Get-PChatMigrationPackage "C:\Exports\GroupChat.zip").Rooms | Sort-Object -Property Messages -Descending | Select-Object -First 10

    Example 2 lists the ten rooms with the most messages in the package, with their categories, sizes and the times
    of their first and last messages.

    .EXAMPLE
    Get-ChildItem -Path "D:\Exports" -Filter "*.zip" | Get-PChatMigrationPackage -EnableException -ErrorVariable bad

    Example 3 checks every package in D:\Exports. A bad package writes an error naming the problem, the remaining
    packages are still checked, and $bad holds one error record per bad package.

    .EXAMPLE
    Export-PChatMigrationData -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -FileName "C:\Exports\GroupChat.zip" | Get-PChatMigrationPackage | Format-List

    Example 4 exports the legacy GroupChat database and checks the new package at once, showing every property
    of the package.

    .EXAMPLE
    $package = Get-PChatMigrationPackage "C:\Exports\GroupChat.zip"
    $package.Parameters
    $package.Source

    Example 5 shows the parameters the package was exported with (level, scope, rooms, start date) and the SQL
    Server instance, database and database kind it came from.

    .INPUTS
    System.String. You can pipe file paths to Get-PChatMigrationPackage, or objects with a FileName, Path or
    FullName property, such as the output of Export-PChatMigrationData and Get-ChildItem.

    .OUTPUTS
    PChatMigration.Package. One object per valid package, with the properties Path, SizeBytes, Valid,
    FormatVersion, Created (a DateTime in local time), Tool (the name and version of the program that wrote it),
    Source (dbInstance, database, kind and productVersion), Parameters (the export parameters), Counts (principals,
    categories, rooms, roles, scopes, addins and messages) and Rooms.

    Rooms holds PChatMigration.PackageRoom objects, one per room with chat history in the package, with the
    properties RoomId, Name, Category (the category path, such as "Sales\Europe"), CategoryPath (the same as an
    array), Messages, Bytes (uncompressed size of the history), FirstMessage and LastMessage (DateTime in local
    time, or $null for a room without messages).

    .LINK
    Export-PChatMigrationData

    .LINK
    about_PersistentChatMigration

    .LINK
    Import-CsPersistentChatData
    #>
    [CmdletBinding()]
    [OutputType('PChatMigration.Package')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('Path', 'FullName')]
        [ValidateNotNullOrEmpty()]
        [string[]] $FileName,

        [Parameter()]
        [switch] $EnableException
    )

    process {
        foreach ($name in $FileName) {
            try {
                $fullPath = Resolve-PChatFilePath -Path $name -ParameterName 'FileName'
                # A native job: Write-Progress per checked entry, and Ctrl+C cancels the check between two polls.
                $jobArgs = @{
                    Operation = 'inspect_package'
                    Params = ([ordered]@{ fileName = $fullPath })
                    Activity = 'Checking the migration package'
                    TargetObject = $fullPath
                }
                $data = $null
                $outputs = @(Invoke-PChatNativeJob @jobArgs)
                if ($outputs.Count -gt 0) {
                    $data = $outputs[$outputs.Count - 1]
                }
            }
            catch [System.Management.Automation.PipelineStoppedException] {
                # Ctrl+C: the job was cancelled and freed by Invoke-PChatNativeJob; stop the whole pipeline.
                throw
            }
            catch {
                # A bad package must not stop the check of the others on the pipeline.
                Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException -Continue
                continue
            }

            $rooms = New-Object -TypeName 'System.Collections.Generic.List[object]'
            foreach ($nativeRoom in @($data.rooms)) {
                if ($null -eq $nativeRoom) {
                    continue
                }
                $categoryPath = [string[]]@($nativeRoom.path)
                $room = [pscustomobject]@{
                    RoomId = $nativeRoom.roomId
                    Name = [string]$nativeRoom.name
                    Category = ($categoryPath -join '\')
                    CategoryPath = $categoryPath
                    Messages = $nativeRoom.messages
                    Bytes = $nativeRoom.bytes
                    FirstMessage = (ConvertTo-PChatDateTime -Value $nativeRoom.firstMessageUtc)
                    LastMessage = (ConvertTo-PChatDateTime -Value $nativeRoom.lastMessageUtc)
                }
                $room.PSObject.TypeNames.Insert(0, 'PChatMigration.PackageRoom')
                $rooms.Add($room)
            }

            $package = [pscustomobject]@{
                Path = [string]$data.path
                SizeBytes = $data.sizeBytes
                Valid = [bool]$data.valid
                FormatVersion = [string]$data.formatVersion
                Created = (ConvertTo-PChatDateTime -Value $data.createdUtc)
                Tool = $data.tool
                Source = $data.source
                Parameters = $data.parameters
                Counts = $data.counts
                Rooms = $rooms.ToArray()
            }
            $package.PSObject.TypeNames.Insert(0, 'PChatMigration.Package')
            Write-Output -InputObject $package
        }
    }
}
