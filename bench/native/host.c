/*
 * The native benchmark host: provides the glue's three imports and runs one round of the
 * workloads the runner (src/bench.ts) passes as guest sources, through the same XSB_API calls the
 * wasm build exports. Prints one JSON object of total milliseconds per workload and the values
 * the guest computed, so the runner can check both builds agree.
 *
 * Usage: xsb-native --boot SRC --setup SRC --fib SRC --loop SRC --factory SRC --send SRC
 *                   --creates N --delivers N --message HEX --reply HEX
 *
 * --message is the payload of each frame delivered (a request of the membrane's protocol, as
 * @xsb/membrane's encodeMessage writes it), --reply the payload the host answers each of the
 * guest's sends with, and the one the guest's receiver must answer each delivery with.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct xsbMachineRecord xsbMachine;

/* What xsb.c exports (XSB_API there). */
extern uint8_t* xsb_scratch(void);
extern uint32_t xsb_scratch_size(void);
extern void xsb_set_stack_budget(uint32_t bytes);
extern xsbMachine* xsb_machine_create(double memoryLimit, uint32_t stackCount);
extern int32_t xsb_machine_dispose(xsbMachine* m);
extern int32_t xsb_evaluate(xsbMachine* m, const char* source, uint32_t length);
extern int32_t xsb_connect(xsbMachine* m);
extern int32_t xsb_deliver(xsbMachine* m, uint32_t length);

/* The engine's defaults in packages/xs-wasm/src/engine.ts. */
#define MEMORY_LIMIT (256.0 * 1024 * 1024)
#define STACK_SLOTS 32768
#define STACK_BUDGET (64 * 1024)
#define MAX_PAYLOAD 1024
/* Frames of @xsb/channel: u32 payload length, u8 kind, u8 flags, u16 reserved, u32 sequence. */
#define HEADER_SIZE 12
enum { KIND_MESSAGE = 1, KIND_REPLY = 3 };

enum { TAG_NUMBER = 4, TAG_STRING = 5 };

static uint8_t gMessage[HEADER_SIZE + MAX_PAYLOAD];
static uint8_t gReply[HEADER_SIZE + MAX_PAYLOAD];
static uint32_t gMessageSize, gReplySize; /* whole frames */
static uint8_t gCopy[65536];

/* ---------------------------------------------------------------- the glue's imports */

/* A one-frame message of the channel whose payload is the bytes `hex` spells; returns its size. */
static uint32_t frame(uint8_t* bytes, uint8_t kind, const char* hex)
{
	uint32_t size = (uint32_t)strlen(hex) / 2, i;
	if (strlen(hex) % 2 || size > MAX_PAYLOAD) {
		fprintf(stderr, "xsb-native: a payload must be at most %d bytes in hex, got %s\n", MAX_PAYLOAD, hex);
		exit(2);
	}
	memset(bytes, 0, HEADER_SIZE);
	memcpy(bytes, &size, 4); /* little-endian, as wasm and the hosts this builds on are */
	bytes[4] = kind;
	for (i = 0; i < size; i++) {
		unsigned int byte;
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1) {
			fprintf(stderr, "xsb-native: %s is not hex\n", hex);
			exit(2);
		}
		bytes[HEADER_SIZE + i] = (uint8_t)byte;
	}
	return HEADER_SIZE + size;
}

/* As the TS host does: copy the frame out, answer with a one-frame reply. */
int32_t xsb_host_message(uint32_t machine, uint32_t length)
{
	uint8_t* scratch = xsb_scratch();
	memcpy(gCopy, scratch, length);
	memcpy(scratch, gReply, gReplySize);
	return (int32_t)gReplySize;
}

/* The TS default clock: always 0. */
double xsb_host_now(uint32_t machine)
{
	return 0;
}

double xsb_host_meter(uint32_t machine, double used)
{
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void fail(const char* what, int32_t status)
{
	uint8_t* scratch = xsb_scratch();
	fprintf(stderr, "xsb-native: %s failed with status %d", what, status);
	if (status == -1 && scratch[0] == TAG_STRING) {
		/* the thrown value's description: name, message, stack as strings */
		uint32_t offset = 0;
		int i;
		for (i = 0; i < 3 && scratch[offset] == TAG_STRING; i++) {
			uint32_t length;
			memcpy(&length, scratch + offset + 1, 4);
			fprintf(stderr, "%s%.*s", i ? ": " : " (", (int)length, (const char*)scratch + offset + 5);
			offset += 5 + length;
		}
		fprintf(stderr, ")");
	}
	fprintf(stderr, "\n");
	exit(1);
}

static void evaluate(xsbMachine* m, const char* what, const char* source)
{
	int32_t status = xsb_evaluate(m, source, (uint32_t)strlen(source));
	if (status != 0)
		fail(what, status);
}

/* The number the last evaluation produced, or NaN. */
static double result_number(void)
{
	uint8_t* scratch = xsb_scratch();
	double number = 0.0 / 0.0;
	if (scratch[0] == TAG_NUMBER)
		memcpy(&number, scratch + 1, 8);
	return number;
}

static xsbMachine* create(const char* boot)
{
	xsbMachine* m = xsb_machine_create(MEMORY_LIMIT, STACK_SLOTS);
	if (!m) {
		fprintf(stderr, "xsb-native: xsb_machine_create failed\n");
		exit(1);
	}
	evaluate(m, "boot script", boot);
	return m;
}

static const char* arg(int argc, char** argv, const char* name)
{
	int i;
	for (i = 1; i + 1 < argc; i++) {
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	}
	fprintf(stderr, "xsb-native: missing %s\n", name);
	exit(2);
}

/* ---------------------------------------------------------------- one round */

int main(int argc, char** argv)
{
	const char* boot = arg(argc, argv, "--boot");
	const char* setup = arg(argc, argv, "--setup");
	const char* fib = arg(argc, argv, "--fib");
	const char* loop = arg(argc, argv, "--loop");
	const char* factory = arg(argc, argv, "--factory");
	const char* send = arg(argc, argv, "--send");
	long creates = atol(arg(argc, argv, "--creates"));
	long delivers = atol(arg(argc, argv, "--delivers"));
	const char* message = arg(argc, argv, "--message");
	const char* reply = arg(argc, argv, "--reply");
	double t, fibMs, loopMs, deliverMs, sendMs, createMs, fibValue, loopValue;
	xsbMachine* m;
	int32_t status;
	long i;

	gMessageSize = frame(gMessage, KIND_MESSAGE, message);
	gReplySize = frame(gReply, KIND_REPLY, reply);
	xsb_set_stack_budget(STACK_BUDGET);
	m = create(boot);
	evaluate(m, "setup", setup);

	t = now_ms();
	evaluate(m, "fib", fib);
	fibMs = now_ms() - t;
	fibValue = result_number();

	t = now_ms();
	evaluate(m, "loop", loop);
	loopMs = now_ms() - t;
	loopValue = result_number();

	/* the factory's value (a handle) is left in the scratch, where xsb_connect reads it */
	evaluate(m, "factory", factory);
	status = xsb_connect(m);
	if (status != 0)
		fail("connect", status);
	t = now_ms();
	for (i = 0; i < delivers; i++) {
		memcpy(xsb_scratch(), gMessage, gMessageSize);
		status = xsb_deliver(m, gMessageSize);
		if (status != (int32_t)gReplySize)
			fail("deliver", status);
		memcpy(gCopy, xsb_scratch(), (size_t)status);
	}
	deliverMs = now_ms() - t;
	/* the receiver's reply, as the engine encoded it, is the host's own reply byte for byte */
	if (delivers > 0 && (gCopy[4] != KIND_REPLY || memcmp(gCopy + HEADER_SIZE, gReply + HEADER_SIZE, gReplySize - HEADER_SIZE))) {
		fprintf(stderr, "xsb-native: the engine encoded the receiver's reply otherwise than --reply\n");
		exit(1);
	}

	t = now_ms();
	evaluate(m, "send", send);
	sendMs = now_ms() - t;
	xsb_machine_dispose(m);

	t = now_ms();
	for (i = 0; i < creates; i++)
		xsb_machine_dispose(create(boot));
	createMs = now_ms() - t;

	printf("{\"fib\":%.6f,\"loop\":%.6f,\"deliver\":%.6f,\"send\":%.6f,\"create\":%.6f,"
		"\"fibValue\":%.17g,\"loopValue\":%.17g}\n",
		fibMs, loopMs, deliverMs, sendMs, createMs, fibValue, loopValue);
	return 0;
}
