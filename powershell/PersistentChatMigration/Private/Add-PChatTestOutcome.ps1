function Add-PChatTestOutcome {
    <#
    .SYNOPSIS
    Gives a Test-PChat* result the members of Lync's Test-Cs* results: TargetFqdn, Result, Latency, Error, Diagnosis.

    .DESCRIPTION
    Result is 'Success' or 'Failure'. Error is a sentence for the administrator ($null on success); Diagnosis the
    technical detail behind it (the library's code, category and details, or what the caller gives). From an
    ErrorRecord, Error is its message and Diagnosis is built from its id, category and, for a native error, the
    details the library sent. The members are added to -InputObject (replacing members of the same names), so a
    success keeps every property of the library's result and a failure can be an object of the same type name.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory = $true)]
        [System.Management.Automation.PSObject] $InputObject,

        # What was tested: the instance (and database), the package, the pool.
        [Parameter(Mandatory = $true)]
        [AllowEmptyString()]
        [string] $TargetFqdn,

        [Parameter(Mandatory = $true)]
        [ValidateSet('Success', 'Failure')]
        [string] $Result,

        [Parameter()]
        [System.TimeSpan] $Latency = [System.TimeSpan]::Zero,

        # The failure, when it is an error.
        [Parameter()]
        [AllowNull()]
        [System.Management.Automation.ErrorRecord] $ErrorRecord,

        # The failure, when it is a finding rather than an error (overrides the record's message).
        [Parameter()]
        [AllowNull()]
        [string] $ErrorMessage,

        [Parameter()]
        [AllowNull()]
        [string] $Diagnosis
    )

    $errorText = $null
    $diagnosisText = $null
    if ($null -ne $ErrorRecord) {
        $errorText = $ErrorRecord.Exception.Message
        $code = ([string]$ErrorRecord.FullyQualifiedErrorId).Split(',')[0]
        $diagnosisText = ('Code={0}; Category={1}' -f $code, $ErrorRecord.CategoryInfo.Category)
        $native = $ErrorRecord.Exception -as [PChatMigration.PChatNativeException]
        if ($null -ne $native -and -not [string]::IsNullOrEmpty($native.DetailsJson)) {
            $diagnosisText = ('{0}; Details={1}' -f $diagnosisText, $native.DetailsJson)
        }
    }
    if ($PSBoundParameters.ContainsKey('ErrorMessage') -and -not [string]::IsNullOrEmpty($ErrorMessage)) {
        $errorText = $ErrorMessage
    }
    if ($PSBoundParameters.ContainsKey('Diagnosis') -and -not [string]::IsNullOrEmpty($Diagnosis)) {
        $diagnosisText = $Diagnosis
    }
    if ($Result -eq 'Success') {
        $errorText = $null
        $diagnosisText = $null
    }

    $members = New-Object -TypeName 'System.Collections.Specialized.OrderedDictionary'
    $members['TargetFqdn'] = $TargetFqdn
    $members['Result'] = $Result
    $members['Latency'] = $Latency
    $members['Error'] = $errorText
    $members['Diagnosis'] = $diagnosisText
    foreach ($name in @($members.Keys)) {
        Add-Member -InputObject $InputObject -MemberType NoteProperty -Name $name -Value $members[$name] -Force
    }
}
