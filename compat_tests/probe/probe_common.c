/*
 * ipmi-probe's helpers (see probe.h): every ioctl result is printed as
 * "what: rv=N [ERRNO]" so transcripts compare line by line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/watchdog.h>
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

const char *device = "/dev/ipmi0";

const char *errname(int e)
{
    const char *n = strerrorname_np(e);
    return n ? n : "E?";
}

/* "rv=0" or "rv=-1 EINVAL": the result of one call, errno only on failure. */
void result(const char *what, int rv, int err)
{
    if (rv < 0)
        printf("%s: rv=%d %s\n", what, rv, errname(err));
    else
        printf("%s: rv=%d\n", what, rv);
}

int xioctl(int fd, unsigned long req, void *arg, int *err)
{
    int rv = ioctl(fd, req, arg);
    *err = rv < 0 ? errno : 0;
    return rv;
}

/* One ioctl and its result line (the errno is read after the call). */
void check(const char *what, int fd, unsigned long req, void *arg)
{
    int err;
    int rv = xioctl(fd, req, arg, &err);
    result(what, rv, err);
}

double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int open_dev(void)
{
    int fd = open(device, O_RDWR);
    if (fd < 0) {
        printf("open %s: %s\n", device, errname(errno));
        exit(2);
    }
    return fd;
}

/* Waits for the fd to be readable; 1 when it is, 0 on timeout. */
int wait_readable(int fd, int ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int rv = poll(&p, 1, ms);
    return rv > 0 && (p.revents & POLLIN);
}

struct ipmi_system_interface_addr bmc_addr(void)
{
    struct ipmi_system_interface_addr a;
    memset(&a, 0, sizeof a);
    a.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
    a.channel = IPMI_BMC_CHANNEL;
    a.lun = 0;
    return a;
}

int send_si(int fd, unsigned netfn, unsigned cmd, unsigned char *data, unsigned len, long msgid, int *err)
{
    struct ipmi_system_interface_addr a = bmc_addr();
    struct ipmi_req req;
    memset(&req, 0, sizeof req);
    req.addr = (unsigned char *)&a;
    req.addr_len = sizeof a;
    req.msgid = msgid;
    req.msg.netfn = netfn;
    req.msg.cmd = cmd;
    req.msg.data = data;
    req.msg.data_len = len;
    return xioctl(fd, IPMICTL_SEND_COMMAND, &req, err);
}

int receive(int fd, unsigned long req, struct received *r, unsigned data_len, unsigned addr_len, int *err)
{
    memset(r, 0, sizeof *r);
    r->recv.addr = (unsigned char *)&r->addr;
    r->recv.addr_len = addr_len;
    r->recv.msg.data = r->data;
    r->recv.msg.data_len = data_len;
    return xioctl(fd, req, &r->recv, err);
}

void print_msg(const char *what, const struct received *r, int with_data)
{
    printf("%s: type=%d addr_type=0x%02x chan=%d addr_len=%u msgid=0x%llx netfn=0x%02x "
           "cmd=0x%02x len=%u",
           what, r->recv.recv_type, (unsigned)r->addr.addr_type, r->addr.channel, r->recv.addr_len,
           (unsigned long long)(unsigned long)r->recv.msgid, r->recv.msg.netfn, r->recv.msg.cmd, r->recv.msg.data_len);
    if (with_data) {
        printf(" data=");
        for (unsigned i = 0; i < r->recv.msg.data_len && i < 32; i++)
            printf("%02x", r->data[i]);
    }
    printf("\n");
}
