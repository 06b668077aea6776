// Checks of the module's JSON reader, powershell/PersistentChatMigration/Native/PChatMigrationJson.cs (what
// ConvertFrom-PChatResponse parses every native response with; docs/powershell-objects.md): a real inspect_package
// response of a 40,000-room package (over Windows PowerShell 3.0/4.0's 2 MB ConvertFrom-Json limit) compared value by
// value with MiniJson's reading of the same text, the key and time rules, hostile strings, invalid JSON named by its
// offset, and deep nesting refused. C# 5.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        /// <summary>JavaScriptSerializer's default MaxJsonLength, what ConvertFrom-Json refuses on Windows PowerShell 3.0/4.0.</summary>
        private const int JavaScriptSerializerLimit = 2097152;

        private static void JsonLargeResponse(string package, int rooms)
        {
            NativeResponse response = InspectJob(package, new List<string>());
            ExpectEnvelope("inspect_package of the large package", response, PcmStatus.Ok, true, null);
            string json = response.Json ?? "";
            Check("the response is larger than ConvertFrom-Json's 2 MB limit (" + json.Length + " characters)",
                json.Length > JavaScriptSerializerLimit, json.Length.ToString());
            JsonObject tree = PChatJson.Parse(json) as JsonObject;
            Check("PChatJson.Parse reads the envelope as an object", tree != null, json.Substring(0, Math.Min(200, json.Length)));
            if (tree == null)
            {
                return;
            }
            JsonObject data = tree.Get("Data") as JsonObject;
            object[] list = data == null ? null : data.Get("Rooms") as object[];
            Expect("Data.Rooms: every room present", rooms.ToString(), list == null ? "null" : list.Length.ToString());
            // Key order is the text's (checked by SameJson below); these name the keys whatever the order.
            Expect("envelope keys", "Data,Ok", SortedKeys(tree));
            JsonObject source = data == null ? null : data.Get("Source") as JsonObject;
            Check("Data.Source has DBInstance (dbInstance)", source != null && Array.IndexOf(source.Keys, "DBInstance") >= 0,
                source == null ? "no Source" : string.Join(",", source.Keys));
            Check("Data.CreatedUtc is a DateTime of Kind Utc", data != null && data.Get("CreatedUtc") is DateTime &&
                ((DateTime)data.Get("CreatedUtc")).Kind == DateTimeKind.Utc, Convert.ToString(data == null ? null : data.Get("CreatedUtc")));
            if (list != null && list.Length > 0)
            {
                JsonObject first = list[0] as JsonObject;
                Expect("a room's keys", "Bytes,FirstMessageUtc,LastMessageUtc,Messages,Name,Path,RoomId",
                    first == null ? "null" : SortedKeys(first));
                Check("a room's FirstMessageUtc is a DateTime of Kind Utc", first != null && first.Get("FirstMessageUtc") is DateTime &&
                    ((DateTime)first.Get("FirstMessageUtc")).Kind == DateTimeKind.Utc, Describe(first == null ? null : first.Get("FirstMessageUtc")));
            }

            // Every value equals what an independent reader (MiniJson) finds in the same text.
            List<string> differences = new List<string>();
            SameJson("$", tree, MiniJson.Parse(json), null, differences);
            Check("every value of the 40,000-room response equals the library's JSON (" + differences.Count + " differences)",
                differences.Count == 0, string.Join("; ", differences.GetRange(0, Math.Min(10, differences.Count)).ToArray()));
        }

        private static string SortedKeys(JsonObject obj)
        {
            string[] keys = obj.Keys;
            Array.Sort(keys, StringComparer.Ordinal);
            return string.Join(",", keys);
        }

        /// <summary>Compares PChatJson's tree with MiniJson's: same order, PascalCased keys, times under *Utc keys.</summary>
        private static void SameJson(string path, object ours, object mini, string rawKey, List<string> differences)
        {
            if (differences.Count > 50)
            {
                return;
            }
            Dictionary<string, object> miniObject = mini as Dictionary<string, object>;
            List<object> miniArray = mini as List<object>;
            if (miniObject != null)
            {
                JsonObject obj = ours as JsonObject;
                if (obj == null || obj.Count != miniObject.Count)
                {
                    differences.Add(path + ": not an object of " + miniObject.Count + " members");
                    return;
                }
                int position = 0;
                foreach (KeyValuePair<string, object> member in miniObject)
                {
                    string key = obj.KeyAt(position);
                    if (!IsPascalOrData(member.Key, key))
                    {
                        differences.Add(path + ": key " + member.Key + " became " + key);
                    }
                    SameJson(path + "." + key, obj.ValueAt(position), member.Value, member.Key, differences);
                    position++;
                }
                return;
            }
            if (miniArray != null)
            {
                object[] array = ours as object[];
                if (array == null || array.Length != miniArray.Count)
                {
                    differences.Add(path + ": not an array of " + miniArray.Count + " elements");
                    return;
                }
                for (int i = 0; i < array.Length; i++)
                {
                    SameJson(path + "[" + i + "]", array[i], miniArray[i], null, differences);
                }
                return;
            }
            if (!SameScalar(ours, mini, rawKey))
            {
                differences.Add(path + ": " + Describe(ours) + " instead of " + Describe(mini));
            }
        }

        /// <summary>A camelCase key must come out as the same letters with an uppercase first letter; others verbatim.</summary>
        private static bool IsPascalOrData(string raw, string key)
        {
            bool camel = raw.Length > 0 && raw[0] >= 'a' && raw[0] <= 'z';
            foreach (char c in raw)
            {
                camel &= char.IsLetterOrDigit(c) && c < 128;
            }
            if (!camel)
            {
                return key == raw;
            }
            return key.Length == raw.Length && char.IsUpper(key[0]) && string.Equals(key, raw, StringComparison.OrdinalIgnoreCase);
        }

        private static bool SameScalar(object ours, object mini, string rawKey)
        {
            if (mini == null || ours == null)
            {
                return mini == null && ours == null;
            }
            if (mini is bool)
            {
                return mini.Equals(ours);
            }
            if (mini is double)
            {
                return (ours is long || ours is double || ours is decimal) &&
                    Convert.ToDouble(ours, CultureInfo.InvariantCulture) == (double)mini;
            }
            string text = mini as string;
            if (rawKey != null && rawKey.EndsWith("Utc", StringComparison.Ordinal) && IsUtcTime(text))
            {
                if (!(ours is DateTime) || ((DateTime)ours).Kind != DateTimeKind.Utc)
                {
                    return false;
                }
                DateTime expected = DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                return ((DateTime)ours).Ticks == expected.Ticks;
            }
            return text != null && text == (ours as string);
        }

        private static string Describe(object value)
        {
            return value == null ? "null" : value.GetType().Name + " " + Convert.ToString(value, CultureInfo.InvariantCulture);
        }

        private static void JsonNameRules()
        {
            string[,] cases =
            {
                { "fileName", "FileName" }, { "dbInstance", "DBInstance" }, { "dbName", "DBName" },
                { "sourceDbInstance", "SourceDBInstance" }, { "mibPerSecond", "MiBPerSecond" }, { "sha256", "SHA256" },
                { "roomId", "RoomId" }, { "id", "Id" }, { "fileStoreUrl", "FileStoreUrl" }, { "x", "X" },
                { "persistentChatPoolFqdn", "PersistentChatPoolFqdn" }, { "firstMessageUtc", "FirstMessageUtc" },
                { "dbx", "Dbx" }, { "FileName", "FileName" }, { "2026-11", "2026-11" }, { "42", "42" },
                { "Sales room", "Sales room" }, { "a_b", "a_b" }, { "caf\u00e9", "caf\u00e9" }, { "", "" },
            };
            for (int i = 0; i < cases.GetLength(0); i++)
            {
                Expect("PascalCase(\"" + cases[i, 0] + "\")", cases[i, 1], PChatJson.PascalCase(cases[i, 0]));
            }
            JsonObject nested = PChatJson.Parse("{\"outerKey\":[{\"innerKey\":{\"deepKey\":1}}],\"months\":{\"2026-11\":3}}") as JsonObject;
            object[] outer = nested.Get("OuterKey") as object[];
            JsonObject inner = outer == null ? null : (outer[0] as JsonObject).Get("InnerKey") as JsonObject;
            Expect("PascalCase at every level", "OuterKey/InnerKey/DeepKey", string.Join(",", nested.Keys) == "OuterKey,Months" && inner != null
                ? "OuterKey/InnerKey/" + string.Join(",", inner.Keys) : "got " + string.Join(",", nested.Keys));
            Expect("a map's data keys kept", "2026-11", string.Join(",", (nested.Get("Months") as JsonObject).Keys));
        }

        private static void JsonTimeRules()
        {
            JsonObject obj = PChatJson.Parse("{\"createdUtc\":\"2026-11-24T08:30:00Z\",\"chatDateUtc\":\"2012-01-01T00:00:00.1234567Z\"," +
                "\"name\":\"2026-11-24T08:30:00Z\",\"message\":\"2026-11-24T08:30:00Z\",\"badUtc\":\"2026-13-01T00:00:00Z\"," +
                "\"offsetUtc\":\"2026-11-24T08:30:00+01:00\",\"emptyUtc\":\"\",\"numberUtc\":5,\"textUtc\":\"soon\"," +
                "\"longFractionUtc\":\"2026-11-24T08:30:00.12345678Z\"}") as JsonObject;
            object created = obj.Get("CreatedUtc");
            Check("createdUtc: DateTime 2026-11-24 08:30:00, Kind Utc", created is DateTime && ((DateTime)created).Kind == DateTimeKind.Utc &&
                ((DateTime)created) == new DateTime(2026, 11, 24, 8, 30, 0, DateTimeKind.Utc), Describe(created));
            object chat = obj.Get("ChatDateUtc");
            Check("chatDateUtc: 7 fraction digits kept (ticks)", chat is DateTime && ((DateTime)chat).Kind == DateTimeKind.Utc &&
                ((DateTime)chat).Ticks == new DateTime(2012, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks + 1234567, Describe(chat));
            foreach (string key in new[] { "Name", "Message", "BadUtc", "OffsetUtc", "EmptyUtc", "TextUtc", "LongFractionUtc" })
            {
                Check(key + " stays a string", obj.Get(key) is string, Describe(obj.Get(key)));
            }
            Check("numberUtc stays a number", obj.Get("NumberUtc") is long, Describe(obj.Get("NumberUtc")));
            object[] times = PChatJson.Parse("[\"2026-11-24T08:30:00Z\"]") as object[];
            Check("an array element is never a time (no key)", times != null && times[0] is string, Describe(times == null ? null : times[0]));
        }

        private static void JsonValues()
        {
            object[] values = PChatJson.Parse(" [0, -0, 42, -7, 9223372036854775807, 9223372036854775808, 1.5, -2.5e3, 1E2, true, false, null, {}, []] ") as object[];
            Expect("values read", "Int64 0,Int64 0,Int64 42,Int64 -7,Int64 9223372036854775807,Decimal 9223372036854775808,Double 1.5,Double -2500,Double 100," +
                "Boolean True,Boolean False,null,JsonObject PChatMigration.JsonObject,Object[] System.Object[]",
                values == null ? "null" : string.Join(",", Array.ConvertAll(values, Describe)));
        }

        private static void JsonHostileStrings()
        {
            // Every BMP control character, quotes, backslashes, a surrogate pair escaped and raw, line separators.
            StringBuilder hostile = new StringBuilder("\"quoted\" \\back\\slash\\ /slash ");
            for (int c = 0; c < 0x20; c++)
            {
                hostile.Append((char)c);
            }
            hostile.Append("\u007f \u00e9 \u4e2d \ud83d\ude00 \u2028\u2029 </script> {\"ok\":false}");
            string expected = hostile.ToString();
            StringBuilder encoded = new StringBuilder("{\"roomName\":\"");
            foreach (char c in expected)
            {
                if (c == '"' || c == '\\')
                {
                    encoded.Append('\\').Append(c);
                }
                else if (c < 0x20 || c > 0x7e)
                {
                    encoded.Append("\\u").Append(((int)c).ToString(c % 2 == 0 ? "x4" : "X4", CultureInfo.InvariantCulture));
                }
                else
                {
                    encoded.Append(c);
                }
            }
            encoded.Append("\",\"raw\":\"" + "\u00e9\ud83d\ude00\u2028" + "\",\"short\":\"\\b\\f\\n\\r\\t\\/\\\"\\\\\"}");
            JsonObject obj = PChatJson.Parse(encoded.ToString()) as JsonObject;
            Check("a hostile string round-trips (\\u escapes, surrogate pair, every control character)",
                obj != null && expected == (obj.Get("RoomName") as string), Describe(obj == null ? null : obj.Get("RoomName")));
            Check("raw non-ASCII text and a raw surrogate pair are kept", obj != null && "\u00e9\ud83d\ude00\u2028" == (obj.Get("Raw") as string),
                Describe(obj == null ? null : obj.Get("Raw")));
            Check("short escapes", obj != null && "\b\f\n\r\t/\"\\" == (obj.Get("Short") as string), Describe(obj == null ? null : obj.Get("Short")));

            // The library's own escaping of such text: its error message quotes the refused instance name.
            string name = "q\"uote\\ \u00e9\ud83d\ude00 tab\there";
            NativeResponse response = Native.Call("{\"operation\":\"validate\",\"params\":{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"" +
                JsonEscape(name).Replace("\t", "\\t") + ",99999\",\"user\":\"sa\",\"password\":\"x\"}}}");
            List<string> differences = new List<string>();
            SameJson("$", PChatJson.Parse(response.Json), MiniJson.Parse(response.Json), null, differences);
            Check("the library's response quoting hostile text reads as MiniJson reads it", differences.Count == 0,
                string.Join("; ", differences.ToArray()) + " " + response.Json);
        }

        private static void JsonInvalid()
        {
            object[,] cases =
            {
                { "", 0L }, { "   ", 3L }, { "{", 1L }, { "{\"a\":1,}", 7L }, { "[1,]", 3L }, { "[1 2]", 3L }, { "{\"a\" 1}", 5L },
                { "\"abc", 4L }, { "\"a\u0001\"", 2L }, { "tru", 0L }, { "01", 1L }, { "[1]x", 3L }, { "\"\\x\"", 1L },
                { "\"\\u12G4\"", 1L }, { "{\"roomId\":1,\"RoomId\":2}", 12L }, { "-", 1L }, { "1.", 2L }, { "1e", 2L },
                { "1e400", 0L }, { "{a:1}", 1L }, { "[\"x\"", 4L }, { "nul", 0L }, { "{\"a\":}", 5L },
            };
            for (int i = 0; i < cases.GetLength(0); i++)
            {
                string text = (string)cases[i, 0];
                long offset = (long)cases[i, 1];
                string shown = text.Replace("\u0001", "\\u0001");
                try
                {
                    object value = PChatJson.Parse(text);
                    Fail("invalid JSON '" + shown + "' was accepted as " + Describe(value));
                }
                catch (JsonReadException e)
                {
                    Check("invalid JSON '" + shown + "' refused at offset " + offset + " (" + e.Message + ")",
                        e.Offset == offset && e.Message.StartsWith("invalid JSON at offset " + offset + ": ", StringComparison.Ordinal), e.Message);
                }
            }
        }

        private static void JsonDeepNesting()
        {
            int limit = PChatJson.MaxDepth;
            string deepest = new string('[', limit) + new string(']', limit);
            object value = PChatJson.Parse(deepest);
            Check(limit + " nested arrays are read", value is object[], Describe(value));
            foreach (int depth in new[] { limit + 1, 1000000 })
            {
                string text = new string('[', depth) + new string(']', depth);
                try
                {
                    PChatJson.Parse(text);
                    Fail(depth + " nested arrays were accepted");
                }
                catch (JsonReadException e)
                {
                    Check(depth + " nested arrays refused at offset " + limit + " naming the limit", e.Offset == limit &&
                        e.Message.Contains("deeper than " + limit), e.Message);
                }
            }
            string objects = new StringBuilder().Insert(0, "{\"a\":", limit + 1).Append("1").Append('}', limit + 1).ToString();
            try
            {
                PChatJson.Parse(objects);
                Fail((limit + 1) + " nested objects were accepted");
            }
            catch (JsonReadException e)
            {
                Check((limit + 1) + " nested objects refused", e.Message.Contains("deeper than " + limit), e.Message);
            }
        }
    }
}
