#include "CTLSClient.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cdm_tls_session {
    SSL_CTX *context;
    SSL *ssl;
};

static void describe(const char *what, char *error, size_t error_size) {
    unsigned long code = ERR_get_error();
    if (code != 0) {
        char reason[256];
        ERR_error_string_n(code, reason, sizeof reason);
        snprintf(error, error_size, "%s: %s", what, reason);
    } else if (errno != 0) {
        snprintf(error, error_size, "%s: %s", what, strerror(errno));
    } else {
        snprintf(error, error_size, "%s", what);
    }
    ERR_clear_error();
}

cdm_tls_session *cdm_tls_connect(int fd, const char *server_name, const char *ca_file, int verify, char *error,
                                 size_t error_size) {
    ERR_clear_error();
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    if (context == NULL) {
        describe("cannot create a TLS context", error, error_size);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
    if (verify) {
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
        int loaded = ca_file != NULL ? SSL_CTX_load_verify_locations(context, ca_file, NULL)
                                     : SSL_CTX_set_default_verify_paths(context);
        if (loaded != 1) {
            describe(ca_file != NULL ? "cannot read the CA file" : "cannot read the system's CA store", error, error_size);
            SSL_CTX_free(context);
            return NULL;
        }
    } else {
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, NULL);
    }
    SSL *ssl = SSL_new(context);
    if (ssl == NULL || SSL_set_fd(ssl, fd) != 1) {
        describe("cannot create a TLS session", error, error_size);
        if (ssl != NULL) SSL_free(ssl);
        SSL_CTX_free(context);
        return NULL;
    }
    SSL_set_tlsext_host_name(ssl, server_name);
    if (verify) {
        // An address is checked against the certificate's IP entries, a name against its DNS ones.
        X509_VERIFY_PARAM *parameters = SSL_get0_param(ssl);
        if (X509_VERIFY_PARAM_set1_ip_asc(parameters, server_name) != 1) {
            SSL_set1_host(ssl, server_name);
        }
    }
    errno = 0;
    if (SSL_connect(ssl) != 1) {
        long result = SSL_get_verify_result(ssl);
        if (result != X509_V_OK) {
            snprintf(error, error_size, "the server's certificate is not trusted: %s", X509_verify_cert_error_string(result));
            ERR_clear_error();
        } else {
            describe("the TLS handshake failed", error, error_size);
        }
        SSL_free(ssl);
        SSL_CTX_free(context);
        return NULL;
    }
    cdm_tls_session *session = malloc(sizeof *session);
    if (session == NULL) {
        snprintf(error, error_size, "out of memory");
        SSL_free(ssl);
        SSL_CTX_free(context);
        return NULL;
    }
    session->context = context;
    session->ssl = ssl;
    return session;
}

static ssize_t failed(cdm_tls_session *session, int result, const char *what, int *timed_out, char *error,
                      size_t error_size) {
    int reason = SSL_get_error(session->ssl, result);
    *timed_out = (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE ||
                  (reason == SSL_ERROR_SYSCALL && (errno == EAGAIN || errno == EWOULDBLOCK)));
    if (reason == SSL_ERROR_ZERO_RETURN) return 0;
    describe(what, error, error_size);
    return -1;
}

ssize_t cdm_tls_write(cdm_tls_session *session, const void *bytes, size_t count, int *timed_out, char *error,
                      size_t error_size) {
    ERR_clear_error();
    errno = 0;
    size_t written = 0;
    int result = SSL_write_ex(session->ssl, bytes, count, &written);
    if (result == 1) return (ssize_t)written;
    return failed(session, result, "TLS write failed", timed_out, error, error_size);
}

ssize_t cdm_tls_read(cdm_tls_session *session, void *bytes, size_t count, int *timed_out, char *error,
                     size_t error_size) {
    ERR_clear_error();
    errno = 0;
    size_t read = 0;
    int result = SSL_read_ex(session->ssl, bytes, count, &read);
    if (result == 1) return (ssize_t)read;
    int reason = SSL_get_error(session->ssl, result);
    if (reason == SSL_ERROR_ZERO_RETURN || (reason == SSL_ERROR_SYSCALL && errno == 0)) return 0;
    return failed(session, result, "TLS read failed", timed_out, error, error_size);
}

void cdm_tls_free(cdm_tls_session *session) {
    if (session == NULL) return;
    SSL_shutdown(session->ssl);
    SSL_free(session->ssl);
    SSL_CTX_free(session->context);
    free(session);
}
