// P/Invoke surface of the pchat-migrate native library (C ABI: docs/c-abi.md, header: include/pchat_migrate.h).
//
// This file is compiled at module load time by Add-Type, so it must compile on every runtime the module supports:
//   - Windows PowerShell 3.0-5.1: .NET Framework 4.5+ and its CodeDom C# compiler, i.e. C# 5 at most
//     (no string interpolation, no expression-bodied members, no getter-only auto-properties, no nameof, no ?.);
//   - PowerShell 7: .NET 8+ with Roslyn;
//   - Mono (the Linux-side test harness in tests/powershell compiles it with `mcs -langversion:5 -noconfig`).
// It uses only mscorlib types, so Add-Type needs no -ReferencedAssemblies.
//
// The library name below is a placeholder: PersistentChatMigration.psm1 replaces it with the absolute path of the
// native binary it selected for this OS/architecture before calling Add-Type. DllImport with an absolute path works
// on .NET Framework, .NET (Core) and Mono alike, so no probing rules are involved.
//
// Marshalling rules (see docs/c-abi.md, "Conventions"):
//   - strings passed in are NUL-terminated UTF-8 byte[] (never `string`, whose default marshalling is ANSI/UTF-16
//     depending on the runtime); the one exception is pcm_call_ptr / pcm_job_start_ptr (EntryPoint pcm_call /
//     pcm_job_start), which take an IntPtr to a UTF-8 buffer SecureRequest built in unmanaged memory so that a
//     password never sits in a managed array (docs/secrets.md);
//   - strings returned are IntPtr: `char **` out-parameters are owned by the caller and released with
//     pcm_string_free (never by the .NET marshaller, which would call CoTaskMemFree); `const char *` returns
//     (pcm_version, pcm_status_name) are static and never freed;
//   - returned strings are decoded by scanning for the NUL byte, Marshal.Copy and Encoding.UTF8
//     (Marshal.PtrToStringUTF8 does not exist on .NET Framework);
//   - jobs are wrapped in a SafeHandle that calls pcm_job_free exactly once.
// JSON is not parsed here: ConvertFrom-PChatResponse parses the text this class returns with PChatMigrationJson.cs.

using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace PChatMigration
{
    /// <summary>Raw exports of the native library. Prefer the <see cref="Native"/> wrapper.</summary>
    public static class NativeMethods
    {
        /// <summary>Absolute path of the native library; filled in by the module loader.</summary>
        public const string Lib = "@@PCHAT_MIGRATE_NATIVE_LIBRARY@@";

        // const char *pcm_version(void);  static, never freed
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr pcm_version();

        // uint32_t pcm_abi_version(void);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern uint pcm_abi_version();

        // const char *pcm_status_name(int32_t status);  static, never freed
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern IntPtr pcm_status_name(int status);

        // int32_t pcm_call(const char *request_json, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_call(byte[] request_json, out IntPtr response_out);

        // int32_t pcm_legacy_clients_plan(const char *facts_json, char **response_out);
        /// <summary>pcm_call with a request in unmanaged memory (SecureRequest builds it there).</summary>
        [DllImport(Lib, EntryPoint = "pcm_call", CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_call_ptr(IntPtr request_json, out IntPtr response_out);

        /// <summary>pcm_job_start with a request in unmanaged memory (SecureRequest builds it there).</summary>
        [DllImport(Lib, EntryPoint = "pcm_job_start", CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_job_start_ptr(IntPtr request_json, out IntPtr job_out, out IntPtr response_out);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_legacy_clients_plan(byte[] facts_json, out IntPtr response_out);

        // int32_t pcm_job_start(const char *request_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_job_start(byte[] request_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_probe_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_probe_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_export_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_export_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_import_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_import_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_readiness_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_readiness_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_archive_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_archive_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_copy_files_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_copy_files_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_file_manifest_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_file_manifest_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_verify_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_verify_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_client_access_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_client_access_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_inspect_package_start(const char *params_json, pcm_job **job_out, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_inspect_package_start(byte[] params_json, out IntPtr job_out, out IntPtr response_out);

        // int32_t pcm_job_poll(pcm_job *job, uint32_t timeout_ms, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_job_poll(PcmJobHandle job, uint timeout_ms, out IntPtr response_out);

        // int32_t pcm_job_cancel(pcm_job *job);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_job_cancel(PcmJobHandle job);

        // int32_t pcm_job_result(pcm_job *job, char **response_out);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern int pcm_job_result(PcmJobHandle job, out IntPtr response_out);

        // void pcm_job_free(pcm_job *job);  called only by PcmJobHandle.ReleaseHandle
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void pcm_job_free(IntPtr job);

        // void pcm_string_free(char *s);
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl)]
        public static extern void pcm_string_free(IntPtr s);
    }

    /// <summary>Status codes (int32_t, stable). Values mirror PCM_STATUS_* in include/pchat_migrate.h.</summary>
    public static class PcmStatus
    {
        public const int Ok = 0;
        public const int NullArgument = 7001;
        public const int InvalidUtf8 = 7002;
        public const int InvalidJson = 7003;
        public const int InvalidRequest = 7004;
        public const int UnknownOperation = 7005;
        public const int OperationFailed = 7006;
        public const int JobRunning = 7007;
        public const int JobFinished = 7008;
        public const int Cancelled = 7009;
        public const int Panic = 7010;
        public const int Runtime = 7011;
        public const int InvalidHandle = 7012;
    }

    /// <summary>Owns a pcm_job pointer; pcm_job_free runs exactly once (Dispose, or the finalizer as a last resort).</summary>
    public sealed class PcmJobHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        // Used by the marshaller if a signature ever returns the handle directly.
        private PcmJobHandle() : base(true)
        {
        }

        internal PcmJobHandle(IntPtr job) : base(true)
        {
            SetHandle(job);
        }

        protected override bool ReleaseHandle()
        {
            // pcm_job_free cancels a job that is still running, then releases it.
            NativeMethods.pcm_job_free(handle);
            return true;
        }
    }

    /// <summary>A status code plus the JSON response text the library wrote (null when it wrote none).</summary>
    public sealed class NativeResponse
    {
        private readonly int status;
        private readonly string json;

        public NativeResponse(int status, string json)
        {
            this.status = status;
            this.json = json;
        }

        public int Status { get { return status; } }

        /// <summary>The PCM_STATUS_* name of <see cref="Status"/>, as reported by the library.</summary>
        public string StatusName { get { return Native.StatusName(status); } }

        public string Json { get { return json; } }

        public bool IsOk { get { return status == PcmStatus.Ok; } }

        public override string ToString()
        {
            return StatusName + " (" + status + "): " + (json ?? "<no response>");
        }
    }

    /// <summary>
    /// A running or finished native job. Poll it on the calling thread until the status is
    /// <see cref="PcmStatus.JobFinished"/>, then read <see cref="Result"/>. Dispose cancels and frees it.
    /// </summary>
    public sealed class NativeJob : IDisposable
    {
        private readonly PcmJobHandle handle;
        private readonly NativeResponse startResponse;

        internal NativeJob(PcmJobHandle handle, NativeResponse startResponse)
        {
            this.handle = handle;
            this.startResponse = startResponse;
        }

        /// <summary>What pcm_job_start answered: {"ok":true,"data":{"operation":...}} or an error envelope.</summary>
        public NativeResponse StartResponse { get { return startResponse; } }

        /// <summary>True when pcm_job_start succeeded and returned a job.</summary>
        public bool IsStarted { get { return handle != null && startResponse.IsOk; } }

        /// <summary>True once the job handle has been released (or when there never was one).</summary>
        public bool IsClosed { get { return handle == null || handle.IsClosed; } }

        /// <summary>Waits up to <paramref name="timeoutMs"/> for events (0 = do not wait).</summary>
        public NativeResponse Poll(uint timeoutMs)
        {
            PcmJobHandle h = Handle();
            IntPtr response;
            int status = NativeMethods.pcm_job_poll(h, timeoutMs, out response);
            return new NativeResponse(status, Native.TakeString(response));
        }

        /// <summary>Requests cancellation; returns the status (Ok, or JobFinished when the job already ended).</summary>
        public int Cancel()
        {
            return NativeMethods.pcm_job_cancel(Handle());
        }

        /// <summary>The final envelope (status JobRunning while the job has not ended).</summary>
        public NativeResponse Result()
        {
            PcmJobHandle h = Handle();
            IntPtr response;
            int status = NativeMethods.pcm_job_result(h, out response);
            return new NativeResponse(status, Native.TakeString(response));
        }

        /// <summary>Frees the job (the library cancels it first if it is still running). Safe to call twice.</summary>
        public void Dispose()
        {
            if (handle != null)
            {
                handle.Dispose();
            }
        }

        private PcmJobHandle Handle()
        {
            if (handle == null)
            {
                throw new InvalidOperationException("The native job was not started: " + startResponse);
            }
            if (handle.IsClosed)
            {
                throw new ObjectDisposedException("NativeJob", "The native job has already been freed.");
            }
            return handle;
        }
    }

    /// <summary>
    /// A failure reported by the library: the error envelope's code, message and details (details as JSON text;
    /// PowerShell converts it and may store the object in <see cref="Details"/>).
    /// </summary>
    public class PChatNativeException : Exception
    {
        private readonly string code;
        private readonly int status;
        private readonly string detailsJson;
        private object details;

        public PChatNativeException(string message, string code, int status, string detailsJson)
            : base(message)
        {
            this.code = code;
            this.status = status;
            this.detailsJson = detailsJson;
        }

        /// <summary>The library's stable snake_case error code.</summary>
        public string Code { get { return code; } }

        public int Status { get { return status; } }

        public string StatusName { get { return Native.StatusName(status); } }

        public string DetailsJson { get { return detailsJson; } }

        public object Details
        {
            get { return details; }
            set { details = value; }
        }
    }

    /// <summary>Marshalling done once, the same way on .NET Framework 4.5, .NET 8+ and Mono.</summary>
    public static class Native
    {
        /// <summary>pcm_version(): the library version, e.g. "0.1.0".</summary>
        public static string Version()
        {
            return ReadUtf8(NativeMethods.pcm_version());
        }

        /// <summary>pcm_abi_version(): PCM_ABI_VERSION of the loaded library.</summary>
        public static uint AbiVersion()
        {
            return NativeMethods.pcm_abi_version();
        }

        /// <summary>pcm_status_name(status), e.g. "PCM_STATUS_NULL_ARGUMENT".</summary>
        public static string StatusName(int status)
        {
            return ReadUtf8(NativeMethods.pcm_status_name(status));
        }

        /// <summary>pcm_call: a synchronous operation. A null request is passed as a NULL pointer.</summary>
        public static NativeResponse Call(string requestJson)
        {
            IntPtr response;
            int status = NativeMethods.pcm_call(ToUtf8Z(requestJson), out response);
            return new NativeResponse(status, TakeString(response));
        }

        /// <summary>
        /// pcm_legacy_clients_plan: the legacy-client access plan for <paramref name="factsJson"/> (synchronous,
        /// the envelope of <see cref="Call"/>). A null text is passed as a NULL pointer.
        /// </summary>
        public static NativeResponse LegacyClientsPlan(string factsJson)
        {
            IntPtr response;
            int status = NativeMethods.pcm_legacy_clients_plan(ToUtf8Z(factsJson), out response);
            return new NativeResponse(status, TakeString(response));
        }

        /// <summary>The shape of pcm_job_start and of the named pcm_&lt;operation&gt;_start functions.</summary>
        private delegate int StartFunction(byte[] json, out IntPtr job_out, out IntPtr response_out);

        /// <summary>
        /// pcm_job_start. Always returns a NativeJob; check <see cref="NativeJob.IsStarted"/> and, when false,
        /// <see cref="NativeJob.StartResponse"/> for the error envelope.
        /// </summary>
        public static NativeJob StartJob(string requestJson)
        {
            return Start(NativeMethods.pcm_job_start, requestJson);
        }

        /// <summary>pcm_probe_start: <c>probe</c> with its parameters (the connection object).</summary>
        public static NativeJob StartProbe(string paramsJson)
        {
            return Start(NativeMethods.pcm_probe_start, paramsJson);
        }

        /// <summary>pcm_export_start: <c>export</c> with its parameters.</summary>
        public static NativeJob StartExport(string paramsJson)
        {
            return Start(NativeMethods.pcm_export_start, paramsJson);
        }

        /// <summary>pcm_import_start: <c>import</c> with its parameters.</summary>
        public static NativeJob StartImport(string paramsJson)
        {
            return Start(NativeMethods.pcm_import_start, paramsJson);
        }

        /// <summary>pcm_readiness_start: <c>readiness</c> with its parameters.</summary>
        public static NativeJob StartReadiness(string paramsJson)
        {
            return Start(NativeMethods.pcm_readiness_start, paramsJson);
        }

        /// <summary>pcm_archive_start: <c>archive</c> with its parameters.</summary>
        public static NativeJob StartArchive(string paramsJson)
        {
            return Start(NativeMethods.pcm_archive_start, paramsJson);
        }

        /// <summary>pcm_copy_files_start: <c>copy_files</c> with its parameters.</summary>
        public static NativeJob StartCopyFiles(string paramsJson)
        {
            return Start(NativeMethods.pcm_copy_files_start, paramsJson);
        }

        /// <summary>pcm_file_manifest_start: <c>file_manifest</c> with its parameters.</summary>
        public static NativeJob StartFileManifest(string paramsJson)
        {
            return Start(NativeMethods.pcm_file_manifest_start, paramsJson);
        }

        /// <summary>pcm_verify_start: <c>verify</c> with its parameters.</summary>
        public static NativeJob StartVerify(string paramsJson)
        {
            return Start(NativeMethods.pcm_verify_start, paramsJson);
        }

        /// <summary>pcm_client_access_start: <c>client_access</c> with its parameters.</summary>
        public static NativeJob StartClientAccess(string paramsJson)
        {
            return Start(NativeMethods.pcm_client_access_start, paramsJson);
        }

        /// <summary>pcm_inspect_package_start: <c>inspect_package</c> with its parameters.</summary>
        public static NativeJob StartInspectPackage(string paramsJson)
        {
            return Start(NativeMethods.pcm_inspect_package_start, paramsJson);
        }

        internal static NativeJob StartFromPointer(IntPtr request)
        {
            IntPtr job = IntPtr.Zero;
            IntPtr response = IntPtr.Zero;
            PcmJobHandle handle = null;
            int status;
            try
            {
                status = NativeMethods.pcm_job_start_ptr(request, out job, out response);
            }
            finally
            {
                if (job != IntPtr.Zero)
                {
                    handle = new PcmJobHandle(job);
                }
            }
            return new NativeJob(handle, new NativeResponse(status, TakeString(response)));
        }

        private static NativeJob Start(StartFunction start, string json)
        {
            IntPtr job = IntPtr.Zero;
            IntPtr response = IntPtr.Zero;
            PcmJobHandle handle = null;
            int status;
            try
            {
                status = start(ToUtf8Z(json), out job, out response);
            }
            finally
            {
                // Take ownership of the job at once, even if the start failed but still produced a handle.
                if (job != IntPtr.Zero)
                {
                    handle = new PcmJobHandle(job);
                }
            }
            return new NativeJob(handle, new NativeResponse(status, TakeString(response)));
        }

        /// <summary>UTF-8 bytes of <paramref name="value"/> followed by one NUL byte (null stays null).</summary>
        public static byte[] ToUtf8Z(string value)
        {
            if (value == null)
            {
                return null;
            }
            byte[] text = Encoding.UTF8.GetBytes(value);
            byte[] result = new byte[text.Length + 1];
            Buffer.BlockCopy(text, 0, result, 0, text.Length);
            result[text.Length] = 0;
            return result;
        }

        /// <summary>Decodes a NUL-terminated UTF-8 string without taking ownership (null for a NULL pointer).</summary>
        public static string ReadUtf8(IntPtr value)
        {
            if (value == IntPtr.Zero)
            {
                return null;
            }
            int length = 0;
            while (Marshal.ReadByte(value, length) != 0)
            {
                length++;
            }
            byte[] bytes = new byte[length];
            if (length > 0)
            {
                Marshal.Copy(value, bytes, 0, length);
            }
            return Encoding.UTF8.GetString(bytes);
        }

        /// <summary>Decodes a string returned through a char** out-parameter and releases it with pcm_string_free.</summary>
        public static string TakeString(IntPtr value)
        {
            if (value == IntPtr.Zero)
            {
                return null;
            }
            try
            {
                return ReadUtf8(value);
            }
            finally
            {
                NativeMethods.pcm_string_free(value);
            }
        }
    }

    /// <summary>
    /// Requests whose passwords never become managed strings (docs/secrets.md). The caller builds the request JSON
    /// with a placeholder string (from <see cref="NewPlaceholder"/>) where each password goes; the call copies the
    /// request into unmanaged memory as UTF-8, writing each SecureString's characters, JSON-escaped, in place of its
    /// placeholder straight from Marshal.SecureStringToGlobalAllocUnicode's buffer, makes the native call, then
    /// zeroes and frees both unmanaged buffers. A placeholder is "pchat-secret-" and a fresh random GUID, and must
    /// occur exactly once as a whole JSON string, so it cannot be confused with user data.
    /// </summary>
    public static class SecureRequest
    {
        private const string PlaceholderPrefix = "pchat-secret-";

        /// <summary>Test hook: called with the request buffer and its length after it was zeroed, before it is freed.</summary>
        internal static Action<IntPtr, int> AfterZeroed;

        /// <summary>A new placeholder string value for one password of one request.</summary>
        public static string NewPlaceholder()
        {
            return PlaceholderPrefix + Guid.NewGuid().ToString("N");
        }

        /// <summary>pcm_call with each placeholder of <paramref name="requestJson"/> replaced by its secret.</summary>
        public static NativeResponse Call(string requestJson, string[] placeholders, SecureString[] secrets)
        {
            int length;
            IntPtr request = Build(requestJson, placeholders, secrets, out length);
            try
            {
                IntPtr response;
                int status = NativeMethods.pcm_call_ptr(request, out response);
                return new NativeResponse(status, Native.TakeString(response));
            }
            finally
            {
                ZeroAndFree(request, length);
            }
        }

        /// <summary>pcm_job_start with each placeholder replaced by its secret (see <see cref="Native.StartJob"/>).</summary>
        public static NativeJob StartJob(string requestJson, string[] placeholders, SecureString[] secrets)
        {
            int length;
            IntPtr request = Build(requestJson, placeholders, secrets, out length);
            try
            {
                return Native.StartFromPointer(request);
            }
            finally
            {
                ZeroAndFree(request, length);
            }
        }

        private struct Slot
        {
            public int Start;
            public int End;
            public SecureString Secret;
        }

        /// <summary>Where each quoted placeholder sits, in request order; refuses missing or repeated ones.</summary>
        private static List<Slot> FindSlots(string json, string[] placeholders, SecureString[] secrets)
        {
            if (json == null || placeholders == null || secrets == null || placeholders.Length != secrets.Length)
            {
                throw new ArgumentException("SecureRequest needs the request text and one placeholder per secret.");
            }
            List<Slot> slots = new List<Slot>();
            for (int i = 0; i < placeholders.Length; i++)
            {
                if (placeholders[i] == null || !placeholders[i].StartsWith(PlaceholderPrefix, StringComparison.Ordinal)
                    || secrets[i] == null)
                {
                    throw new ArgumentException("A placeholder must come from SecureRequest.NewPlaceholder() and have a secret.");
                }
                string token = "\"" + placeholders[i] + "\"";
                int at = json.IndexOf(token, StringComparison.Ordinal);
                if (at < 0 || json.IndexOf(token, at + 1, StringComparison.Ordinal) >= 0)
                {
                    throw new ArgumentException("Each password placeholder must occur exactly once in the request.");
                }
                Slot slot = new Slot();
                slot.Start = at;
                slot.End = at + token.Length;
                slot.Secret = secrets[i];
                slots.Add(slot);
            }
            slots.Sort(delegate(Slot a, Slot b) { return a.Start.CompareTo(b.Start); });
            return slots;
        }

        /// <summary>The NUL-terminated UTF-8 request in HGlobal memory; the caller zeroes and frees it.</summary>
        private static IntPtr Build(string json, string[] placeholders, SecureString[] secrets, out int length)
        {
            List<Slot> slots = FindSlots(json, placeholders, secrets);
            List<IntPtr> unicode = new List<IntPtr>();
            IntPtr buffer = IntPtr.Zero;
            length = 0;
            try
            {
                int total = 1;
                int previous = 0;
                foreach (Slot slot in slots)
                {
                    IntPtr chars = Marshal.SecureStringToGlobalAllocUnicode(slot.Secret);
                    unicode.Add(chars);
                    total += Encoding.UTF8.GetByteCount(json.Substring(previous, slot.Start - previous));
                    total += 2 + EscapedLength(chars, slot.Secret.Length);
                    previous = slot.End;
                }
                total += Encoding.UTF8.GetByteCount(json.Substring(previous));
                buffer = Marshal.AllocHGlobal(total);
                length = total;
                int offset = 0;
                previous = 0;
                for (int i = 0; i < slots.Count; i++)
                {
                    offset = WritePlain(buffer, offset, json.Substring(previous, slots[i].Start - previous));
                    Marshal.WriteByte(buffer, offset++, (byte)'"');
                    offset = WriteEscaped(buffer, offset, unicode[i], slots[i].Secret.Length);
                    Marshal.WriteByte(buffer, offset++, (byte)'"');
                    previous = slots[i].End;
                }
                offset = WritePlain(buffer, offset, json.Substring(previous));
                Marshal.WriteByte(buffer, offset, 0);
                IntPtr result = buffer;
                buffer = IntPtr.Zero;
                return result;
            }
            finally
            {
                foreach (IntPtr chars in unicode)
                {
                    Marshal.ZeroFreeGlobalAllocUnicode(chars);
                }
                if (buffer != IntPtr.Zero)
                {
                    ZeroAndFree(buffer, length);
                    length = 0;
                }
            }
        }

        private static int WritePlain(IntPtr buffer, int offset, string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            Marshal.Copy(bytes, 0, new IntPtr(buffer.ToInt64() + offset), bytes.Length);
            return offset + bytes.Length;
        }

        /// <summary>Reads UTF-16 unit <paramref name="index"/> of an unmanaged string.</summary>
        private static char CharAt(IntPtr chars, int index)
        {
            return (char)Marshal.ReadInt16(chars, index * 2);
        }

        /// <summary>
        /// The code point at <paramref name="index"/> and how many UTF-16 units it takes; refuses an unpaired
        /// surrogate (it has no UTF-8 form, and the library would refuse the JSON).
        /// </summary>
        private static int CodePointAt(IntPtr chars, int count, int index, out int units)
        {
            char c = CharAt(chars, index);
            units = 1;
            if (char.IsHighSurrogate(c) && index + 1 < count && char.IsLowSurrogate(CharAt(chars, index + 1)))
            {
                units = 2;
                return char.ConvertToUtf32(c, CharAt(chars, index + 1));
            }
            if (char.IsSurrogate(c))
            {
                throw new ArgumentException("The password contains an unpaired UTF-16 surrogate; it cannot be sent as UTF-8.");
            }
            return c;
        }

        /// <summary>UTF-8 bytes of one code point as a JSON string character ("\\" and "\"" escaped, controls as \u00XX).</summary>
        private static int EncodedLength(int cp)
        {
            if (cp == '"' || cp == '\\') { return 2; }
            if (cp < 0x20) { return 6; }
            if (cp < 0x80) { return 1; }
            if (cp < 0x800) { return 2; }
            if (cp < 0x10000) { return 3; }
            return 4;
        }

        private static int EscapedLength(IntPtr chars, int count)
        {
            int total = 0;
            int units;
            for (int i = 0; i < count; i += units)
            {
                total += EncodedLength(CodePointAt(chars, count, i, out units));
            }
            return total;
        }

        private static int WriteEscaped(IntPtr buffer, int offset, IntPtr chars, int count)
        {
            const string hex = "0123456789abcdef";
            int units;
            for (int i = 0; i < count; i += units)
            {
                int cp = CodePointAt(chars, count, i, out units);
                if (cp == '"' || cp == '\\')
                {
                    Marshal.WriteByte(buffer, offset++, (byte)'\\');
                    Marshal.WriteByte(buffer, offset++, (byte)cp);
                }
                else if (cp < 0x20)
                {
                    Marshal.WriteByte(buffer, offset++, (byte)'\\');
                    Marshal.WriteByte(buffer, offset++, (byte)'u');
                    Marshal.WriteByte(buffer, offset++, (byte)'0');
                    Marshal.WriteByte(buffer, offset++, (byte)'0');
                    Marshal.WriteByte(buffer, offset++, (byte)hex[cp >> 4]);
                    Marshal.WriteByte(buffer, offset++, (byte)hex[cp & 0xF]);
                }
                else if (cp < 0x80)
                {
                    Marshal.WriteByte(buffer, offset++, (byte)cp);
                }
                else if (cp < 0x800)
                {
                    Marshal.WriteByte(buffer, offset++, (byte)(0xC0 | (cp >> 6)));
                    Marshal.WriteByte(buffer, offset++, (byte)(0x80 | (cp & 0x3F)));
                }
                else if (cp < 0x10000)
                {
                    Marshal.WriteByte(buffer, offset++, (byte)(0xE0 | (cp >> 12)));
                    Marshal.WriteByte(buffer, offset++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
                    Marshal.WriteByte(buffer, offset++, (byte)(0x80 | (cp & 0x3F)));
                }
                else
                {
                    Marshal.WriteByte(buffer, offset++, (byte)(0xF0 | (cp >> 18)));
                    Marshal.WriteByte(buffer, offset++, (byte)(0x80 | ((cp >> 12) & 0x3F)));
                    Marshal.WriteByte(buffer, offset++, (byte)(0x80 | ((cp >> 6) & 0x3F)));
                    Marshal.WriteByte(buffer, offset++, (byte)(0x80 | (cp & 0x3F)));
                }
            }
            return offset;
        }

        private static void ZeroAndFree(IntPtr buffer, int length)
        {
            if (buffer == IntPtr.Zero)
            {
                return;
            }
            for (int i = 0; i < length; i++)
            {
                Marshal.WriteByte(buffer, i, 0);
            }
            Action<IntPtr, int> hook = AfterZeroed;
            if (hook != null)
            {
                hook(buffer, length);
            }
            Marshal.FreeHGlobal(buffer);
        }
    }
}
