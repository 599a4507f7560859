#include "CCurlFetch.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct sink {
    int fd;
    long maximum;
    long written;
    int over_limit;
    int write_errno;
};

static size_t write_body(char *data, size_t size, size_t count, void *context) {
    struct sink *sink = context;
    size_t bytes = size * count;
    if (sink->written + (long)bytes > sink->maximum) {
        sink->over_limit = 1;
        return 0;
    }
    size_t offset = 0;
    while (offset < bytes) {
        ssize_t n = write(sink->fd, data + offset, bytes - offset);
        if (n < 0) {
            if (errno == EINTR) continue;
            sink->write_errno = errno;
            return 0;
        }
        offset += (size_t)n;
    }
    sink->written += (long)bytes;
    return bytes;
}

int cdm_http_fetch(const char *url, int fd, long connect_timeout_seconds, long stall_timeout_seconds,
                   long total_timeout_seconds, long maximum_bytes, long *http_status, char *error, size_t error_size) {
    static int initialised = 0;
    if (!initialised) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        initialised = 1;
    }
    *http_status = 0;
    error[0] = 0;
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(error, error_size, "libcurl could not start a transfer");
        return 1;
    }
    char curl_error[CURL_ERROR_SIZE] = {0};
    struct sink sink = {fd, maximum_bytes, 0, 0, 0};
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, connect_timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, stall_timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, total_timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)maximum_bytes);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "dnsmonster-swift dm-filter");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
    CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, http_status);
    curl_easy_cleanup(curl);
    if (sink.over_limit || code == CURLE_FILESIZE_EXCEEDED) {
        snprintf(error, error_size, "the list is over the %ld-byte limit", maximum_bytes);
        return 1;
    }
    if (sink.write_errno != 0) {
        snprintf(error, error_size, "writing the download: %s", strerror(sink.write_errno));
        return 1;
    }
    if (code != CURLE_OK) {
        if (code == CURLE_OPERATION_TIMEDOUT && *http_status == 0 && sink.written == 0) {
            snprintf(error, error_size, "no answer within %ld s (%s)", stall_timeout_seconds, curl_error[0] ? curl_error : curl_easy_strerror(code));
        } else {
            snprintf(error, error_size, "%s", curl_error[0] ? curl_error : curl_easy_strerror(code));
        }
        return 1;
    }
    if (*http_status < 200 || *http_status > 299) {
        snprintf(error, error_size, "HTTP status %ld", *http_status);
        return 1;
    }
    return 0;
}
