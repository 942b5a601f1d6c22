/* One SMBus block transfer through the raw I2C_SMBUS ioctl (no libi2c, so
 * that the benchmark's tools build static or against nothing but libc), as
 * the tools in this directory use it: 'w' writes data->block (length first),
 * 'r' reads into it. Returns 0 or the errno. */
#pragma once

#include <errno.h>
#include <linux/i2c-dev.h>
#include <linux/i2c.h>
#include <sys/ioctl.h>

static int smbus_block(int fd, char direction, unsigned char command, union i2c_smbus_data *data)
{
    struct i2c_smbus_ioctl_data args = {
        .read_write = direction == 'r' ? I2C_SMBUS_READ : I2C_SMBUS_WRITE,
        .command = command,
        .size = I2C_SMBUS_BLOCK_DATA,
        .data = data,
    };
    return ioctl(fd, I2C_SMBUS, &args) < 0 ? errno : 0;
}
