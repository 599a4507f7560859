#ifndef CCURLFETCH_H
#define CCURLFETCH_H

#include <stddef.h>

/// Fetches `url` (http or https) with libcurl's easy interface, which waits in poll(2) (no busy
/// loop), and writes the body to `fd`.
///
/// Gives up when connecting takes longer than `connect_timeout_seconds`, when no byte arrives for
/// `stall_timeout_seconds`, when the whole transfer takes longer than `total_timeout_seconds`, or
/// when the body passes `maximum_bytes`. Redirects are followed (at most 5).
///
/// Returns 0 when a 2xx answer was written whole; otherwise fills `error` (NUL-terminated, at most
/// `error_size` bytes) with why, and returns non-zero. `http_status` receives the status (0 when
/// none came).
int cdm_http_fetch(const char *url, int fd, long connect_timeout_seconds, long stall_timeout_seconds,
                   long total_timeout_seconds, long maximum_bytes, long *http_status, char *error, size_t error_size);

#endif
