/* C smoke test of the pchat-migrate C ABI: compiled against include/pchat_migrate.h, linked to the cdylib,
 * and also loading it with dlopen. Usage: smoke <path-to-libpchat_migrate.so>. Exit 0 only if all checks pass. */
#include "pchat_migrate.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int failures = 0;

#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fprintf(stderr, "\n");                         \
            failures++;                                    \
        }                                                  \
    } while (0)

static int contains(const char *haystack, const char *needle) {
    return haystack != NULL && strstr(haystack, needle) != NULL;
}

/* A TCP listener that accepts connections and never answers, so a probe hangs until cancelled. */
static int silent_listener(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
        return -1;
    }
    *port = ntohs(addr.sin_port);
    return fd;
}

static void check_linked(void) {
    char *response = NULL;
    int32_t status;

    const char *version = pcm_version();
    CHECK(version != NULL && strlen(version) > 0, "pcm_version is empty");
    CHECK(pcm_abi_version() == PCM_ABI_VERSION, "ABI %u != header %u", pcm_abi_version(), (unsigned)PCM_ABI_VERSION);
    CHECK(strcmp(pcm_status_name(PCM_STATUS_NULL_ARGUMENT), "PCM_STATUS_NULL_ARGUMENT") == 0, "status name");
    printf("linked: version %s, ABI %u\n", version, pcm_abi_version());

    status = pcm_call("{\"operation\":\"version\"}", &response);
    CHECK(status == PCM_STATUS_OK && contains(response, "\"ok\":true"), "version call: %d %s", status, response);
    pcm_string_free(response);

    /* A validation error: the request is refused with a structured error naming the problem. */
    response = NULL;
    status = pcm_call("{\"operation\":\"validate\",\"params\":{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"sql01,70000\"}}}",
                      &response);
    CHECK(status == PCM_STATUS_INVALID_REQUEST, "validation status %d", status);
    CHECK(contains(response, "invalid_db_instance") && contains(response, "70000"), "validation response %s", response);
    printf("linked: validation error -> %s\n", response);
    pcm_string_free(response);

    /* Misuse: NULL pointers, bad JSON, invalid UTF-8, unknown operation. */
    response = NULL;
    CHECK(pcm_call(NULL, &response) == PCM_STATUS_NULL_ARGUMENT, "NULL request");
    CHECK(contains(response, "null_argument"), "NULL request response %s", response);
    pcm_string_free(response);
    CHECK(pcm_call("{}", NULL) == PCM_STATUS_NULL_ARGUMENT, "NULL response_out");
    response = NULL;
    CHECK(pcm_call("{oops", &response) == PCM_STATUS_INVALID_JSON, "bad JSON");
    pcm_string_free(response);
    response = NULL;
    CHECK(pcm_call("{\"operation\":\"\xc3\x28\"}", &response) == PCM_STATUS_INVALID_UTF8, "bad UTF-8");
    pcm_string_free(response);
    response = NULL;
    CHECK(pcm_call("{\"operation\":\"launch\"}", &response) == PCM_STATUS_UNKNOWN_OPERATION, "unknown op");
    pcm_string_free(response);
    response = NULL;
    CHECK(pcm_job_poll(NULL, 0, &response) == PCM_STATUS_INVALID_HANDLE, "poll NULL job");
    pcm_string_free(response);
    CHECK(pcm_job_cancel(NULL) == PCM_STATUS_INVALID_HANDLE, "cancel NULL job");
    pcm_job_free(NULL);
    pcm_string_free(NULL);
}

static void check_job(void) {
    char request[512];
    char *response = NULL;
    pcm_job *job = NULL;
    int port = 0, state_seen = 0, i;
    int fd = silent_listener(&port);
    int32_t status;

    CHECK(fd >= 0, "cannot open a listener");
    snprintf(request, sizeof request,
             "{\"operation\":\"probe\",\"params\":{\"dbInstance\":\"127.0.0.1,%d\",\"user\":\"sa\",\"password\":\"x\","
             "\"encryption\":\"Plaintext\",\"connectTimeoutSeconds\":60}}",
             port);
    status = pcm_job_start(request, &job, &response);
    CHECK(status == PCM_STATUS_OK && job != NULL, "job start %d %s", status, response);
    pcm_string_free(response);

    response = NULL;
    status = pcm_job_poll(job, 300, &response);
    CHECK(status == PCM_STATUS_OK && contains(response, "\"state\":\"running\""), "poll running: %s", response);
    pcm_string_free(response);

    response = NULL;
    CHECK(pcm_job_result(job, &response) == PCM_STATUS_JOB_RUNNING, "result too early");
    pcm_string_free(response);

    CHECK(pcm_job_cancel(job) == PCM_STATUS_OK, "cancel");
    for (i = 0; i < 200; i++) {
        response = NULL;
        status = pcm_job_poll(job, 100, &response);
        if (contains(response, "\"state\":\"cancelled\"")) state_seen = 1;
        pcm_string_free(response);
        if (status == PCM_STATUS_JOB_FINISHED) break;
        CHECK(status == PCM_STATUS_OK, "poll while cancelling: %d", status);
    }
    CHECK(status == PCM_STATUS_JOB_FINISHED, "job never finished after cancel");
    CHECK(state_seen, "state 'cancelled' never reported");
    response = NULL;
    status = pcm_job_result(job, &response);
    CHECK(status == PCM_STATUS_CANCELLED && contains(response, "\"cancelled\""), "result %d %s", status, response);
    pcm_string_free(response);
    CHECK(pcm_job_cancel(job) == PCM_STATUS_JOB_FINISHED, "cancel after end");
    pcm_job_free(job);
    pcm_job_free(job); /* double free is harmless */
    response = NULL;
    CHECK(pcm_job_poll(job, 0, &response) == PCM_STATUS_INVALID_HANDLE, "poll freed job");
    pcm_string_free(response);
    close(fd);
    printf("linked: job start/poll/cancel/result/free ok\n");
}

/* Polls a job until it has ended, then returns its result status (the envelope in *response_out). */
static int32_t wait_result(pcm_job *job, char **response_out) {
    char *response = NULL;
    int i;
    for (i = 0; i < 600; i++) {
        int32_t status = pcm_job_poll(job, 100, &response);
        pcm_string_free(response);
        response = NULL;
        if (status != PCM_STATUS_OK) break;
    }
    return pcm_job_result(job, response_out);
}

/* The named start functions: the same machinery as pcm_job_start, the operation given by the name. */
static void check_named_starts(void) {
    char *response = NULL;
    pcm_job *job = NULL;
    int32_t status;

    /* inspect_package of a file that does not exist: the job starts and fails with io_error. */
    status = pcm_inspect_package_start("{\"fileName\":\"/nonexistent/pchat-smoke.zip\"}", &job, &response);
    CHECK(status == PCM_STATUS_OK && job != NULL && contains(response, "\"operation\":\"inspect_package\""),
          "inspect start %d %s", status, response);
    pcm_string_free(response);
    response = NULL;
    status = wait_result(job, &response);
    CHECK(status == PCM_STATUS_OPERATION_FAILED && contains(response, "\"code\":\"io_error\"") &&
              contains(response, "\"category\":\"ResourceUnavailable\""),
          "inspect result %d %s", status, response);
    pcm_string_free(response);
    pcm_job_free(job);

    /* export with a bad -DBInstance: refused before a job exists. */
    job = NULL;
    response = NULL;
    status = pcm_export_start("{\"connection\":{\"dbInstance\":\"sql01,70000\"},\"fileName\":\"x.zip\"}", &job, &response);
    CHECK(status == PCM_STATUS_INVALID_REQUEST && job == NULL && contains(response, "invalid_db_instance") &&
              contains(response, "\"category\":\"InvalidArgument\""),
          "export start %d %s", status, response);
    pcm_string_free(response);

    /* import: the request reaches the import job (which fails here: nothing listens on port 1). */
    response = NULL;
    status = pcm_import_start("{\"connection\":{\"dbInstance\":\"127.0.0.1,1\",\"user\":\"sa\",\"password\":\"x\","
                              "\"encryption\":\"Plaintext\",\"connectTimeoutSeconds\":5},"
                              "\"fileName\":\"/nonexistent/pchat-smoke.zip\",\"whatIf\":true}",
                              &job, &response);
    CHECK(status == PCM_STATUS_OK && job != NULL && contains(response, "\"operation\":\"import\""),
          "import start %d %s", status, response);
    pcm_string_free(response);
    response = NULL;
    status = wait_result(job, &response);
    CHECK(status != PCM_STATUS_OK && contains(response, "\"ok\":false") && contains(response, "\"category\":"),
          "import result %d %s", status, response);
    pcm_string_free(response);
    pcm_job_free(job);

    /* import parameters are checked before the job starts. */
    job = NULL;
    response = NULL;
    status = pcm_import_start("{\"fileName\":\"p.zip\"}", &job, &response);
    CHECK(status == PCM_STATUS_INVALID_REQUEST && job == NULL && contains(response, "connection"),
          "import without connection %d %s", status, response);
    pcm_string_free(response);

    /* readiness: its (empty) parameters name no source and are refused before a job exists. */
    response = NULL;
    status = pcm_readiness_start("{}", &job, &response);
    CHECK(status == PCM_STATUS_INVALID_REQUEST && job == NULL && contains(response, "FileName"),
          "readiness start %d %s", status, response);
    pcm_string_free(response);

    /* archive: parameters without an output folder are refused before a job exists. */
    response = NULL;
    status = pcm_archive_start("{\"fileName\":\"p.zip\"}", &job, &response);
    CHECK(status == PCM_STATUS_INVALID_REQUEST && job == NULL && contains(response, "outputFolder"),
          "archive start %d %s", status, response);
    pcm_string_free(response);

    /* Misuse of the named functions: NULL params, bad JSON, a params value that is not an object's worth. */
    response = NULL;
    CHECK(pcm_probe_start(NULL, &job, &response) == PCM_STATUS_NULL_ARGUMENT && contains(response, "params_json"),
          "probe NULL params %s", response);
    pcm_string_free(response);
    response = NULL;
    CHECK(pcm_export_start("{oops", &job, &response) == PCM_STATUS_INVALID_JSON, "export bad JSON %s", response);
    pcm_string_free(response);
    response = NULL;
    CHECK(pcm_inspect_package_start("{}", NULL, &response) == PCM_STATUS_NULL_ARGUMENT, "NULL job_out %s", response);
    pcm_string_free(response);
    printf("linked: named starts (probe/export/import/readiness/inspect_package/archive) ok\n");
}

/* The legacy-client planner: synchronous, the pcm_call envelope, release before create. */
static void check_legacy_clients_plan(void) {
    char *response = NULL;
    int32_t status = pcm_legacy_clients_plan(
        "{\"persistentChatPoolFqdn\":\"pcpool.contoso.com\","
        "\"sipDomains\":[{\"name\":\"contoso.com\",\"isDefault\":true}],"
        "\"pools\":[\"PersistentChatServer:pcpool.contoso.com\"],"
        "\"owners\":[{\"identity\":\"CN=ocschat,CN=Users,DC=contoso,DC=com\",\"sipAddress\":\"sip:ocschat@contoso.com\","
        "\"enabled\":true,\"objectKind\":\"user\"}]}",
        &response);
    CHECK(status == PCM_STATUS_OK && contains(response, "\"ok\":true") && contains(response, "\"status\":\"ready\""),
          "legacy plan %d %s", status, response);
    {
        const char *release = response ? strstr(response, "\"cmdlet\":\"Disable-CsUser\"") : NULL;
        const char *create = response ? strstr(response, "\"cmdlet\":\"New-CsPersistentChatEndpoint\"") : NULL;
        CHECK(release != NULL && create != NULL && release < create, "release before create: %s", response);
    }
    pcm_string_free(response);
    response = NULL;
    status = pcm_legacy_clients_plan("{\"persistentChatPoolFqdn\":\"pcpool\",\"sipDomains\":[{\"name\":\"contoso.com\"}]}",
                                     &response);
    CHECK(status == PCM_STATUS_INVALID_REQUEST && contains(response, "invalid_parameter") &&
              contains(response, "persistentChatPoolFqdn"),
          "legacy plan bad pool %d %s", status, response);
    pcm_string_free(response);
    response = NULL;
    CHECK(pcm_legacy_clients_plan(NULL, &response) == PCM_STATUS_NULL_ARGUMENT && contains(response, "facts_json"),
          "legacy plan NULL %s", response);
    pcm_string_free(response);
    CHECK(pcm_legacy_clients_plan("{}", NULL) == PCM_STATUS_NULL_ARGUMENT, "legacy plan NULL response_out");
    printf("linked: pcm_legacy_clients_plan ok\n");
}

typedef const char *(*version_fn)(void);
typedef int32_t (*call_fn)(const char *, char **);
typedef void (*free_fn)(char *);

static void check_dlopen(const char *path) {
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    version_fn version;
    call_fn call;
    free_fn string_free;
    char *response = NULL;
    CHECK(lib != NULL, "dlopen %s: %s", path, dlerror());
    if (lib == NULL) return;
    *(void **)&version = dlsym(lib, "pcm_version");
    *(void **)&call = dlsym(lib, "pcm_call");
    *(void **)&string_free = dlsym(lib, "pcm_string_free");
    CHECK(version && call && string_free, "dlsym failed");
    if (version && call && string_free) {
        CHECK(strcmp(version(), pcm_version()) == 0, "dlopen version differs");
        CHECK(call("{\"operation\":\"nope\"}", &response) == PCM_STATUS_UNKNOWN_OPERATION, "dlopen call");
        string_free(response);
        printf("dlopen: version %s ok\n", version());
    }
    dlclose(lib);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: smoke <library path>\n");
        return 2;
    }
    check_linked();
    check_job();
    check_named_starts();
    check_legacy_clients_plan();
    check_dlopen(argv[1]);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all checks passed\n");
    return 0;
}
