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
//     depending on the runtime);
//   - strings returned are IntPtr: `char **` out-parameters are owned by the caller and released with
//     pcm_string_free (never by the .NET marshaller, which would call CoTaskMemFree); `const char *` returns
//     (pcm_version, pcm_status_name) are static and never freed;
//   - returned strings are decoded by scanning for the NUL byte, Marshal.Copy and Encoding.UTF8
//     (Marshal.PtrToStringUTF8 does not exist on .NET Framework);
//   - jobs are wrapped in a SafeHandle that calls pcm_job_free exactly once.
// JSON is not parsed here: ConvertFrom-PChatResponse parses the text this class returns with PChatMigrationJson.cs.

using System;
using System.Runtime.InteropServices;
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
}
