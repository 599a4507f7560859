#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include "CDMShims.h"

int cdm_set_pipe_size(int fd, int bytes) {
    return fcntl(fd, F_SETPIPE_SZ, bytes);
}

int cdm_install_signal_handler(int signum, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0; /* no SA_RESTART: blocking calls return EINTR */
    return sigaction(signum, &action, NULL);
}

int cdm_ignore_signal(int signum) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = SIG_IGN;
    sigemptyset(&action.sa_mask);
    return sigaction(signum, &action, NULL);
}

int cdm_unblock_stop_signals(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGPIPE);
    return sigprocmask(SIG_UNBLOCK, &set, NULL);
}
