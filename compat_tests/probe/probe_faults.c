/*
 * ipmi-probe's client side of the BMC-fault and restart scenarios: one
 * Get Device ID and how long its answer took (--transact MIN MAX), asking
 * again until the BMC answers 0x00 (--until-ok MAX), and a client waiting
 * in poll() with a request outstanding while its server goes away
 * (--wait-gone SECONDS). Answers and bounds are plain lines, times "#~".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probe.h"

/* One Get Device ID on `fd`; its completion code, or -1 if none came in `wait_s`. */
static int get_device_id(int fd, long msgid, double wait_s, unsigned *len)
{
    int err;
    struct received r;
    if (send_si(fd, 6, 1, NULL, 0, msgid, &err) < 0) {
        printf("send: %s\n", errname(err));
        return -1;
    }
    double until = now() + wait_s;
    while (now() < until) {
        if (!wait_readable(fd, 500))
            continue;
        if (receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) < 0) {
            printf("receive: %s\n", errname(err));
            return -1;
        }
        if (r.recv.msgid != msgid)
            continue; /* an earlier request's late answer */
        *len = r.recv.msg.data_len;
        return r.recv.msg.data_len ? r.data[0] : -1;
    }
    return -1;
}

int timed_transaction(double min_s, double max_s)
{
    int fd = open_dev();
    unsigned len = 0;
    double t0 = now();
    /* Waits past the bound, so a late answer is told from none at all. */
    int cc = get_device_id(fd, 1, max_s + 30, &len);
    double took = now() - t0;
    if (cc < 0)
        printf("answer: none in %.0f s\n", max_s + 30);
    else
        printf("answer: cc=0x%02x len=%u\n", cc, len);
    printf("answered in %.0f..%.0f s: %s\n", min_s, max_s, cc >= 0 && took >= min_s && took <= max_s ? "yes" : "no");
    printf("#~ answered after %.2f s\n", took);
    close(fd);
    return 0;
}

int until_ok(double max_s)
{
    int fd = open_dev();
    double t0 = now();
    int failures = 0, cc = -1;
    unsigned len = 0;
    for (long id = 1; now() - t0 < max_s + 60 && cc != 0; id++) {
        cc = get_device_id(fd, id, 70, &len);
        failures += cc != 0;
    }
    double took = now() - t0;
    printf("answered 0x00 again within %.0f s: %s\n", max_s, cc == 0 && took <= max_s ? "yes" : "no");
    printf("#~ recovered after %.2f s (%d failed attempts before)\n", took, failures);
    close(fd);
    return 0;
}

int wait_gone(double seconds)
{
    int fd = open_dev(), err;
    struct ipmi_ipmb_addr a;
    memset(&a, 0, sizeof a);
    a.addr_type = IPMI_IPMB_ADDR_TYPE;
    a.slave_addr = 0x42; /* nobody: the request stays outstanding for 30 s */
    struct ipmi_req_settime rq;
    memset(&rq, 0, sizeof rq);
    rq.req.addr = (unsigned char *)&a;
    rq.req.addr_len = sizeof a;
    rq.req.msgid = 9;
    rq.req.msg.netfn = 6;
    rq.req.msg.cmd = 1;
    rq.retries = 5;
    rq.retry_time_ms = 5000;
    result("request outstanding", xioctl(fd, IPMICTL_SEND_COMMAND_SETTIME, &rq, &err), err);
    /* The scenario kills the server now. */
    struct pollfd p = {.fd = fd, .events = POLLIN};
    double t0 = now();
    int rv = poll(&p, 1, (int)(seconds * 1000));
    err = errno;
    if (rv < 0)
        printf("poll: rv=-1 %s\n", errname(err));
    else
        printf("poll: rv=%d revents=%s%s%s%s\n", rv, rv == 0 ? "none" : "", p.revents & POLLIN ? "IN " : "",
               p.revents & POLLERR ? "ERR " : "", p.revents & POLLHUP ? "HUP" : "");
    struct received r;
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err);
    result("receive after", rv, err);
    char byte;
    ssize_t n = read(fd, &byte, 1);
    result("read after", (int)n, n < 0 ? errno : 0);
    printf("#~ the waiting client returned after %.2f s\n", now() - t0);
    close(fd);
    return 0;
}
