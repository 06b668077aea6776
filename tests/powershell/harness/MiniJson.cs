// A small JSON reader for the test harness (the BCL of .NET Framework 4.5 / Mono has no JSON parser without extra
// assemblies). Objects become Dictionary<string, object>, arrays List<object>, numbers double, plus string, bool and
// null. C# 5, like the module's P/Invoke class.

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace PChatMigration.Harness
{
    public static class MiniJson
    {
        public static object Parse(string text)
        {
            if (text == null)
            {
                throw new FormatException("no JSON text (null)");
            }
            int i = 0;
            object value = ParseValue(text, ref i);
            SkipWhitespace(text, ref i);
            if (i != text.Length)
            {
                throw new FormatException("trailing characters at " + i);
            }
            return value;
        }

        /// <summary>Follows a path of object keys ("error", "code"); null when any step is missing.</summary>
        public static object Get(object node, params string[] path)
        {
            object current = node;
            foreach (string key in path)
            {
                Dictionary<string, object> obj = current as Dictionary<string, object>;
                if (obj == null || !obj.TryGetValue(key, out current))
                {
                    return null;
                }
            }
            return current;
        }

        private static void SkipWhitespace(string s, ref int i)
        {
            while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
            {
                i++;
            }
        }

        private static object ParseValue(string s, ref int i)
        {
            SkipWhitespace(s, ref i);
            if (i >= s.Length)
            {
                throw new FormatException("unexpected end of JSON");
            }
            char c = s[i];
            if (c == '{')
            {
                return ParseObject(s, ref i);
            }
            if (c == '[')
            {
                return ParseArray(s, ref i);
            }
            if (c == '"')
            {
                return ParseString(s, ref i);
            }
            if (Literal(s, ref i, "true"))
            {
                return true;
            }
            if (Literal(s, ref i, "false"))
            {
                return false;
            }
            if (Literal(s, ref i, "null"))
            {
                return null;
            }
            return ParseNumber(s, ref i);
        }

        private static bool Literal(string s, ref int i, string word)
        {
            if (string.CompareOrdinal(s, i, word, 0, word.Length) == 0)
            {
                i += word.Length;
                return true;
            }
            return false;
        }

        private static Dictionary<string, object> ParseObject(string s, ref int i)
        {
            Dictionary<string, object> result = new Dictionary<string, object>();
            i++; // {
            SkipWhitespace(s, ref i);
            if (i < s.Length && s[i] == '}')
            {
                i++;
                return result;
            }
            while (true)
            {
                SkipWhitespace(s, ref i);
                if (i >= s.Length || s[i] != '"')
                {
                    throw new FormatException("expected a key at " + i);
                }
                string key = ParseString(s, ref i);
                SkipWhitespace(s, ref i);
                if (i >= s.Length || s[i] != ':')
                {
                    throw new FormatException("expected ':' at " + i);
                }
                i++;
                result[key] = ParseValue(s, ref i);
                SkipWhitespace(s, ref i);
                if (i < s.Length && s[i] == ',')
                {
                    i++;
                    continue;
                }
                if (i < s.Length && s[i] == '}')
                {
                    i++;
                    return result;
                }
                throw new FormatException("expected ',' or '}' at " + i);
            }
        }

        private static List<object> ParseArray(string s, ref int i)
        {
            List<object> result = new List<object>();
            i++; // [
            SkipWhitespace(s, ref i);
            if (i < s.Length && s[i] == ']')
            {
                i++;
                return result;
            }
            while (true)
            {
                result.Add(ParseValue(s, ref i));
                SkipWhitespace(s, ref i);
                if (i < s.Length && s[i] == ',')
                {
                    i++;
                    continue;
                }
                if (i < s.Length && s[i] == ']')
                {
                    i++;
                    return result;
                }
                throw new FormatException("expected ',' or ']' at " + i);
            }
        }

        private static string ParseString(string s, ref int i)
        {
            StringBuilder sb = new StringBuilder();
            i++; // opening quote
            while (i < s.Length)
            {
                char c = s[i++];
                if (c == '"')
                {
                    return sb.ToString();
                }
                if (c != '\\')
                {
                    sb.Append(c);
                    continue;
                }
                if (i >= s.Length)
                {
                    break;
                }
                char e = s[i++];
                switch (e)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (i + 4 > s.Length)
                        {
                            throw new FormatException("short \\u escape");
                        }
                        sb.Append((char)int.Parse(s.Substring(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 4;
                        break;
                    default:
                        throw new FormatException("bad escape \\" + e);
                }
            }
            throw new FormatException("unterminated string");
        }

        private static double ParseNumber(string s, ref int i)
        {
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0)
            {
                i++;
            }
            if (start == i)
            {
                throw new FormatException("unexpected character '" + s[i] + "' at " + i);
            }
            return double.Parse(s.Substring(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }
}
