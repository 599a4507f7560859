#ifndef CDMSHIMS_H
#define CDMSHIMS_H

/// Sets the capacity of the pipe behind `fd` (F_SETPIPE_SZ, Linux only).
/// Returns the new capacity, or -1 with errno set (EBADF/EINVAL when `fd` is no pipe,
/// EPERM above /proc/sys/fs/pipe-max-size for unprivileged processes).
int cdm_set_pipe_size(int fd, int bytes);

/// Installs `handler` for `signum` without SA_RESTART, so a blocked read or write returns EINTR
/// and the stage can notice the signal at once. Returns 0 or -1 with errno set.
int cdm_install_signal_handler(int signum, void (*handler)(int));

/// Sets `signum` to be ignored. Returns 0 or -1 with errno set.
int cdm_ignore_signal(int signum);

/// Unblocks SIGINT, SIGTERM and SIGPIPE in the calling thread's signal mask, which a child
/// inherits from its parent. Returns 0 or -1 with errno set.
int cdm_unblock_stop_signals(void);

/// Asks the CPU to start loading the cache line holding `address`, for reading, without
/// waiting for it and without faulting: readers of memory-mapped input call it ahead of the
/// bytes they are about to touch, which the hardware prefetcher does not fetch across pages.
static inline void cdm_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
