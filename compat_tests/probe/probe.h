/*
 * Shared helpers of ipmi-probe: one ioctl with its result line, opening the
 * device, waiting for a message, sending to the system interface, receiving.
 */
#ifndef IPMI_PROBE_H
#define IPMI_PROBE_H

#include <linux/ipmi.h>

extern const char *device;

struct received
{
    struct ipmi_recv recv;
    struct ipmi_addr addr;
    unsigned char data[IPMI_MAX_MSG_LENGTH + 16];
};

const char *errname(int e);
void result(const char *what, int rv, int err);
int xioctl(int fd, unsigned long req, void *arg, int *err);
void check(const char *what, int fd, unsigned long req, void *arg);
double now(void);
int open_dev(void);
int wait_readable(int fd, int ms);
struct ipmi_system_interface_addr bmc_addr(void);
int send_si(int fd, unsigned netfn, unsigned cmd, unsigned char *data, unsigned len, long msgid, int *err);
int receive(int fd, unsigned long req, struct received *r, unsigned data_len, unsigned addr_len, int *err);
void print_msg(const char *what, const struct received *r, int with_data);

/* probe_runs.c */
void check_watchdog(void);
void check_pretimeout(void);
void bench(int n);
int clients(int n, int rounds);

/* probe_ipmb.c */
void check_ipmb(int fd);

/* probe_async.c */
void check_async(void);

/* probe_epoll.c */
void check_epoll(void);

/* probe_soak.c */
int soak(double seconds, const char *peer);
int soak_client_main(int fd, long index, double seconds, int report);
int soak_victim_main(int close_early);

/* probe_faults.c */
int timed_transaction(double min_s, double max_s);
int until_ok(double max_s);
int wait_gone(double seconds);

#endif
