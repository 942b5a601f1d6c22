/*
 * The floor of any CUSE /dev/ipmiN in the benchmark VM (not a test, not a
 * driver). A CUSE device that serves exactly what benchmarks' Get Device ID
 * loop does, and nothing else, with the least work that can be done through
 * FUSE: SEND_COMMAND reads the caller's ipmi_req in place and marks a
 * response due; poll() reports it; RECEIVE_MSG writes it into the caller in
 * place. Nothing reaches a BMC, so the response is a fixed one. Measuring it
 * next to ipmi-cuse in the same boot says how much of our round trip is the
 * price of CUSE itself: three FUSE round trips and their process switches,
 * which under TCG cost far more than anything either side does.
 *
 *   cuse-floor NAME   (creates /dev/NAME; runs in the foreground until killed)
 */
#include "cuse_floor_device.h"

#include <poll.h>
#include <string.h>

static int response_due;
static long due_msgid;

static void send_command(fuse_req_t req, void *arg)
{
    struct ipmi_req r;
    if (copy_in(req, arg, &r, sizeof r) < 0) {
        fuse_reply_err(req, EFAULT);
        return;
    }
    due_msgid = r.msgid;
    response_due = 1;
    fuse_reply_ioctl(req, 0, NULL, 0);
}

static void receive_msg(fuse_req_t req, void *arg)
{
    /* A Get Device ID response of the usual length: completion code 0 and
     * 15 bytes (the benchmark checks only that its msgid comes back). */
    static unsigned char data[] = {0x00, 0x20, 0x01, 0x00, 0x02, 0x02, 0x00, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    struct ipmi_recv r;
    if (copy_in(req, arg, &r, sizeof r) < 0) {
        fuse_reply_err(req, EFAULT);
        return;
    }
    if (!response_due) {
        fuse_reply_err(req, EAGAIN);
        return;
    }
    struct ipmi_system_interface_addr addr = {IPMI_SYSTEM_INTERFACE_ADDR_TYPE, IPMI_BMC_CHANNEL, 0};
    r.recv_type = IPMI_RESPONSE_RECV_TYPE;
    r.msgid = due_msgid;
    r.msg.netfn = 0x07;
    r.msg.cmd = 0x01;
    r.msg.data_len = sizeof data;
    struct iovec local[] = {{&addr, sizeof addr}, {data, sizeof data}, {&r, sizeof r}};
    struct iovec remote[] = {{r.addr, sizeof addr}, {r.msg.data, sizeof data}, {arg, sizeof r}};
    if (process_vm_writev(fuse_req_ctx(req)->pid, local, 3, remote, 3, 0) < 0) {
        fuse_reply_err(req, EFAULT);
        return;
    }
    response_due = 0;
    fuse_reply_ioctl(req, 0, NULL, 0);
}

static void floor_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
    (void)fi;
    /* The response is due before anyone polls for it: no one ever waits, so
     * no notification is ever owed. */
    if (ph)
        fuse_pollhandle_destroy(ph);
    fuse_reply_poll(req, response_due ? (POLLIN | POLLRDNORM) : 0);
}

static const struct cuse_lowlevel_ops floor_ops = {
    .open = floor_open,
    .ioctl = floor_ioctl,
    .poll = floor_poll,
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s NAME\n", argv[0]);
        return 2;
    }
    return run_floor_device(argv[0], argv[1], &floor_ops);
}
