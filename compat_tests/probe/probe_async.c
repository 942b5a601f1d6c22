/*
 * ipmi-probe's O_ASYNC check: the kernel's /dev/ipmiN
 * sends SIGIO when a message lands in an empty receive queue, and only then;
 * a CUSE device has no fasync, so there the count stays 0 (an intended
 * difference in allowed-differences.toml).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probe.h"

static volatile sig_atomic_t sigio_count;

static void on_sigio(int sig)
{
    (void)sig;
    sigio_count++;
}

/* Waits `seconds` of wall time (signals may cut single sleeps short). */
static void settle(double seconds)
{
    double end = now() + seconds;
    while (now() < end)
        usleep(50000);
}

static int drain_one(int fd)
{
    int err;
    struct received r;
    if (!wait_readable(fd, 15000))
        return 0;
    return receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) == 0;
}

void check_async(void)
{
    int err, fd = open_dev();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigio;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGIO, &sa, NULL);

    int rv = fcntl(fd, F_SETOWN, getpid());
    result("F_SETOWN", rv < 0 ? -1 : 0, rv < 0 ? errno : 0);
    int flags = fcntl(fd, F_GETFL);
    rv = fcntl(fd, F_SETFL, flags | O_ASYNC);
    result("F_SETFL O_ASYNC", rv, rv < 0 ? errno : 0);
    printf("  O_ASYNC set: %d\n", (fcntl(fd, F_GETFL) & O_ASYNC) != 0);

    /* Two responses queue up unread: the first fills the empty queue. */
    send_si(fd, 6, 1, NULL, 0, 0xa1, &err);
    send_si(fd, 6, 1, NULL, 0, 0xa2, &err);
    wait_readable(fd, 15000);
    settle(1.0);
    printf("O_ASYNC: SIGIO after two queued responses: %d\n", (int)sigio_count);
    int got = drain_one(fd);
    got += drain_one(fd);
    printf("  received %d\n", got);
    /* The queue is empty again: the next response signals once more. */
    send_si(fd, 6, 1, NULL, 0, 0xa3, &err);
    wait_readable(fd, 15000);
    settle(0.5);
    printf("O_ASYNC: SIGIO after a third response: %d\n", (int)sigio_count);
    printf("  received %d\n", drain_one(fd));
    fcntl(fd, F_SETFL, flags);
    signal(SIGIO, SIG_IGN);
    close(fd);
}
