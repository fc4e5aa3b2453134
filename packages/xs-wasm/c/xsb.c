/*
 * xsb's glue between XS and its embedder (JavaScript through wasm, or the native benchmark).
 *
 * Every function the embedder may call is marked XSB_API and every function the embedder must
 * provide is marked XSB_IMPORT: scripts/generate-ffi.mjs reads those lines to write the
 * emscripten export list, the JS library of imports and the typed FFI, so they cannot drift.
 *
 * All data crosses through one fixed scratch region (XSB_SCRATCH_SIZE bytes). It is safe to share
 * between machines and nesting levels because every reader copies a message out before anything
 * else is written.
 */
#include "xsAll.h"
#include "xsSnapshot.h"
#include "xs.h"
#if defined(__EMSCRIPTEN__)
	#include <emscripten/stack.h>
#endif

#define XSB_API __attribute__((used, visibility("default")))
#define XSB_IMPORT extern

#define XSB_SCRATCH_SIZE 65536
/* Checked every this many meter units: the precision of a meter limit. */
#define XSB_METER_INTERVAL 1024
/* Headroom lent to the guest, once, to build the RangeError of a stack overflow. */
#define XSB_STACK_RESERVE_SLOTS 256
#define XSB_C_STACK_RESERVE (16 * 1024)
/* Set by patches/0001-collect-in-progress-flag.patch while the collector runs. */
#define XSB_COLLECT_IN_PROGRESS_FLAG 128
#ifndef XSB_BUILD_ID
	#define XSB_BUILD_ID "dev"
#endif
/* A snapshot only restores on the build that wrote it: slot layout and callbacks must match. */
#define XSB_SNAPSHOT_SIGNATURE "xsb:" XSB_BUILD_ID

/* Status codes, negative so that a length can share the return value. */
enum {
	XSB_OK = 0,
	XSB_THROWN = -1,       /* the guest threw; the thrown value is described in the scratch */
	XSB_METER = -2,        /* the meter ran out; the machine is usable */
	XSB_DEAD = -3,         /* the machine is dead (see xsb_dead_status) */
	XSB_TOO_LARGE = -4,    /* a reply did not fit in the scratch region */
	XSB_BUSY = -5,         /* the operation needs the machine idle (not inside a call) */
	XSB_NO_PORT = -6,      /* no receiver was connected */
	XSB_NO_SNAPSHOT = -7,  /* XS could not write a snapshot of this machine */
};

/* Why a machine died. */
enum {
	XSB_DEATH_NONE = 0,
	XSB_DEATH_MEMORY = 1,      /* its memory limit, or the instance's */
	XSB_DEATH_STACK = 2,       /* a stack overflow while building the previous one's RangeError */
	XSB_DEATH_KEYS = 3,        /* XS ran out of property keys */
	XSB_DEATH_FATAL = 4,       /* an XS internal check failed */
	XSB_DEATH_HOST_STACK = 5,  /* the embedder's own stack overflowed inside the machine */
};

/* Tags of values written in the scratch region. */
enum {
	XSB_TAG_UNDEFINED = 0,
	XSB_TAG_NULL = 1,
	XSB_TAG_FALSE = 2,
	XSB_TAG_TRUE = 3,
	XSB_TAG_NUMBER = 4,        /* f64 */
	XSB_TAG_STRING = 5,        /* u32 length, CESU-8 bytes */
	XSB_TAG_BIGINT = 6,        /* u32 length, decimal digits with sign */
	XSB_TAG_HANDLE = 7,        /* u32 handle id, u8 kind */
	XSB_TAG_STRING_HEAP = 8,   /* u32 address, u32 length: the embedder reads then calls xsb_free */
};
/* The frames of @xsb/channel (its layout.ts and channel.ts): the guest's end is here, in C. */
enum {
	XSB_HEADER_SIZE = 12,      /* u32 LENGTH of payload, u8 KIND, u8 FLAGS, u16 reserved (0), u32 SEQUENCE */
	XSB_FRAME_MESSAGE = 1,
	XSB_FRAME_ACK = 2,
	XSB_FRAME_REPLY = 3,
	XSB_FRAME_PULL = 4,
	XSB_FLAG_CONTINUES = 1,
	XSB_MAX_MESSAGE_SIZE = 67108864,  /* the channel's default maxMessageSize, 64 MiB */
};
#define XSB_MAX_PAYLOAD (XSB_SCRATCH_SIZE - XSB_HEADER_SIZE)
enum { XSB_SLOT_IDLE, XSB_SLOT_COLLECTING, XSB_SLOT_REPLYING };

enum {
	XSB_KIND_OBJECT = 0,
	XSB_KIND_FUNCTION = 1,
	XSB_KIND_SYMBOL = 2,
};

/* Bytes in the C heap, counted against the machine's memory limit. */
typedef struct { uint8_t* data; uint32_t size; uint32_t capacity; } xsbBytes;

typedef struct xsbMachineRecord xsbMachine;
struct xsbMachineRecord {
	txMachine* the;
	uint32_t id;
	size_t allocated;
	size_t memoryLimit;        /* bytes of chunks and slots; 0 means none */
	uint32_t depth;            /* entries from the embedder now on the stack */
	txJump* entry;             /* the innermost entry's jump: where fxAbort lands */
	int abortStatus;           /* set while unwinding an abort through nested entries */
	int deadStatus;            /* the XS exit status that killed the machine, or 0 */
	int promiseJobs;
	double meterLimit;         /* units per outermost entry; 0 means none */
	double meterUsed;          /* units used by the current or last outermost entry */
	double meterTotal;         /* units used by every outermost entry that has ended */
	txU4 meterMark;            /* meterIndex at the last meter check */
	int meterHook;             /* ask the embedder for more units when the limit is reached */
	txSlot* stackFloor;        /* the real bottom of the XS stack, below the reserve */
	txSlot* root;              /* [receiver, handles, free handle ids], the first slot pushed */
	int reserveInUse;
	int runningJobs;           /* the job checkpoint is running; the scratch holds the call's result */
	int scratchSaved;          /* a job has sent, so the result waits in savedScratch */
	uint8_t* savedScratch;     /* allocated the first time a job sends, kept until dispose */
	int slot;                  /* XSB_SLOT_*: what the guest's end of the channel holds (see below) */
	uint32_t slotNext;         /* the SEQUENCE expected next in that slot */
	xsbBytes incoming;         /* a host's message, collected fragment by fragment */
	xsbBytes outgoing;         /* the guest's reply, handed out fragment by fragment */
	xsbBytes answer;           /* the host's reply to the guest's send, collected */
	struct xsbOutRecord* outs; /* messages being encoded (xsb_wire.c), innermost first */
	txID wireIds[24];          /* the property names of the wire's structures (xsb_wire.c) */
	int wireIdsReady;
};

XSB_IMPORT int32_t xsb_host_message(uint32_t machine, uint32_t length);
XSB_IMPORT double xsb_host_now(uint32_t machine);
XSB_IMPORT double xsb_host_meter(uint32_t machine, double used);

static uint8_t gScratch[XSB_SCRATCH_SIZE] __attribute__((aligned(16)));
static xsbMachine* gCurrent = NULL;
static xsbMachine* gCreating = NULL;
static uint32_t gNextId = 0;
static uint32_t gDepth = 0;
static char* gStackLimit = NULL;
static uint32_t gStackBudget = 256 * 1024;

static void xsb_send(txMachine* the);
static void xsb_set_module_hook(txMachine* the);
static void xsb_import_now(txMachine* the);
static void xsb_evaluate_script(txMachine* the);
int32_t xsb_machine_dispose(xsbMachine* m);
static void xsb_bytes_free(xsbMachine* m, xsbBytes* bytes);
static void wire_close_all(xsbMachine* m);

/* Host functions a snapshot may refer to, in a fixed order: append only. */
static void xsb_set_fast_path_callback(txMachine* the);
static void xsb_make_traps(txMachine* the);
static void xsb_trap_apply(txMachine* the);
static void xsb_trap_get(txMachine* the);
static txCallback gCallbacks[] = { xsb_send, xsb_set_module_hook, xsb_import_now, xsb_evaluate_script, xsb_set_fast_path_callback,
	xsb_make_traps, xsb_trap_apply, xsb_trap_get };

/* The root array's slots. */
enum {
	XSB_ROOT_RECEIVER, XSB_ROOT_HANDLES, XSB_ROOT_FREE_IDS, XSB_ROOT_MODULE_HOOK,
	/* pump.setFastPath's arguments, in its order (xsb_wire.c) */
	XSB_ROOT_FAST_TABLE, XSB_ROOT_FAST_GET, XSB_ROOT_FAST_RESULT, XSB_ROOT_FAST_THROWN,
	/* pump.makeTraps's: the JavaScript traps and the side's hooks (xsb_wire.c) */
	XSB_ROOT_TRAP_APPLY, XSB_ROOT_TRAP_GET, XSB_ROOT_TRAP_REFS, XSB_ROOT_TRAP_WEAK_GET, XSB_ROOT_TRAP_ENCODE,
	XSB_ROOT_TRAP_FINISH, XSB_ROOT_TRAP_PREPARE, XSB_ROOT_TRAP_GATE,
	XSB_ROOT_LENGTH
};

/* ---------------------------------------------------------------- platform */

void fxCreateMachinePlatform(txMachine* the)
{
	the->xsb = gCreating;
	gCreating->the = the;
}

void fxDeleteMachinePlatform(txMachine* the)
{
}

static void* xsb_allocate(txMachine* the, size_t size)
{
	xsbMachine* m = the->xsb;
	size_t* block;
	if (m->memoryLimit && (m->allocated + size > m->memoryLimit))
		return NULL;
	block = malloc(size + 16); /* 16 keeps slots aligned as XS expects */
	if (!block)
		return NULL;
	block[0] = size;
	m->allocated += size;
	return (char*)block + 16;
}

txBoolean fxCanAllocate(txMachine* the, txSize size)
{
	xsbMachine* m = the->xsb;
	return !m->memoryLimit || (m->allocated + (size_t)size <= m->memoryLimit);
}

void* fxAllocateChunks(txMachine* the, txSize size)
{
	return xsb_allocate(the, size);
}

void fxFreeChunks(txMachine* the, void* chunks)
{
	size_t* block;
	if (!chunks)
		return;
	block = (size_t*)((char*)chunks - 16);
	the->xsb->allocated -= block[0];
	free(block);
}

txSlot* fxAllocateSlots(txMachine* the, txSize count)
{
	return xsb_allocate(the, (size_t)count * sizeof(txSlot));
}

void fxFreeSlots(txMachine* the, void* slots)
{
	fxFreeChunks(the, slots);
}

void fxQueuePromiseJobs(txMachine* the)
{
	the->xsb->promiseJobs = 1;
}

char* fxCStackLimit()
{
	return gStackLimit;
}

int xsb_gettimeofday(struct timeval* tv)
{
	double now = gCurrent ? xsb_host_now(gCurrent->id) : 0;
	if (!(now == now)) /* NaN */
		now = 0;
	now = floor(now);
	tv->tv_sec = (time_t)floor(now / 1000);
	tv->tv_usec = (suseconds_t)((now - (double)tv->tv_sec * 1000) * 1000);
	return 0;
}

struct tm* xsb_localtime(const time_t* time)
{
	static struct tm result;
	return gmtime_r(time, &result);
}

static void xsb_use_reserve(xsbMachine* m)
{
	m->reserveInUse = 1;
	m->the->stackBottom = m->stackFloor;
	m->the->stackLimit = gStackLimit ? gStackLimit - XSB_C_STACK_RESERVE : NULL;
}

/* Lends the reserve again once the guest has unwound well clear of the overflow. */
static void xsb_rearm_reserve(xsbMachine* m)
{
	txMachine* the = m->the;
	char here;
	if (!m->reserveInUse)
		return;
	if ((the->stack - m->stackFloor) < 4 * XSB_STACK_RESERVE_SLOTS)
		return;
	if (gStackLimit && (&here - gStackLimit) < 4 * XSB_C_STACK_RESERVE)
		return;
	m->reserveInUse = 0;
	the->stackBottom = m->stackFloor + XSB_STACK_RESERVE_SLOTS;
	the->stackLimit = gStackLimit;
}

static void xsb_unwind_to_entry(txMachine* the)
{
	xsbMachine* m = the->xsb;
	txJump* target = m->entry;
	txJump* jump = the->firstJump;
	while (jump && jump != target) {
		txJump* next = jump->nextJump;
		if (jump->flag)
			c_free(jump);
		jump = next;
	}
	the->firstJump = target;
	c_longjmp(target->buffer, 1);
}

void fxAbort(txMachine* the, int status)
{
	xsbMachine* m = the->xsb;
	switch (status) {
	case XS_UNHANDLED_EXCEPTION_EXIT:
	case XS_UNHANDLED_REJECTION_EXIT:
		/* A failed job or an unhandled rejection is the guest's business, as in a browser. */
		mxException = mxUndefined;
		return;
	case XS_STACK_OVERFLOW_EXIT:
		/* throwing mid-collection would leave marks behind: that overflow is fatal */
		if (m && m->entry && !m->reserveInUse && !m->abortStatus && !(the->collectFlag & XSB_COLLECT_IN_PROGRESS_FLAG)) {
			xsb_use_reserve(m);
			mxRangeError("stack overflow");
		}
		break;
	}
	if (!m || !m->entry) {
		/* during creation or snapshot reading: XS's own outermost jump reports failure */
		fxExitToHost(the);
		return;
	}
	if (!m->abortStatus)
		m->abortStatus = status;
	xsb_unwind_to_entry(the);
}

static txBoolean xsb_meter_check(txMachine* the, txU4 index)
{
	xsbMachine* m = the->xsb;
	m->meterUsed += (double)(index - m->meterMark);
	/* fxCheckMetering restarts the index at 0 when it would wrap */
	m->meterMark = (index + XSB_METER_INTERVAL < index) ? 0 : index;
	xsb_rearm_reserve(m);
	if (m->abortStatus)
		return 0;
	if (m->meterLimit && m->meterUsed >= m->meterLimit) {
		double more = m->meterHook ? xsb_host_meter(m->id, m->meterUsed) : 0;
		if (!(more > m->meterUsed))
			return 0;
		m->meterLimit = more;
	}
	return 1;
}

/* ---------------------------------------------------------------- values in the scratch region */

/* Every body allocates XSB_VARS vars: 0 and 1 are its own, 2 and 3 are lent to the helpers. */
#define XSB_VARS 4
#define xsbTemp(N) (&xsVar(2 + (N)))

static uint32_t xsb_write_u32(uint32_t offset, uint32_t value)
{
	c_memcpy(gScratch + offset, &value, 4);
	return offset + 4;
}

static uint32_t xsb_read_u32(uint32_t offset)
{
	uint32_t value;
	c_memcpy(&value, gScratch + offset, 4);
	return value;
}

static txSlot* xsb_root(xsbMachine* m)
{
	return m->root;
}

static uint32_t xsb_write_bytes(txMachine* the, uint32_t offset, uint8_t tag, const char* bytes, uint32_t length)
{
	if (offset + 9 + length <= XSB_SCRATCH_SIZE) {
		gScratch[offset] = tag;
		offset = xsb_write_u32(offset + 1, length);
		c_memcpy(gScratch + offset, bytes, length);
		return offset + length;
	}
	if (tag != XSB_TAG_STRING || offset + 9 > XSB_SCRATCH_SIZE)
		mxRangeError("value does not fit in the scratch region");
	{
		/* a long string waits in the C heap until the embedder has copied it and freed it */
		char* copy = malloc(length ? length : 1);
		if (!copy)
			fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
		c_memcpy(copy, bytes, length);
		gScratch[offset] = XSB_TAG_STRING_HEAP;
		offset = xsb_write_u32(offset + 1, (uint32_t)(uintptr_t)copy);
		return xsb_write_u32(offset, length);
	}
}

/* Keeps a guest value alive for the embedder until it releases the handle. */
static uint32_t xsb_remember(txMachine* the, xsbMachine* m, txSlot* value)
{
	uint32_t id;
	*xsbTemp(0) = xsGetIndex(*xsb_root(m), XSB_ROOT_HANDLES);
	*xsbTemp(1) = xsGetIndex(*xsb_root(m), XSB_ROOT_FREE_IDS);
	if (xsToInteger(xsGet(*xsbTemp(1), mxID(_length))) > 0)
		id = (uint32_t)xsToInteger(xsCall0(*xsbTemp(1), mxID(_pop)));
	else
		id = (uint32_t)xsToInteger(xsGet(*xsbTemp(0), mxID(_length)));
	xsSetIndex(*xsbTemp(0), (txInteger)id, *value);
	return id;
}

static uint32_t xsb_write_value(txMachine* the, xsbMachine* m, uint32_t offset, txSlot* value)
{
	if (offset + 16 > XSB_SCRATCH_SIZE)
		mxRangeError("value does not fit in the scratch region");
	switch (value->kind) {
	case XS_UNDEFINED_KIND:
		gScratch[offset] = XSB_TAG_UNDEFINED;
		return offset + 1;
	case XS_NULL_KIND:
		gScratch[offset] = XSB_TAG_NULL;
		return offset + 1;
	case XS_BOOLEAN_KIND:
		gScratch[offset] = value->value.boolean ? XSB_TAG_TRUE : XSB_TAG_FALSE;
		return offset + 1;
	case XS_INTEGER_KIND:
	case XS_NUMBER_KIND: {
		double number = xsToNumber(*value);
		gScratch[offset] = XSB_TAG_NUMBER;
		c_memcpy(gScratch + offset + 1, &number, 8);
		return offset + 9;
	}
	case XS_STRING_KIND:
	case XS_STRING_X_KIND: {
		txString string = xsToString(*value);
		return xsb_write_bytes(the, offset, XSB_TAG_STRING, string, (uint32_t)c_strlen(string));
	}
	case XS_BIGINT_KIND:
	case XS_BIGINT_X_KIND: {
		txString digits = xsToString(*value);
		return xsb_write_bytes(the, offset, XSB_TAG_BIGINT, digits, (uint32_t)c_strlen(digits));
	}
	default: {
		uint8_t kind = value->kind == XS_SYMBOL_KIND ? XSB_KIND_SYMBOL
			: xsIsCallable(*value) ? XSB_KIND_FUNCTION : XSB_KIND_OBJECT;
		uint32_t id = xsb_remember(the, m, value);
		gScratch[offset] = XSB_TAG_HANDLE;
		offset = xsb_write_u32(offset + 1, id);
		gScratch[offset] = kind;
		return offset + 1;
	}
	}
}

static uint32_t xsb_read_value(txMachine* the, xsbMachine* m, uint32_t offset, txSlot* result)
{
	uint8_t tag;
	if (offset >= XSB_SCRATCH_SIZE)
		mxRangeError("value overruns the scratch region");
	tag = gScratch[offset++];
	switch (tag) {
	case XSB_TAG_UNDEFINED: *result = xsUndefined; return offset;
	case XSB_TAG_NULL: *result = xsNull; return offset;
	case XSB_TAG_FALSE: *result = xsFalse; return offset;
	case XSB_TAG_TRUE: *result = xsTrue; return offset;
	case XSB_TAG_NUMBER: {
		double number;
		c_memcpy(&number, gScratch + offset, 8);
		*result = xsNumber(number);
		return offset + 8;
	}
	case XSB_TAG_STRING:
	case XSB_TAG_BIGINT: {
		uint32_t length = xsb_read_u32(offset);
		offset += 4;
		if (length > XSB_SCRATCH_SIZE - offset)
			mxRangeError("string overruns the scratch region");
		*result = xsStringBuffer((char*)gScratch + offset, (txInteger)length);
		if (tag == XSB_TAG_BIGINT)
			*result = xsCall1(xsGlobal, xsID("BigInt"), *result);
		return offset + length;
	}
	case XSB_TAG_HANDLE: {
		uint32_t id = xsb_read_u32(offset);
		*xsbTemp(0) = xsGetIndex(*xsb_root(m), XSB_ROOT_HANDLES);
		if (!xsHasIndex(*xsbTemp(0), (txInteger)id))
			mxReferenceError("handle %u is not live", id);
		*result = xsGetIndex(*xsbTemp(0), (txInteger)id);
		return offset + 5;
	}
	default:
		mxTypeError("unknown value tag %d in the scratch region", tag);
	}
	return offset;
}

/* ---------------------------------------------------------------- entries from the embedder */

typedef void (*xsbBody)(txMachine* the, xsbMachine* m, void* data);

static void xsb_describe_error(txMachine* the, xsbMachine* m, void* data)
{
	static const char* names[3] = { "name", "message", "stack" };
	txSlot* exception = (txSlot*)data;
	uint32_t offset;
	int i;
	xsVars(XSB_VARS);
	offset = xsb_write_value(the, m, 0, exception);
	for (i = 0; i < 3; i++) {
		xsVar(0) = xsUndefined;
		if (exception->kind == XS_REFERENCE_KIND)
			xsVar(0) = xsGet(*exception, xsID(names[i]));
		if (!mxIsStringPrimitive(&xsVar(0)))
			xsVar(0) = (i == 1) ? xsCall1(xsGlobal, xsID("String"), *exception) : xsString("");
		offset = xsb_write_value(the, m, offset, &xsVar(0));
	}
}

static void xsb_describe_undescribable(txMachine* the)
{
	uint32_t offset;
	gScratch[0] = XSB_TAG_UNDEFINED;
	offset = xsb_write_bytes(the, 1, XSB_TAG_STRING, "Error", 5);
	offset = xsb_write_bytes(the, offset, XSB_TAG_STRING, "(the thrown value could not be described)", 41);
	xsb_write_bytes(the, offset, XSB_TAG_STRING, "", 0);
}

/* The job queue drains before control returns to the host, as a microtask checkpoint. Jobs may
   send messages, which use the scratch region, where the call's result already waits: it is set
   aside meanwhile. */
static void xsb_run_jobs(txMachine* the, xsbMachine* m)
{
	m->runningJobs = 1;
	m->scratchSaved = 0;
	while (m->promiseJobs) {
		m->promiseJobs = 0;
		fxRunPromiseJobs(the);
	}
	m->runningJobs = 0;
	if (m->scratchSaved)
		c_memcpy(gScratch, m->savedScratch, XSB_SCRATCH_SIZE);
}

/* Before a job's message overwrites the scratch, the call's result is set aside (once). */
static void xsb_protect_result(txMachine* the, xsbMachine* m)
{
	if (!m->runningJobs || m->scratchSaved)
		return;
	if (!m->savedScratch) {
		m->savedScratch = malloc(XSB_SCRATCH_SIZE);
		if (!m->savedScratch)
			fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
	}
	c_memcpy(m->savedScratch, gScratch, XSB_SCRATCH_SIZE);
	m->scratchSaved = 1;
}

static void xsb_jobs_body(txMachine* the, xsbMachine* m, void* data)
{
	xsb_run_jobs(the, m);
}

/* Runs body as a call from the embedder: guest exceptions and aborts become status codes. */
static int xsb_enter(xsbMachine* m, xsbBody body, void* data)
{
	txMachine* the = m->the;
	xsbMachine* volatile previous = gCurrent;
	txJump* volatile previousEntry = m->entry;
	volatile int status = XSB_OK;
	txJump jump;
	char here;

	if (m->deadStatus)
		return XSB_DEAD;
	if (gDepth++ == 0) {
		gStackLimit = &here - gStackBudget;
#if defined(__EMSCRIPTEN__)
		/* never past the end of the wasm stack: below it lie the program's static data */
		if (gStackLimit < (char*)emscripten_stack_get_end() + 2 * XSB_C_STACK_RESERVE)
			gStackLimit = (char*)emscripten_stack_get_end() + 2 * XSB_C_STACK_RESERVE;
#endif
	}
	if (!m->reserveInUse)
		the->stackLimit = gStackLimit;
	gCurrent = m;
	if (m->depth++ == 0) {
		/* patch 0010's conversion cache is for one machine, within one call */
		fxForgetRegExpOffsets();
		m->meterUsed = 0;
		m->meterMark = 0;
		fxBeginMetering(the, xsb_meter_check, XSB_METER_INTERVAL);
	}
	jump.nextJump = the->firstJump;
	jump.stack = the->stack;
	jump.scope = the->scope;
	jump.frame = the->frame;
	jump.environment = NULL;
	jump.code = the->code;
	jump.flag = 0;
	the->firstJump = &jump;
	m->entry = &jump;
	if (c_setjmp(jump.buffer) == 0) {
		fxBeginHost(the);
		body(the, m, data);
		if (m->depth == 1 && m->promiseJobs)
			xsb_run_jobs(the, m);
		fxEndHost(the);
	}
	else
		status = m->abortStatus ? XSB_METER : XSB_THROWN;
	the->stack = jump.stack;
	the->scope = jump.scope;
	the->frame = jump.frame;
	the->code = jump.code;
	the->firstJump = jump.nextJump;
	m->entry = previousEntry;

	if (status == XSB_THROWN) {
		/* describing the exception runs guest code (getters), so it is an entry of its own */
		mxPush(mxException);
		mxException = mxUndefined;
		if (xsb_enter(m, xsb_describe_error, the->stack) != XSB_OK && !m->abortStatus && !m->deadStatus)
			xsb_describe_undescribable(the);
		mxPop();
		if (m->depth == 1 && m->promiseJobs && !m->abortStatus && !m->deadStatus)
			xsb_enter(m, xsb_jobs_body, NULL); /* a failed call still ends with a checkpoint */
	}
	if (m->abortStatus || m->deadStatus) {
		int abortStatus = m->abortStatus ? m->abortStatus : m->deadStatus;
		if (abortStatus == XS_TOO_MUCH_COMPUTATION_EXIT)
			status = XSB_METER;
		else {
			m->deadStatus = abortStatus;
			status = XSB_DEAD;
		}
		if (m->depth == 1)
			m->abortStatus = 0;
	}
	if (--m->depth == 0) {
		m->runningJobs = 0; /* in case an abort left the checkpoint */
		/* ClearKeptObjects: a call from the host is a job, and what WeakRefs kept alive during it
		   is let go when it ends. XS clears the list only after promise jobs, so without this it
		   grew for the machine's life, kept every WeakRef target, and made each new WeakRef O(n). */
		if (mxDuringJobs.kind == XS_REFERENCE_KIND && !m->deadStatus)
			mxDuringJobs.value.reference->next = C_NULL;
		/* an abort unwinds past send()'s own cleanup */
		if (m->answer.data)
			xsb_bytes_free(m, &m->answer);
		wire_close_all(m);
		m->meterUsed += (double)(the->meterIndex - m->meterMark);
		m->meterTotal += m->meterUsed;
		fxEndMetering(the);
		xsb_rearm_reserve(m);
	}
	gCurrent = previous;
	gDepth--;
	return status;
}

/* ---------------------------------------------------------------- the guest's end of the channel */

/* The host speaks @xsb/channel's protocol (channel.ts there says why it is as it is) through
   deliver() and the machine's onMessage; the guest's end of it is here, so that a guest handles a
   message in a few dozen bytecodes rather than the several hundred of a channel in JavaScript.
   The guest sees whole messages decoded (xsb_wire.c, after protocol.ts): the receiver connect()
   keeps gets each request as a structure and returns its reply as one, and send(request) returns
   the host's reply, decoded. Malformed bytes from the host are answered with a ProtocolError
   rather than handed to the receiver. Errors are thrown as the guest's own Errors named as
   @xsb/channel names them. */

static void xsb_throw_named(txMachine* the, txSlot* temp, const char* name, const char* format, ...)
{
	char message[384];
	c_va_list arguments;
	c_va_start(arguments, format);
	vsnprintf(message, sizeof(message), format, arguments);
	c_va_end(arguments);
	/* the realm's own Error, not whatever the guest left in globalThis.Error */
	mxPush(mxErrorConstructor);
	mxNew();
	mxPushStringC(message);
	mxRunCount(1);
	mxPullSlot(temp);
	xsDefine(*temp, xsID("name"), xsString(name), xsDontEnum);
	xsThrow(*temp);
}
#define xsbFrameError(...) xsb_throw_named(the, xsbTemp(0), "FrameError", __VA_ARGS__)
#define xsbTooLarge(...) xsb_throw_named(the, xsbTemp(0), "MessageTooLargeError", __VA_ARGS__)

static const char* const gFrameNames[] = { "KIND 0", "MESSAGE", "ACK", "REPLY", "PULL" };

typedef struct { uint32_t length; uint8_t kind; uint8_t flags; uint32_t sequence; } xsbHeader;

static uint32_t xsb_write_header(uint8_t kind, uint8_t flags, uint32_t sequence, uint32_t length)
{
	xsb_write_u32(0, length);
	gScratch[4] = kind;
	gScratch[5] = flags;
	gScratch[6] = gScratch[7] = 0;
	xsb_write_u32(8, sequence);
	return XSB_HEADER_SIZE + length;
}

/* Reads and checks the header of a frame of `length` bytes in the scratch; `where` names the
   direction for the error. */
static xsbHeader xsb_read_header(txMachine* the, uint32_t length, const char* where)
{
	xsbHeader header;
	const char* name;
	if (length < XSB_HEADER_SIZE)
		xsbFrameError("%s: a frame of %u bytes is shorter than the %u-byte header", where, length, XSB_HEADER_SIZE);
	header.length = xsb_read_u32(0);
	header.kind = gScratch[4];
	header.flags = gScratch[5];
	header.sequence = xsb_read_u32(8);
	if (header.length != length - XSB_HEADER_SIZE)
		xsbFrameError("%s: LENGTH says %u bytes of payload but the frame carries %u", where, header.length, length - XSB_HEADER_SIZE);
	if (header.kind < XSB_FRAME_MESSAGE || header.kind > XSB_FRAME_PULL)
		xsbFrameError("%s: unknown KIND %u; is the other end a channel?", where, header.kind);
	name = gFrameNames[header.kind];
	if (header.flags & ~XSB_FLAG_CONTINUES)
		xsbFrameError("%s: %s frame has unknown FLAGS 0x%x; only FLAG_CONTINUES (0x1) is defined", where, name, header.flags);
	if (gScratch[6] || gScratch[7])
		xsbFrameError("%s: %s frame has nonzero reserved bytes (6 and 7); they must be 0", where, name);
	if ((header.kind == XSB_FRAME_ACK || header.kind == XSB_FRAME_PULL) && (header.length || header.flags))
		xsbFrameError("%s: %s %u carries %u bytes and FLAGS 0x%x; %s frames carry neither", where, name, header.sequence, header.length, header.flags, name);
	if ((header.flags & XSB_FLAG_CONTINUES) && header.length != XSB_MAX_PAYLOAD)
		xsbFrameError("%s: %s fragment %u carries %u bytes with FLAG_CONTINUES, but every fragment but the last must be full (%u bytes)", where, name, header.sequence, header.length, XSB_MAX_PAYLOAD);
	return header;
}

static void xsb_bytes_free(xsbMachine* m, xsbBytes* bytes)
{
	m->allocated -= bytes->capacity;
	free(bytes->data);
	bytes->data = NULL;
	bytes->size = bytes->capacity = 0;
}

/* Appends to bytes, within the message size and the machine's memory limit. */
static void xsb_bytes_append(txMachine* the, xsbMachine* m, xsbBytes* bytes, const uint8_t* data, uint32_t length, const char* what)
{
	uint32_t size = bytes->size + length;
	if (size > XSB_MAX_MESSAGE_SIZE || size < bytes->size) {
		xsb_bytes_free(m, bytes);
		xsbTooLarge("%s is %u bytes (so far), more than maxMessageSize (%u bytes)", what, size, XSB_MAX_MESSAGE_SIZE);
	}
	if (size > bytes->capacity) {
		uint32_t capacity = bytes->capacity ? bytes->capacity : XSB_MAX_PAYLOAD;
		uint8_t* data2;
		while (capacity < size)
			capacity = (capacity > XSB_MAX_MESSAGE_SIZE / 2) ? XSB_MAX_MESSAGE_SIZE : capacity * 2;
		if (m->memoryLimit && m->allocated - bytes->capacity + capacity > m->memoryLimit)
			data2 = NULL;
		else
			data2 = realloc(bytes->data, capacity);
		if (!data2) {
			xsb_bytes_free(m, bytes);
			xsbTooLarge("%s of %u bytes (so far) does not fit in the machine's memory limit", what, size);
		}
		m->allocated += capacity - bytes->capacity;
		bytes->data = data2;
		bytes->capacity = capacity;
	}
	c_memcpy(bytes->data + bytes->size, data, length);
	bytes->size = size;
}

/* The length of the longest well-formed prefix of CESU-8 as XS keeps strings: UTF-8 but for
   surrogates, three bytes each, and U+0000 as C0 80. No NUL byte, which would end the string,
   and no four-byte sequence, which XS would take as one unit where JavaScript has two. */
static uint32_t xsb_text_prefix(const uint8_t* p, uint32_t length)
{
	uint32_t i = 0;
	while (i < length) {
		uint8_t c = p[i];
		uint32_t more;
		uint8_t low = 0x80, high = 0xBF;
		if (c >= 0x01 && c <= 0x7F) { i++; continue; }
		if (c == 0xC0) {
			if (length - i < 2 || p[i + 1] != 0x80)
				return i;
			i += 2;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) more = 1;
		else if (c >= 0xE0 && c <= 0xEF) { more = 2; if (c == 0xE0) low = 0xA0; }
		else return i;
		if (more >= length - i)
			return i;
		if (p[i + 1] < low || p[i + 1] > high)
			return i;
		for (uint32_t k = 2; k <= more; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return i;
		i += more + 1;
	}
	return i;
}

/* The message in these bytes, as a guest string. */
static void xsb_text(txMachine* the, txSlot* result, const uint8_t* bytes, uint32_t length, const char* what)
{
	uint32_t good = xsb_text_prefix(bytes, length);
	if (good < length)
		mxTypeError("%s is not text: byte %u (0x%02x) is %s", what, good, bytes[good], bytes[good] ? "not CESU-8 (what encodeCesu8 writes)" : "NUL");
	fxStringBuffer(the, result, NULL, (txSize)length);
	/* allocating may have moved nothing we read: the bytes are outside the XS heap */
	c_memcpy(result->value.string, bytes, length);
	result->value.string[length] = 0;
}

#include "xsb_wire.c"

/* Writes fragment `sequence` of the reply in `m->outgoing` (or of `bytes`, for fragment 0). */
static uint32_t xsb_reply_fragment(xsbMachine* m, const uint8_t* bytes, uint32_t length, uint32_t sequence)
{
	uint32_t start = sequence * XSB_MAX_PAYLOAD;
	uint32_t end = (length - start > XSB_MAX_PAYLOAD) ? start + XSB_MAX_PAYLOAD : length;
	int more = end < length;
	c_memcpy(gScratch + XSB_HEADER_SIZE, bytes + start, end - start);
	if (more) {
		m->slot = XSB_SLOT_REPLYING;
		m->slotNext = sequence + 1;
	}
	else {
		m->slot = XSB_SLOT_IDLE;
		if (m->outgoing.data)
			xsb_bytes_free(m, &m->outgoing);
	}
	return xsb_write_header(XSB_FRAME_REPLY, more ? XSB_FLAG_CONTINUES : 0, sequence, end - start);
}

typedef struct { uint32_t length; int32_t reply; } xsbDelivery;

/* A frame from the host: MESSAGE fragments are acknowledged until the last, whose message the
   fast path or the receiver answers; PULLs hand out the rest of its reply. */
static void xsb_deliver_body(txMachine* the, xsbMachine* m, void* data)
{
	xsbDelivery* delivery = data;
	xsbHeader header;
	xsbOut* volatile message = NULL; /* a message of several frames, taken from m->incoming */
	xsbOut* volatile reply;
	const uint8_t* volatile bytes;
	volatile uint32_t length;
	xsVars(XSB_VARS);
	xsVar(0) = xsGetIndex(*xsb_root(m), XSB_ROOT_RECEIVER);
	if (!xsIsCallable(xsVar(0))) {
		delivery->reply = XSB_NO_PORT;
		return;
	}
	{
		/* whatever goes wrong ends the exchange this frame belonged to */
		int slot = m->slot;
		m->slot = XSB_SLOT_IDLE;
		header = xsb_read_header(the, delivery->length, "receive()");
		m->slot = slot;
	}
	if (header.kind == XSB_FRAME_PULL) {
		if (m->slot != XSB_SLOT_REPLYING || header.sequence != m->slotNext) {
			m->slot = XSB_SLOT_IDLE;
			xsbFrameError("receive(): PULL %u arrived with no reply fragment %u pending", header.sequence, header.sequence);
		}
		delivery->reply = (int32_t)xsb_reply_fragment(m, m->outgoing.data, m->outgoing.size, header.sequence);
		return;
	}
	if (header.kind != XSB_FRAME_MESSAGE) {
		m->slot = XSB_SLOT_IDLE;
		xsbFrameError("receive(): %s %u arrived, but %s frames only answer frames; are the ends wired the wrong way round?",
			gFrameNames[header.kind], header.sequence, gFrameNames[header.kind]);
	}
	if (header.sequence == 0) {
		/* a new exchange; whatever an abandoned one left is dropped */
		if (m->outgoing.data)
			xsb_bytes_free(m, &m->outgoing);
		m->incoming.size = 0;
		m->slot = XSB_SLOT_COLLECTING;
		m->slotNext = 0;
	}
	else if (m->slot != XSB_SLOT_COLLECTING || header.sequence != m->slotNext) {
		m->slot = XSB_SLOT_IDLE;
		xsbFrameError("receive(): MESSAGE fragment %u arrived out of order", header.sequence);
	}
	if (header.sequence == 0 && !(header.flags & XSB_FLAG_CONTINUES)) {
		/* a message in one frame, the usual case: read in place (it is decoded, or its operands
		   taken, before any guest code can send and so reuse the scratch) */
		m->slot = XSB_SLOT_IDLE;
		bytes = gScratch + XSB_HEADER_SIZE;
		length = header.length;
	}
	else {
		/* idle unless the fragment is taken: a message too large ends its exchange */
		m->slot = XSB_SLOT_IDLE;
		xsb_bytes_append(the, m, &m->incoming, gScratch + XSB_HEADER_SIZE, header.length, "an incoming message");
		if (header.flags & XSB_FLAG_CONTINUES) {
			m->slot = XSB_SLOT_COLLECTING;
			m->slotNext = header.sequence + 1;
			delivery->reply = (int32_t)xsb_write_header(XSB_FRAME_ACK, 0, header.sequence, 0);
			return;
		}
		/* the slot now belongs to exchanges nested in the receiver; this message moves to a
		   buffer of its own (still counted against the memory limit) */
		message = wire_open(the, m);
		message->data = m->incoming.data;
		message->size = m->incoming.size;
		message->capacity = m->incoming.capacity;
		m->incoming.data = NULL;
		m->incoming.size = m->incoming.capacity = 0;
		bytes = message->data;
		length = message->size;
	}
	reply = wire_open(the, m);
	mxTry(the) {
		if (!wire_fast(the, m, bytes, length, reply)) {
			xsbReader r;
			r.bytes = bytes;
			r.length = length;
			if (!wire_check(&r, WIRE_WANT_REQUEST))
				wire_write_protocol_error(the, reply, r.problem);
			else {
				wire_push_message(the, m, &r);
				mxPullSlot(&xsVar(1));
				if (message) {
					wire_close(m, message);
					message = NULL;
				}
				xsVar(1) = xsCallFunction1(xsVar(0), xsUndefined, xsVar(1));
				wire_write_reply(the, m, reply, &xsVar(1));
			}
		}
	}
	mxCatch(the) {
		if (message)
			wire_close(m, message);
		wire_close(m, reply);
		fxJump(the);
	}
	if (message)
		wire_close(m, message);
	if (reply->size > XSB_MAX_PAYLOAD) {
		/* handed out by PULLs; what a nested exchange left unpulled is dropped, as a new exchange
		   drops it */
		if (m->outgoing.data)
			xsb_bytes_free(m, &m->outgoing);
		m->outgoing.data = reply->data;
		m->outgoing.size = reply->size;
		m->outgoing.capacity = reply->capacity;
		reply->data = NULL;
		reply->size = reply->capacity = 0;
		wire_close(m, reply);
		delivery->reply = (int32_t)xsb_reply_fragment(m, m->outgoing.data, m->outgoing.size, 0);
	}
	else {
		delivery->reply = (int32_t)xsb_reply_fragment(m, reply->data, reply->size, 0);
		wire_close(m, reply);
	}
}

/* Hands the frame in the scratch to the host; returns the length of the host's answer, there. */
static uint32_t xsb_exchange(txMachine* the, xsbMachine* m, uint32_t length, uint8_t kind, uint32_t sequence)
{
	int32_t answer = xsb_host_message(m->id, length);
	xsbHeader header;
	if (m->abortStatus)
		fxAbort(the, m->abortStatus); /* a nested entry ran out of meter or memory: keep unwinding */
	if (answer < 0) {
		/* the host's handler failed; the scratch holds its message as a string value. Read onto the
		   stack, not into a var: the C traps exchange frames without the vars a body has */
		mxPushUndefined();
		xsb_read_value(the, m, 0, the->stack);
		mxUnknownError("host: %s", xsToString(*the->stack));
	}
	if ((uint32_t)answer > XSB_SCRATCH_SIZE)
		mxRangeError("host answer of %d bytes exceeds the scratch region", answer);
	header = xsb_read_header(the, (uint32_t)answer, "transport()");
	if (header.kind != kind || header.sequence != sequence)
		xsbFrameError("transport() answered with %s %u where %s %u was expected; frames must come in order",
			gFrameNames[header.kind], header.sequence, gFrameNames[kind], sequence);
	return (uint32_t)answer;
}

/* The host's reply in these bytes, pushed as {ok: value} or {err: value}; malformed bytes throw a
   ProtocolError. */
static void xsb_push_reply(txMachine* the, xsbMachine* m, const uint8_t* bytes, uint32_t length)
{
	xsbReader r;
	wire_check_reply(the, &r, bytes, length);
	wire_push_message(the, m, &r);
}

/* Frames the message in request to the host and collects its whole reply; returns the reply's
   bytes: in the scratch, or (a reply of several frames) in m->answer, which the caller frees
   (xsb_bytes_free) before it runs any guest code. The request stays the caller's to close. */
static const uint8_t* xsb_transmit(txMachine* the, xsbMachine* m, xsbOut* request, uint32_t* replyLength)
{
	uint32_t length = request->size, count, sequence;
	uint32_t answered = 0;
	xsbHeader header;
	count = (length + XSB_MAX_PAYLOAD - 1) / XSB_MAX_PAYLOAD;
	xsb_protect_result(the, m);
	for (sequence = 0; sequence < count; sequence++) {
		uint32_t start = sequence * XSB_MAX_PAYLOAD;
		uint32_t size = (length - start > XSB_MAX_PAYLOAD) ? XSB_MAX_PAYLOAD : length - start;
		int last = sequence == count - 1;
		c_memcpy(gScratch + XSB_HEADER_SIZE, request->data + start, size);
		xsb_write_header(XSB_FRAME_MESSAGE, last ? 0 : XSB_FLAG_CONTINUES, sequence, size);
		answered = xsb_exchange(the, m, XSB_HEADER_SIZE + size, last ? XSB_FRAME_REPLY : XSB_FRAME_ACK, last ? 0 : sequence);
	}
	header = xsb_read_header(the, answered, "transport()");
	if (!(header.flags & XSB_FLAG_CONTINUES)) {
		*replyLength = header.length;
		return gScratch + XSB_HEADER_SIZE;
	}
	/* Only a host that delivers while answering a PULL can nest one collection in another: the
	   guest's end refuses that rather than mix the two replies. */
	if (m->answer.size)
		xsbFrameError("transport(): a reply was being collected when another began; the host must not deliver while it answers a PULL");
	mxTry(the) {
		for (sequence = 1;; sequence++) {
			xsb_bytes_append(the, m, &m->answer, gScratch + XSB_HEADER_SIZE, header.length, "a reply");
			if (!(header.flags & XSB_FLAG_CONTINUES))
				break;
			answered = xsb_exchange(the, m, xsb_write_header(XSB_FRAME_PULL, 0, sequence, 0), XSB_FRAME_REPLY, sequence);
			header = xsb_read_header(the, answered, "transport()");
		}
	}
	mxCatch(the) {
		xsb_bytes_free(m, &m->answer);
		fxJump(the);
	}
	*replyLength = m->answer.size;
	return m->answer.data;
}

/* send(request): the host's reply, decoded. */
static void xsb_send(txMachine* the)
{
	xsbMachine* m = the->xsb;
	xsbOut* volatile request;
	const uint8_t* bytes = NULL;
	uint32_t length = 0;
	xsVars(XSB_VARS);
	if (xsToInteger(xsArgc) < 1)
		mxTypeError("send expects a request ({op, ...}: see protocol.ts)");
	request = wire_open(the, m);
	mxTry(the) {
		wire_write_request(the, m, request, &xsArg(0));
		bytes = xsb_transmit(the, m, request, &length);
	}
	mxCatch(the) {
		wire_close(m, request);
		fxJump(the);
	}
	wire_close(m, request);
	{
		mxTry(the) {
			xsb_push_reply(the, m, bytes, length);
			mxPullSlot(mxResult);
		}
		mxCatch(the) {
			wire_answer_free(m);
			fxJump(the);
		}
	}
	wire_answer_free(m);
}

static void xsb_connect_body(txMachine* the, xsbMachine* m, void* data)
{
	xsVars(XSB_VARS);
	xsb_read_value(the, m, 0, &xsVar(0));
	if (!xsIsCallable(xsVar(0)))
		mxTypeError("connect expects a function that takes send and returns a receiver");
	xsVar(2) = xsNewObject();
	xsVar(3) = xsNewHostFunction(xsb_set_module_hook, 1);
	xsDefine(xsVar(2), xsID("setModuleHook"), xsVar(3), xsDontEnum);
	xsVar(3) = xsNewHostFunction(xsb_import_now, 1);
	xsDefine(xsVar(2), xsID("importNow"), xsVar(3), xsDontEnum);
	xsVar(3) = xsNewHostFunction(xsb_evaluate_script, 1);
	xsDefine(xsVar(2), xsID("evaluateScript"), xsVar(3), xsDontEnum);
	xsVar(3) = xsNewHostFunction(xsb_set_fast_path_callback, 4);
	xsDefine(xsVar(2), xsID("setFastPath"), xsVar(3), xsDontEnum);
	xsVar(3) = xsNewHostFunction(xsb_make_traps, 2);
	xsDefine(xsVar(2), xsID("makeTraps"), xsVar(3), xsDontEnum);
	xsVar(1) = xsNewHostFunction(xsb_send, 1);
	xsVar(1) = xsCallFunction2(xsVar(0), xsUndefined, xsVar(1), xsVar(2));
	if (!xsIsCallable(xsVar(1)))
		mxTypeError("the connect function must return a receiver function");
	xsSetIndex(*xsb_root(m), XSB_ROOT_RECEIVER, xsVar(1));
}

/* ---------------------------------------------------------------- modules */

/* XS asks its platform to resolve and load the program realm's imports (a Compartment would give
   modules a global object of their own). Both go to the function the guest's side of the
   membrane registered, which asks the host: hook("resolve", specifier, referrer) and
   hook("load", name). Without a hook nothing resolves. */

/* pump.setModuleHook(fn) */
static void xsb_set_module_hook(txMachine* the)
{
	if ((xsToInteger(xsArgc) < 1) || !xsIsCallable(xsArg(0)))
		mxTypeError("setModuleHook expects a function (op, specifier, referrer)");
	xsSetIndex(*xsb_root(the->xsb), XSB_ROOT_MODULE_HOOK, xsArg(0));
}

/* pump.importNow(specifier): the module's namespace, loaded, linked and run synchronously. */
static void xsb_import_now(txMachine* the)
{
	if ((xsToInteger(xsArgc) < 1) || !mxIsStringPrimitive(&xsArg(0)))
		mxTypeError("importNow expects a specifier (a string)");
	/* the program is a compartment to XS: its importNow, with the program as this */
	*mxThis = mxProgram;
	fx_Compartment_prototype_importNow(the);
}

/* Pushes the hook, called with op and one more argument, ready for the caller's last argument. */
static txBoolean xsb_push_module_hook(txMachine* the, txString op, txSlot* argument)
{
	mxPushUndefined();
	mxPushSlot(xsb_root(the->xsb));
	mxGetIndex(XSB_ROOT_MODULE_HOOK);
	if (!fxIsCallable(the, the->stack)) {
		the->stack += 2;
		return 0;
	}
	mxCall();
	mxPushStringC(op);
	mxPushSlot(argument);
	return 1;
}

txID fxFindModule(txMachine* the, txSlot* realm, txID referrer, txSlot* specifier)
{
	txID moduleID;
	if (!xsb_push_module_hook(the, "resolve", specifier))
		return XS_NO_ID;
	if (referrer == XS_NO_ID)
		mxPushUndefined();
	else
		mxPushStringC(fxGetKeyName(the, referrer));
	mxRunCount(3);
	if (mxIsUndefined(the->stack)) {
		mxPop();
		return XS_NO_ID;
	}
	if (!mxIsStringPrimitive(the->stack))
		mxTypeError("the module host resolved an import to something other than a string");
	moduleID = fxNewName(the, the->stack);
	mxPop();
	return moduleID;
}

void fxLoadModule(txMachine* the, txSlot* module, txID moduleID)
{
	txStringStream stream;
	mxPushStringC(fxGetKeyName(the, moduleID));
	if (!xsb_push_module_hook(the, "load", the->stack))
		mxTypeError("no module hook to load \"%s\"", fxGetKeyName(the, moduleID));
	mxRunCount(2);
	if (!mxIsStringPrimitive(the->stack))
		mxTypeError("the module host loaded \"%s\" as something other than its source (a string)", fxGetKeyName(the, moduleID));
	stream.slot = the->stack;
	stream.offset = 0;
	stream.size = mxStringLength(the->stack->value.string);
	fxResolveModule(the, module, moduleID, fxParseScript(the, &stream, fxStringGetter, mxDebugFlag), C_NULL, C_NULL);
	mxPop(); /* source */
	mxPop(); /* name */
}

/* pump.evaluateScript(source): runs a script as the host's evaluate does, in the global scope,
   so that its let, const and class declarations stay for the scripts after it (an indirect eval
   would keep them to itself). */
static void xsb_evaluate_script(txMachine* the)
{
	txSlot* realm = mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
	txStringStream stream;
	if ((xsToInteger(xsArgc) < 1) || !mxIsStringPrimitive(&xsArg(0)))
		mxTypeError("evaluateScript expects the script's source (a string)");
	stream.slot = mxArgv(0);
	stream.offset = 0;
	stream.size = mxStringLength(mxArgv(0)->value.string);
	fxRunScript(the, fxParseScript(the, &stream, fxStringGetter, mxProgramFlag | mxDebugFlag),
		mxRealmGlobal(realm), C_NULL, mxRealmClosures(realm)->value.reference, C_NULL, mxProgram.value.reference);
	mxPullSlot(mxResult);
}

/* ---------------------------------------------------------------- evaluation and handles */

typedef struct { const char* source; uint32_t length; } xsbSource;

static void xsb_evaluate_body(txMachine* the, xsbMachine* m, void* data)
{
	xsbSource* source = data;
	txStringCStream stream;
	txSlot* realm = mxModuleInstanceInternal(mxProgram.value.reference)->value.module.realm;
	xsVars(XSB_VARS);
	stream.buffer = (char*)source->source;
	stream.offset = 0;
	stream.size = (txSize)source->length;
	fxRunScript(the, fxParseScript(the, &stream, fxStringCGetter, mxProgramFlag | mxDebugFlag),
		mxRealmGlobal(realm), C_NULL, mxRealmClosures(realm)->value.reference, C_NULL, mxProgram.value.reference);
	mxPullSlot(&xsVar(0));
	xsb_write_value(the, m, 0, &xsVar(0));
}

static void xsb_call_body(txMachine* the, xsbMachine* m, void* data)
{
	uint32_t argc = *(uint32_t*)data;
	uint32_t offset, i;
	xsVars(XSB_VARS);
	offset = xsb_read_value(the, m, 0, &xsVar(0)); /* the function */
	offset = xsb_read_value(the, m, offset, &xsVar(1)); /* this */
	if (!xsIsCallable(xsVar(0)))
		mxTypeError("the handle is not a function");
	xsOverflow(-XS_FRAME_COUNT - (txInteger)argc);
	fxPush(xsVar(1));
	fxPush(xsVar(0));
	fxCall(the);
	for (i = 0; i < argc; i++) {
		mxPushUndefined();
		offset = xsb_read_value(the, m, offset, the->stack);
	}
	fxRunCount(the, (txInteger)argc);
	mxPullSlot(&xsVar(0));
	xsb_write_value(the, m, 0, &xsVar(0));
}

static void xsb_release_body(txMachine* the, xsbMachine* m, void* data)
{
	txInteger id = (txInteger)*(uint32_t*)data;
	xsVars(XSB_VARS);
	xsVar(0) = xsGetIndex(*xsb_root(m), XSB_ROOT_HANDLES);
	if (xsHasIndex(xsVar(0), id)) {
		xsDeleteAt(xsVar(0), xsInteger(id));
		xsVar(1) = xsGetIndex(*xsb_root(m), XSB_ROOT_FREE_IDS);
		xsCall1_noResult(xsVar(1), mxID(_push), xsInteger(id));
		/* with no handle left the table goes back to empty, so that what the host once held
		   leaves no trace in the heap (and snapshots depend on the guest's inputs alone) */
		if (xsToInteger(xsGet(xsVar(1), mxID(_length))) == xsToInteger(xsGet(xsVar(0), mxID(_length)))) {
			xsSet(xsVar(0), mxID(_length), xsInteger(0));
			xsSet(xsVar(1), mxID(_length), xsInteger(0));
		}
	}
}

static void xsb_new_root_body(txMachine* the, xsbMachine* m, void* data)
{
	*xsb_root(m) = xsNewArray(XSB_ROOT_LENGTH);
	xsSetIndex(*xsb_root(m), XSB_ROOT_HANDLES, xsNewArray(0));
	xsSetIndex(*xsb_root(m), XSB_ROOT_FREE_IDS, xsNewArray(0));
}

static void xsb_forget_handles_body(txMachine* the, xsbMachine* m, void* data)
{
	/* the handles of a snapshot belonged to the host that wrote it; an empty table is left as it
	   is, so that restoring changes nothing in the heap */
	xsVars(XSB_VARS);
	xsVar(0) = xsGetIndex(*xsb_root(m), XSB_ROOT_HANDLES);
	if (xsToInteger(xsGet(xsVar(0), mxID(_length))) > 0) {
		xsSet(xsVar(0), mxID(_length), xsInteger(0));
		xsVar(1) = xsGetIndex(*xsb_root(m), XSB_ROOT_FREE_IDS);
		xsSet(xsVar(1), mxID(_length), xsInteger(0));
	}
}

/* ---------------------------------------------------------------- snapshots */

typedef struct { uint8_t* data; size_t length; size_t capacity; } xsbBuffer;

static int xsb_buffer_write(void* stream, void* address, size_t size)
{
	xsbBuffer* buffer = stream;
	if (buffer->length + size > buffer->capacity) {
		size_t capacity = buffer->capacity ? buffer->capacity : 64 * 1024;
		uint8_t* data;
		while (buffer->length + size > capacity)
			capacity *= 2;
		data = realloc(buffer->data, capacity);
		if (!data)
			return C_ENOMEM;
		buffer->data = data;
		buffer->capacity = capacity;
	}
	c_memcpy(buffer->data + buffer->length, address, size);
	buffer->length += size;
	return 0;
}

static int xsb_buffer_read(void* stream, void* address, size_t size)
{
	xsbBuffer* buffer = stream;
	if (size > buffer->capacity - buffer->length)
		return C_EINVAL;
	c_memcpy(address, buffer->data + buffer->length, size);
	buffer->length += size;
	return 0;
}

static void xsb_snapshot_init(txSnapshot* snapshot, xsbBuffer* buffer)
{
	c_memset(snapshot, 0, sizeof(txSnapshot));
	snapshot->signature = XSB_SNAPSHOT_SIGNATURE;
	snapshot->signatureLength = (int)c_strlen(XSB_SNAPSHOT_SIGNATURE);
	snapshot->callbacks = gCallbacks;
	snapshot->callbacksLength = (int)(sizeof(gCallbacks) / sizeof(txCallback));
	snapshot->read = xsb_buffer_read;
	snapshot->write = xsb_buffer_write;
	snapshot->stream = buffer;
}

/* ---------------------------------------------------------------- machines */

static xsbMachine* xsb_adopt(xsbMachine* m, txMachine* the)
{
	if (!the) {
		free(m);
		return NULL;
	}
	/* the reserve below the XS stack lets a stack overflow still throw a RangeError */
	m->stackFloor = the->stackBottom;
	the->stackBottom += XSB_STACK_RESERVE_SLOTS;
	return m;
}

static xsbMachine* xsb_new_record(double memoryLimit)
{
	xsbMachine* m = calloc(1, sizeof(xsbMachine));
	if (!m)
		return NULL;
	m->id = ++gNextId;
	m->memoryLimit = (size_t)memoryLimit;
	return m;
}

XSB_API uint8_t* xsb_scratch(void)
{
	return gScratch;
}

XSB_API const char* xsb_build_id(void)
{
	return XSB_BUILD_ID;
}

XSB_API uint32_t xsb_scratch_size(void)
{
	return XSB_SCRATCH_SIZE;
}

XSB_API void* xsb_malloc(uint32_t size)
{
	return malloc(size ? size : 1);
}

XSB_API void xsb_free(void* pointer)
{
	free(pointer);
}

/* Bytes of C stack (wasm: the shadow stack) guests may use below the outermost entry. */
XSB_API void xsb_set_stack_budget(uint32_t bytes)
{
	gStackBudget = bytes;
}

/* Returns the machine, or NULL when even an empty machine does not fit its memory limit. */
XSB_API xsbMachine* xsb_machine_create(double memoryLimit, uint32_t stackCount)
{
	xsCreation creation = {
		/* Small on purpose: an idle machine stays well under 1 MB. Larger headroom (128 KiB,
		   4,096 slots) made JSON 10x faster in native microbenchmarks but membrane calls 2.5x
		   slower in wasm, unexplained yet: see bench/NOTES.md. */
		32 * 1024,     /* initialChunkSize */
		32 * 1024,     /* incrementalChunkSize */
		2048,          /* initialHeapCount */
		1024,          /* incrementalHeapCount */
		(txInteger)stackCount + XSB_STACK_RESERVE_SLOTS,
		2048,          /* initialKeyCount */
		1024,          /* incrementalKeyCount */
		1993,          /* nameModulo */
		127,           /* symbolModulo */
		256 * 1024,    /* parserBufferSize: the longest literal eval() takes */
		1993,          /* parserTableModulo */
		0,             /* staticSize */
	};
	xsbMachine* m = xsb_new_record(memoryLimit);
	if (!m)
		return NULL;
	gCreating = m;
	m = xsb_adopt(m, fxCreateMachine(&creation, "xsb", NULL, XS_NO_ID));
	gCreating = NULL;
	if (!m)
		return NULL;
	{
		txMachine* the = m->the;
		mxPushUndefined();
		m->root = the->stack;
	}
	if (xsb_enter(m, xsb_new_root_body, NULL) != XSB_OK) {
		xsb_machine_dispose(m);
		return NULL;
	}
	return m;
}

XSB_API xsbMachine* xsb_machine_restore(const uint8_t* bytes, uint32_t length, double memoryLimit)
{
	xsbBuffer buffer = { (uint8_t*)bytes, 0, length };
	txSnapshot snapshot;
	xsbMachine* m = xsb_new_record(memoryLimit);
	if (!m)
		return NULL;
	xsb_snapshot_init(&snapshot, &buffer);
	gCreating = m;
	m = xsb_adopt(m, fxReadSnapshot(&snapshot, "xsb", NULL));
	gCreating = NULL;
	if (!m)
		return NULL;
	m->root = m->the->stack; /* written at depth 0, where the root is the last slot pushed */
	if (xsb_enter(m, xsb_forget_handles_body, NULL) != XSB_OK) {
		xsb_machine_dispose(m);
		return NULL;
	}
	m->meterTotal = 0; /* that first call is the snapshot's, not the guest's */
	/* jobs the writer had queued run at the next checkpoint, as they would have there */
	{
		txMachine* the = m->the;
		if (mxPendingJobs.value.reference->next)
			m->promiseJobs = 1;
	}
	return m;
}

XSB_API int32_t xsb_machine_dispose(xsbMachine* m)
{
	if (m->depth)
		return XSB_BUSY;
	m->the->stackBottom = m->stackFloor;
	fxDeleteMachine(m->the);
	free(m->savedScratch);
	free(m->incoming.data);
	free(m->outgoing.data);
	free(m->answer.data);
	wire_close_all(m);
	free(m);
	return XSB_OK;
}

XSB_API uint32_t xsb_machine_id(xsbMachine* m)
{
	return m->id;
}

/* Why the machine died (XSB_DEATH_*), or XSB_DEATH_NONE while it lives. */
XSB_API int32_t xsb_machine_death(xsbMachine* m)
{
	switch (m->deadStatus) {
	case 0: return XSB_DEATH_NONE;
	case XS_NOT_ENOUGH_MEMORY_EXIT: return XSB_DEATH_MEMORY;
	case XS_STACK_OVERFLOW_EXIT: return XSB_DEATH_STACK;
	case XS_NO_MORE_KEYS_EXIT: return XSB_DEATH_KEYS;
	case -XSB_DEATH_HOST_STACK: return XSB_DEATH_HOST_STACK;
	default: return XSB_DEATH_FATAL;
	}
}

/* The embedder saw its own stack overflow unwind through this machine's frames: the machine's
   state is torn, and the glue's entry bookkeeping goes back to what it was at depth entries. */
XSB_API void xsb_machine_kill(xsbMachine* m, uint32_t depth, xsbMachine* current)
{
	m->deadStatus = -XSB_DEATH_HOST_STACK;
	m->depth--; /* the torn entry never ran its epilogue */
	m->entry = NULL;
	gDepth = depth;
	gCurrent = current;
}

XSB_API double xsb_machine_allocated(xsbMachine* m)
{
	return (double)m->allocated;
}

/* A limit in meter units per outermost call; 0 for none. With hook set, the embedder's
   xsb_host_meter is asked for a new limit before the guest is stopped. */
XSB_API void xsb_machine_set_meter(xsbMachine* m, double limit, uint32_t hook)
{
	m->meterLimit = limit;
	m->meterHook = (int)hook;
}

/* Units used by every call from the host since the machine was created or restored. */
XSB_API double xsb_machine_meter_total(xsbMachine* m)
{
	return m->meterTotal;
}

XSB_API double xsb_machine_meter_used(xsbMachine* m)
{
	return m->depth ? m->meterUsed + (double)(m->the->meterIndex - m->meterMark) : m->meterUsed;
}

/* Evaluates length bytes of source (CESU-8 or UTF-8) at source as a script; the result value is
   written in the scratch region. */
XSB_API int32_t xsb_evaluate(xsbMachine* m, const char* source, uint32_t length)
{
	xsbSource data = { source, length };
	txSize parserBufferSize = m->the->parserBufferSize;
	int32_t status;
	/* the parser's buffer bounds the longest literal: let it hold the whole source */
	if ((txSize)length + 1 > parserBufferSize)
		m->the->parserBufferSize = (txSize)length + 1;
	status = xsb_enter(m, xsb_evaluate_body, &data);
	m->the->parserBufferSize = parserBufferSize;
	return status;
}

/* Calls the function value at the start of the scratch region with the this value and argc
   argument values that follow it; the result replaces them. */
XSB_API int32_t xsb_call(xsbMachine* m, uint32_t argc)
{
	return xsb_enter(m, xsb_call_body, &argc);
}

static void xsb_collect_body(txMachine* the, xsbMachine* m, void* data)
{
	fxCollectGarbage(the);
}

/* A full collection at a point the embedder chooses. Unlike the collections allocation triggers,
   it lets WeakRef targets go (XS keeps them strong otherwise, so that when the collector happens
   to run never shows), and the FinalizationRegistry callbacks then run in the job checkpoint. */
XSB_API int32_t xsb_collect(xsbMachine* m)
{
	return xsb_enter(m, xsb_collect_body, NULL);
}

XSB_API int32_t xsb_release(xsbMachine* m, uint32_t handle)
{
	return xsb_enter(m, xsb_release_body, &handle);
}

/* Calls the function value in the scratch region with the guest's send function; what it returns
   becomes the machine's receiver. */
XSB_API int32_t xsb_connect(xsbMachine* m)
{
	return xsb_enter(m, xsb_connect_body, NULL);
}

/* Hands the length bytes at the start of the scratch region to the receiver; returns the length
   of its reply, now in the scratch region, or a negative status. */
XSB_API int32_t xsb_deliver(xsbMachine* m, uint32_t length)
{
	xsbDelivery delivery = { length, 0 };
	int32_t status;
	if (length > XSB_SCRATCH_SIZE)
		return XSB_TOO_LARGE;
	status = xsb_enter(m, xsb_deliver_body, &delivery);
	return status == XSB_OK ? delivery.reply : status;
}

/* The fast path (xsb_wire.c) on or off for every machine; on by default. For tests that compare
   it with the general path. */
XSB_API void xsb_set_fast_path(uint32_t on)
{
	gWireFastPath = on ? 1 : 0;
}

static void xsb_nothing_body(txMachine* the, xsbMachine* m, void* data)
{
}

/* XS collects before it writes a snapshot, and the finalizers that collection calls for run when
   the next call from the host ends (fxEndJob). A machine restored from the snapshot runs them at
   once, as its first call (xsb_forget_handles_body) ends: so that the writer and the restored
   machine go on alike, the writer runs them now, in a call of its own that runs no other job. */
static void xsb_end_snapshot_job(xsbMachine* m)
{
	int pending = m->promiseJobs;
	double total = m->meterTotal; /* uncharged, as in the restored machine */
	m->promiseJobs = 0;
	xsb_enter(m, xsb_nothing_body, NULL);
	m->promiseJobs |= pending;
	m->meterTotal = total;
}

/* Writes an XS snapshot of an idle machine; on success the scratch holds its address and length
   (u32 each) and the embedder frees the address once it has copied the bytes. A tight snapshot
   restores into a heap sized to the live one (patches/0011). */
XSB_API int32_t xsb_snapshot(xsbMachine* m, uint32_t tight)
{
	xsbBuffer buffer = { NULL, 0, 0 };
	txSnapshot snapshot;
	txMachine* the = m->the;
	int written;
	if (m->depth)
		return XSB_BUSY;
	if (m->deadStatus)
		return XSB_DEAD;
	xsb_snapshot_init(&snapshot, &buffer);
	snapshot.tight = (int)tight;
	/* the reserve is not part of the machine's state: write the stack as it was allocated */
	the->stackBottom = m->stackFloor;
	written = fxWriteSnapshot(the, &snapshot);
	the->stackBottom = m->stackFloor + (m->reserveInUse ? 0 : XSB_STACK_RESERVE_SLOTS);
	if (!written) {
		free(buffer.data);
		return XSB_NO_SNAPSHOT;
	}
	xsb_end_snapshot_job(m);
	xsb_write_u32(0, (uint32_t)(uintptr_t)buffer.data);
	xsb_write_u32(4, (uint32_t)buffer.length);
	return XSB_OK;
}
