/*
 * ipmi-probe's IPMB checks: address validation
 * and size limits of IPMB, broadcast, LAN and IPMB-direct sends, the 0xC3
 * answer of a request nobody answers, and the interface's 64-slot sequence
 * table (the 65th outstanding IPMB request gets EAGAIN, from any open file;
 * system-interface requests are not limited by it; closing the owner frees
 * the slots). QEMU's BMC NAKs (0x83) every Send Message except to IPMB 0x40,
 * where it answers Get Device ID itself.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/ipmi.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probe.h"

#define ABSENT_SA 0x42
#define PRESENT_SA 0x40

static struct ipmi_ipmb_addr ipmb(unsigned type, unsigned sa)
{
    struct ipmi_ipmb_addr a;
    memset(&a, 0, sizeof a);
    a.addr_type = type;
    a.channel = 0;
    a.slave_addr = sa;
    a.lun = 0;
    return a;
}

/* One SEND_COMMAND_SETTIME (SEND when retries < -1) to `addr`. */
static int send_to(int fd, void *addr, unsigned addr_len, unsigned netfn, unsigned cmd, unsigned char *data,
                   unsigned len, long msgid, int retries, unsigned retry_ms, int *err)
{
    struct ipmi_req_settime rq;
    memset(&rq, 0, sizeof rq);
    rq.req.addr = addr;
    rq.req.addr_len = addr_len;
    rq.req.msgid = msgid;
    rq.req.msg.netfn = netfn;
    rq.req.msg.cmd = cmd;
    rq.req.msg.data = data;
    rq.req.msg.data_len = len;
    if (retries < -1)
        return xioctl(fd, IPMICTL_SEND_COMMAND, &rq.req, err);
    rq.retries = retries;
    rq.retry_time_ms = retry_ms;
    return xioctl(fd, IPMICTL_SEND_COMMAND_SETTIME, &rq, err);
}

static void send_result(const char *what, int fd, void *addr, unsigned addr_len, unsigned char *data, unsigned len)
{
    int err;
    int rv = send_to(fd, addr, addr_len, 6, 1, data, len, 1, -2, 0, &err);
    result(what, rv, err);
}

/* Waits for the message with `msgid` (others are counted, not printed). */
static void expect_response(int fd, const char *what, long msgid, int wait_ms)
{
    int err;
    struct received r;
    double end = now() + wait_ms / 1000.0;
    int others = 0;
    while (now() < end) {
        if (!wait_readable(fd, 200))
            continue;
        if (receive(fd, IPMICTL_RECEIVE_MSG, &r, sizeof r.data, sizeof r.addr, &err) < 0)
            continue;
        if (r.recv.msgid != msgid) {
            others++;
            continue;
        }
        print_msg(what, &r, 1);
        if (others)
            printf("  (%d other messages before it)\n", others);
        return;
    }
    printf("%s: nothing in %d ms\n", what, wait_ms);
}

static void check_ipmb_addresses(int fd)
{
    unsigned char big[IPMI_MAX_MSG_LENGTH];
    memset(big, 0, sizeof big);
    struct ipmi_ipmb_addr a = ipmb(IPMI_IPMB_ADDR_TYPE, ABSENT_SA);
    struct ipmi_addr wide;
    memset(&wide, 0, sizeof wide);

    send_result("ipmb addr_len=7", fd, &a, 7, NULL, 0);
    send_result("ipmb addr_len=41", fd, &wide, sizeof wide + 1, NULL, 0);
    a.lun = 4;
    send_result("ipmb lun=4", fd, &a, sizeof a, NULL, 0);
    a = ipmb(IPMI_IPMB_ADDR_TYPE, ABSENT_SA);
    a.channel = 16;
    send_result("ipmb channel=16", fd, &a, sizeof a, NULL, 0);
    a.channel = 15;
    send_result("ipmb channel=15", fd, &a, sizeof a, NULL, 0);
    a.channel = 1;
    send_result("ipmb channel=1 (not an IPMB medium)", fd, &a, sizeof a, NULL, 0);
    a = ipmb(IPMI_IPMB_ADDR_TYPE, ABSENT_SA);
    send_result("ipmb data_len=263", fd, &a, sizeof a, big, 263);
    a = ipmb(IPMI_IPMB_BROADCAST_ADDR_TYPE, ABSENT_SA);
    send_result("broadcast data_len=262", fd, &a, sizeof a, big, 262);

    struct ipmi_lan_addr lan;
    memset(&lan, 0, sizeof lan);
    lan.addr_type = IPMI_LAN_ADDR_TYPE;
    lan.channel = 0;
    send_result("lan on channel 0 (IPMB medium)", fd, &lan, sizeof lan, NULL, 0);
    send_result("lan addr_len=8", fd, &lan, 8, NULL, 0);

    struct ipmi_ipmb_direct_addr d;
    memset(&d, 0, sizeof d);
    d.addr_type = IPMI_IPMB_DIRECT_ADDR_TYPE;
    d.channel = 0;
    d.slave_addr = ABSENT_SA;
    send_result("ipmb direct", fd, &d, sizeof d, NULL, 0);

    struct ipmi_system_interface_addr si = bmc_addr();
    int err;
    int rv = send_to(fd, &si, sizeof si, 7, 1, NULL, 0, 1, -2, 0, &err);
    result("si odd netfn 0x07", rv, err);
    rv = send_to(fd, &si, sizeof si, 6, 0xff, big, 271, 1, -2, 0, &err);
    result("si data_len=271", rv, err);
    rv = send_to(fd, &si, sizeof si, 6, 0xff, big, 270, 0x270, -2, 0, &err);
    result("si data_len=270", rv, err);
    expect_response(fd, "  response", 0x270, 15000);
}

/* A request nobody answers, and a broadcast: both end in 0xC3 from the handler. */
static void check_ipmb_timeouts(int fd)
{
    int err, rv;
    struct ipmi_ipmb_addr a = ipmb(IPMI_IPMB_ADDR_TYPE, ABSENT_SA);
    double t0 = now();
    rv = send_to(fd, &a, sizeof a, 6, 1, NULL, 0, 0x42, 0, 1000, &err);
    result("settime 0/1000 to absent 0x42", rv, err);
    expect_response(fd, "  timeout", 0x42, 15000);
    printf("#~ timeout after %.2f s\n", now() - t0);

    a = ipmb(IPMI_IPMB_BROADCAST_ADDR_TYPE, ABSENT_SA);
    rv = send_to(fd, &a, sizeof a, 6, 1, NULL, 0, 0x41, 3, 1000, &err);
    result("broadcast settime 3/1000", rv, err);
    expect_response(fd, "  broadcast", 0x41, 15000);

    a = ipmb(IPMI_IPMB_ADDR_TYPE, PRESENT_SA);
    rv = send_to(fd, &a, sizeof a, 6, 1, NULL, 0, 0x40, -2, 0, &err);
    result("Get Device ID to 0x40", rv, err);
    expect_response(fd, "  answer", 0x40, 15000);
}

/* The 64-entry sequence table (kernel intf_next_seq): full means EAGAIN. */
static void check_sequence_table(void)
{
    int err, rv = 0;
    int a = open_dev(), b = open_dev();
    struct ipmi_ipmb_addr absent = ipmb(IPMI_IPMB_ADDR_TYPE, ABSENT_SA);
    int sent = 0;
    /* Default timing: each slot stays taken for about 10 s, far longer than this. */
    for (int i = 0; i < 70; i++) {
        rv = send_to(a, &absent, sizeof absent, 6, 1, NULL, 0, 0x1000 + i, -2, 0, &err);
        if (rv < 0)
            break;
        sent++;
    }
    printf("outstanding ipmb requests: %d sent, then %s\n", sent, rv < 0 ? errname(err) : "none");
    rv = send_to(a, &absent, sizeof absent, 6, 1, NULL, 0, 0x2000, -2, 0, &err);
    result("  next one, same fd", rv, err);
    rv = send_to(b, &absent, sizeof absent, 6, 1, NULL, 0, 0x2001, -2, 0, &err);
    result("  next one, other fd", rv, err);
    struct ipmi_ipmb_addr bc = ipmb(IPMI_IPMB_BROADCAST_ADDR_TYPE, ABSENT_SA);
    rv = send_to(b, &bc, sizeof bc, 6, 1, NULL, 0, 0x2002, -2, 0, &err);
    result("  broadcast, other fd", rv, err);
    rv = send_si(b, 6, 1, NULL, 0, 0x2003, &err);
    result("  system interface, other fd", rv, err);
    expect_response(b, "  si response", 0x2003, 15000);
    printf("  fd a readable: %d\n", wait_readable(a, 0));
    close(a);
    struct ipmi_ipmb_addr present = ipmb(IPMI_IPMB_ADDR_TYPE, PRESENT_SA);
    rv = send_to(b, &present, sizeof present, 6, 1, NULL, 0, 0x2004, -2, 0, &err);
    result("after closing the owner, other fd", rv, err);
    expect_response(b, "  answer", 0x2004, 15000);
    close(b);
}

void check_ipmb(int fd)
{
    check_ipmb_addresses(fd);
    check_ipmb_timeouts(fd);
    check_sequence_table();
}
