/* What the two floor devices of this directory (cuse_floor.c,
 * cuse_worker_floor.c) share: the caller's memory read in place, the open,
 * the ioctl dispatch to the including file's send_command() and
 * receive_msg(), and the CUSE session in the foreground on one thread. */
#pragma once

#define FUSE_USE_VERSION 35
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <cuse_lowlevel.h>
#include <errno.h>
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <linux/ipmi.h> /* after sys/ioctl.h: its ioctl numbers need _IOR */

static void send_command(fuse_req_t req, void *arg);
static void receive_msg(fuse_req_t req, void *arg);

static int copy_in(fuse_req_t req, void *arg, void *to, size_t len)
{
    struct iovec local = {to, len}, remote = {arg, len};
    return process_vm_readv(fuse_req_ctx(req)->pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

static void floor_open(fuse_req_t req, struct fuse_file_info *fi)
{
    fi->direct_io = 1;
    fi->nonseekable = 1;
    fuse_reply_open(req, fi);
}

static void floor_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi, unsigned flags, const void *in,
                        size_t in_size, size_t out_size)
{
    (void)fi, (void)flags, (void)in, (void)in_size, (void)out_size;
    switch ((unsigned)cmd) {
    case IPMICTL_SEND_COMMAND:
        send_command(req, arg);
        break;
    case IPMICTL_RECEIVE_MSG:
        receive_msg(req, arg);
        break;
    default:
        fuse_reply_err(req, ENOTTY);
    }
}

/* Creates /dev/NAME and serves it until killed. */
static int run_floor_device(const char *program, const char *name, const struct cuse_lowlevel_ops *ops)
{
    char devname[128];
    snprintf(devname, sizeof devname, "DEVNAME=%s", name);
    const char *dev_info[] = {devname};
    struct cuse_info ci = {.dev_info_argc = 1, .dev_info_argv = dev_info, .flags = CUSE_UNRESTRICTED_IOCTL};
    char *fuse_argv[] = {(char *)program, "-f", "-s", NULL}; /* foreground, one request thread */
    return cuse_lowlevel_main(3, fuse_argv, &ci, ops, NULL);
}
