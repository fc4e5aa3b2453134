/*
 * xsb's XS platform: one machine per embedder call stack, no file system, sockets, threads or
 * timers. The clock and the chunk allocator go through the glue (xsb.c) so that the host decides
 * what time the guest sees and how much memory each machine may hold.
 */
#ifndef __XSB_PLATFORM__
#define __XSB_PLATFORM__

#if defined(__EMSCRIPTEN__)
	#undef mxWasm
	#define mxWasm 1
#else
	/* the native build exists only as the benchmark's reference point */
	#undef mxLinux
	#define mxLinux 1
#endif

#include <ctype.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/time.h>

#define mxUseDefaultBuildKeys 1
#define mxUseDefaultParseScript 1
#define mxUseDefaultSharedChunks 1

struct xsbMachineRecord;
#define mxMachinePlatform struct xsbMachineRecord* xsb;

/* Guests see the host-given time source, and local time is UTC, whatever the host's TZ. */
typedef struct timeval c_timeval;
#define c_timezone timezone
#define c_gettimeofday(TV, TZ) xsb_gettimeofday(TV)
#define c_localtime xsb_localtime
#define c_mktime timegm
extern int xsb_gettimeofday(struct timeval* tv);
extern struct tm* xsb_localtime(const time_t* time);

#endif /* __XSB_PLATFORM__ */
