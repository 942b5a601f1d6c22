// libfuse's lowlevel and CUSE headers under the one API version every CUSE
// device of ours is written against (3.14: ioctl's cmd is still an int).
// Include this instead of <fuse_lowlevel.h>/<cuse_lowlevel.h> so no two
// files of the tree see a different libfuse API.
#pragma once

#ifndef FUSE_USE_VERSION
#define FUSE_USE_VERSION 314
#endif

#include <cuse_lowlevel.h>
#include <fuse_lowlevel.h>
