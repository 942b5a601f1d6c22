/* Calibration for vm/bench.py: what a clock charges for process switches.
 *
 * pingpong COUNT: two processes on one CPU hand a byte back and forth over
 * two pipes COUNT times; each round trip is two process switches and four
 * system calls, which is what each FUSE round trip of a CUSE device costs
 * too. Prints "pingpong n=COUNT us_per_rt=X".
 *
 * Run on the host, it prices a process switch on a real CPU; run in the
 * guest, it prices one under the VM's clock. The ratio says how much that
 * clock inflates switch-bound work (a CUSE driver) next to timer-bound work
 * (the kernel's SSIF driver, which waits 5 ms), so that bench.py can report it
 * next to the figures it qualifies. Both processes are pinned to one CPU:
 * the guest has one, and a switch between CPUs prices an IPI instead. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int pin_to_current_cpu(void)
{
    int cpu = sched_getcpu();
    cpu_set_t set;
    if (cpu < 0)
        return -1;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static int bounce(int in, int out, int count, int starts)
{
    char byte = 0;
    for (int i = 0; i < count; i++) {
        if (starts && write(out, &byte, 1) != 1)
            return -1;
        if (read(in, &byte, 1) != 1)
            return -1;
        if (!starts && write(out, &byte, 1) != 1)
            return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 0;
    int to_child[2], to_parent[2];
    if (count <= 0) {
        fprintf(stderr, "usage: pingpong COUNT\n");
        return 2;
    }
    if (pin_to_current_cpu() != 0) {
        perror("pingpong: sched_setaffinity");
        return 1;
    }
    if (pipe(to_child) != 0 || pipe(to_parent) != 0) {
        perror("pingpong: pipe");
        return 1;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("pingpong: fork");
        return 1;
    }
    if (child == 0)
        _exit(bounce(to_child[0], to_parent[1], count, 0) == 0 ? 0 : 1);
    double start = now_us();
    int failed = bounce(to_parent[0], to_child[1], count, 1);
    double took = now_us() - start;
    int status = 0;
    waitpid(child, &status, 0);
    if (failed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pingpong: a pipe transfer failed\n");
        return 1;
    }
    printf("pingpong n=%d us_per_rt=%.2f\n", count, took / count);
    return 0;
}
