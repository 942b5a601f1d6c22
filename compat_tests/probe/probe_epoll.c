/*
 * ipmi-probe's epoll check: waiting for a response the way event loops do.
 * Go's runtime puts every pollable file into its epoll set edge-triggered
 * (EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET), which is how ipmi_exporter's native
 * mode and any Go IPMI client wait on /dev/ipmi0; libevent/libuv style loops
 * use level-triggered EPOLLIN. /dev/ipmiN's poll is readable (IN|RDNORM)
 * exactly while the receive queue holds a message and never writable; a
 * CUSE device answers epoll through FUSE_POLL and the server's wake-ups.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probe.h"

/* The bits a caller can see, by name, in a fixed order. */
static void print_events(const char *what, int n, int err, const struct epoll_event *ev)
{
    if (n < 0) {
        printf("%s: rv=%d %s\n", what, n, errname(err));
        return;
    }
    printf("%s: n=%d", what, n);
    if (n > 0) {
        static const struct
        {
            unsigned bit;
            const char *name;
        } names[] = {{EPOLLIN, "IN"},   {EPOLLPRI, "PRI"},       {EPOLLOUT, "OUT"},       {EPOLLERR, "ERR"},
                     {EPOLLHUP, "HUP"}, {EPOLLRDNORM, "RDNORM"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLRDHUP, "RDHUP"}};
        const char *sep = " events=";
        unsigned rest = ev->events;
        for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
            if (rest & names[i].bit) {
                printf("%s%s", sep, names[i].name);
                sep = "|";
                rest &= ~names[i].bit;
            }
        }
        if (rest)
            printf("%s0x%x", sep, rest);
        printf(" data=%llu", (unsigned long long)ev->data.u64);
    }
    printf("\n");
}

static int wait_events(int ep, int ms, struct epoll_event *ev, int *err)
{
    memset(ev, 0, sizeof *ev);
    int n = epoll_wait(ep, ev, 1, ms);
    *err = n < 0 ? errno : 0;
    return n;
}

/* Receives one message and prints its msgid, so a wake-up for the wrong
 * message shows. */
static void take_one(int fd, const char *what)
{
    int err;
    struct received r;
    int rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err);
    if (rv < 0)
        result(what, rv, err);
    else
        printf("%s: msgid=0x%lx netfn=0x%02x cmd=0x%02x cc=0x%02x\n", what, (unsigned long)r.recv.msgid,
               r.recv.msg.netfn, r.recv.msg.cmd, r.recv.msg.data_len ? r.data[0] : 0xffU);
}

static void level_triggered(int fd)
{
    int err;
    struct epoll_event ev;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event add = {.events = EPOLLIN, .data.u64 = 1};
    int rv = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &add);
    result("epoll LT: add EPOLLIN", rv, rv < 0 ? errno : 0);
    print_events("epoll LT: empty queue, wait 0", wait_events(ep, 0, &ev, &err), err, &ev);
    send_si(fd, 6, 1, NULL, 0, 0xe1, &err);
    print_events("epoll LT: after a send, wait 15 s", wait_events(ep, 15000, &ev, &err), err, &ev);
    /* Level-triggered: still readable while the response is unread. */
    print_events("epoll LT: unread, wait 0", wait_events(ep, 0, &ev, &err), err, &ev);
    take_one(fd, "epoll LT: receive");
    print_events("epoll LT: drained, wait 200 ms", wait_events(ep, 200, &ev, &err), err, &ev);
    close(ep);
}

/* Go's registration. One event per response that arrives; none while the
 * response stays unread and nothing else arrives. */
static void edge_triggered(int fd)
{
    int err;
    struct epoll_event ev;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event add = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.u64 = 2};
    int rv = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &add);
    result("epoll ET: add IN|OUT|RDHUP|ET", rv, rv < 0 ? errno : 0);
    print_events("epoll ET: empty queue, wait 0", wait_events(ep, 0, &ev, &err), err, &ev);
    send_si(fd, 6, 1, NULL, 0, 0xe2, &err);
    print_events("epoll ET: after a send, wait 15 s", wait_events(ep, 15000, &ev, &err), err, &ev);
    print_events("epoll ET: unread, wait 200 ms", wait_events(ep, 200, &ev, &err), err, &ev);
    take_one(fd, "epoll ET: receive");
    send_si(fd, 6, 1, NULL, 0, 0xe3, &err);
    print_events("epoll ET: second send, wait 15 s", wait_events(ep, 15000, &ev, &err), err, &ev);
    take_one(fd, "epoll ET: receive");
    print_events("epoll ET: drained, wait 200 ms", wait_events(ep, 200, &ev, &err), err, &ev);
    close(ep);
}

void check_epoll(void)
{
    int fd = open_dev();
    level_triggered(fd);
    edge_triggered(fd);
    close(fd);
}
