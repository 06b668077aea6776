// The analysis behind Test-PChatClientAccess, started through the module's P/Invoke class
// (Native.StartClientAccess = pcm_client_access_start) with the params shaped exactly as the cmdlet builds them
// (tests/powershell_checks.rs writes them: the connection as ConvertTo-PChatConnectionParameter builds it, the
// facts with the keys Get-PChatClientAccessFact writes) against a generated mgc on the stand-in.
//
// The result must have what Test-PChatClientAccess reads (summary, rooms with counts, members with access,
// membership, via, reasonCode, reason, policy, registrarPool, unexpanded, warnings) and the same counts the Rust
// side got in-process (--client-access-expect new,legacy,none,unexpanded); a params object with an unknown field
// and malformed facts must be refused at start with invalid_parameter, naming them.
//
// C# 5.

using System;
using System.Collections.Generic;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static void ClientAccess(string paramsJson, string expected)
        {
            NativeResponse result = RunNamedJob(Native.StartClientAccess(paramsJson));
            NoPassword(new List<string> { result.Json });
            object envelope = Envelope(result);
            if (!true.Equals(MiniJson.Get(envelope, "ok")))
            {
                Fail("client_access against a generated mgc failed to run: " + result.Json);
                return;
            }
            string[] counts = expected.Split(',');
            string[] names = { "canUseNewClient", "dependsOnLegacy", "noAccess", "unexpandedPrincipals" };
            for (int i = 0; i < names.Length; i++)
            {
                object value = MiniJson.Get(envelope, "data", "summary", "users", names[i]);
                Expect("client_access: data.summary.users." + names[i] + " (as in-process)", counts[i], value == null ? "null" : Convert.ToString(value));
            }
            Check("client_access: data.summary.allCanUseNewClient is false (some users are on the 2010 pool)",
                false.Equals(MiniJson.Get(envelope, "data", "summary", "allCanUseNewClient")), result.Json);
            foreach (string field in new[] { "rooms", "roomsNewClientsOnly", "legacyEndpointPresent" })
            {
                Check("client_access: data.summary." + field, MiniJson.Get(envelope, "data", "summary", field) != null, result.Json);
            }
            List<object> rooms = MiniJson.Get(envelope, "data", "rooms") as List<object>;
            Check("client_access: data.rooms is a non-empty array", rooms != null && rooms.Count > 0, result.Json);
            int legacyMembers = 0;
            foreach (object room in rooms ?? new List<object>())
            {
                Check("client_access: every room has what ConvertTo-PChatClientAccessRoom reads (roomId, name, category, disabled, counts, members, unexpanded)",
                    MiniJson.Get(room, "roomId") != null && MiniJson.Get(room, "name") is string && MiniJson.Get(room, "category") is string &&
                    MiniJson.Get(room, "disabled") is bool && MiniJson.Get(room, "counts", "noAccess") != null &&
                    MiniJson.Get(room, "members") is List<object> && MiniJson.Get(room, "unexpanded") is List<object>, result.Json);
                foreach (object member in (MiniJson.Get(room, "members") as List<object>) ?? new List<object>())
                {
                    string access = MiniJson.Get(member, "access") as string;
                    Check("client_access: a member's access is one Test-PChatClientAccess documents (" + access + ")",
                        access == "CanUseNewClient" || access == "DependsOnLegacy" || access == "NoAccess", result.Json);
                    string membership = MiniJson.Get(member, "membership") as string;
                    Check("client_access: a member has sipAddress, membership (Direct/Indirect), via, reasonCode and reason",
                        MiniJson.Get(member, "sipAddress") is string && (membership == "Direct" || membership == "Indirect") &&
                        MiniJson.Get(member, "via") is List<object> && MiniJson.Get(member, "reasonCode") is string &&
                        MiniJson.Get(member, "reason") is string, result.Json);
                    if (access == "DependsOnLegacy")
                    {
                        legacyMembers++;
                        Expect("client_access: a legacy member's pool", "fe2010.contoso.com", MiniJson.Get(member, "registrarPool") as string);
                    }
                }
            }
            Check("client_access: some members depend on the legacy endpoint", legacyMembers > 0, result.Json);
            List<object> warnings = MiniJson.Get(envelope, "data", "warnings") as List<object>;
            bool noEndpoint = false;
            foreach (object warning in warnings ?? new List<object>())
            {
                noEndpoint = noEndpoint || "noLegacyEndpoint".Equals(MiniJson.Get(warning, "code"));
            }
            Check("client_access: no endpoint of contoso.com exists: a noLegacyEndpoint warning", noEndpoint, result.Json);
        }

        private static void ClientAccessRefusals(string paramsJson)
        {
            string unknown = paramsJson.Substring(0, paramsJson.LastIndexOf('}')) + ",\"groupMember\":{}}";
            NativeJob job = Native.StartClientAccess(unknown);
            NativeResponse refused = RunNamedJob(job);
            ExpectEnvelope("client_access with an unknown field", refused, PcmStatus.InvalidRequest, false, "invalid_parameter");
            ExpectCodeAndCategory("client_access with an unknown field", refused, "invalid_parameter");
            Check("client_access with an unknown field: the message names it", refused.Json != null && refused.Json.Contains("groupMember"), refused.Json);

            string badPolicy = paramsJson.Replace("\"identity\":\"Global\"", "\"identity\":\"Everyone\"");
            NativeResponse malformed = RunNamedJob(Native.StartClientAccess(badPolicy));
            ExpectEnvelope("client_access with a bad policy identity", malformed, PcmStatus.InvalidRequest, false, "invalid_parameter");
            Check("client_access with a bad policy identity: the message names the field",
                malformed.Json != null && malformed.Json.Contains("policies[0].identity"), malformed.Json);
            NoPassword(new List<string> { refused.Json, malformed.Json });
        }
    }
}
