/*
 * ipmi-probe's other runs: /dev/watchdog checks, the latency
 * loop, and N concurrent clients checking that every response reaches its
 * sender.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* The BMC's watchdog state without the running countdown (Get Watchdog Timer). */
static void bmc_watchdog_state(const char *what)
{
    int err, fd = open_dev();
    struct received r;
    if (send_si(fd, 6, 0x25, NULL, 0, 1, &err) < 0 || !wait_readable(fd, 15000) ||
        receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) < 0) {
        printf("%s: Get Watchdog Timer failed\n", what);
    } else if (r.recv.msg.data_len < 9 || r.data[0] != 0) {
        printf("%s: Get Watchdog Timer cc=0x%02x len=%u\n", what, r.data[0], r.recv.msg.data_len);
    } else {
        printf("%s: use=0x%02x actions=0x%02x pretimeout=%u initial=%u\n", what, r.data[1], r.data[2], r.data[3],
               r.data[5] | r.data[6] << 8);
    }
    close(fd);
}

/* /dev/watchdog: the ioctls, write/magic close, and what the BMC sees. */
void check_watchdog(void)
{
    int err, v;
    bmc_watchdog_state("bmc before open");
    int fd = open("/dev/watchdog", O_RDWR);
    if (fd < 0) {
        printf("open /dev/watchdog: %s\n", errname(errno));
        return;
    }
    int second = open("/dev/watchdog", O_RDWR);
    result("second open", second, second < 0 ? errno : 0);
    if (second >= 0)
        close(second);
    struct watchdog_info info;
    memset(&info, 0, sizeof info);
    check("GETSUPPORT", fd, WDIOC_GETSUPPORT, &info);
    printf("  options=0x%x firmware_version=%u identity=\"%.32s\"\n", info.options, info.firmware_version,
           (const char *)info.identity);
    v = -1;
    check("GETTIMEOUT", fd, WDIOC_GETTIMEOUT, &v);
    printf("  timeout=%d\n", v);
    v = -1;
    check("GETPRETIMEOUT", fd, WDIOC_GETPRETIMEOUT, &v);
    printf("  pretimeout=%d\n", v);
    v = 42;
    check("SETTIMEOUT 42", fd, WDIOC_SETTIMEOUT, &v);
    printf("  written back=%d\n", v);
    v = -1;
    check("GETTIMEOUT", fd, WDIOC_GETTIMEOUT, &v);
    printf("  timeout=%d\n", v);
    v = 7;
    check("SETPRETIMEOUT 7", fd, WDIOC_SETPRETIMEOUT, &v);
    v = -1;
    check("GETPRETIMEOUT", fd, WDIOC_GETPRETIMEOUT, &v);
    printf("  pretimeout=%d\n", v);
    bmc_watchdog_state("bmc after set, before heartbeat");
    check("GETTIMELEFT", fd, WDIOC_GETTIMELEFT, &v);
    check("GETBOOTSTATUS", fd, WDIOC_GETBOOTSTATUS, &v);
    check("GETTEMP", fd, WDIOC_GETTEMP, &v);
    v = -1;
    check("GETSTATUS", fd, WDIOC_GETSTATUS, &v);
    printf("  status=%d\n", v);
    check("KEEPALIVE", fd, WDIOC_KEEPALIVE, NULL);
    bmc_watchdog_state("bmc after keepalive");
    ssize_t n = write(fd, "x", 1);
    result("write x", (int)n, n < 0 ? errno : 0);
    n = write(fd, "", 0);
    result("write 0", (int)n, n < 0 ? errno : 0);
    char c;
    /* Non-blocking for the pread only: on a CUSE device pread() arrives as a
     * plain read (offset dropped) and would wait for a pre-timeout. */
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    n = pread(fd, &c, 1, 0);
    result("pread", (int)n, n < 0 ? errno : 0);
    fcntl(fd, F_SETFL, flags);
    v = WDIOS_DISABLECARD;
    check("SETOPTIONS DISABLECARD", fd, WDIOC_SETOPTIONS, &v);
    bmc_watchdog_state("bmc after disable");
    v = WDIOS_ENABLECARD;
    check("SETOPTIONS ENABLECARD", fd, WDIOC_SETOPTIONS, &v);
    bmc_watchdog_state("bmc after enable");
    v = 0x40;
    check("SETOPTIONS 0x40", fd, WDIOC_SETOPTIONS, &v);
    check("unknown ioctl _IO('W',99)", fd, _IO('W', 99), NULL);
    n = write(fd, "V", 1);
    result("write V", (int)n, n < 0 ? errno : 0);
    result("close", close(fd), errno);
    bmc_watchdog_state("bmc after magic close");
    (void)err;
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* Polls the watchdog fd for a pre-timeout byte (at most 10 s); prints whether
 * it came and whether it came inside [lo, hi] seconds (the exact time is info). */
static int wait_pretimeout(int fd, const char *what, double started, double lo, double hi)
{
    int readable = wait_readable(fd, 10000);
    double dt = now() - started;
    printf("%s: readable=%d in_window=%d\n", what, readable, readable && dt >= lo && dt <= hi);
    printf("#~ %s after %.2f s\n", what, dt);
    return readable;
}

/*
 * A pre-timeout that really fires (module/daemon parameters preaction=pre_int,
 * preop=preop_give_data, action=power_off): timeout 4 s, pretimeout 2 s, so the
 * BMC raises it about 2 s after each heartbeat. First through poll() and a
 * non-blocking read, then, after a heartbeat that has to re-arm the timer, by
 * a blocking read (bounded by an alarm); then a magic close.
 */
void check_pretimeout(void)
{
    int v;
    char c;
    ssize_t n;
    bmc_watchdog_state("bmc before open");
    int fd = open("/dev/watchdog", O_RDWR);
    if (fd < 0) {
        printf("open /dev/watchdog: %s\n", errname(errno));
        return;
    }
    v = 4;
    check("SETTIMEOUT 4", fd, WDIOC_SETTIMEOUT, &v);
    v = 2;
    check("SETPRETIMEOUT 2", fd, WDIOC_SETPRETIMEOUT, &v);
    v = -1;
    check("GETPRETIMEOUT", fd, WDIOC_GETPRETIMEOUT, &v);
    printf("  pretimeout=%d\n", v);
    printf("readable before heartbeat: %d\n", wait_readable(fd, 0));
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    n = read(fd, &c, 1);
    result("read before pretimeout (O_NONBLOCK)", (int)n, n < 0 ? errno : 0);

    double t0 = now();
    check("KEEPALIVE", fd, WDIOC_KEEPALIVE, NULL);
    bmc_watchdog_state("bmc after keepalive");
    if (wait_pretimeout(fd, "poll for pretimeout", t0, 1.0, 3.5)) {
        c = 0x55;
        n = read(fd, &c, 1);
        result("read (O_NONBLOCK)", (int)n, n < 0 ? errno : 0);
        printf("  byte=0x%02x\n", (unsigned char)c);
    }
    printf("readable after read: %d\n", wait_readable(fd, 0));
    n = read(fd, &c, 1);
    result("second read (O_NONBLOCK)", (int)n, n < 0 ? errno : 0);
    n = read(fd, &c, 0);
    result("read 0 (O_NONBLOCK)", (int)n, n < 0 ? errno : 0);
    fcntl(fd, F_SETFL, flags);

    /* The heartbeat after a pre-timeout re-sends the timer settings, so the
     * BMC runs the full cycle, pre-timeout included, again. */
    t0 = now();
    check("KEEPALIVE after pretimeout", fd, WDIOC_KEEPALIVE, NULL);
    bmc_watchdog_state("bmc after second keepalive");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: the read returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    sigset_t alrm;
    sigemptyset(&alrm);
    sigaddset(&alrm, SIGALRM);
    sigprocmask(SIG_UNBLOCK, &alrm, NULL);
    alarm(10);
    c = 0x55;
    n = read(fd, &c, 1);
    int err = n < 0 ? errno : 0;
    alarm(0);
    double dt = now() - t0;
    result("blocking read", (int)n, err);
    printf("  byte=0x%02x in_window=%d\n", (unsigned char)c, n == 1 && dt >= 1.0 && dt <= 3.5);
    printf("#~ blocking read returned after %.2f s\n", dt);

    n = write(fd, "V", 1);
    result("write V", (int)n, n < 0 ? errno : 0);
    result("close", close(fd), errno);
    bmc_watchdog_state("bmc after magic close");
}

void bench(int n)
{
    int err, fd = open_dev();
    struct received r;
    double t0 = now();
    for (int i = 0; i < n; i++) {
        send_si(fd, 6, 1, NULL, 0, i, &err);
        wait_readable(fd, 15000);
        if (receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) < 0 || r.recv.msgid != i) {
            printf("bench: transaction %d failed\n", i);
            return;
        }
    }
    double dt = now() - t0;
    printf("#~ Get Device ID latency: %.1f us/transaction over %d\n", dt * 1e6 / n, n);
    close(fd);
}

/*
 * N processes, each with its own fd, each sending bursts of requests whose
 * msgid encodes (process, round) and whose data asks for a distinct answer;
 * every response must come back to the sender with its own msgid.
 */
int clients(int n, int rounds)
{
    int pipes[64][2];
    if (n > 64)
        n = 64;
    for (int c = 0; c < n; c++) {
        if (pipe(pipes[c]) < 0) {
            printf("clients: pipe: %s\n", errname(errno));
            return 1;
        }
        if (fork() == 0) {
            close(pipes[c][0]);
            int err, fd = open_dev(), bad = 0, ok = 0;
            struct received r;
            for (int k = 0; k < rounds; k++) {
                /* Three outstanding requests per round: Get Device ID,
                 * Get SEL Info, Get Chassis Status. */
                static const unsigned char nf[3] = {6, 0x0a, 0x00};
                static const unsigned char cm[3] = {1, 0x40, 0x01};
                for (int j = 0; j < 3; j++)
                    send_si(fd, nf[j], cm[j], NULL, 0, (c << 20) | (k << 4) | j, &err);
                for (int j = 0; j < 3; j++) {
                    if (!wait_readable(fd, 15000)) {
                        bad++;
                        continue;
                    }
                    if (receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) < 0) {
                        bad++;
                        continue;
                    }
                    long id = r.recv.msgid;
                    int jj = id & 0xf;
                    if ((id >> 20) != c || ((id >> 4) & 0xffff) != k || jj > 2 || r.recv.msg.cmd != cm[jj] ||
                        r.recv.msg.netfn != (nf[jj] | 1) || r.data[0] != 0)
                        bad++;
                    else
                        ok++;
                }
            }
            close(fd);
            /* Through a pipe, so the parent prints the clients in order. */
            char line[80];
            int len = snprintf(line, sizeof line, "client %d: %d ok, %d wrong or lost\n", c, ok, bad);
            if (write(pipes[c][1], line, len) != len)
                bad++;
            _exit(bad ? 1 : 0);
        }
        close(pipes[c][1]);
    }
    for (int c = 0; c < n; c++) {
        char line[80];
        ssize_t len = read(pipes[c][0], line, sizeof line - 1);
        if (len > 0)
            fwrite(line, 1, len, stdout);
        else
            printf("client %d: no report\n", c);
        close(pipes[c][0]);
    }
    int failed = 0, status;
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    printf("clients: %d of %d saw a wrong or lost response\n", failed, n);
    return failed ? 1 : 0;
}
