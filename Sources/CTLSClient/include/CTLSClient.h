#ifndef CTLSCLIENT_H
#define CTLSCLIENT_H

#include <stddef.h>
#include <sys/types.h>

/// A TLS client session over a connected, blocking socket (OpenSSL), whose send and receive
/// timeouts (SO_SNDTIMEO, SO_RCVTIMEO) bound every wait.
typedef struct cdm_tls_session cdm_tls_session;

/// Performs the TLS handshake on `fd` as a client of `server_name` (sent as SNI and, when
/// `verify` is non-zero, checked against the certificate along with its chain: against the
/// PEM file `ca_file`, or the system's CA store when it is NULL).
///
/// Returns the session, or NULL having written why (NUL-terminated, at most `error_size`
/// bytes) to `error`. The session does not own `fd`.
cdm_tls_session *cdm_tls_connect(int fd, const char *server_name, const char *ca_file, int verify, char *error,
                                 size_t error_size);

/// Writes up to `count` bytes; returns how many were written, or -1 having written why to
/// `error` (`*timed_out` set when the socket's timeout passed).
ssize_t cdm_tls_write(cdm_tls_session *session, const void *bytes, size_t count, int *timed_out, char *error,
                      size_t error_size);

/// Reads up to `count` bytes; returns how many were read, 0 when the peer closed the
/// connection, or -1 having written why to `error` (`*timed_out` set when the socket's
/// timeout passed).
ssize_t cdm_tls_read(cdm_tls_session *session, void *bytes, size_t count, int *timed_out, char *error,
                     size_t error_size);

/// Frees the session (sending close_notify when the connection still works).
void cdm_tls_free(cdm_tls_session *session);

#endif
