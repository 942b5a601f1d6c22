/*
 * ipmi-probe --soak SECONDS: every user slot of /dev/ipmi0 busy for SECONDS.
 * The probe opens until EBUSY (with ipmi_watchdog's user, or ipmi-cuse's
 * watchdog, that is 29 of the kernel's max_users 30); all but CHURN of
 * those files become steady clients, half of them 64-bit and half the
 * i386 build (exec'd with the open file), each keeping max_msgs_per_user
 * (100) requests outstanding: Get Device ID to the BMC, and at most two at
 * a time to IPMB 0x42, where nobody answers, with retries 0 / 1000 ms, so
 * the message handler answers 0xC3. The other CHURN slots are taken in turn
 * by short-lived victims that send 100 requests and are SIGKILLed while
 * waiting, or close their file with the answers still pending.
 *
 * Each steady client checks that every accepted request is answered exactly
 * once, on its own file, with its msgid, the right address, netfn and cmd,
 * and the right data (the first Get Device ID answer for all the others,
 * [0xC3] for IPMB); what it saw goes to the parent through a pipe. The
 * transcript has the comparisons as yes/no lines; counts that depend on
 * speed are "#~" lines.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#define OUTSTANDING 100  /* max_msgs_per_user */
#define IPMB_AT_ONCE 2   /* per client: the 64-slot sequence table never fills */
#define CHURN 4          /* user slots taken in turn by victims */
#define ABSENT_IPMB 0x42 /* QEMU's BMC NAKs it (retried), the sim has nobody there */
#define SEQ_BITS 20
#define SEQ_MASK ((1L << SEQ_BITS) - 1)
#define DRAIN_SECONDS 60.0 /* ours answers the system interface at TCG speed: 2500 queued take a while */

enum slot_state
{
    FREE,
    WAIT_SI,
    WAIT_IPMB,
    ANSWERED
};

/* What one steady client saw. */
struct tally
{
    long accepted, answered, si, ipmb, lost, duplicated, misrouted, wrong, refused, other;
    long peak; /* most requests outstanding at once */
};

static struct ipmi_ipmb_addr absent_ipmb(void)
{
    struct ipmi_ipmb_addr a;
    memset(&a, 0, sizeof a);
    a.addr_type = IPMI_IPMB_ADDR_TYPE;
    a.channel = 0;
    a.slave_addr = ABSENT_IPMB;
    return a;
}

static int send_ipmb(int fd, long msgid, int *err)
{
    struct ipmi_ipmb_addr a = absent_ipmb();
    struct ipmi_req_settime rq;
    memset(&rq, 0, sizeof rq);
    rq.req.addr = (unsigned char *)&a;
    rq.req.addr_len = sizeof a;
    rq.req.msgid = msgid;
    rq.req.msg.netfn = 6;
    rq.req.msg.cmd = 1;
    rq.retries = 0;
    rq.retry_time_ms = 1000;
    return xioctl(fd, IPMICTL_SEND_COMMAND_SETTIME, &rq, err);
}

/* Checks one answer against what was asked; updates the tally. */
static void check_answer(struct tally *t, unsigned char *states, long index, const struct received *r,
                         unsigned char *reference, unsigned *reference_len)
{
    long id = (long)r->recv.msgid;
    if (r->recv.recv_type != IPMI_RESPONSE_RECV_TYPE) {
        t->other++;
        return;
    }
    if ((id >> SEQ_BITS) != index) {
        t->misrouted++;
        return;
    }
    unsigned char *state = &states[id & SEQ_MASK];
    if (*state == ANSWERED) {
        t->duplicated++;
        return;
    }
    if (*state == FREE) {
        t->misrouted++;
        return;
    }
    int ok = r->recv.msg.netfn == 7 && r->recv.msg.cmd == 1;
    if (*state == WAIT_SI) {
        ok = ok && r->addr.addr_type == IPMI_SYSTEM_INTERFACE_ADDR_TYPE && r->recv.msg.data_len > 0 && r->data[0] == 0;
        if (ok && *reference_len == 0) {
            memcpy(reference, r->data, r->recv.msg.data_len);
            *reference_len = r->recv.msg.data_len;
        }
        ok = ok && r->recv.msg.data_len == *reference_len && !memcmp(reference, r->data, *reference_len);
        t->si++;
    } else {
        const struct ipmi_ipmb_addr *a = (const struct ipmi_ipmb_addr *)&r->addr;
        ok = ok && a->addr_type == IPMI_IPMB_ADDR_TYPE && a->slave_addr == ABSENT_IPMB && r->recv.msg.data_len == 1 &&
             r->data[0] == IPMI_TIMEOUT_COMPLETION_CODE;
        t->ipmb++;
    }
    *state = ANSWERED;
    t->answered++;
    if (!ok)
        t->wrong++;
}

/* One steady client on `fd` for `seconds`; its tally goes to `report`. */
static int steady_client(int fd, long index, double seconds, int report)
{
    static unsigned char states[1L << SEQ_BITS];
    unsigned char reference[IPMI_MAX_MSG_LENGTH];
    unsigned reference_len = 0;
    struct tally t;
    memset(&t, 0, sizeof t);
    long seq = 0, outstanding = 0, ipmb_out = 0;
    double end = now() + seconds;
    int sending = 1;
    for (;;) {
        double at = now();
        if (sending && at >= end)
            sending = 0;
        if (!sending && (outstanding == 0 || at >= end + DRAIN_SECONDS))
            break;
        while (sending && outstanding < OUTSTANDING && seq < SEQ_MASK) {
            int err, rv, ipmb = ipmb_out < IPMB_AT_ONCE && seq % 16 == 0;
            long msgid = (index << SEQ_BITS) | seq;
            rv = ipmb ? send_ipmb(fd, msgid, &err) : send_si(fd, 6, 1, NULL, 0, msgid, &err);
            if (rv < 0) {
                t.refused++;
                break;
            }
            states[seq++] = ipmb ? WAIT_IPMB : WAIT_SI;
            t.accepted++;
            outstanding++;
            ipmb_out += ipmb;
        }
        if (outstanding > t.peak)
            t.peak = outstanding;
        if (!wait_readable(fd, 200))
            continue;
        struct received r;
        int err;
        while (wait_readable(fd, 0) && receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) == 0) {
            long id = (long)r.recv.msgid;
            int was_ipmb = (id >> SEQ_BITS) == index && states[id & SEQ_MASK] == WAIT_IPMB;
            int was_waiting = (id >> SEQ_BITS) == index && (states[id & SEQ_MASK] == WAIT_SI || was_ipmb);
            check_answer(&t, states, index, &r, reference, &reference_len);
            if (was_waiting) {
                outstanding--;
                ipmb_out -= was_ipmb;
            }
        }
    }
    t.lost = outstanding;
    char line[256];
    int len = snprintf(line, sizeof line, "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld\n", t.accepted, t.answered, t.si,
                       t.ipmb, t.lost, t.duplicated, t.misrouted, t.wrong, t.refused, t.other, t.peak);
    if (write(report, line, len) != len)
        return 1;
    close(fd);
    return 0;
}

/* ipmi-probe --soak-client FD INDEX SECONDS REPORT_FD (exec'd by --soak). */
int soak_client_main(int fd, long index, double seconds, int report)
{
    return steady_client(fd, index, seconds, report);
}

/* A victim: opens (its slot may still be closing), sends 100 requests, then
 * closes with the answers pending (close_early) or waits until killed. */
int soak_victim_main(int close_early)
{
    int fd = -1;
    for (int tries = 0; tries < 250 && fd < 0; tries++) {
        fd = open(device, O_RDWR);
        if (fd < 0 && errno == EBUSY)
            usleep(20000);
        else if (fd < 0)
            break;
    }
    if (fd < 0)
        return 3;
    for (long i = 0; i < OUTSTANDING; i++) {
        int err;
        if ((i < IPMB_AT_ONCE ? send_ipmb(fd, i, &err) : send_si(fd, 6, 1, NULL, 0, i, &err)) < 0)
            break;
    }
    if (close_early) {
        close(fd);
        return 0;
    }
    for (;;)
        wait_readable(fd, 1000); /* until SIGKILL */
}

/* Forks a child that keeps only the fds keep_a and keep_b (besides stdio)
 * and execs `peer` (the i386 build) with `args`, or runs here(arg). */
static pid_t spawn(const char *peer, char *const args[], int (*here)(void *), void *arg, int keep_a, int keep_b)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    for (int fd = 3; fd < 256; fd++)
        if (fd != keep_a && fd != keep_b)
            close(fd);
    if (peer) {
        execv(peer, args);
        _exit(4);
    }
    _exit(here(arg));
}

struct steady_arg
{
    int fd, report;
    long index;
    double seconds;
};

static int run_steady(void *p)
{
    struct steady_arg *a = p;
    return steady_client(a->fd, a->index, a->seconds, a->report);
}

static int run_victim(void *p)
{
    return soak_victim_main(*(int *)p);
}

int soak(double seconds, const char *peer)
{
    int fds[64], users = 0, open_err = 0;
    for (; users < 64; users++) {
        fds[users] = open(device, O_RDWR);
        if (fds[users] < 0) {
            open_err = errno;
            break;
        }
    }
    printf("soak: %d opens succeed, then %s\n", users, open_err ? errname(open_err) : "none");
    if (users <= CHURN) {
        printf("soak: too few users to soak\n");
        return 1;
    }
    int steady = users - CHURN, pipes[64][2], wide = 0, narrow = 0;
    pid_t pids[64];
    for (int i = steady; i < users; i++)
        close(fds[i]);
    for (int c = 0; c < steady; c++) {
        if (pipe(pipes[c]) < 0)
            return 1;
        char sfd[16], sidx[16], ssec[32], srep[16];
        snprintf(sfd, sizeof sfd, "%d", fds[c]);
        snprintf(sidx, sizeof sidx, "%d", c);
        snprintf(ssec, sizeof ssec, "%.1f", seconds);
        snprintf(srep, sizeof srep, "%d", pipes[c][1]);
        char *args[] = {(char *)peer, "--device", (char *)device, "--soak-client", sfd, sidx, ssec, srep, NULL};
        struct steady_arg arg = {fds[c], pipes[c][1], c, seconds};
        const char *exe = c % 2 ? peer : NULL;
        pids[c] = spawn(exe, args, run_steady, &arg, fds[c], pipes[c][1]);
        if (exe)
            narrow++;
        else
            wide++;
        close(pipes[c][1]);
        close(fds[c]);
    }
    printf("soak: %d steady users (%d 64-bit, %d 32-bit) and %d churning, %.0f s\n", steady, wide, narrow, CHURN,
           seconds);

    pid_t victims[CHURN] = {0};
    double born[CHURN] = {0};
    int killing[CHURN] = {0};
    long spawned = 0, killed = 0, closed = 0, failed = 0;
    double end = now() + seconds;
    while (now() < end) {
        for (int s = 0; s < CHURN; s++) {
            int status;
            if (victims[s] && killing[s] && now() - born[s] > 0.05 + 0.01 * (spawned % 5))
                kill(victims[s], SIGKILL);
            if (victims[s] && waitpid(victims[s], &status, WNOHANG) == victims[s]) {
                if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                    killed++;
                else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                    closed++;
                else
                    failed++;
                victims[s] = 0;
            }
            if (!victims[s]) {
                int close_early = spawned % 2 == 0; /* the odd ones are killed */
                char *args[] = {
                    (char *)peer, "--device", (char *)device, "--soak-victim", close_early ? "close" : "wait", NULL};
                const char *exe = (spawned / 2) % 2 ? peer : NULL;
                victims[s] = spawn(exe, args, run_victim, &close_early, -1, -1);
                killing[s] = !close_early;
                born[s] = now();
                spawned++;
            }
        }
        usleep(5000);
    }
    for (int s = 0; s < CHURN; s++) {
        int status;
        if (!victims[s])
            continue;
        kill(victims[s], SIGKILL);
        waitpid(victims[s], &status, 0);
        if (WIFSIGNALED(status))
            killed++;
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            closed++;
        else
            failed++;
    }

    struct tally sum;
    memset(&sum, 0, sizeof sum);
    int reports = 0, all_peaked = 1;
    for (int c = 0; c < steady; c++) {
        char line[256];
        ssize_t len = read(pipes[c][0], line, sizeof line - 1);
        int status;
        waitpid(pids[c], &status, 0);
        close(pipes[c][0]);
        struct tally t;
        if (len <= 0)
            continue;
        line[len] = 0;
        if (sscanf(line, "%ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &t.accepted, &t.answered, &t.si, &t.ipmb,
                   &t.lost, &t.duplicated, &t.misrouted, &t.wrong, &t.refused, &t.other, &t.peak) != 11)
            continue;
        reports++;
        sum.accepted += t.accepted;
        sum.answered += t.answered;
        sum.si += t.si;
        sum.ipmb += t.ipmb;
        sum.lost += t.lost;
        sum.duplicated += t.duplicated;
        sum.misrouted += t.misrouted;
        sum.wrong += t.wrong;
        sum.refused += t.refused;
        sum.other += t.other;
        all_peaked = all_peaked && t.peak == OUTSTANDING;
    }
    printf("#~ soak figures: requests %ld, answers %ld (system interface %ld, IPMB 0xC3 %ld), lost %ld, "
           "duplicated %ld, misrouted %ld, wrong %ld, refused %ld; victims %ld (killed %ld, closed %ld)\n",
           sum.accepted, sum.answered, sum.si, sum.ipmb, sum.lost, sum.duplicated, sum.misrouted, sum.wrong,
           sum.refused, spawned, killed, closed);
    printf("soak: every steady user reported: %s\n", reports == steady ? "yes" : "no");
    printf("soak: every steady user had %d requests outstanding at once: %s\n", OUTSTANDING, all_peaked ? "yes" : "no");
    printf("soak: every accepted request answered exactly once: %s\n",
           sum.accepted > 0 && sum.answered == sum.accepted && sum.lost == 0 && sum.duplicated == 0 ? "yes" : "no");
    printf("soak: system-interface and IPMB timeout answers both seen: %s\n",
           sum.si > 0 && sum.ipmb > 0 ? "yes" : "no");
    printf("soak: lost %ld, duplicated %ld, misrouted %ld, wrong %ld, refused %ld, unexpected %ld\n", sum.lost,
           sum.duplicated, sum.misrouted, sum.wrong, sum.refused, sum.other);
    printf("soak: victims killed while waiting and closed with answers pending: %s\n",
           killed > 0 && closed > 0 ? "yes" : "no");
    printf("soak: victims that could not open or failed: %ld\n", failed);

    /* Every slot free again, and the device still answers. */
    int err, fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        fd = open(device, O_RDWR);
        if (fd < 0)
            usleep(50000);
    }
    struct received r;
    int answered = fd >= 0 && send_si(fd, 6, 1, NULL, 0, 7, &err) == 0 && wait_readable(fd, 15000) &&
                   receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) == 0 && r.recv.msgid == 7 &&
                   r.data[0] == 0;
    printf("soak: the device answers afterwards: %s\n", answered ? "yes" : "no");
    if (fd >= 0)
        close(fd);
    return 0;
}
