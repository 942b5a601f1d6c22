/*
 * ipmi-probe: drives /dev/ipmi0 at the ioctl level and prints one line per
 * check, so the kernel driver's answers and ipmi-cuse's can be compared line by
 * line. It covers the errno paths and edge cases of the kernel's ipmi_devintf
 * and message handler (EMSGSIZE with and without TRUNC, msgid echo,
 * registrations, limits, events, IPMB addressing and the 64-slot sequence
 * table in probe_ipmb.c, O_ASYNC in probe_async.c, epoll level- and
 * edge-triggered in probe_epoll.c) and prints only what is deterministic; timings go to lines starting "#~", which the
 * comparison ignores. Built static for x86_64 and for i386 (the latter
 * reaches the kernel's compat ioctl numbers). --epoll runs the epoll check
 * alone (on a policy-bound node, whose other checks would be refused).
 *
 *   ipmi-probe [--device PATH] [--bench N] [--clients N --rounds M] [--watchdog]
 *              [--pretimeout] [--epoll]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ipmi.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* Sends one SI request and prints the response received for it. */
static void transact(int fd, const char *what, unsigned netfn, unsigned cmd, unsigned char *data, unsigned len)
{
    int err;
    struct received r;
    int rv = send_si(fd, netfn, cmd, data, len, 0x77, &err);
    if (rv < 0) {
        result(what, rv, err);
        return;
    }
    if (!wait_readable(fd, 15000)) {
        printf("%s: no response in 15 s\n", what);
        return;
    }
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err);
    if (rv < 0)
        result(what, rv, err);
    else
        print_msg(what, &r, 1);
}

static void check_send_errors(int fd)
{
    int err, rv;
    struct ipmi_system_interface_addr a = bmc_addr();
    struct ipmi_req req;
    unsigned char big[IPMI_MAX_MSG_LENGTH + 2];
    memset(big, 0, sizeof big);

    memset(&req, 0, sizeof req);
    req.addr = (unsigned char *)&a;
    req.msg.netfn = 6;
    req.msg.cmd = 1;

    req.addr_len = 4;
    check("send addr_len=4", fd, IPMICTL_SEND_COMMAND, &req);
    req.addr_len = sizeof a;
    a.addr_type = 0x55;
    check("send addr_type=0x55", fd, IPMICTL_SEND_COMMAND, &req);
    a = bmc_addr();
    a.channel = 3;
    check("send si channel=3", fd, IPMICTL_SEND_COMMAND, &req);
    a = bmc_addr();
    a.lun = 4;
    check("send si lun=4", fd, IPMICTL_SEND_COMMAND, &req);
    a = bmc_addr();
    req.addr = NULL;
    check("send addr=NULL", fd, IPMICTL_SEND_COMMAND, &req);
    req.addr = (unsigned char *)&a;
    req.msg.data = (unsigned char *)8;
    req.msg.data_len = 4;
    check("send data=0x8", fd, IPMICTL_SEND_COMMAND, &req);
    req.msg.data = big;
    req.msg.data_len = IPMI_MAX_MSG_LENGTH + 1;
    check("send data_len=273", fd, IPMICTL_SEND_COMMAND, &req);
    check("send NULL struct", fd, IPMICTL_SEND_COMMAND, NULL);

    rv = send_si(fd, 6, 0x34, big, 4, 1, &err);
    result("send Send Message to SI", rv, err);
    rv = send_si(fd, 6, 0x33, NULL, 0, 1, &err);
    result("send Get Message to SI", rv, err);
    rv = send_si(fd, 6, 0x35, NULL, 0, 1, &err);
    result("send Read Event Message Buffer to SI", rv, err);
    check("unknown ioctl _IO('i',99)", fd, _IO('i', 99), NULL);
    check("receive on empty queue", fd, IPMICTL_RECEIVE_MSG, &(struct ipmi_recv){0});
}

static void check_receive_edges(int fd)
{
    int err, rv;
    struct received r;
    long msgid = (long)0x1234567890abcdefULL; /* cut to 32 bits on i386 */

    rv = send_si(fd, 6, 1, NULL, 0, msgid, &err);
    result("send Get Device ID", rv, err);
    printf("readable: %d\n", wait_readable(fd, 15000));
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, 64, 4, &err);
    result("receive addr_len=4", rv, err);
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, 1, sizeof r.addr, &err);
    result("receive data_len=1", rv, err);
    printf("  after EMSGSIZE: addr written type=0x%02x, struct data_len=%u recv_type=%d\n", (unsigned)r.addr.addr_type,
           r.recv.msg.data_len, r.recv.recv_type);
    printf("readable after EMSGSIZE: %d\n", wait_readable(fd, 0));
    rv = receive(fd, IPMICTL_RECEIVE_MSG_TRUNC, &r, 3, sizeof r.addr, &err);
    result("receive TRUNC data_len=3", rv, err);
    print_msg("  truncated", &r, 1);
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, 64, sizeof r.addr, &err);
    result("receive after TRUNC", rv, err);

    /* NULL data with a length: the kernel zeroes data_len and sends. */
    struct ipmi_system_interface_addr a = bmc_addr();
    struct ipmi_req req = {.addr = (unsigned char *)&a,
                           .addr_len = sizeof a,
                           .msgid = 5,
                           .msg = {.netfn = 6, .cmd = 1, .data = NULL, .data_len = 5}};
    check("send data=NULL data_len=5", fd, IPMICTL_SEND_COMMAND, &req);
    wait_readable(fd, 15000);
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err);
    result("receive", rv, err);
    print_msg("  response", &r, 1);

    /* TRUNC with no buffer at all consumes the message (§10). */
    send_si(fd, 6, 1, NULL, 0, 6, &err);
    wait_readable(fd, 15000);
    memset(&r, 0, sizeof r);
    r.recv.addr = (unsigned char *)&r.addr;
    r.recv.addr_len = sizeof r.addr;
    check("receive TRUNC data=NULL len=0", fd, IPMICTL_RECEIVE_MSG_TRUNC, &r.recv);
    printf("readable after: %d\n", wait_readable(fd, 0));

    /* The full msgid echo, 64-bit here (OpenIPMI puts a pointer in it). */
    send_si(fd, 6, 1, NULL, 0, msgid, &err);
    wait_readable(fd, 15000);
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err);
    result("receive", rv, err);
    print_msg("  msgid echo", &r, 0);
    printf("  msgid equal: %d\n", r.recv.msgid == msgid);
    /* Receive with a bad address pointer. */
    send_si(fd, 6, 1, NULL, 0, 8, &err);
    wait_readable(fd, 15000);
    struct ipmi_recv bad = {.addr = (unsigned char *)8, .addr_len = 40, .msg = {.data = r.data, .data_len = 64}};
    check("receive addr=0x8", fd, IPMICTL_RECEIVE_MSG, &bad);
    rv = receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err);
    result("receive after EFAULT", rv, err);
}

static void check_bmc_answers(int fd)
{
    unsigned char d[8] = {0};
    transact(fd, "Get Device ID", 6, 1, NULL, 0);
    transact(fd, "unknown cmd 0xff", 6, 0xff, NULL, 0);
    transact(fd, "Get Device ID + extra byte", 6, 1, d, 1);
    transact(fd, "Get SEL Info", 0x0a, 0x40, NULL, 0);
    transact(fd, "Get Chassis Status", 0x00, 0x01, NULL, 0);
    transact(fd, "netfn 0x3e", 0x3e, 0x01, NULL, 0);
    d[0] = 0;
    transact(fd, "Get FRU Area Info", 0x0a, 0x10, d, 1);
}

static void check_registrations(void)
{
    int a = open_dev(), b = open_dev();
    struct ipmi_cmdspec spec = {.netfn = 0x30, .cmd = 0x01};
    check("register 30/01", a, IPMICTL_REGISTER_FOR_CMD, &spec);
    check("register 30/01 again", a, IPMICTL_REGISTER_FOR_CMD, &spec);
    check("register 30/01 other fd", b, IPMICTL_REGISTER_FOR_CMD, &spec);
    check("unregister 30/01 other fd", b, IPMICTL_UNREGISTER_FOR_CMD, &spec);
    check("unregister 30/01", a, IPMICTL_UNREGISTER_FOR_CMD, &spec);
    check("unregister 30/01 again", a, IPMICTL_UNREGISTER_FOR_CMD, &spec);

    struct ipmi_cmdspec_chans c = {.netfn = 0x30, .cmd = 0x02, .chans = 0x1};
    check("register chans 30/02 0x1", a, IPMICTL_REGISTER_FOR_CMD_CHANS, &c);
    c.chans = 0x2;
    check("register chans 30/02 0x2 other fd", b, IPMICTL_REGISTER_FOR_CMD_CHANS, &c);
    c.chans = 0x3;
    check("register chans 30/02 0x3 other fd", b, IPMICTL_REGISTER_FOR_CMD_CHANS, &c);
    c.chans = 0x1;
    check("unregister chans 30/02 0x1 other fd", b, IPMICTL_UNREGISTER_FOR_CMD_CHANS, &c);
    c.chans = 0x2;
    check("unregister chans 30/02 0x2 other fd", b, IPMICTL_UNREGISTER_FOR_CMD_CHANS, &c);
    c = (struct ipmi_cmdspec_chans){.netfn = 0x131, .cmd = 0x03, .chans = 0};
    check("register chans 0x131/03 mask 0", a, IPMICTL_REGISTER_FOR_CMD_CHANS, &c);
    check("unregister chans 0x131/03 mask 0", a, IPMICTL_UNREGISTER_FOR_CMD_CHANS, &c);
    c.chans = 1u << 20;
    check("register chans 0x131/03 bit 20", a, IPMICTL_REGISTER_FOR_CMD_CHANS, &c);
    check("unregister chans 0x131/03 bit 20", a, IPMICTL_UNREGISTER_FOR_CMD_CHANS, &c);
    c.netfn = 0x31;
    c.chans = 1;
    check("register chans 31/03 0x1 (0x131 truncated)", a, IPMICTL_REGISTER_FOR_CMD_CHANS, &c);
    close(a);
    close(b);
    a = open_dev();
    check("register 30/01 after close", a, IPMICTL_REGISTER_FOR_CMD, &spec);
    close(a);
}

static void check_settings(int fd)
{
    int err;
    unsigned v = 0;
    check("get my address", fd, IPMICTL_GET_MY_ADDRESS_CMD, &v);
    printf("  address=0x%x\n", v);
    v = 0x133;
    check("set my address 0x133", fd, IPMICTL_SET_MY_ADDRESS_CMD, &v);
    check("get my address", fd, IPMICTL_GET_MY_ADDRESS_CMD, &v);
    printf("  address=0x%x\n", v);
    v = 0x20;
    xioctl(fd, IPMICTL_SET_MY_ADDRESS_CMD, &v, &err);
    check("get my lun", fd, IPMICTL_GET_MY_LUN_CMD, &v);
    printf("  lun=%u\n", v);
    v = 7;
    check("set my lun 7", fd, IPMICTL_SET_MY_LUN_CMD, &v);
    xioctl(fd, IPMICTL_GET_MY_LUN_CMD, &v, &err);
    printf("  lun=%u\n", v);
    v = 2;
    xioctl(fd, IPMICTL_SET_MY_LUN_CMD, &v, &err);

    struct ipmi_channel_lun_address_set cl = {.channel = 16, .value = 0x20};
    check("set channel 16 address", fd, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &cl);
    check("get channel 16 lun", fd, IPMICTL_GET_MY_CHANNEL_LUN_CMD, &cl);
    cl = (struct ipmi_channel_lun_address_set){.channel = 1, .value = 0x44};
    check("set channel 1 address 0x44", fd, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &cl);
    cl.value = 0;
    check("get channel 1 address", fd, IPMICTL_GET_MY_CHANNEL_ADDRESS_CMD, &cl);
    printf("  value=0x%x\n", cl.value);
    cl = (struct ipmi_channel_lun_address_set){.channel = 15, .value = 0};
    check("get channel 15 lun", fd, IPMICTL_GET_MY_CHANNEL_LUN_CMD, &cl);
    printf("  value=0x%x\n", cl.value);
    cl = (struct ipmi_channel_lun_address_set){.channel = 1, .value = 0x20};
    xioctl(fd, IPMICTL_SET_MY_CHANNEL_ADDRESS_CMD, &cl, &err);

    struct ipmi_timing_parms tp = {99, 99};
    check("get timing", fd, IPMICTL_GET_TIMING_PARMS_CMD, &tp);
    printf("  retries=%d retry_time_ms=%u\n", tp.retries, tp.retry_time_ms);
    tp = (struct ipmi_timing_parms){-5, 123456};
    check("set timing -5/123456", fd, IPMICTL_SET_TIMING_PARMS_CMD, &tp);
    tp = (struct ipmi_timing_parms){0, 0};
    xioctl(fd, IPMICTL_GET_TIMING_PARMS_CMD, &tp, &err);
    printf("  retries=%d retry_time_ms=%u\n", tp.retries, tp.retry_time_ms);

    int m = -1;
    check("get maintenance", fd, IPMICTL_GET_MAINTENANCE_MODE_CMD, &m);
    printf("  mode=%d\n", m);
    m = 3;
    check("set maintenance 3", fd, IPMICTL_SET_MAINTENANCE_MODE_CMD, &m);
    m = 2;
    check("set maintenance 2", fd, IPMICTL_SET_MAINTENANCE_MODE_CMD, &m);
    xioctl(fd, IPMICTL_GET_MAINTENANCE_MODE_CMD, &m, &err);
    printf("  mode=%d\n", m);
    m = 0;
    xioctl(fd, IPMICTL_SET_MAINTENANCE_MODE_CMD, &m, &err);

    int on = 1;
    check("set gets events 1", fd, IPMICTL_SET_GETS_EVENTS_CMD, &on);
    on = 0;
    check("set gets events 0", fd, IPMICTL_SET_GETS_EVENTS_CMD, &on);

    char buf[16];
    ssize_t n = read(fd, buf, 0);
    result("read 0", (int)n, n < 0 ? errno : 0);
    n = read(fd, buf, sizeof buf);
    result("read 16", (int)n, n < 0 ? errno : 0);
    n = write(fd, buf, 0);
    result("write 0", (int)n, n < 0 ? errno : 0);
    n = write(fd, buf, 4);
    result("write 4", (int)n, n < 0 ? errno : 0);
    off_t o = lseek(fd, 100, SEEK_SET);
    result("lseek 100", (int)o, o < 0 ? errno : 0);
}

static void check_events(int fd)
{
    int err, on = 1;
    struct received r;
    /* Platform Event from system software: generator ID 0x41 first. */
    unsigned char ev[8] = {0x41, 0x04, 0x01, 0x30, 0x01, 0x57, 0x02, 0xff};
    xioctl(fd, IPMICTL_SET_GETS_EVENTS_CMD, &on, &err);
    send_si(fd, 4, 2, ev, sizeof ev, 9, &err);
    int got_response = 0, got_event = 0;
    /* The kernel polls the event buffer once a second while events are on. */
    double end = now() + 3;
    while ((!got_response || !got_event) && now() < end) {
        if (!wait_readable(fd, 500))
            continue;
        if (receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) < 0)
            continue;
        if (r.recv.recv_type == IPMI_RESPONSE_RECV_TYPE && r.recv.msgid == 9) {
            got_response = 1;
            print_msg("platform event response", &r, 1);
        } else if (r.recv.recv_type == IPMI_ASYNC_EVENT_RECV_TYPE && !got_event) {
            got_event = 1;
            print_msg("event", &r, 0);
            /* Record type and the event bytes; the id and timestamp vary. */
            printf("  record type=0x%02x body=", r.data[2]);
            for (unsigned i = 7; i < r.recv.msg.data_len; i++)
                printf("%02x", r.data[i]);
            printf("\n");
        }
    }
    printf("platform event: response=%d event=%d\n", got_response, got_event);
    on = 0;
    xioctl(fd, IPMICTL_SET_GETS_EVENTS_CMD, &on, &err);
}

static void check_limits(void)
{
    int err, fd = open_dev();
    int sent = 0, first_err = 0;
    for (int i = 0; i < 105; i++) {
        if (send_si(fd, 6, 1, NULL, 0, 1000 + i, &err) < 0) {
            first_err = err;
            break;
        }
        sent++;
    }
    printf("messages per user: %d sent, then %s\n", sent, first_err ? errname(first_err) : "none");
    struct received r;
    int drained = 0;
    while (wait_readable(fd, 2000) && receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) == 0)
        drained++;
    printf("  drained %d\n", drained);
    close(fd);

    int fds[64], opened = 0, open_err = 0;
    for (int i = 0; i < 64; i++) {
        fds[i] = open(device, O_RDWR);
        if (fds[i] < 0) {
            open_err = errno;
            break;
        }
        opened++;
    }
    /* Relative to the probe's own open fd, which is one user already. */
    printf("users: %d more opens, then %s\n", opened, open_err ? errname(open_err) : "none");
    for (int i = 0; i < opened; i++)
        close(fds[i]);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int bench_n = 0, nclients = 0, rounds = 0, watchdog = 0, pretimeout = 0, epoll_only = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--device") && i + 1 < argc)
            device = argv[++i];
        else if (!strcmp(argv[i], "--bench") && i + 1 < argc)
            bench_n = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--clients") && i + 1 < argc)
            nclients = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--watchdog"))
            watchdog = 1;
        else if (!strcmp(argv[i], "--pretimeout"))
            pretimeout = 1;
        else if (!strcmp(argv[i], "--epoll"))
            epoll_only = 1;
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--soak") && i + 1 < argc) {
            const char *peer = i + 3 < argc && !strcmp(argv[i + 2], "--peer") ? argv[i + 3] : NULL;
            return soak(atof(argv[i + 1]), peer);
        } else if (!strcmp(argv[i], "--soak-client") && i + 4 < argc)
            return soak_client_main(atoi(argv[i + 1]), atol(argv[i + 2]), atof(argv[i + 3]), atoi(argv[i + 4]));
        else if (!strcmp(argv[i], "--soak-victim") && i + 1 < argc)
            return soak_victim_main(!strcmp(argv[i + 1], "close"));
        else if (!strcmp(argv[i], "--transact") && i + 2 < argc)
            return timed_transaction(atof(argv[i + 1]), atof(argv[i + 2]));
        else if (!strcmp(argv[i], "--until-ok") && i + 1 < argc)
            return until_ok(atof(argv[i + 1]));
        else if (!strcmp(argv[i], "--wait-gone") && i + 1 < argc)
            return wait_gone(atof(argv[i + 1]));
        else {
            fprintf(stderr,
                    "usage: %s [--device PATH] [--bench N] [--clients N --rounds M] "
                    "[--watchdog] [--pretimeout] [--epoll] [--soak SECONDS [--peer I386_PROBE]] "
                    "[--transact MIN_S MAX_S] [--until-ok MAX_S] [--wait-gone SECONDS]\n",
                    argv[0]);
            return 2;
        }
    }
    if (watchdog) {
        check_watchdog();
        return 0;
    }
    if (pretimeout) {
        check_pretimeout();
        return 0;
    }
    if (epoll_only) {
        check_epoll();
        return 0;
    }
    if (bench_n > 0) {
        bench(bench_n);
        return 0;
    }
    if (nclients > 0)
        return clients(nclients, rounds > 0 ? rounds : 20);

    printf("probe: %d-bit, sizeof(struct ipmi_req)=%zu sizeof(struct ipmi_recv)=%zu\n", (int)sizeof(long) * 8,
           sizeof(struct ipmi_req), sizeof(struct ipmi_recv));
    int fd = open_dev();
    check_send_errors(fd);
    check_receive_edges(fd);
    check_bmc_answers(fd);
    check_registrations();
    check_settings(fd);
    check_events(fd);
    check_limits();
    check_ipmb(fd);
    check_async();
    check_epoll();
    close(fd);
    return 0;
}
