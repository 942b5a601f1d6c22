/* The bus floor for benchmarks/vm: Get Device ID straight through
 * /dev/i2c-N with no IPMI driver at all -- one SMBus block write (SSIF
 * command 0x02) and block reads (0x03) until the BMC answers, timed with
 * CLOCK_MONOTONIC. Whatever an SSIF driver adds on top of this is the
 * driver's. Built static by bench.py (no libi2c: the raw I2C_SMBUS ioctl).
 *
 *   i2c-bench DEVICE ADDRESS COUNT      e.g. i2c-bench /dev/i2c-0 0x10 2000
 *
 * Prints one line: "i2c-bench n=... us_per_tx=... median_us=... p99_us=...
 * max_us=... write_us=... read_us=... reads=... naks=...". Exits 1 on a wrong
 * answer or an unusable device. */
#include "smbus_block.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s DEVICE ADDRESS COUNT\n", argv[0]);
        return 2;
    }
    const long address = strtol(argv[2], NULL, 0);
    const long count = strtol(argv[3], NULL, 0);
    if (address < 0x03 || address > 0x77 || count < 1) {
        fprintf(stderr, "%s: address must be 0x03..0x77 and count positive\n", argv[0]);
        return 2;
    }
    const int fd = open(argv[1], O_RDWR);
    if (fd < 0 || ioctl(fd, I2C_SLAVE, address) < 0) {
        fprintf(stderr, "%s: %s address 0x%02lx: %s\n", argv[0], argv[1], address, strerror(errno));
        return 1;
    }
    double *latency = calloc((size_t)count, sizeof *latency);
    if (latency == NULL) {
        fprintf(stderr, "%s: out of memory\n", argv[0]);
        return 1;
    }
    double write_total = 0, read_total = 0;
    long reads = 0, naks = 0;
    const double begin = now_us();
    for (long i = 0; i < count; ++i) {
        union i2c_smbus_data data;
        data.block[0] = 2;
        data.block[1] = 0x06 << 2; /* App request */
        data.block[2] = 0x01;      /* Get Device ID */
        const double t0 = now_us();
        int err = smbus_block(fd, 'w', 0x02, &data);
        if (err != 0) {
            fprintf(stderr, "%s: write %ld: %s\n", argv[0], i, strerror(err));
            return 1;
        }
        const double t1 = now_us();
        for (;;) {
            ++reads;
            err = smbus_block(fd, 'r', 0x03, &data);
            if (err == 0)
                break;
            if (++naks > 1000 * count) {
                fprintf(stderr, "%s: read %ld: %s\n", argv[0], i, strerror(err));
                return 1;
            }
        }
        const double t2 = now_us();
        latency[i] = t2 - t0;
        write_total += t1 - t0;
        read_total += t2 - t1;
        if (data.block[0] < 3 || data.block[1] != (0x07 << 2) || data.block[2] != 0x01 || data.block[3] != 0) {
            fprintf(stderr, "%s: transaction %ld: unexpected answer (%u bytes: %02x %02x %02x)\n", argv[0], i,
                    data.block[0], data.block[1], data.block[2], data.block[3]);
            return 1;
        }
    }
    const double total = now_us() - begin;
    qsort(latency, (size_t)count, sizeof *latency, by_value);
    printf("i2c-bench n=%ld us_per_tx=%.1f median_us=%.1f p99_us=%.1f max_us=%.1f write_us=%.1f read_us=%.1f "
           "reads=%ld naks=%ld\n",
           count, total / count, latency[count / 2], latency[count * 99 / 100], latency[count - 1], write_total / count,
           read_total / count, reads, naks);
    free(latency);
    close(fd);
    return 0;
}
