function Test-PChatSqlConnection {
    <#
    .SYNOPSIS
    Tests the connection to the SQL Server instance that hosts a Lync Server 2010 Group Chat or a Lync Server 2013
    Persistent Chat database.

    .DESCRIPTION
    The Test-PChatSqlConnection cmdlet connects to the SQL Server instance given in -DBInstance, reports what it
    found and disconnects. It changes nothing. Run it before you export from a Lync Server 2010 Group Chat (or
    Office Communications Server 2007 R2 Group Chat) database or import into a Lync Server 2013 Persistent Chat
    (mgc) database, to check name resolution, the SQL Server port, TLS encryption and your sign-in.

    The result shows the server, port and instance the connection reached, the SQL Server version, level and
    edition, the database it opened and what kind of database it is (for example a legacy Group Chat database or a
    Persistent Chat mgc database), whether the connection is encrypted, the authentication used, object counts
    when the library could read them, and how long the test took.

    The connection is made by the pchat-migrate native library, not by the .NET SqlClient, so the test also shows
    that this library can reach the server with the settings you give. Progress and diagnostic messages are written
    to the progress and verbose streams (use -Verbose). Press Ctrl+C to cancel a test that is waiting for a server.

    Like the Lync Test-Cs* cmdlets, every result has TargetFqdn (the instance, and the database with -DBName), Result
    (Success or Failure), Latency (a TimeSpan), Error and Diagnosis. If the connection fails, the cmdlet still
    returns an object for that instance: Result is Failure, Error says what went wrong and how to fix it, and
    Diagnosis holds the library's error code (for example connection_failed, tls_failed, login_failed or timeout),
    its category and details. It also writes a warning, and goes on with the next instance on the pipeline. With
    -EnableException the failure is a non-terminating error instead of the warning (FullyQualifiedErrorId is the
    code, the exception a PChatMigration.PChatNativeException carrying the code and the details), so
    -ErrorAction Stop stops at the first failure. Invalid parameter combinations fail the whole command.

    Your password is read from -Credential only when the request is sent to the library, and it is never written
    to the verbose, warning or error output.

    Like Export-CsPersistentChatData and Import-CsPersistentChatData, run this cmdlet as a member of the
    CsPersistentChatAdministrator role with rights on the SQL Server instance.

    .PARAMETER DBInstance
    The SQL Server instance that hosts the database, as for Export-CsPersistentChatData: a fully qualified domain
    name and instance name, for example "atl-sql-001.litwareinc.com\rtc". To use a fixed port instead of the SQL
    Server Browser service, write "host,port" (for example "atl-sql-001.litwareinc.com,1433"). Accepts pipeline
    input, by value or by the property name DBInstance.

    .PARAMETER DBName
    The name of the database to open, for example mgc (Lync Server 2013 Persistent Chat) or the name of a legacy
    Group Chat database. When omitted, the library opens the sign-in's default database, reports which one, and
    looks at every database on the instance that the sign-in can open: the result's Databases property lists the
    chat databases it found (PChatMigration.ChatDatabase objects with Name, Kind and Counts), so you can find the
    Group Chat database when you do not know its name. OtherDatabasesExamined counts the databases that are not
    chat databases, and SkippedDatabases names those that could not be opened, with the reason.

    .PARAMETER Credential
    A SQL Server login (with -Authentication SqlServer, the default when -Credential is given) or a Windows account
    written as DOMAIN\user (with -Authentication Ntlm). Omit it to sign in as the current Windows account. Accepts
    a PSCredential object, for example from Get-Credential, or a user name, for which you are prompted for the
    password.

    .PARAMETER Authentication
    How to sign in to SQL Server:
    Windows: integrated Windows authentication as the current account (the default without -Credential).
    SqlServer: a SQL Server login from -Credential (the default with -Credential).
    Ntlm: NTLM with the Windows account in -Credential.

    .PARAMETER Encryption
    TLS encryption of the connection:
    Mandatory: encrypt the whole connection and fail if the server cannot (the default).
    Strict: TDS 8.0 strict encryption (SQL Server 2022 and later).
    Optional: encrypt only the sign-in packet when the server does not support encryption.
    Plaintext: do not encrypt at all. Use only on an isolated test network.
    SQL Server 2008 R2 and 2012 without current updates may not offer a TLS version the library accepts; the error
    then says so.

    .PARAMETER TrustServerCertificate
    Accepts the server's TLS certificate without validating it. SQL Server instances commonly use a self-signed
    certificate; prefer installing a certificate that the client trusts.

    .PARAMETER ConnectTimeoutSeconds
    How many seconds to wait for the connection and the sign-in (1-600). The default is 15.

    .PARAMETER CommandTimeoutSeconds
    How many seconds each query may run (0-86400, 0 means no limit). The default is 30.

    .PARAMETER ConnectRetryCount
    How often a transient connection failure is retried, with a growing pause between attempts (0-10). The
    default is 2.

    .PARAMETER CACertificatePath
    A PEM or DER file with a certification authority to trust besides the system's certificate store, for example
    an enterprise CA that issued the SQL Server certificate.

    .PARAMETER HostNameInCertificate
    The name expected in the server's TLS certificate when it differs from the host name in -DBInstance (for
    example when you connect by IP address or through an alias).

    .PARAMETER EnableException
    Turns the friendly warning into an error, for runbooks that use try/catch or -ErrorAction Stop. Without it a
    failure is one warning (the error record is still added to $Error) and the Failure result object. With it a
    failed instance is a non-terminating error (FullyQualifiedErrorId: the library's error code), and invalid
    parameters a terminating one.

    .EXAMPLE
    Test-PChatSqlConnection -DBInstance "atl-sql-001.litwareinc.com\rtc"

    Example 1 connects to the rtc instance on atl-sql-001.litwareinc.com as the current Windows account, with
    mandatory encryption, and shows the SQL Server version, the default database and how long the connection took.

    .EXAMPLE
    Test-PChatSqlConnection -DBInstance "atl-sql-001.litwareinc.com\rtc" -DBName "mgc" -Verbose

    Example 2 opens the Lync Server 2013 Persistent Chat database mgc and writes each step of the test to the
    verbose stream.

    .EXAMPLE
    (Test-PChatSqlConnection -DBInstance "legacysql.litwareinc.com\rtc").Databases

    Example 3 looks for chat databases on the instance: it shows each Group Chat or Persistent Chat database the
    sign-in can open, with its kind and how many categories, rooms, principals and messages it holds.

    .EXAMPLE
    $cred = Get-Credential -UserName "pchat_migration" -Message "SQL Server login"
    Test-PChatSqlConnection -DBInstance "legacysql.litwareinc.com\rtc" -DBName "GroupChat" -Credential $cred -TrustServerCertificate

    Example 4 signs in to a legacy Group Chat database with a SQL Server login and accepts the server's self-signed
    certificate. The first command asks for the password of the login; the second runs the test.

    .EXAMPLE
    "atl-sql-001.litwareinc.com\rtc", "legacysql.litwareinc.com\rtc" | Test-PChatSqlConnection -ConnectTimeoutSeconds 10 | Format-List

    Example 5 tests two instances, passed on the pipeline, waits at most 10 seconds for each, and shows every
    property of the results.

    .INPUTS
    System.String. You can pipe instance names (DBInstance) to Test-PChatSqlConnection, or objects that have a
    DBInstance property.

    .OUTPUTS
    PChatMigration.ConnectionTest. One object per instance tested, with TargetFqdn, Result (Success or Failure),
    Latency, Error and Diagnosis. A success also has every property of the library's result: DBInstance, Server,
    Port, Instance, ProductVersion, ProductLevel, Edition, Database, DatabaseKind (OcsGroupChat2007R2,
    LyncGroupChat2010, PersistentChat2013 or NotChat), DatabaseKindName, Encrypted, Authentication, Counts (row
    counts of the main tables; may be null) and DurationMs; without -DBName also Databases
    (PChatMigration.ChatDatabase objects: Name, Kind, KindName, Counts, DBInstance), OtherDatabasesExamined and
    SkippedDatabases. A failure has DBInstance, Database and the five test members. The default view is a table;
    use Format-List * to see every property.

    .LINK
    about_PersistentChatMigration

    .LINK
    Export-CsPersistentChatData

    .LINK
    Import-CsPersistentChatData
    #>
    [CmdletBinding()]
    [OutputType('PChatMigration.ConnectionTest')]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [ValidateNotNullOrEmpty()]
        [string] $DBInstance,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $DBName,

        [Parameter()]
        [System.Management.Automation.PSCredential]
        [System.Management.Automation.Credential()]
        $Credential = [System.Management.Automation.PSCredential]::Empty,

        [Parameter()]
        [ValidateSet('Windows', 'SqlServer', 'Ntlm')]
        [string] $Authentication,

        [Parameter()]
        [ValidateSet('Mandatory', 'Strict', 'Optional', 'Plaintext')]
        [string] $Encryption = 'Mandatory',

        [Parameter()]
        [switch] $TrustServerCertificate,

        [Parameter()]
        [ValidateRange(1, 600)]
        [int] $ConnectTimeoutSeconds,

        [Parameter()]
        [ValidateRange(0, 86400)]
        [int] $CommandTimeoutSeconds,

        [Parameter()]
        [ValidateRange(0, 10)]
        [int] $ConnectRetryCount,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $CACertificatePath,

        [Parameter()]
        [ValidateNotNullOrEmpty()]
        [string] $HostNameInCertificate,

        [Parameter()]
        [switch] $EnableException
    )

    process {
        $connectionArgs = @{
            DBInstance = $DBInstance
            Encryption = $Encryption
        }
        $optional = @('DBName', 'Credential', 'Authentication', 'TrustServerCertificate', 'ConnectTimeoutSeconds',
            'CommandTimeoutSeconds', 'ConnectRetryCount', 'CACertificatePath', 'HostNameInCertificate')
        foreach ($name in $optional) {
            if ($PSBoundParameters.ContainsKey($name)) {
                $connectionArgs[$name] = $PSBoundParameters[$name]
            }
        }

        try {
            # Invalid parameter combinations are the same for every input: the whole command fails.
            $connection = ConvertTo-PChatConnectionParameter @connectionArgs
        }
        catch {
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $_ -EnableException:$EnableException
            return
        }

        $started = [System.Diagnostics.Stopwatch]::StartNew()
        $failure = $null
        $result = $null
        try {
            $jobArgs = @{
                Operation = 'probe'
                Params = $connection
                Activity = ('Testing the SQL Server connection to {0}' -f $DBInstance)
                ResultTypeName = 'PChatMigration.ConnectionTest'
                TargetObject = $DBInstance
            }
            $result = Invoke-PChatNativeJob @jobArgs
        }
        catch [System.Management.Automation.PipelineStoppedException] {
            # Ctrl+C: let PowerShell stop the pipeline (the job was cancelled and freed by Invoke-PChatNativeJob).
            throw
        }
        catch {
            $failure = $_
        }
        finally {
            # The request held the password; drop it.
            $connection = $null
        }

        $target = $DBInstance
        if ($PSBoundParameters.ContainsKey('DBName')) {
            $target = ('{0}/{1}' -f $DBInstance, $DBName)
        }
        if ($null -ne $failure) {
            # Like Test-CsDatabase: the answer is an object whose Result is Failure, with Error and Diagnosis.
            $failed = New-Object -TypeName 'System.Management.Automation.PSObject'
            $failed.PSObject.TypeNames.Insert(0, 'PChatMigration.ConnectionTest')
            Add-Member -InputObject $failed -MemberType NoteProperty -Name 'DBInstance' -Value $DBInstance
            Add-Member -InputObject $failed -MemberType NoteProperty -Name 'Database' -Value $DBName
            Add-PChatTestOutcome -InputObject $failed -TargetFqdn $target -Result 'Failure' -Latency $started.Elapsed -ErrorRecord $failure
            Write-Output -InputObject $failed
            # A failed test of one instance must not stop the others on the pipeline.
            Stop-PChatCommand -Cmdlet $PSCmdlet -ErrorRecord $failure -EnableException:$EnableException -Continue
            return
        }
        if ($null -eq $result) {
            return
        }
        if ($null -ne $result.PSObject.Properties['Databases']) {
            # Without -DBName the library lists the chat databases of the instance: give them their own view.
            foreach ($database in @($result.Databases)) {
                $database.PSObject.TypeNames.Insert(0, 'PChatMigration.ChatDatabase')
                Add-Member -InputObject $database -MemberType NoteProperty -Name DBInstance -Value $DBInstance
            }
        }
        $latency = $started.Elapsed
        if ($null -ne $result.PSObject.Properties['DurationMs']) {
            $latency = [System.TimeSpan]::FromMilliseconds([double]$result.DurationMs)
        }
        Add-PChatTestOutcome -InputObject $result -TargetFqdn $target -Result 'Success' -Latency $latency
        Write-Output -InputObject $result
    }
}
