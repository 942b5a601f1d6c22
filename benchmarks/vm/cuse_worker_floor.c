/*
 * The floor of a CUSE /dev/ipmiN that keeps the SMBus off its request loop
 * (not a test, not a driver): cuse_floor.c plus a worker thread that does
 * one real SSIF exchange per SEND_COMMAND. SEND_COMMAND reads the caller's
 * ipmi_req in place, wakes the worker and is answered; the worker writes
 * the request (SMBus block write 0x02: netfn/LUN, command) and reads the
 * response (block read 0x03, retried until the BMC answers), then marks it
 * due and answers a poll() that was waiting for it. No message handler, no
 * queues, no validation: the least a driver built like ipmi-cuse's SSIF path
 * (a worker thread and two I2C_SMBUS ioctls per message) can cost through
 * CUSE. Measured next to the CUSE floor and ipmi-cuse in the same boot, it
 * separates what that structure costs from what our code adds to it.
 *
 *   cuse-worker-floor NAME I2C-DEVICE ADDRESS   e.g. ipmi-wfloor /dev/i2c-0 0x10
 */
#include "cuse_floor_device.h"
#include "smbus_block.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#define MAX_READS 10000 /* a BMC that never answers ends the exchange, not the program */

static int bus = -1;
static sem_t request_ready;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Guarded by lock. */
static unsigned char request[2];
static long due_msgid;
static int response_due;
static unsigned char response[I2C_SMBUS_BLOCK_MAX];
static int response_len;
static fuse_req_t waiting_poll;

static void *exchange_worker(void *unused)
{
    (void)unused;
    for (;;) {
        while (sem_wait(&request_ready) != 0)
            ;
        union i2c_smbus_data data;
        pthread_mutex_lock(&lock);
        data.block[0] = 2;
        memcpy(&data.block[1], request, 2);
        pthread_mutex_unlock(&lock);
        int error = smbus_block(bus, 'w', 0x02, &data);
        for (int reads = 0; error == 0 && reads < MAX_READS; ++reads) {
            if (smbus_block(bus, 'r', 0x03, &data) == 0)
                break;
        }
        pthread_mutex_lock(&lock);
        response_len = error == 0 && data.block[0] <= I2C_SMBUS_BLOCK_MAX ? data.block[0] : 0;
        memcpy(response, &data.block[1], (size_t)response_len);
        response_due = 1;
        fuse_req_t poll_req = waiting_poll;
        waiting_poll = NULL;
        pthread_mutex_unlock(&lock);
        if (poll_req)
            fuse_reply_poll(poll_req, POLLIN | POLLRDNORM);
    }
    return NULL;
}

static void send_command(fuse_req_t req, void *arg)
{
    struct ipmi_req r;
    if (copy_in(req, arg, &r, sizeof r) < 0) {
        fuse_reply_err(req, EFAULT);
        return;
    }
    pthread_mutex_lock(&lock);
    request[0] = (unsigned char)(r.msg.netfn << 2);
    request[1] = r.msg.cmd;
    due_msgid = r.msgid;
    response_due = 0;
    pthread_mutex_unlock(&lock);
    sem_post(&request_ready);
    fuse_reply_ioctl(req, 0, NULL, 0);
}

static void receive_msg(fuse_req_t req, void *arg)
{
    struct ipmi_recv r;
    if (copy_in(req, arg, &r, sizeof r) < 0) {
        fuse_reply_err(req, EFAULT);
        return;
    }
    unsigned char data[I2C_SMBUS_BLOCK_MAX];
    pthread_mutex_lock(&lock);
    const int due = response_due;
    const int len = response_len > 2 ? response_len - 2 : 0; /* past netfn/LUN and command */
    memcpy(data, response + 2, (size_t)len);
    r.msg.netfn = (unsigned char)(response[0] >> 2);
    r.msg.cmd = response[1];
    r.msgid = due_msgid;
    response_due = 0;
    pthread_mutex_unlock(&lock);
    if (!due) {
        fuse_reply_err(req, EAGAIN);
        return;
    }
    struct ipmi_system_interface_addr addr = {IPMI_SYSTEM_INTERFACE_ADDR_TYPE, IPMI_BMC_CHANNEL, 0};
    r.recv_type = IPMI_RESPONSE_RECV_TYPE;
    r.msg.data_len = (unsigned short)len;
    struct iovec local[] = {{&addr, sizeof addr}, {data, (size_t)len}, {&r, sizeof r}};
    struct iovec remote[] = {{r.addr, sizeof addr}, {r.msg.data, (size_t)len}, {arg, sizeof r}};
    if (process_vm_writev(fuse_req_ctx(req)->pid, local, 3, remote, 3, 0) < 0) {
        fuse_reply_err(req, EFAULT);
        return;
    }
    fuse_reply_ioctl(req, 0, NULL, 0);
}

static void worker_floor_poll(fuse_req_t req, struct fuse_file_info *fi, struct fuse_pollhandle *ph)
{
    (void)fi;
    /* The benchmark's client polls once per request and is the only poller:
     * a poll that finds nothing is answered by the worker, so no
     * notification is ever owed. */
    if (ph)
        fuse_pollhandle_destroy(ph);
    pthread_mutex_lock(&lock);
    const int due = response_due;
    if (!due)
        waiting_poll = req;
    pthread_mutex_unlock(&lock);
    if (due)
        fuse_reply_poll(req, POLLIN | POLLRDNORM);
}

static const struct cuse_lowlevel_ops worker_floor_ops = {
    .open = floor_open,
    .ioctl = floor_ioctl,
    .poll = worker_floor_poll,
};

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s NAME I2C-DEVICE ADDRESS\n", argv[0]);
        return 2;
    }
    const long address = strtol(argv[3], NULL, 0);
    bus = open(argv[2], O_RDWR);
    if (bus < 0 || ioctl(bus, I2C_SLAVE, address) < 0) {
        fprintf(stderr, "%s: %s address 0x%02lx: %s\n", argv[0], argv[2], address, strerror(errno));
        return 1;
    }
    sem_init(&request_ready, 0, 0);
    pthread_t worker;
    if (pthread_create(&worker, NULL, exchange_worker, NULL) != 0) {
        fprintf(stderr, "%s: cannot start the worker thread\n", argv[0]);
        return 1;
    }
    return run_floor_device(argv[0], argv[1], &worker_floor_ops);
}
