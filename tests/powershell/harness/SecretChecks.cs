// The SecureString path (PChatMigration.SecureRequest, what Invoke-PChatNativeCall / Invoke-PChatNativeJob use for
// a -Credential): a real probe job logs in to the stand-in whose sa password has quotes, a backslash, non-ASCII and
// a surrogate pair; a wrong password is refused (so the password really travels); the unmanaged request buffer is
// all zero once the call returns (the internal AfterZeroed hook sees it before it is freed); validate through
// pcm_call never echoes the password; a request without its placeholder, or with it twice, is refused.
// tests/powershell_checks.rs passes the probe request (password "@PASSWORD@") and the password file (UTF-8).
//
// C# 5.

using System;
using System.Collections.Generic;
using System.Security;

namespace PChatMigration.Harness
{
    public static partial class Program
    {
        private static SecureString ToSecureString(string text)
        {
            SecureString secure = new SecureString();
            foreach (char c in text)
            {
                secure.AppendChar(c);
            }
            secure.MakeReadOnly();
            return secure;
        }

        private static void SecretChecks(string probeTemplate, string password)
        {
            Check("secret: the test password has a quote, a backslash, non-ASCII and a surrogate pair",
                password.Contains("\"") && password.Contains("\\") && password.Contains("\u00e9") &&
                password.IndexOf('\ud83d') >= 0, password.Length.ToString());
            List<byte[]> seen = new List<byte[]>();
            SecureRequest.AfterZeroed = delegate(IntPtr buffer, int length)
            {
                byte[] copy = new byte[length];
                System.Runtime.InteropServices.Marshal.Copy(buffer, copy, 0, length);
                seen.Add(copy);
            };
            try
            {
                Check("secret: right password, probe succeeds", SecretProbe(probeTemplate, ToSecureString(password), true), "see above");
                Check("secret: wrong password, probe refused", SecretProbe(probeTemplate, ToSecureString(password + "x"), false), "see above");
                string placeholder = SecureRequest.NewPlaceholder();
                string validate = "{\"operation\":\"validate\",\"params\":{\"operation\":\"probe\",\"params\":" +
                    probeTemplate.Replace("\"@PASSWORD@\"", "\"" + placeholder + "\"") + "}}";
                NativeResponse response = SecureRequest.Call(validate, new string[] { placeholder },
                    new SecureString[] { ToSecureString(password) });
                ExpectEnvelope("secret: validate through SecureRequest.Call", response, PcmStatus.Ok, true, null);
                Check("secret: the validate result does not echo the password",
                    !response.Json.Contains("Pw-") && !response.Json.Contains("\u00e9"), response.Json);
                Check("secret: every request buffer was seen (3 calls)", seen.Count == 3, seen.Count.ToString());
                foreach (byte[] buffer in seen)
                {
                    bool zero = buffer.Length > 0;
                    foreach (byte b in buffer)
                    {
                        zero = zero && b == 0;
                    }
                    Check("secret: the " + buffer.Length + "-byte request buffer is zero after the call", zero, "not wiped");
                }
                SecretRefusals(validate, placeholder, password);
            }
            finally
            {
                SecureRequest.AfterZeroed = null;
            }
        }

        private static bool SecretProbe(string probeTemplate, SecureString password, bool expectOk)
        {
            string placeholder = SecureRequest.NewPlaceholder();
            string request = "{\"operation\":\"probe\",\"params\":" +
                probeTemplate.Replace("\"@PASSWORD@\"", "\"" + placeholder + "\"") + "}";
            using (NativeJob job = SecureRequest.StartJob(request, new string[] { placeholder }, new SecureString[] { password }))
            {
                if (!job.IsStarted)
                {
                    Fail("secret: the probe did not start: " + job.StartResponse);
                    return false;
                }
                List<string> texts = new List<string>();
                PollUntilFinished(job, TimeSpan.FromSeconds(60), new List<string>(), new List<string>(), texts);
                NativeResponse result = job.Result();
                object envelope = Envelope(result);
                bool ok = envelope != null && true.Equals(MiniJson.Get(envelope, "ok"));
                if (ok != expectOk)
                {
                    Fail("secret: probe expected ok=" + expectOk + ": " + result);
                }
                Check("secret: the probe's events and result do not echo the password",
                    !result.Json.Contains("Pw-") && !string.Join("", texts.ToArray()).Contains("Pw-"), result.Json);
                return ok == expectOk;
            }
        }

        private static void SecretRefusals(string validate, string placeholder, string password)
        {
            string[] bad = new string[] { validate.Replace(placeholder, "elsewhere"), validate.Replace("}", ",\"x\":\"" + placeholder + "\"}") };
            foreach (string request in bad)
            {
                bool refused = false;
                try
                {
                    SecureRequest.Call(request, new string[] { placeholder }, new SecureString[] { ToSecureString(password) });
                }
                catch (ArgumentException)
                {
                    refused = true;
                }
                Check("secret: a request without its placeholder exactly once is refused", refused, request.Length.ToString());
            }
        }
    }
}
