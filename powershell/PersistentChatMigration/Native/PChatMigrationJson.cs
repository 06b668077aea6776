// The JSON reader for the native library's responses (docs/powershell-objects.md).
//
// Why not ConvertFrom-Json: Windows PowerShell 3.0/4.0 parse with JavaScriptSerializer, which refuses text over
// 2,097,152 characters (a package of ~10,000 rooms), and Windows PowerShell 5.1 and PowerShell 7 return different
// values for the same text (PowerShell 7 turns ISO 8601 strings into [DateTime], 5.1 leaves them strings). This reader
// gives the same tree on every version, of any size:
//
//   - objects become JsonObject (ordered key/value pairs), arrays object[], strings string, true/false bool, null null;
//     integers long (decimal beyond long, double beyond decimal), numbers with a fraction or exponent double.
//   - keys are PascalCased by PChatJson.PascalCase (only keys that are camelCase identifiers; others are data, such
//     as room ids or month names of a map, and are kept verbatim).
//   - a string under a key ending in "Utc" that is ISO 8601 UTC text ("2026-11-24T08:30:00Z", up to 7 fraction
//     digits) becomes a DateTime of Kind Utc. No other string is ever converted (room names, message text).
//   - invalid JSON, a duplicate key, or nesting deeper than MaxDepth throws JsonReadException naming the offset.
//
// The parser is iterative (an explicit stack), so deep input cannot overflow the thread's stack.
// PersistentChatMigration.psm1 compiles this file with Add-Type; Private/ConvertFrom-PChatJson.ps1 turns the tree into
// PSCustomObjects. Tested under Mono by tests/powershell/harness/JsonChecks.cs.
//
// Same rules as PChatMigrationNative.cs: C# 5 (Windows PowerShell 3.0-5.1 compile it with CodeDom), mscorlib only.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PChatMigration
{
    /// <summary>A JSON object: its members in the order of the text.</summary>
    public sealed class JsonObject
    {
        private readonly List<string> keys = new List<string>();
        private readonly List<object> values = new List<object>();
        private readonly Dictionary<string, int> index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        public int Count
        {
            get { return keys.Count; }
        }

        /// <summary>The (PascalCased) keys, in order.</summary>
        public string[] Keys
        {
            get { return keys.ToArray(); }
        }

        /// <summary>The values, in the order of Keys.</summary>
        public object[] Values
        {
            get { return values.ToArray(); }
        }

        public string KeyAt(int position)
        {
            return keys[position];
        }

        public object ValueAt(int position)
        {
            return values[position];
        }

        /// <summary>The value of a key (ignoring case, as PowerShell's property access does), or null.</summary>
        public object Get(string key)
        {
            int position;
            return index.TryGetValue(key, out position) ? values[position] : null;
        }

        public bool ContainsKey(string key)
        {
            return index.ContainsKey(key);
        }

        /// <summary>Adds a member; false when the key (ignoring case) is already present.</summary>
        internal bool TryAdd(string key, object value)
        {
            if (index.ContainsKey(key))
            {
                return false;
            }
            index[key] = keys.Count;
            keys.Add(key);
            values.Add(value);
            return true;
        }
    }

    /// <summary>Invalid JSON: the message names the offset (in characters, from 0) and what was expected.</summary>
    public sealed class JsonReadException : FormatException
    {
        private readonly long offset;

        public JsonReadException(string problem, long offset)
            : base("invalid JSON at offset " + offset.ToString(CultureInfo.InvariantCulture) + ": " + problem)
        {
            this.offset = offset;
        }

        public long Offset
        {
            get { return offset; }
        }
    }

    /// <summary>Parses response JSON into JsonObject / object[] / scalars, PascalCasing keys and reading UTC times.</summary>
    public static class PChatJson
    {
        /// <summary>Deepest nesting of objects and arrays accepted (the library's responses nest fewer than 10).</summary>
        public const int MaxDepth = 256;

        /// <summary>Words spelled as the cmdlets already spell them (DBInstance, MiBPerSecond, SHA256).</summary>
        private static readonly Dictionary<string, string> Acronyms = CreateAcronyms();

        private static Dictionary<string, string> CreateAcronyms()
        {
            Dictionary<string, string> words = new Dictionary<string, string>(StringComparer.Ordinal);
            words["db"] = "DB";
            words["mib"] = "MiB";
            words["sha1"] = "SHA1";
            words["sha256"] = "SHA256";
            return words;
        }

        /// <summary>Parses a whole JSON text (one value, whitespace around it).</summary>
        public static object Parse(string text)
        {
            if (text == null)
            {
                throw new ArgumentNullException("text");
            }
            Reader reader = new Reader(text);
            object value = reader.ReadDocument();
            return value;
        }

        /// <summary>
        /// camelCase to PascalCase: a key that is an identifier starting with a lowercase letter ([a-z][A-Za-z0-9]*)
        /// is split into words at each uppercase letter (digits stay with their word), each word gets an uppercase
        /// first letter, and the words db, mib, sha1, sha256 are spelled DB, MiB, SHA1, SHA256. fileName -> FileName,
        /// dbInstance -> DBInstance, sourceDbName -> SourceDBName, mibPerSecond -> MiBPerSecond, roomId -> RoomId.
        /// Any other key (already PascalCase, "2026-11", "42", "Sales room") is returned unchanged. Only the case of
        /// letters changes, so PowerShell's case-insensitive property access finds a property by either spelling.
        /// </summary>
        public static string PascalCase(string key)
        {
            if (!IsCamelIdentifier(key))
            {
                return key;
            }
            StringBuilder result = new StringBuilder(key.Length + 2);
            int start = 0;
            for (int i = 1; i <= key.Length; i++)
            {
                if (i == key.Length || (key[i] >= 'A' && key[i] <= 'Z'))
                {
                    AppendWord(result, key.Substring(start, i - start));
                    start = i;
                }
            }
            return result.ToString();
        }

        private static bool IsCamelIdentifier(string key)
        {
            if (string.IsNullOrEmpty(key) || key[0] < 'a' || key[0] > 'z')
            {
                return false;
            }
            foreach (char c in key)
            {
                bool letterOrDigit = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                if (!letterOrDigit)
                {
                    return false;
                }
            }
            return true;
        }

        private static void AppendWord(StringBuilder result, string word)
        {
            string spelled;
            if (Acronyms.TryGetValue(word.ToLowerInvariant(), out spelled))
            {
                result.Append(spelled);
                return;
            }
            result.Append(char.ToUpperInvariant(word[0]));
            result.Append(word, 1, word.Length - 1);
        }

        /// <summary>True for a key whose string value is a UTC time: it ends in "Utc" (createdUtc, chatDateUtc).</summary>
        public static bool IsTimeKey(string key)
        {
            return key != null && key.Length > 3 && key.EndsWith("Utc", StringComparison.Ordinal);
        }

        /// <summary>
        /// ISO 8601 UTC text as the library writes it (yyyy-MM-ddTHH:mm:ss, then . and 1 to 7 digits, then Z) as a
        /// DateTime of Kind Utc; null for any other text (left a string).
        /// </summary>
        public static object ReadUtcTime(string text)
        {
            if (text == null || text.Length < 20 || text.Length > 28 || text[text.Length - 1] != 'Z')
            {
                return null;
            }
            const string pattern = "dddd-dd-ddTdd:dd:dd";
            for (int i = 0; i < pattern.Length; i++)
            {
                bool digit = text[i] >= '0' && text[i] <= '9';
                if (pattern[i] == 'd' ? !digit : text[i] != pattern[i])
                {
                    return null;
                }
            }
            if (text.Length > 20)
            {
                if (text[19] != '.' || text.Length == 21)
                {
                    return null;
                }
                for (int i = 20; i < text.Length - 1; i++)
                {
                    if (text[i] < '0' || text[i] > '9')
                    {
                        return null;
                    }
                }
            }
            DateTime parsed;
            string[] formats = { "yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" };
            DateTimeStyles styles = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal;
            if (DateTime.TryParseExact(text, formats, CultureInfo.InvariantCulture, styles, out parsed))
            {
                return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            }
            return null;
        }

        /// <summary>An object or array being read, with the key of the member whose value is being read.</summary>
        private sealed class Frame
        {
            public JsonObject Obj;
            public List<object> Array;
            public string PendingKey;
            public string PendingRawKey;
            public int KeyOffset;
            public bool NeedsSeparator;
        }

        private sealed class Reader
        {
            private readonly string text;
            private readonly Stack<Frame> stack = new Stack<Frame>();
            private readonly StringBuilder buffer = new StringBuilder();
            private int pos;

            public Reader(string text)
            {
                this.text = text;
            }

            /// <summary>Reads the one value of the text; containers are filled iteratively through the stack.</summary>
            public object ReadDocument()
            {
                SkipWhitespace();
                object result = ReadValueOrOpen();
                while (stack.Count > 0)
                {
                    Frame top = stack.Peek();
                    SkipWhitespace();
                    char close = top.Obj != null ? '}' : ']';
                    bool empty = top.Obj != null ? top.Obj.Count == 0 : top.Array.Count == 0;
                    if (top.NeedsSeparator || (empty && Peek() == close))
                    {
                        if (Peek() == close)
                        {
                            pos++;
                            stack.Pop();
                            object finished = top.Obj != null ? (object)top.Obj : top.Array.ToArray();
                            if (stack.Count == 0)
                            {
                                result = finished;
                            }
                            else
                            {
                                Add(stack.Peek(), finished);
                            }
                            continue;
                        }
                        if (Peek() != ',')
                        {
                            throw Error(top.Obj != null ? "expected ',' or '}' after a member" : "expected ',' or ']' after an element");
                        }
                        pos++;
                        top.NeedsSeparator = false;
                        SkipWhitespace();
                    }
                    if (top.Obj != null)
                    {
                        ReadKey(top);
                    }
                    int depth = stack.Count;
                    object value = ReadValueOrOpen();
                    if (stack.Count == depth)
                    {
                        Add(top, value);
                    }
                }
                SkipWhitespace();
                if (pos != text.Length)
                {
                    throw Error("unexpected '" + Describe(text[pos]) + "' after the end of the value");
                }
                return result;
            }

            private void ReadKey(Frame frame)
            {
                if (Peek() != '"')
                {
                    throw Error("expected a key in quotes");
                }
                frame.KeyOffset = pos;
                frame.PendingRawKey = ReadString();
                frame.PendingKey = PascalCase(frame.PendingRawKey);
                SkipWhitespace();
                Expect(':', "expected ':' after a key");
                SkipWhitespace();
            }

            /// <summary>Adds a finished value to its container (a UTC time under a time key becomes a DateTime).</summary>
            private void Add(Frame frame, object value)
            {
                frame.NeedsSeparator = true;
                if (frame.Obj == null)
                {
                    frame.Array.Add(value);
                    return;
                }
                string str = value as string;
                if (str != null && IsTimeKey(frame.PendingRawKey))
                {
                    object time = ReadUtcTime(str);
                    if (time != null)
                    {
                        value = time;
                    }
                }
                if (!frame.Obj.TryAdd(frame.PendingKey, value))
                {
                    pos = frame.KeyOffset;
                    throw Error("duplicate key \"" + frame.PendingRawKey + "\" in an object (keys are compared ignoring case)");
                }
                frame.PendingKey = null;
                frame.PendingRawKey = null;
            }

            /// <summary>A scalar, or null after pushing a new container (its contents are read by the loop).</summary>
            private object ReadValueOrOpen()
            {
                char c = Peek();
                switch (c)
                {
                    case '{':
                    case '[':
                        if (stack.Count >= MaxDepth)
                        {
                            throw Error("objects and arrays nested deeper than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels");
                        }
                        pos++;
                        Frame frame = new Frame();
                        if (c == '{')
                        {
                            frame.Obj = new JsonObject();
                        }
                        else
                        {
                            frame.Array = new List<object>();
                        }
                        stack.Push(frame);
                        return null;
                    case '"':
                        return ReadString();
                    case 't':
                        ReadLiteral("true");
                        return true;
                    case 'f':
                        ReadLiteral("false");
                        return false;
                    case 'n':
                        ReadLiteral("null");
                        return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9'))
                        {
                            return ReadNumber();
                        }
                        throw Error(pos >= text.Length ? "unexpected end of the text, expected a value" : "expected a value, found '" + Describe(c) + "'");
                }
            }

            private char Peek()
            {
                return pos < text.Length ? text[pos] : '\0';
            }

            private void Expect(char c, string problem)
            {
                if (pos >= text.Length || text[pos] != c)
                {
                    throw Error(problem);
                }
                pos++;
            }

            private void SkipWhitespace()
            {
                while (pos < text.Length)
                {
                    char c = text[pos];
                    if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
                    {
                        return;
                    }
                    pos++;
                }
            }

            private void ReadLiteral(string literal)
            {
                if (string.CompareOrdinal(text, pos, literal, 0, literal.Length) != 0)
                {
                    throw Error("expected a value (true, false, null, a number, a string, an object or an array)");
                }
                pos += literal.Length;
            }

            private object ReadNumber()
            {
                int start = pos;
                bool integer = true;
                if (Peek() == '-')
                {
                    pos++;
                }
                if (Peek() == '0')
                {
                    pos++;
                }
                else if (!Digits())
                {
                    throw Error("expected a digit in a number");
                }
                if (Peek() == '.')
                {
                    integer = false;
                    pos++;
                    if (!Digits())
                    {
                        throw Error("expected a digit after '.' in a number");
                    }
                }
                if (Peek() == 'e' || Peek() == 'E')
                {
                    integer = false;
                    pos++;
                    if (Peek() == '+' || Peek() == '-')
                    {
                        pos++;
                    }
                    if (!Digits())
                    {
                        throw Error("expected a digit in a number's exponent");
                    }
                }
                string token = text.Substring(start, pos - start);
                if (integer)
                {
                    long whole;
                    if (long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out whole))
                    {
                        return whole;
                    }
                    decimal large;
                    if (decimal.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out large))
                    {
                        return large;
                    }
                }
                double real;
                if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out real) &&
                    !double.IsInfinity(real))
                {
                    return real;
                }
                pos = start;
                throw Error("the number " + token + " is out of range");
            }

            private bool Digits()
            {
                int start = pos;
                while (pos < text.Length && text[pos] >= '0' && text[pos] <= '9')
                {
                    pos++;
                }
                return pos > start;
            }

            private string ReadString()
            {
                pos++; // the opening quote
                buffer.Length = 0;
                while (true)
                {
                    if (pos >= text.Length)
                    {
                        throw Error("unterminated string");
                    }
                    char c = text[pos];
                    if (c == '"')
                    {
                        pos++;
                        return buffer.ToString();
                    }
                    if (c < ' ')
                    {
                        throw Error("a control character (U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + ") in a string must be escaped");
                    }
                    if (c != '\\')
                    {
                        buffer.Append(c);
                        pos++;
                        continue;
                    }
                    pos++;
                    ReadEscape();
                }
            }

            private void ReadEscape()
            {
                char e = Peek();
                switch (e)
                {
                    case '"': buffer.Append('"'); break;
                    case '\\': buffer.Append('\\'); break;
                    case '/': buffer.Append('/'); break;
                    case 'b': buffer.Append('\b'); break;
                    case 'f': buffer.Append('\f'); break;
                    case 'n': buffer.Append('\n'); break;
                    case 'r': buffer.Append('\r'); break;
                    case 't': buffer.Append('\t'); break;
                    case 'u':
                        int code = 0;
                        for (int i = 1; i <= 4; i++)
                        {
                            int digit = pos + i < text.Length ? HexValue(text[pos + i]) : -1;
                            if (digit < 0)
                            {
                                pos--;
                                throw Error("expected four hex digits after \\u");
                            }
                            code = code * 16 + digit;
                        }
                        buffer.Append((char)code);
                        pos += 4;
                        break;
                    default:
                        pos--;
                        throw Error("unknown escape '\\" + Describe(e) + "' in a string");
                }
                pos++;
            }

            private static int HexValue(char c)
            {
                if (c >= '0' && c <= '9')
                {
                    return c - '0';
                }
                if (c >= 'a' && c <= 'f')
                {
                    return c - 'a' + 10;
                }
                if (c >= 'A' && c <= 'F')
                {
                    return c - 'A' + 10;
                }
                return -1;
            }

            private static string Describe(char c)
            {
                return c < ' ' || c == '\0' ? "U+" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) : c.ToString();
            }

            private JsonReadException Error(string problem)
            {
                return new JsonReadException(problem, pos);
            }
        }
    }
}
