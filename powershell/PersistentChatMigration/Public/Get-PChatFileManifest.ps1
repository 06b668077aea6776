function Get-PChatFileManifest {
    <#
    .SYNOPSIS
    Lists every file a room references (ma-filelink: links) in a migration package or a legacy Group Chat
    database, per room, and optionally writes every reference to a JSON Lines or CSV file.

    .DESCRIPTION
    The Get-PChatFileManifest cmdlet reads the chat history of every room from a package (-FileName) or from the
    legacy database (-DBInstance and -DBName, read-only) and finds every ma-filelink: reference: the room (ID,
    GUID and name), the message (chatId and time), the link as written, and the file it names under the file
    repository root, or why the link was refused (..\, a drive, a UNC share, a reserved name ...).

    It outputs one PChatMigration.RoomFileLinks object per room with links (messages with links, links, distinct
    files, refused links), then one PChatMigration.FileManifest object with the totals and, unless -OutputPath
    was given, every reference. With -OutputPath the references are written to that file instead: CSV when its
    extension is .csv, JSON Lines otherwise.

    Use it before Copy-PChatFileStore to see which files the rooms need.

    .PARAMETER FileName
    A migration package. Accepts the Path property of the objects Export-PChatMigrationData and
    Get-PChatMigrationPackage output from the pipeline.

    .PARAMETER DBInstance
    The SQL Server instance of the legacy Group Chat database.

    .PARAMETER DBName
    The legacy Group Chat database on -DBInstance.

    .PARAMETER OutputPath
    A file to write every reference to: .csv as CSV, any other name as JSON Lines.

    .PARAMETER Force
    Replaces an existing -OutputPath file.

    .PARAMETER Credential
    A SQL Server login (or DOMAIN\user with -Authentication Ntlm) for the legacy database.

    .PARAMETER Authentication
    How to sign in to the SQL Server: Windows, SqlServer or Ntlm (see Test-PChatSqlConnection).

    .PARAMETER Encryption
    TLS encryption of the connection: Mandatory (the default), Strict, Optional or Plaintext.

    .PARAMETER TrustServerCertificate
    Accepts the server's TLS certificate without validating it.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for the connection and sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each query may run (0-86400, 0 means no limit). The default is 30.

    .PARAMETER CACertificatePath
    A PEM or DER file with a certification authority to trust besides the system's certificate store.

    .PARAMETER EnableException
    Turns the friendly warning into a terminating error, for try/catch in runbooks. Without it a failure is one
    warning naming the cause and the fix, the cmdlet returns without output, and the error record
    (FullyQualifiedErrorId: the library's error code; TargetObject: the instance, file or room) is still added to
    $Error. With it the same record is thrown.

    .EXAMPLE
    Get-PChatFileManifest -FileName "C:\Exports\GroupChat.zip" | Format-Table -Property RoomName, MessagesWithLinks, DistinctFiles

    Example 1 shows, per room of the package, how many messages link files and how many distinct files they
    reference.

    .EXAMPLE
    Get-PChatFileManifest -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "GroupChat" -OutputPath "C:\Logs\FileLinks.csv"

    Example 2 reads the legacy database and writes every reference to FileLinks.csv for a spreadsheet.

    .INPUTS
    System.Management.Automation.PSObject. An object with a Path property (the output of
    Get-PChatMigrationPackage or Export-PChatMigrationData) binds to -FileName.

    .OUTPUTS
    PChatMigration.RoomFileLinks. One object per room with links: RoomId, RoomGuid, RoomName, MessagesWithLinks,
    Links, DistinctFiles and RefusedLinks.

    PChatMigration.FileManifest. One object at the end: Totals, Entries (every reference, empty with
    -OutputPath), OutputPath, Format and Details (the library's whole result).

    .LINK
    Copy-PChatFileStore

    .LINK
    about_PersistentChatMigration
    #>
    [CmdletBinding(DefaultParameterSetName = 'FileName')]
    [OutputType('PChatMigration.RoomFileLinks', 'PChatMigration.FileManifest')]
    param(
        [Parameter(Mandatory = $true, ParameterSetName = 'FileName', ValueFromPipelineByPropertyName = $true)]
        [Alias('Path')]
        [ValidateNotNullOrEmpty()]
        [string] $FileName,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter(Mandatory = $true, ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $DBName,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $OutputPath,

        [Parameter()]
        [switch] $Force,

        [Parameter(ParameterSetName = 'Database')]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $Authentication,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateSet('Mandatory', 'Strict', 'Optional', 'Plaintext')]
        [string] $Encryption = 'Mandatory',

        [Parameter(ParameterSetName = 'Database')]
        [switch] $TrustServerCertificate,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateRange(1, 600)]
        [int] $ConnectTimeoutSeconds,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateRange(0, 86400)]
        [int] $CommandTimeoutSeconds,

        [Parameter(ParameterSetName = 'Database')]
        [ValidateNotNullOrEmpty()]
        [string] $CACertificatePath,

        [Parameter()]
        [switch] $EnableException
    )

    process {
        $data = $null
        try {
            $params = [ordered]@{ force = [bool]$Force.IsPresent }
            if ($PSCmdlet.ParameterSetName -eq 'Database') {
                $connectionArgs = @{ DBInstance = $DBInstance; DBName = $DBName; Encryption = $Encryption }
                foreach ($name in @('Credential', 'Authentication', 'TrustServerCertificate', 'ConnectTimeoutSeconds',
                        'CommandTimeoutSeconds', 'CACertificatePath')) {
                    if ($PSBoundParameters.ContainsKey($name)) {
                        $connectionArgs[$name] = $PSBoundParameters[$name]
                    }
                }
                $params['connection'] = ConvertTo-PChatConnectionParameter @connectionArgs
                $shown = ("database '{0}' on {1}" -f $DBName, $DBInstance)
            }
            else {
                $params['fileName'] = Resolve-PChatFilePath -Path $FileName -ParameterName 'FileName'
                $shown = $params['fileName']
            }
            if ($PSBoundParameters.ContainsKey('OutputPath')) {
                $params['output'] = Resolve-PChatFilePath -Path $OutputPath -ParameterName 'OutputPath'
            }
            Write-Verbose -Message ('Listing the file links of {0}.' -f $shown)
            $jobArgs = @{
                Operation = 'file_manifest'
                Params = $params
                Activity = 'Listing file links'
                TargetObject = $shown
            }
            $outputs = @(Invoke-PChatNativeJob @jobArgs)
            $params = $null
            if ($outputs.Count -gt 0) {
                $data = $outputs[$outputs.Count - 1]
            }
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            throw
        }
        catch {
            $params = $null
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }
        if ($null -eq $data) {
            return
        }
        foreach ($room in @($data.rooms)) {
            if ($null -eq $room) {
                continue
            }
            $item = [pscustomobject]@{
                RoomId = $room.roomId
                RoomGuid = [string]$room.roomGuid
                RoomName = [string]$room.roomName
                MessagesWithLinks = $room.messagesWithLinks
                Links = $room.links
                DistinctFiles = $room.distinctFiles
                RefusedLinks = $room.refusedLinks
            }
            $item.PSObject.TypeNames.Insert(0, 'PChatMigration.RoomFileLinks')
            Write-Output -InputObject $item
        }
        $manifest = [pscustomobject]@{
            Totals = $data.totals
            Entries = @($data.entries)
            OutputPath = $data.output
            Format = $data.format
            Details = $data
        }
        $manifest.PSObject.TypeNames.Insert(0, 'PChatMigration.FileManifest')
        Write-Output -InputObject $manifest
    }
}
