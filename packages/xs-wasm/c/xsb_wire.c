/*
 * The membrane's wire (packages/membrane/src/protocol.ts, whose header comment is the format's
 * specification and whose encoder and decoder are the reference): the guest's end, in C, so that
 * the guest's JavaScript sees requests and replies as structures, decoded, and never bytes.
 *
 * Included by xsb.c (it uses the glue's machine record, byte buffers and errors).
 *
 *   - wire_check(): validates a whole message without allocating anything; on failure it leaves
 *     the problem as protocol.ts words it ("message byte N of M: problem").
 *   - wire_push_message(): builds the structure decodeMessage builds, from checked bytes, with
 *     define semantics only (as JSON.parse does: no setter of the guest's runs).
 *   - wire_write_*(): encodes a structure the guest's JavaScript made, as encodeMessage does.
 *   - wire_fast(): GET and APPLY on exported objects answered without decoding (xsb_set_fast_path).
 *   - xsb_trap_apply(), xsb_trap_get(): the other way, the guest's proxies' `apply` and `get`
 *     traps, which write the request and read a primitive reply themselves (pump.makeTraps).
 */

enum {
	WIRE_GET = 1, WIRE_SET = 2, WIRE_HAS = 3, WIRE_DELETE = 4, WIRE_KEYS = 5, WIRE_DESCRIBE = 6,
	WIRE_DEFINE = 7, WIRE_PROTO = 8, WIRE_APPLY = 9, WIRE_CONSTRUCT = 10, WIRE_SETTLE = 11,
	WIRE_RELEASE = 12, WIRE_OK = 64, WIRE_ERR = 65,
};
enum {
	T_UNDEFINED, T_NULL, T_FALSE, T_TRUE, T_INT32, T_FLOAT64, T_STRING, T_BIGINT, T_SYMBOL,
	T_REGISTERED, T_SENDER, T_NAMED, T_RECEIVER, T_INTRINSIC, T_WELL_KNOWN, T_PROMISE, T_ERROR,
	T_DATE, T_BUFFER, T_VIEW, T_LIST, T_DESCRIPTOR, T_COPY,
};
enum { D_VALUE = 1, D_GET = 2, D_SET = 4, D_WRITABLE = 8, D_ENUMERABLE = 16, D_CONFIGURABLE = 32 };
/* Lists, causes and descriptors nest at most this deep (the C stack is the guest's too). */
#define WIRE_MAX_DEPTH 256
/* APPLY with more arguments than this takes the general path. */
#define WIRE_FAST_MAX_ARGS 32

static const char* const gWireOps[] = { NULL, "get", "set", "has", "delete", "keys", "describe", "define", "proto", "apply", "construct", "settle", "release" };
/* packages/membrane/src/symbols.ts, in its order */
static const char* const gWireSymbols[] = { "asyncIterator", "hasInstance", "isConcatSpreadable", "iterator", "match", "matchAll", "replace", "search", "species", "split", "toPrimitive", "toStringTag", "unscopables" };
#define WIRE_SYMBOL_COUNT 13
static const char* const gWireKinds[] = { "o", "f", "a" };

static const char* const gWireNames[] = { "op", "t", "k", "v", "d", "self", "args", "id", "ok", "err", "ids", "$", "w", "r", "n", "p", "m", "s", "c", "g", "e", "value", "open" };
enum { W_op, W_t, W_k, W_v, W_d, W_self, W_args, W_id, W_ok, W_err, W_ids, W_dollar, W_w, W_r, W_n, W_p, W_m, W_s, W_c, W_g, W_e, W_value, W_open, W_COUNT };

static txID* wire_ids(txMachine* the, xsbMachine* m)
{
	if (!m->wireIdsReady) {
		int i;
		for (i = 0; i < W_COUNT; i++)
			m->wireIds[i] = xsID(gWireNames[i]);
		m->wireIdsReady = 1;
	}
	return m->wireIds;
}

/* ---------------------------------------------------------------- checking */

typedef struct {
	const uint8_t* bytes;
	uint32_t length;
	uint32_t at;
	int depth;
	char* problem;             /* gWireProblem: read at once, so one buffer serves every reader */
} xsbReader;
static char gWireProblem[400];

static int wire_fail(xsbReader* r, uint32_t offset, const char* format, ...)
{
	char problem[300];
	c_va_list arguments;
	c_va_start(arguments, format);
	vsnprintf(problem, sizeof(problem), format, arguments);
	c_va_end(arguments);
	snprintf(r->problem, sizeof(gWireProblem), "message byte %u of %u: %s", offset, r->length, problem);
	return 0;
}

#define WIRE_NEED(R, N) \
	if ((R)->length - (R)->at < (uint32_t)(N)) \
		return wire_fail((R), (R)->at, "%u more bytes are needed, the message ends", (uint32_t)(N))

static uint32_t wire_u32(const uint8_t* p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int wire_check_string(xsbReader* r)
{
	uint32_t length, good;
	WIRE_NEED(r, 4);
	length = wire_u32(r->bytes + r->at);
	r->at += 4;
	if (length > r->length - r->at)
		return wire_fail(r, r->at - 4, "a string of %u bytes runs past the end", length);
	good = xsb_text_prefix(r->bytes + r->at, length);
	if (good < length)
		return wire_fail(r, r->at + good, "a string's byte 0x%02x is not CESU-8", r->bytes[r->at + good]);
	r->at += length;
	return 1;
}

/* Binary data (BUFFER, VIEW): u32 n | n bytes, any bytes. */
static int wire_check_bytes(xsbReader* r)
{
	uint32_t length;
	WIRE_NEED(r, 4);
	length = wire_u32(r->bytes + r->at);
	r->at += 4;
	if (length > r->length - r->at)
		return wire_fail(r, r->at - 4, "a buffer of %u bytes runs past the end", length);
	r->at += length;
	return 1;
}

static int wire_check_value(xsbReader* r);

static int wire_check_descriptor_body(xsbReader* r, uint32_t start)
{
	uint8_t present, flags;
	WIRE_NEED(r, 1);
	present = r->bytes[r->at++];
	WIRE_NEED(r, 1);
	flags = r->bytes[r->at++];
	if ((present & ~63) || (flags & ~(D_WRITABLE | D_ENUMERABLE | D_CONFIGURABLE)) || (flags & ~present))
		return wire_fail(r, start, "descriptor bits %u/%u are not ones protocol.ts defines", present, flags);
	if (++r->depth > WIRE_MAX_DEPTH)
		return wire_fail(r, start, "values nest deeper than %u", WIRE_MAX_DEPTH);
	if ((present & D_VALUE) && !wire_check_value(r)) return 0;
	if ((present & D_GET) && !wire_check_value(r)) return 0;
	if ((present & D_SET) && !wire_check_value(r)) return 0;
	r->depth--;
	return 1;
}

static int wire_check_value(xsbReader* r)
{
	uint32_t start = r->at;
	uint8_t tag;
	WIRE_NEED(r, 1);
	tag = r->bytes[r->at++];
	switch (tag) {
	case T_UNDEFINED: case T_NULL: case T_FALSE: case T_TRUE:
		return 1;
	case T_INT32: case T_RECEIVER: case T_PROMISE:
		WIRE_NEED(r, 4);
		r->at += 4;
		return 1;
	case T_FLOAT64: case T_DATE:
		WIRE_NEED(r, 8);
		r->at += 8;
		return 1;
	case T_STRING: case T_REGISTERED: case T_INTRINSIC: case T_WELL_KNOWN:
		return wire_check_string(r);
	case T_BUFFER:
		return wire_check_bytes(r);
	case T_VIEW:
		return wire_check_string(r) && wire_check_bytes(r);
	case T_BIGINT: {
		uint32_t length, i, first;
		int good;
		if (!wire_check_string(r))
			return 0;
		length = wire_u32(r->bytes + start + 1);
		first = start + 5;
		i = (length > 0 && r->bytes[first] == '-') ? 1 : 0;
		good = i < length;
		for (; i < length; i++)
			if (r->bytes[first + i] < '0' || r->bytes[first + i] > '9')
				good = 0;
		if (!good) {
			char shown[48];
			uint32_t n = length > 40 ? 40 : length, k;
			for (k = 0; k < n; k++) {
				uint8_t c = r->bytes[first + k];
				shown[k] = (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') ? (char)c : '?';
			}
			shown[n] = 0;
			return wire_fail(r, start, "a bigint must be decimal digits, not \"%s\"", shown);
		}
		return 1;
	}
	case T_SYMBOL: {
		uint8_t index;
		WIRE_NEED(r, 1);
		index = r->bytes[r->at++];
		if (index >= WIRE_SYMBOL_COUNT)
			return wire_fail(r, start + 1, "no well-known symbol has index %u", index);
		return 1;
	}
	case T_SENDER: case T_NAMED: {
		uint8_t kind;
		WIRE_NEED(r, 4);
		r->at += 4;
		WIRE_NEED(r, 1);
		kind = r->bytes[r->at++];
		if (kind > 2)
			return wire_fail(r, r->at - 1, "object kind %u is none of 0 (object), 1 (function), 2 (array)", kind);
		return tag == T_SENDER ? 1 : wire_check_string(r);
	}
	case T_ERROR: {
		uint8_t cause;
		if (!wire_check_string(r) || !wire_check_string(r) || !wire_check_string(r))
			return 0;
		WIRE_NEED(r, 1);
		cause = r->bytes[r->at++];
		if (cause > 1)
			return wire_fail(r, r->at - 1, "an error's cause flag is %u, not 0 or 1", cause);
		if (!cause)
			return 1;
		if (++r->depth > WIRE_MAX_DEPTH)
			return wire_fail(r, start, "values nest deeper than %u", WIRE_MAX_DEPTH);
		if (!wire_check_value(r))
			return 0;
		r->depth--;
		return 1;
	}
	case T_COPY: {
		uint8_t kind;
		WIRE_NEED(r, 1);
		kind = r->bytes[r->at++];
		if (kind > 1)
			return wire_fail(r, r->at - 1, "a copy's kind is %u, not 0 (a record) or 1 (an array)", kind);
	}
	/* fall through: its values are a list's */
	case T_LIST: {
		uint32_t n, i;
		WIRE_NEED(r, 4);
		n = wire_u32(r->bytes + r->at);
		r->at += 4;
		if (n > r->length - r->at)
			return wire_fail(r, r->at - 4, "a list of %u values runs past the end", n);
		if (++r->depth > WIRE_MAX_DEPTH)
			return wire_fail(r, start, "values nest deeper than %u", WIRE_MAX_DEPTH);
		for (i = 0; i < n; i++)
			if (!wire_check_value(r))
				return 0;
		r->depth--;
		return 1;
	}
	case T_DESCRIPTOR:
		return wire_check_descriptor_body(r, start);
	default:
		return wire_fail(r, start, "unknown value tag %u", tag);
	}
}

static int wire_check_args(xsbReader* r)
{
	uint32_t n, i;
	WIRE_NEED(r, 4);
	n = wire_u32(r->bytes + r->at);
	r->at += 4;
	if (n > r->length - r->at)
		return wire_fail(r, r->at - 4, "%u arguments run past the end", n);
	for (i = 0; i < n; i++)
		if (!wire_check_value(r))
			return 0;
	return 1;
}

enum { WIRE_WANT_REQUEST, WIRE_WANT_REPLY };

/* Checks a whole message; 1 if it is well formed and of the kind wanted. */
static int wire_check(xsbReader* r, int want)
{
	uint8_t op;
	r->at = 0;
	r->depth = 0;
	r->problem = gWireProblem;
	r->problem[0] = 0;
	WIRE_NEED(r, 1);
	op = r->bytes[r->at++];
	switch (op) {
	case WIRE_GET: case WIRE_HAS: case WIRE_DELETE: case WIRE_DESCRIBE:
		if (!wire_check_value(r) || !wire_check_value(r)) return 0;
		break;
	case WIRE_SET:
		if (!wire_check_value(r) || !wire_check_value(r) || !wire_check_value(r)) return 0;
		break;
	case WIRE_KEYS: case WIRE_PROTO: case WIRE_OK: case WIRE_ERR:
		if (!wire_check_value(r)) return 0;
		break;
	case WIRE_DEFINE: {
		uint32_t start;
		uint8_t tag;
		if (!wire_check_value(r) || !wire_check_value(r)) return 0;
		start = r->at;
		WIRE_NEED(r, 1);
		tag = r->bytes[r->at++];
		if (tag != T_DESCRIPTOR)
			return wire_fail(r, start, "a descriptor was expected, not tag %u", tag);
		if (!wire_check_descriptor_body(r, start)) return 0;
		break;
	}
	case WIRE_APPLY:
		if (!wire_check_value(r) || !wire_check_value(r) || !wire_check_args(r)) return 0;
		break;
	case WIRE_CONSTRUCT:
		if (!wire_check_value(r) || !wire_check_args(r)) return 0;
		break;
	case WIRE_SETTLE: {
		uint8_t outcome;
		WIRE_NEED(r, 4);
		r->at += 4;
		WIRE_NEED(r, 1);
		outcome = r->bytes[r->at++];
		if (outcome > 1)
			return wire_fail(r, r->at - 1, "a settlement's outcome is %u, not 0 (fulfilled) or 1 (rejected)", outcome);
		if (!wire_check_value(r)) return 0;
		break;
	}
	case WIRE_RELEASE: {
		uint32_t n, i;
		WIRE_NEED(r, 4);
		n = wire_u32(r->bytes + r->at);
		r->at += 4;
		if ((uint64_t)n * 8 > (uint64_t)(r->length - r->at))
			return wire_fail(r, r->at - 4, "%u releases run past the end", n);
		for (i = 0; i < n; i++) {
			WIRE_NEED(r, 4);
			r->at += 4;
			WIRE_NEED(r, 4);
			r->at += 4;
		}
		break;
	}
	default:
		return wire_fail(r, 0, "unknown op %u", op);
	}
	if (r->at != r->length)
		return wire_fail(r, r->at, "%u bytes follow the end of the message", r->length - r->at);
	if (want == WIRE_WANT_REQUEST && op >= WIRE_OK) {
		snprintf(r->problem, sizeof(gWireProblem), "a reply came where a request was expected");
		return 0;
	}
	if (want == WIRE_WANT_REPLY && op < WIRE_OK) {
		snprintf(r->problem, sizeof(gWireProblem), "a request came where a reply was expected");
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- decoding (checked bytes) */

static txSlot* wire_push_object(txMachine* the)
{
	mxPush(mxObjectPrototype);
	return fxNewObjectInstance(the);
}

/* Defines the value on top of the stack as instance's own data property id, and pops it. */
static void wire_put(txMachine* the, txSlot* instance, txID id)
{
	txSlot* property = mxBehaviorSetProperty(the, instance, id, 0, XS_OWN);
	property->kind = the->stack->kind;
	property->value = the->stack->value;
	mxPop();
}

static void wire_push_u32(txMachine* the, uint32_t value)
{
	if (value <= 0x7FFFFFFF)
		mxPushInteger((txInteger)value);
	else
		mxPushNumber((txNumber)value);
}

static void wire_push_string(txMachine* the, xsbReader* r)
{
	uint32_t length = wire_u32(r->bytes + r->at);
	r->at += 4;
	mxPushUndefined();
	fxStringBuffer(the, the->stack, NULL, (txSize)length);
	c_memcpy(the->stack->value.string, r->bytes + r->at, length);
	the->stack->value.string[length] = 0;
	r->at += length;
}

/* Binary data, pushed as a new ArrayBuffer of those bytes (one copy; the length was checked, and a
   message is at most XSB_MAX_MESSAGE_SIZE, so it is a txInteger). */
static void wire_push_bytes(txMachine* the, xsbReader* r)
{
	uint32_t length = wire_u32(r->bytes + r->at);
	r->at += 4;
	mxPushUndefined();
	fxArrayBuffer(the, the->stack, (void*)(r->bytes + r->at), (txInteger)length, -1);
	r->at += length;
}

/* {$: tag, ...}: the object, pushed, with its $ */
static txSlot* wire_push_tagged(txMachine* the, txID* ids, const char* tag)
{
	txSlot* instance = wire_push_object(the);
	mxPushStringC((txString)tag);
	wire_put(the, instance, ids[W_dollar]);
	return instance;
}

static void wire_push_value(txMachine* the, txID* ids, xsbReader* r);

static void wire_push_descriptor_body(txMachine* the, txID* ids, xsbReader* r)
{
	uint8_t present = r->bytes[r->at];
	uint8_t flags = r->bytes[r->at + 1];
	txSlot* instance = wire_push_object(the);
	r->at += 2;
	if (present & D_VALUE) { wire_push_value(the, ids, r); wire_put(the, instance, ids[W_v]); }
	if (present & D_GET) { wire_push_value(the, ids, r); wire_put(the, instance, ids[W_g]); }
	if (present & D_SET) { wire_push_value(the, ids, r); wire_put(the, instance, ids[W_s]); }
	if (present & D_WRITABLE) { mxPushBoolean((flags & D_WRITABLE) != 0); wire_put(the, instance, ids[W_w]); }
	if (present & D_ENUMERABLE) { mxPushBoolean((flags & D_ENUMERABLE) != 0); wire_put(the, instance, ids[W_e]); }
	if (present & D_CONFIGURABLE) { mxPushBoolean((flags & D_CONFIGURABLE) != 0); wire_put(the, instance, ids[W_c]); }
}

/* Pushes n values read from r as a new array. */
static void wire_push_list(txMachine* the, txID* ids, xsbReader* r, uint32_t n)
{
	txSlot* array;
	txSlot* item;
	uint32_t i;
	mxPush(mxArrayPrototype);
	array = fxNewArrayInstance(the);
	item = fxLastProperty(the, array);
	for (i = 0; i < n; i++) {
		wire_push_value(the, ids, r);
		item->next = fxNewSlot(the);
		item = item->next;
		item->kind = the->stack->kind;
		item->value = the->stack->value;
		mxPop();
	}
	array->next->value.array.length = n;
	fxCacheArray(the, array);
}

static void wire_push_value(txMachine* the, txID* ids, xsbReader* r)
{
	uint8_t tag = r->bytes[r->at++];
	txSlot* instance;
	mxCheckCStack();
	fxOverflow(the, -8, C_NULL, 0);
	switch (tag) {
	case T_UNDEFINED: mxPushUndefined(); return;
	case T_NULL: mxPushNull(); return;
	case T_FALSE: mxPushBoolean(0); return;
	case T_TRUE: mxPushBoolean(1); return;
	case T_INT32: {
		int32_t value = (int32_t)wire_u32(r->bytes + r->at);
		r->at += 4;
		mxPushInteger(value);
		return;
	}
	case T_FLOAT64: {
		double value;
		c_memcpy(&value, r->bytes + r->at, 8);
		r->at += 8;
		mxPushNumber(value);
		return;
	}
	case T_STRING:
		wire_push_string(the, r);
		return;
	case T_BIGINT:
		/* XS's own conversion, not the guest's global BigInt; the digits were checked */
		wire_push_string(the, r);
		fxToBigInt(the, the->stack, 1);
		return;
	case T_SYMBOL:
		instance = wire_push_tagged(the, ids, "y");
		mxPushStringC((txString)gWireSymbols[r->bytes[r->at++]]);
		wire_put(the, instance, ids[W_w]);
		return;
	case T_REGISTERED:
		instance = wire_push_tagged(the, ids, "y");
		wire_push_string(the, r);
		wire_put(the, instance, ids[W_r]);
		return;
	case T_SENDER:
	case T_NAMED:
		instance = wire_push_tagged(the, ids, "s");
		wire_push_u32(the, wire_u32(r->bytes + r->at));
		r->at += 4;
		wire_put(the, instance, ids[W_id]);
		mxPushStringC((txString)gWireKinds[r->bytes[r->at++]]);
		wire_put(the, instance, ids[W_k]);
		if (tag == T_NAMED) {
			wire_push_string(the, r);
			wire_put(the, instance, ids[W_n]);
		}
		return;
	case T_RECEIVER:
	case T_PROMISE:
		instance = wire_push_tagged(the, ids, tag == T_RECEIVER ? "d" : "p");
		wire_push_u32(the, wire_u32(r->bytes + r->at));
		r->at += 4;
		wire_put(the, instance, ids[W_id]);
		return;
	case T_INTRINSIC:
	case T_WELL_KNOWN:
		instance = wire_push_tagged(the, ids, tag == T_INTRINSIC ? "i" : "w");
		wire_push_string(the, r);
		wire_put(the, instance, ids[tag == T_INTRINSIC ? W_p : W_n]);
		return;
	case T_ERROR:
		instance = wire_push_tagged(the, ids, "e");
		wire_push_string(the, r);
		wire_put(the, instance, ids[W_n]);
		wire_push_string(the, r);
		wire_put(the, instance, ids[W_m]);
		wire_push_string(the, r);
		wire_put(the, instance, ids[W_s]);
		if (r->bytes[r->at++]) {
			wire_push_value(the, ids, r);
			wire_put(the, instance, ids[W_c]);
		}
		return;
	case T_DATE: {
		double value;
		instance = wire_push_tagged(the, ids, "dt");
		c_memcpy(&value, r->bytes + r->at, 8);
		r->at += 8;
		mxPushNumber(value);
		wire_put(the, instance, ids[W_v]);
		return;
	}
	case T_BUFFER:
		instance = wire_push_tagged(the, ids, "ab");
		wire_push_bytes(the, r);
		wire_put(the, instance, ids[W_v]);
		return;
	case T_VIEW:
		instance = wire_push_tagged(the, ids, "ta");
		wire_push_string(the, r);
		wire_put(the, instance, ids[W_c]);
		wire_push_bytes(the, r);
		wire_put(the, instance, ids[W_v]);
		return;
	case T_LIST: {
		uint32_t n = wire_u32(r->bytes + r->at);
		r->at += 4;
		wire_push_list(the, ids, r, n);
		return;
	}
	case T_COPY: {
		uint32_t n;
		instance = wire_push_tagged(the, ids, "c");
		mxPushInteger(r->bytes[r->at++]);
		wire_put(the, instance, ids[W_k]);
		n = wire_u32(r->bytes + r->at);
		r->at += 4;
		wire_push_list(the, ids, r, n);
		wire_put(the, instance, ids[W_v]);
		return;
	}
	case T_DESCRIPTOR:
		wire_push_descriptor_body(the, ids, r);
		return;
	}
}

/* Pushes the structure of a message wire_check() accepted. */
static void wire_push_message(txMachine* the, xsbMachine* m, xsbReader* r)
{
	txID* ids = wire_ids(the, m);
	uint8_t op;
	txSlot* instance;
	r->at = 0;
	op = r->bytes[r->at++];
	instance = wire_push_object(the);
	if (op < WIRE_OK) {
		mxPushStringC((txString)gWireOps[op]);
		wire_put(the, instance, ids[W_op]);
	}
	switch (op) {
	case WIRE_GET: case WIRE_HAS: case WIRE_DELETE: case WIRE_DESCRIBE:
	case WIRE_SET: case WIRE_DEFINE:
		wire_push_value(the, ids, r);
		wire_put(the, instance, ids[W_t]);
		wire_push_value(the, ids, r);
		wire_put(the, instance, ids[W_k]);
		if (op == WIRE_SET) {
			wire_push_value(the, ids, r);
			wire_put(the, instance, ids[W_v]);
		}
		else if (op == WIRE_DEFINE) {
			r->at++; /* the DESCRIPTOR tag */
			wire_push_descriptor_body(the, ids, r);
			wire_put(the, instance, ids[W_d]);
		}
		break;
	case WIRE_KEYS: case WIRE_PROTO:
		wire_push_value(the, ids, r);
		wire_put(the, instance, ids[W_t]);
		break;
	case WIRE_APPLY: case WIRE_CONSTRUCT: {
		uint32_t n;
		wire_push_value(the, ids, r);
		wire_put(the, instance, ids[W_t]);
		if (op == WIRE_APPLY) {
			wire_push_value(the, ids, r);
			wire_put(the, instance, ids[W_self]);
		}
		n = wire_u32(r->bytes + r->at);
		r->at += 4;
		wire_push_list(the, ids, r, n);
		wire_put(the, instance, ids[W_args]);
		break;
	}
	case WIRE_SETTLE: {
		uint8_t outcome;
		wire_push_u32(the, wire_u32(r->bytes + r->at));
		r->at += 4;
		wire_put(the, instance, ids[W_id]);
		outcome = r->bytes[r->at++];
		wire_push_value(the, ids, r);
		wire_put(the, instance, ids[outcome ? W_err : W_ok]);
		break;
	}
	case WIRE_RELEASE: {
		uint32_t n = wire_u32(r->bytes + r->at), i;
		txSlot* array;
		txSlot* item;
		r->at += 4;
		mxPush(mxArrayPrototype);
		array = fxNewArrayInstance(the);
		item = fxLastProperty(the, array);
		for (i = 0; i < n; i++) {
			txSlot* pair;
			txSlot* last;
			mxPush(mxArrayPrototype);
			pair = fxNewArrayInstance(the);
			last = fxLastProperty(the, pair);
			last->next = fxNewSlot(the);
			last = last->next;
			last->kind = XS_INTEGER_KIND; /* replaced below when it does not fit */
			{
				uint32_t id = wire_u32(r->bytes + r->at), count = wire_u32(r->bytes + r->at + 4);
				r->at += 8;
				wire_push_u32(the, id);
				last->kind = the->stack->kind;
				last->value = the->stack->value;
				mxPop();
				last->next = fxNewSlot(the);
				last = last->next;
				wire_push_u32(the, count);
				last->kind = the->stack->kind;
				last->value = the->stack->value;
				mxPop();
			}
			pair->next->value.array.length = 2;
			fxCacheArray(the, pair);
			item->next = fxNewSlot(the);
			item = item->next;
			item->kind = the->stack->kind;
			item->value = the->stack->value;
			mxPop();
		}
		array->next->value.array.length = n;
		fxCacheArray(the, array);
		wire_put(the, instance, ids[W_ids]);
		break;
	}
	case WIRE_OK: case WIRE_ERR:
		wire_push_value(the, ids, r);
		wire_put(the, instance, ids[op == WIRE_OK ? W_ok : W_err]);
		break;
	}
}

/* ---------------------------------------------------------------- encoding */

/* Bytes being written: in the C heap, counted against the machine's memory limit, and listed in
   the machine so that what an abort unwinds past is freed when the outermost entry ends. */
typedef struct xsbOutRecord xsbOut;
struct xsbOutRecord {
	xsbOut* next;
	uint8_t* data;
	uint32_t size;
	uint32_t capacity;
};

static xsbOut* wire_open(txMachine* the, xsbMachine* m)
{
	xsbOut* out = calloc(1, sizeof(xsbOut));
	if (!out)
		fxAbort(the, XS_NOT_ENOUGH_MEMORY_EXIT);
	out->next = m->outs;
	m->outs = out;
	return out;
}

static void wire_close(xsbMachine* m, xsbOut* out)
{
	xsbOut** link = &m->outs;
	while (*link && *link != out)
		link = &(*link)->next;
	if (*link)
		*link = out->next;
	m->allocated -= out->capacity;
	free(out->data);
	free(out);
}

static void wire_close_all(xsbMachine* m)
{
	while (m->outs)
		wire_close(m, m->outs);
}

static void wire_too_large(txMachine* the, const char* format, uint32_t size)
{
	mxPushUndefined();
	xsb_throw_named(the, the->stack, "MessageTooLargeError", format, size, XSB_MAX_MESSAGE_SIZE);
}

static uint8_t* wire_room(txMachine* the, xsbOut* out, uint32_t n)
{
	xsbMachine* m = the->xsb;
	if (n > XSB_MAX_MESSAGE_SIZE - out->size)
		wire_too_large(the, "a message of more than %u bytes is more than maxMessageSize (%u bytes)", out->size);
	if (out->size + n > out->capacity) {
		uint32_t size = out->size + n;
		uint32_t capacity = out->capacity ? out->capacity : 256;
		uint8_t* data;
		while (capacity < size)
			capacity = (capacity > XSB_MAX_MESSAGE_SIZE / 2) ? XSB_MAX_MESSAGE_SIZE : capacity * 2;
		if (m->memoryLimit && m->allocated - out->capacity + capacity > m->memoryLimit)
			data = NULL;
		else
			data = realloc(out->data, capacity);
		if (!data)
			wire_too_large(the, "a message of %u bytes (so far) does not fit in the machine's memory limit (maxMessageSize: %u bytes)", size);
		m->allocated += capacity - out->capacity;
		out->data = data;
		out->capacity = capacity;
	}
	return out->data + out->size;
}

static void wire_byte(txMachine* the, xsbOut* out, uint8_t byte)
{
	*wire_room(the, out, 1) = byte;
	out->size++;
}

static void wire_word(txMachine* the, xsbOut* out, uint32_t word)
{
	uint8_t* p = wire_room(the, out, 4);
	p[0] = (uint8_t)word;
	p[1] = (uint8_t)(word >> 8);
	p[2] = (uint8_t)(word >> 16);
	p[3] = (uint8_t)(word >> 24);
	out->size += 4;
}

static void wire_f64(txMachine* the, xsbOut* out, double value)
{
	uint8_t* p = wire_room(the, out, 8);
	if (value != value) {
		static const uint8_t nan[8] = { 0, 0, 0, 0, 0, 0, 0xF8, 0x7F };
		c_memcpy(p, nan, 8);
	}
	else
		c_memcpy(p, &value, 8);
	out->size += 8;
}

static void wire_text(txMachine* the, xsbOut* out, const char* text, uint32_t length)
{
	uint8_t* p = wire_room(the, out, 4 + length);
	p[0] = (uint8_t)length;
	p[1] = (uint8_t)(length >> 8);
	p[2] = (uint8_t)(length >> 16);
	p[3] = (uint8_t)(length >> 24);
	c_memcpy(p + 4, text, length);
	out->size += 4 + length;
}

/* A number as protocol.ts writes it: INT32 when it is an int32 and not -0, else FLOAT64. */
static void wire_number(txMachine* the, xsbOut* out, double value)
{
	if (value >= -2147483648.0 && value <= 2147483647.0 && value == (double)(int32_t)value && !(value == 0 && c_signbit(value))) {
		wire_byte(the, out, T_INT32);
		wire_word(the, out, (uint32_t)(int32_t)value);
	}
	else {
		wire_byte(the, out, T_FLOAT64);
		wire_f64(the, out, value);
	}
}

/* Writes a primitive (undefined, null, boolean, number, string, bigint); 0 for anything else. */
static int wire_write_primitive(txMachine* the, xsbOut* out, txSlot* value)
{
	switch (value->kind) {
	case XS_UNDEFINED_KIND: wire_byte(the, out, T_UNDEFINED); return 1;
	case XS_NULL_KIND: wire_byte(the, out, T_NULL); return 1;
	case XS_BOOLEAN_KIND: wire_byte(the, out, value->value.boolean ? T_TRUE : T_FALSE); return 1;
	case XS_INTEGER_KIND:
		wire_byte(the, out, T_INT32);
		wire_word(the, out, (uint32_t)value->value.integer);
		return 1;
	case XS_NUMBER_KIND: wire_number(the, out, value->value.number); return 1;
	case XS_STRING_KIND:
	case XS_STRING_X_KIND:
		wire_byte(the, out, T_STRING);
		wire_text(the, out, value->value.string, (uint32_t)c_strlen(value->value.string));
		return 1;
	case XS_BIGINT_KIND:
	case XS_BIGINT_X_KIND: {
		txString digits;
		mxPushSlot(value);
		digits = fxToString(the, the->stack);
		wire_byte(the, out, T_BIGINT);
		wire_text(the, out, digits, (uint32_t)c_strlen(digits));
		mxPop();
		return 1;
	}
	}
	return 0;
}

/* Whether object (a reference) has an own property id; no getter runs. */
static txBoolean wire_own(txMachine* the, txSlot* object, txID id)
{
	txBoolean result;
	mxPushUndefined();
	result = mxBehaviorGetOwnProperty(the, object->value.reference, id, 0, the->stack);
	mxPop();
	return result;
}

/* Pushes object[id]. */
static txSlot* wire_get(txMachine* the, txSlot* object, txID id)
{
	mxPushSlot(object);
	mxGetID(id);
	return the->stack;
}

static void wire_write_string_property(txMachine* the, xsbOut* out, txSlot* object, txID id, const char* what)
{
	txSlot* value = wire_get(the, object, id);
	if (!mxIsStringPrimitive(value))
		mxTypeError("cannot encode %s: it must be a string", what);
	wire_text(the, out, value->value.string, (uint32_t)c_strlen(value->value.string));
	mxPop();
}

/* An ArrayBuffer's bytes, as they are: read from its slots, not through byteLength or any method of the guest's. */
static void wire_write_bytes_property(txMachine* the, xsbOut* out, txSlot* object, txID id, const char* what)
{
	txSlot* value = wire_get(the, object, id);
	txSlot* arrayBuffer = mxIsReference(value) ? value->value.reference->next : C_NULL;
	if (!arrayBuffer || !(arrayBuffer->flag & XS_INTERNAL_FLAG) || arrayBuffer->kind != XS_ARRAY_BUFFER_KIND)
		mxTypeError("cannot encode %s: it must be an ArrayBuffer", what);
	if (arrayBuffer->value.arrayBuffer.address == C_NULL)
		mxTypeError("cannot encode %s: the ArrayBuffer is detached", what);
	/* wire_room reallocates C memory only: no collection moves the buffer's chunk meanwhile */
	wire_text(the, out, (const char*)arrayBuffer->value.arrayBuffer.address, (uint32_t)arrayBuffer->next->value.bufferInfo.length);
	mxPop();
}

static uint32_t wire_to_u32(txMachine* the, txSlot* value, const char* what)
{
	if (value->kind == XS_INTEGER_KIND && value->value.integer >= 0)
		return (uint32_t)value->value.integer;
	if (value->kind == XS_NUMBER_KIND) {
		double number = value->value.number;
		if (number >= 0 && number <= 4294967295.0 && number == c_floor(number))
			return (uint32_t)number;
	}
	mxTypeError("cannot encode %s: it must be a u32", what);
	return 0;
}

static void wire_write_u32_property(txMachine* the, xsbOut* out, txSlot* object, txID id, const char* what)
{
	wire_word(the, out, wire_to_u32(the, wire_get(the, object, id), what));
	mxPop();
}

static void wire_write_value(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* value, int depth);

static void wire_write_property(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* object, txID id, int depth)
{
	wire_write_value(the, m, out, wire_get(the, object, id), depth);
	mxPop();
}

static void wire_write_descriptor(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* object, int depth)
{
	txID* ids = wire_ids(the, m);
	static const int bits[3] = { D_WRITABLE, D_ENUMERABLE, D_CONFIGURABLE };
	int names[3] = { W_w, W_e, W_c };
	uint8_t present = 0, flags = 0;
	int i;
	if (!mxIsReference(object))
		mxTypeError("cannot encode a descriptor that is not an object");
	if (wire_own(the, object, ids[W_v])) present |= D_VALUE;
	if (wire_own(the, object, ids[W_g])) present |= D_GET;
	if (wire_own(the, object, ids[W_s])) present |= D_SET;
	for (i = 0; i < 3; i++) {
		txSlot* flag = wire_get(the, object, ids[names[i]]);
		if (!mxIsUndefined(flag)) {
			present |= bits[i];
			if (fxToBoolean(the, flag))
				flags |= bits[i];
		}
		mxPop();
	}
	wire_byte(the, out, T_DESCRIPTOR);
	wire_byte(the, out, present);
	wire_byte(the, out, flags);
	if (present & D_VALUE) wire_write_property(the, m, out, object, ids[W_v], depth + 1);
	if (present & D_GET) wire_write_property(the, m, out, object, ids[W_g], depth + 1);
	if (present & D_SET) wire_write_property(the, m, out, object, ids[W_s], depth + 1);
}

/* Writes length and the items of an array-like (a list, or arguments). */
static void wire_write_items(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* list, int depth, const char* what)
{
	uint32_t length, i;
	if (!mxIsReference(list))
		mxTypeError("cannot encode %s: it must be an array", what);
	length = wire_to_u32(the, wire_get(the, list, mxID(_length)), what);
	mxPop();
	wire_word(the, out, length);
	for (i = 0; i < length; i++) {
		mxPushSlot(list);
		mxGetIndex(i);
		wire_write_value(the, m, out, the->stack, depth + 1);
		mxPop();
	}
}

static void wire_write_value(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* value, int depth)
{
	txID* ids;
	txSlot* tag;
	const char* t;
	mxCheckCStack();
	fxOverflow(the, -8, C_NULL, 0);
	if (wire_write_primitive(the, out, value))
		return;
	if (value->kind == XS_SYMBOL_KIND)
		mxTypeError("cannot encode a symbol: protocol.ts lists what a message holds");
	if (!mxIsReference(value))
		mxTypeError("cannot encode this value: protocol.ts lists what a message holds");
	if (depth > WIRE_MAX_DEPTH)
		mxTypeError("cannot encode values nested deeper than %d", WIRE_MAX_DEPTH);
	if (fxIsArray(the, value->value.reference)) {
		wire_byte(the, out, T_LIST);
		wire_write_items(the, m, out, value, depth, "a list");
		return;
	}
	ids = wire_ids(the, m);
	if (!wire_own(the, value, ids[W_dollar])) {
		wire_write_descriptor(the, m, out, value, depth);
		return;
	}
	tag = wire_get(the, value, ids[W_dollar]);
	if (mxIsUndefined(tag)) {
		mxPop();
		wire_write_descriptor(the, m, out, value, depth);
		return;
	}
	if (!mxIsStringPrimitive(tag))
		mxTypeError("cannot encode a value whose $ is not a string");
	t = tag->value.string;
	if (!c_strcmp(t, "s")) {
		int named = wire_own(the, value, ids[W_n]);
		txSlot* kind;
		uint8_t k;
		wire_byte(the, out, named ? T_NAMED : T_SENDER);
		wire_write_u32_property(the, out, value, ids[W_id], "an id");
		kind = wire_get(the, value, ids[W_k]);
		if (!mxIsStringPrimitive(kind))
			mxTypeError("cannot encode kind: it must be 'o', 'f' or 'a'");
		for (k = 0; k < 3; k++)
			if (!c_strcmp(kind->value.string, gWireKinds[k]))
				break;
		if (k == 3)
			mxTypeError("cannot encode kind \"%s\": it must be 'o', 'f' or 'a'", kind->value.string);
		mxPop();
		wire_byte(the, out, k);
		if (named)
			wire_write_string_property(the, out, value, ids[W_n], "a name");
	}
	else if (!c_strcmp(t, "d") || !c_strcmp(t, "p")) {
		wire_byte(the, out, t[0] == 'd' ? T_RECEIVER : T_PROMISE);
		wire_write_u32_property(the, out, value, ids[W_id], "an id");
	}
	else if (!c_strcmp(t, "y")) {
		if (wire_own(the, value, ids[W_r])) {
			wire_byte(the, out, T_REGISTERED);
			wire_write_string_property(the, out, value, ids[W_r], "a registered symbol's key");
		}
		else {
			txSlot* name = wire_get(the, value, ids[W_w]);
			uint8_t index;
			if (!mxIsStringPrimitive(name))
				mxTypeError("cannot encode well-known symbol: its name must be a string");
			for (index = 0; index < WIRE_SYMBOL_COUNT; index++)
				if (!c_strcmp(name->value.string, gWireSymbols[index]))
					break;
			if (index == WIRE_SYMBOL_COUNT)
				mxTypeError("cannot encode well-known symbol \"%s\": protocol.ts lists what a message holds", name->value.string);
			mxPop();
			wire_byte(the, out, T_SYMBOL);
			wire_byte(the, out, index);
		}
	}
	else if (!c_strcmp(t, "i")) {
		wire_byte(the, out, T_INTRINSIC);
		wire_write_string_property(the, out, value, ids[W_p], "an intrinsic's path");
	}
	else if (!c_strcmp(t, "w")) {
		wire_byte(the, out, T_WELL_KNOWN);
		wire_write_string_property(the, out, value, ids[W_n], "a well-known object's name");
	}
	else if (!c_strcmp(t, "e")) {
		wire_byte(the, out, T_ERROR);
		wire_write_string_property(the, out, value, ids[W_n], "an error's name");
		wire_write_string_property(the, out, value, ids[W_m], "an error's message");
		wire_write_string_property(the, out, value, ids[W_s], "an error's stack");
		if (wire_own(the, value, ids[W_c])) {
			wire_byte(the, out, 1);
			wire_write_property(the, m, out, value, ids[W_c], depth + 1);
		}
		else
			wire_byte(the, out, 0);
	}
	else if (!c_strcmp(t, "dt")) {
		txSlot* time = wire_get(the, value, ids[W_v]);
		if (time->kind != XS_INTEGER_KIND && time->kind != XS_NUMBER_KIND)
			mxTypeError("cannot encode a date: its time value must be a number");
		wire_byte(the, out, T_DATE);
		wire_f64(the, out, time->kind == XS_INTEGER_KIND ? (double)time->value.integer : time->value.number);
		mxPop();
	}
	else if (!c_strcmp(t, "ab")) {
		wire_byte(the, out, T_BUFFER);
		wire_write_bytes_property(the, out, value, ids[W_v], "a buffer's bytes");
	}
	else if (!c_strcmp(t, "ta")) {
		wire_byte(the, out, T_VIEW);
		wire_write_string_property(the, out, value, ids[W_c], "a view's class");
		wire_write_bytes_property(the, out, value, ids[W_v], "a view's bytes");
	}
	else if (!c_strcmp(t, "c")) {
		txSlot* kind = wire_get(the, value, ids[W_k]);
		if (kind->kind != XS_INTEGER_KIND || (kind->value.integer != 0 && kind->value.integer != 1))
			mxTypeError("cannot encode a copy: its kind must be 0 (a record) or 1 (an array)");
		wire_byte(the, out, T_COPY);
		wire_byte(the, out, (uint8_t)kind->value.integer);
		mxPop();
		wire_write_items(the, m, out, wire_get(the, value, ids[W_v]), depth, "a copy's values");
		mxPop();
	}
	else
		mxTypeError("cannot encode value \"%s\": protocol.ts lists what a message holds", t);
	mxPop(); /* the tag */
}

/* A request structure (send's argument). */
static void wire_write_request(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* request)
{
	txID* ids = wire_ids(the, m);
	txSlot* op;
	uint8_t code;
	if (!mxIsReference(request) || !wire_own(the, request, ids[W_op]))
		mxTypeError("send expects a request ({op, ...}: see protocol.ts)");
	op = wire_get(the, request, ids[W_op]);
	if (!mxIsStringPrimitive(op))
		mxTypeError("cannot encode op: it must be a string");
	for (code = 1; code <= WIRE_RELEASE; code++)
		if (!c_strcmp(op->value.string, gWireOps[code]))
			break;
	if (code > WIRE_RELEASE)
		mxTypeError("cannot encode op \"%s\": protocol.ts lists what a message holds", op->value.string);
	mxPop();
	wire_byte(the, out, code);
	switch (code) {
	case WIRE_GET: case WIRE_HAS: case WIRE_DELETE: case WIRE_DESCRIBE: case WIRE_SET: case WIRE_DEFINE:
		wire_write_property(the, m, out, request, ids[W_t], 0);
		wire_write_property(the, m, out, request, ids[W_k], 0);
		if (code == WIRE_SET)
			wire_write_property(the, m, out, request, ids[W_v], 0);
		else if (code == WIRE_DEFINE) {
			wire_write_descriptor(the, m, out, wire_get(the, request, ids[W_d]), 0);
			mxPop();
		}
		break;
	case WIRE_KEYS: case WIRE_PROTO:
		wire_write_property(the, m, out, request, ids[W_t], 0);
		break;
	case WIRE_APPLY: case WIRE_CONSTRUCT:
		wire_write_property(the, m, out, request, ids[W_t], 0);
		if (code == WIRE_APPLY)
			wire_write_property(the, m, out, request, ids[W_self], 0);
		wire_write_items(the, m, out, wire_get(the, request, ids[W_args]), 0, "args");
		mxPop();
		break;
	case WIRE_SETTLE: {
		int rejected;
		wire_write_u32_property(the, out, request, ids[W_id], "an id");
		rejected = wire_own(the, request, ids[W_err]);
		wire_byte(the, out, rejected ? 1 : 0);
		wire_write_property(the, m, out, request, ids[rejected ? W_err : W_ok], 0);
		break;
	}
	case WIRE_RELEASE: {
		txSlot* list = wire_get(the, request, ids[W_ids]);
		uint32_t length, i;
		if (!mxIsReference(list))
			mxTypeError("cannot encode ids: it must be an array");
		length = wire_to_u32(the, wire_get(the, list, mxID(_length)), "ids");
		mxPop();
		wire_word(the, out, length);
		for (i = 0; i < length; i++) {
			txSlot* pair;
			mxPushSlot(list);
			mxGetIndex(i);
			pair = the->stack;
			if (!mxIsReference(pair))
				mxTypeError("cannot encode ids: each must be [id, count]");
			mxPushSlot(pair);
			mxGetIndex(0);
			wire_word(the, out, wire_to_u32(the, the->stack, "an id"));
			mxPop();
			mxPushSlot(pair);
			mxGetIndex(1);
			wire_word(the, out, wire_to_u32(the, the->stack, "a count"));
			mxPop();
			mxPop();
		}
		mxPop();
		break;
	}
	}
}

/* A reply structure (what the receiver returns): OK when it has its own ok, else ERR. */
static void wire_write_reply(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* reply)
{
	txID* ids = wire_ids(the, m);
	int ok;
	if (!mxIsReference(reply))
		mxTypeError("the receiver must return a reply ({ok: value} or {err: value})");
	ok = wire_own(the, reply, ids[W_ok]);
	wire_byte(the, out, ok ? WIRE_OK : WIRE_ERR);
	wire_write_property(the, m, out, reply, ids[ok ? W_ok : W_err], 0);
}

/* ERR and an ERROR named ProtocolError, with an empty stack: the answer to malformed bytes. */
static void wire_write_protocol_error(txMachine* the, xsbOut* out, const char* problem)
{
	wire_byte(the, out, WIRE_ERR);
	wire_byte(the, out, T_ERROR);
	wire_text(the, out, "ProtocolError", 13);
	wire_text(the, out, problem, (uint32_t)c_strlen(problem));
	wire_text(the, out, "", 0);
	wire_byte(the, out, 0);
}

/* ---------------------------------------------------------------- the fast path */

/* Pushes the exported object with this id, or returns 0 (pushing nothing) if there is none. */
static int wire_push_exported(txMachine* the, xsbMachine* m, uint32_t id)
{
	txSlot* root = xsb_root(m);
	txSlot* entry;
	/* get.call(table, id): Map.prototype.get, as the wet side captured it */
	mxPushSlot(root);
	mxGetIndex(XSB_ROOT_FAST_TABLE);
	mxPushSlot(root);
	mxGetIndex(XSB_ROOT_FAST_GET);
	mxCall();
	wire_push_u32(the, id);
	mxRunCount(1);
	entry = the->stack;
	if (!mxIsReference(entry)) {
		mxPop();
		return 0;
	}
	mxPushUndefined();
	if (!mxBehaviorGetOwnProperty(the, entry->value.reference, wire_ids(the, m)[W_value], 0, the->stack)
		|| !mxIsReference(the->stack)) {
		the->stack += 2;
		return 0;
	}
	/* the value replaces the entry */
	entry->kind = the->stack->kind;
	entry->value = the->stack->value;
	mxPop();
	return 1;
}

/* Pushes the value of a fast-path value (tags the shape check allowed); 0 if a RECEIVER id is not
   an exported object. */
static int wire_push_fast_value(txMachine* the, xsbMachine* m, xsbReader* r)
{
	uint8_t tag = r->bytes[r->at];
	if (tag == T_RECEIVER) {
		uint32_t id = wire_u32(r->bytes + r->at + 1);
		r->at += 5;
		return wire_push_exported(the, m, id);
	}
	wire_push_value(the, wire_ids(the, m), r);
	return 1;
}

/* Whether the value at r is one the fast path takes; moves past it. */
static int wire_fast_shape(xsbReader* r, int key)
{
	uint8_t tag;
	if (r->at >= r->length)
		return 0;
	tag = r->bytes[r->at];
	switch (tag) {
	case T_UNDEFINED: case T_NULL: case T_FALSE: case T_TRUE:
		if (key) return 0;
		r->at++;
		return 1;
	case T_INT32:
		r->at++;
		if (r->length - r->at < 4) return 0;
		r->at += 4;
		return 1;
	case T_FLOAT64:
		if (key) return 0;
		r->at++;
		if (r->length - r->at < 8) return 0;
		r->at += 8;
		return 1;
	case T_RECEIVER:
		if (key) return 0;
		r->at++;
		if (r->length - r->at < 4) return 0;
		r->at += 4;
		return 1;
	case T_STRING: {
		uint32_t length;
		r->at++;
		if (r->length - r->at < 4) return 0;
		length = wire_u32(r->bytes + r->at);
		r->at += 4;
		if (length > r->length - r->at || xsb_text_prefix(r->bytes + r->at, length) != length)
			return 0;
		r->at += length;
		return 1;
	}
	}
	return 0;
}

/* Writes OK and the result, or ERR and what was thrown, encoded by the wet side's functions. */
static void wire_fast_reply(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* result, int thrown)
{
	txSlot* root = xsb_root(m);
	if (!thrown) {
		/* after the op byte wire_fast wrote */
		if (wire_write_primitive(the, out, result))
			return;
		/* encodeResult(value) gives it an id: it may throw, as the general path's encode may */
		mxTry(the) {
			mxPushUndefined();
			mxPushSlot(root);
			mxGetIndex(XSB_ROOT_FAST_RESULT);
			mxCall();
			mxPushSlot(result);
			mxRunCount(1);
			mxPullSlot(result);
		}
		mxCatch(the) {
			*result = mxException;
			mxException = mxUndefined;
			thrown = 1;
		}
		if (!thrown) {
			out->data[0] = WIRE_OK;
			wire_write_value(the, m, out, result, 0);
			return;
		}
	}
	/* encodeThrown(error), and once more on what that throws */
	mxTry(the) {
		mxPushUndefined();
		mxPushSlot(root);
		mxGetIndex(XSB_ROOT_FAST_THROWN);
		mxCall();
		mxPushSlot(result);
		mxRunCount(1);
		mxPullSlot(result);
		thrown = 0;
	}
	mxCatch(the) {
		*result = mxException;
		mxException = mxUndefined;
	}
	if (thrown) {
		mxPushUndefined();
		mxPushSlot(root);
		mxGetIndex(XSB_ROOT_FAST_THROWN);
		mxCall();
		mxPushSlot(result);
		mxRunCount(1);
		mxPullSlot(result);
	}
	out->data[0] = WIRE_ERR;
	wire_write_value(the, m, out, result, 0);
}

static int gWireFastPath = 1;

/* GET and APPLY on exported objects, with primitive or exported operands, performed here; 0 (with
   nothing observable done) when the message is not one of those, for the general path. */
static int wire_fast(txMachine* the, xsbMachine* m, const uint8_t* bytes, uint32_t length, xsbOut* out)
{
	xsbReader r;
	txSlot* root = xsb_root(m);
	txSlot* stack = the->stack;
	txSlot* result;
	uint32_t argc = 0, i;
	uint8_t op;
	int thrown = 0;
	if (!gWireFastPath || length < 6)
		return 0;
	op = bytes[0];
	if ((op != WIRE_GET && op != WIRE_APPLY) || bytes[1] != T_RECEIVER)
		return 0;
	/* the shape, from the bytes alone */
	r.bytes = bytes;
	r.length = length;
	r.at = 6;
	if (op == WIRE_GET) {
		if (!wire_fast_shape(&r, 1))
			return 0;
	}
	else {
		if (!wire_fast_shape(&r, 0) || length - r.at < 4)
			return 0;
		argc = wire_u32(bytes + r.at);
		r.at += 4;
		if (argc > WIRE_FAST_MAX_ARGS)
			return 0;
		for (i = 0; i < argc; i++)
			if (!wire_fast_shape(&r, 0))
				return 0;
	}
	if (r.at != length)
		return 0;
	mxPushSlot(root);
	mxGetIndex(XSB_ROOT_FAST_TABLE);
	i = mxIsReference(the->stack);
	mxPop();
	if (!i)
		return 0;
	/* the operands: each exported object must be in the table */
	fxOverflow(the, -(txInteger)(2 * argc + 16), C_NULL, 0);
	mxPushUndefined();
	result = the->stack;
	r.at = 1;
	if (!wire_push_fast_value(the, m, &r))
		goto fallback;
	if (op == WIRE_APPLY) {
		if (!fxIsCallable(the, the->stack))
			goto fallback;
		if (!wire_push_fast_value(the, m, &r))
			goto fallback;
		r.at += 4;
		for (i = 0; i < argc; i++)
			if (!wire_push_fast_value(the, m, &r))
				goto fallback;
	}
	else
		wire_push_fast_value(the, m, &r);
	/* done: the bytes are not read again, and from here the guest's code runs */
	wire_byte(the, out, WIRE_OK);
	mxTry(the) {
		if (op == WIRE_GET) {
			mxPushSlot(result - 1);
			mxPushSlot(result - 2);
			mxGetAt();
		}
		else {
			mxPushSlot(result - 2); /* this */
			mxPushSlot(result - 1); /* the function */
			mxCall();
			for (i = 0; i < argc; i++)
				mxPushSlot(result - 3 - i);
			mxRunCount((txInteger)argc);
		}
		mxPullSlot(result);
	}
	mxCatch(the) {
		*result = mxException;
		mxException = mxUndefined;
		thrown = 1;
	}
	wire_fast_reply(the, m, out, result, thrown);
	the->stack = stack;
	return 1;
fallback:
	the->stack = stack;
	return 0;
}

/* pump.setFastPath(table, get, encodeResult, encodeThrown), or setFastPath(undefined) to stop. */
static void xsb_set_fast_path_callback(txMachine* the)
{
	txSlot* root = xsb_root(the->xsb);
	int i, on = (xsToInteger(xsArgc) >= 1) && !mxIsUndefined(&xsArg(0));
	if (on) {
		if (xsToInteger(xsArgc) < 4 || !mxIsReference(&xsArg(0)) || !xsIsCallable(xsArg(1)) || !xsIsCallable(xsArg(2)) || !xsIsCallable(xsArg(3)))
			mxTypeError("setFastPath expects (table, get, encodeResult, encodeThrown), or undefined");
	}
	for (i = 0; i < 4; i++)
		xsSetIndex(*root, XSB_ROOT_FAST_TABLE + i, on ? xsArg(i) : xsUndefined);
}

/* ---------------------------------------------------------------- the guest's traps */

/* The guest's calls and reads of the host's objects, the other way from the fast path: `apply`
   and `get` of the wet side's proxy handler (pump.makeTraps; TrapHooks in side.ts) write the
   request here, send it as send() does and return a primitive reply themselves. What they cannot
   do alike goes to the side's JavaScript: a value that is not a primitive is encoded by its encode
   (ids are given in the same order as the JavaScript trap gives them), a reply that is not a
   primitive is finished by its finish, and while its gate is closed (revoked, or settlements wait
   to be sent first) the JavaScript trap runs instead. The bytes sent are the JavaScript trap's. */

static const uint8_t* xsb_transmit(txMachine* the, xsbMachine* m, xsbOut* request, uint32_t* replyLength);

/* Pushes root[index]. */
static txSlot* wire_root_item(txMachine* the, xsbMachine* m, int index)
{
	mxPushSlot(xsb_root(m));
	mxGetIndex(index);
	return the->stack;
}

/* Whether a trap may send at once: the switch (xsb_set_fast_path) is on and the gate is open. */
static int wire_trap_open(txMachine* the, xsbMachine* m)
{
	txSlot* gate;
	int open = 0;
	if (!gWireFastPath)
		return 0;
	gate = wire_root_item(the, m, XSB_ROOT_TRAP_GATE);
	if (mxIsReference(gate)) {
		mxPushUndefined();
		if (mxBehaviorGetOwnProperty(the, gate->value.reference, wire_ids(the, m)[W_open], 0, the->stack))
			open = the->stack->kind == XS_BOOLEAN_KIND && the->stack->value.boolean;
		mxPop();
	}
	mxPop();
	return open;
}

/* The JavaScript trap root[index], with this trap's this and arguments. */
static void wire_trap_js(txMachine* the, xsbMachine* m, int index)
{
	txInteger argc = mxArgc, i;
	mxPushSlot(mxThis);
	wire_root_item(the, m, index);
	mxCall();
	for (i = 0; i < 3; i++) {
		if (i < argc)
			mxPushSlot(mxArgv(i));
		else
			mxPushUndefined();
	}
	mxRunCount(3);
	mxPullSlot(mxResult);
}

/* Pushes how the other side names the proxy's target: undefined if it is not one of the side's. */
static txSlot* wire_trap_ref(txMachine* the, xsbMachine* m, txSlot* target)
{
	/* weakMapGet.call(targetRefs, target), both as the side gave them */
	wire_root_item(the, m, XSB_ROOT_TRAP_REFS);
	wire_root_item(the, m, XSB_ROOT_TRAP_WEAK_GET);
	mxCall();
	mxPushSlot(target);
	mxRunCount(1);
	return the->stack;
}

/* hooks.prepare(): what callRaw does before it sends (throws once revoked, flushes settlements). */
static void wire_trap_prepare(txMachine* the, xsbMachine* m)
{
	mxPushUndefined();
	wire_root_item(the, m, XSB_ROOT_TRAP_PREPARE);
	mxCall();
	mxRunCount(0);
	mxPop();
}

/* Writes an operand as encode(value, path) and then send() would: a primitive here, anything
   else (an object, a function, a symbol) through the side's encode, which gives ids, may run
   guest code (an error's getters, which may call the host: each request has its own buffer) and
   may throw. */
static void wire_trap_operand(txMachine* the, xsbMachine* m, xsbOut* out, txSlot* value, const char* path, int depth)
{
	if (wire_write_primitive(the, out, value))
		return;
	mxPushUndefined();
	wire_root_item(the, m, XSB_ROOT_TRAP_ENCODE);
	mxCall();
	mxPushSlot(value);
	mxPushStringC((txString)path);
	mxRunCount(2);
	wire_write_value(the, m, out, the->stack, depth);
	mxPop();
}

/* A reader of the host's reply in these bytes, checked: malformed bytes throw a ProtocolError. */
static void wire_check_reply(txMachine* the, xsbReader* r, const uint8_t* bytes, uint32_t length)
{
	r->bytes = bytes;
	r->length = length;
	if (!wire_check(r, WIRE_WANT_REPLY)) {
		mxPushUndefined();
		xsb_throw_named(the, the->stack, "ProtocolError", "the host's reply: %s", r->problem);
	}
}

/* Frees a reply collected over several frames (xsb_transmit), once it has been read. */
static void wire_answer_free(xsbMachine* m)
{
	if (m->answer.data)
		xsb_bytes_free(m, &m->answer);
}

/* Sends the request written in out, closes it, and sets the trap's result from the reply: a
   primitive OK here, anything else through hooks.finish(value, outcome). */
static void wire_trap_send(txMachine* the, xsbMachine* m, xsbOut* volatile out, int get)
{
	const uint8_t* volatile bytes = NULL;
	uint32_t length = 0;
	volatile txInteger outcome = -1;
	mxTry(the) {
		/* as callRaw: a nested call while encoding may have closed the gate */
		if (!wire_trap_open(the, m))
			wire_trap_prepare(the, m);
		bytes = xsb_transmit(the, m, out, &length);
	}
	mxCatch(the) {
		wire_close(m, out);
		fxJump(the);
	}
	wire_close(m, out);
	{
		mxTry(the) {
			xsbReader r;
			wire_check_reply(the, &r, bytes, length);
			r.at = 1;
			if (bytes[0] != WIRE_OK || bytes[1] > T_BIGINT)
				outcome = bytes[0] == WIRE_ERR ? 2 : get;
			wire_push_value(the, wire_ids(the, m), &r);
			mxPullSlot(mxResult);
		}
		mxCatch(the) {
			wire_answer_free(m);
			fxJump(the);
		}
	}
	wire_answer_free(m);
	if (outcome >= 0) {
		mxPushUndefined();
		wire_root_item(the, m, XSB_ROOT_TRAP_FINISH);
		mxCall();
		mxPushSlot(mxResult);
		mxPushInteger(outcome);
		mxRunCount(2);
		mxPullSlot(mxResult);
	}
}

/* Writes a trap's request after its op's byte and the target's reference. */
typedef void (*wireTrapWriter)(txMachine* the, xsbMachine* m, xsbOut* out);

/* A trap of the guest's proxies in C: the JavaScript one (root slot `jsTrap`) when the call is not
   `eligible`, the gate is closed or the target has no reference; otherwise the request `write`
   finishes after the op and the reference, sent, its reply read (as a get's when `get`). */
static void wire_trap(txMachine* the, int eligible, txInteger jsTrap, uint8_t op, wireTrapWriter write, int get)
{
	xsbMachine* m = the->xsb;
	xsbOut* volatile out;
	txSlot* ref;
	/* the vars every body has: the framing's errors (xsbFrameError, xsbTooLarge) build in them */
	xsVars(XSB_VARS);
	if (!eligible || !wire_trap_open(the, m)) {
		wire_trap_js(the, m, jsTrap);
		return;
	}
	ref = wire_trap_ref(the, m, mxArgv(0));
	if (!mxIsReference(ref)) {
		mxPop();
		wire_trap_js(the, m, jsTrap);
		return;
	}
	out = wire_open(the, m);
	mxTry(the) {
		wire_byte(the, out, op);
		wire_write_value(the, m, out, ref, 0);
		write(the, m, out);
	}
	mxCatch(the) {
		wire_close(m, out);
		fxJump(the);
	}
	mxPop(); /* ref */
	wire_trap_send(the, m, out, get);
}

/* APPLY's self and arguments, as encodeArgs reads them and wire_write_items writes them */
static void wire_trap_write_apply(txMachine* the, xsbMachine* m, xsbOut* out)
{
	txSlot* args = mxArgv(2);
	uint32_t count, i;
	char path[24];
	wire_trap_operand(the, m, out, mxArgv(1), "this", 0);
	if (!mxIsReference(args))
		mxTypeError("cannot encode args: it must be an array");
	count = wire_to_u32(the, wire_get(the, args, mxID(_length)), "args");
	mxPop();
	wire_word(the, out, count);
	for (i = 0; i < count; i++) {
		mxPushSlot(args);
		mxGetIndex(i);
		snprintf(path, sizeof(path), "args[%u]", i);
		wire_trap_operand(the, m, out, the->stack, path, 1);
		mxPop();
	}
}

/* GET's key: a string (a symbol goes to the JavaScript trap) */
static void wire_trap_write_get(txMachine* the, xsbMachine* m, xsbOut* out)
{
	(void)m;
	wire_write_primitive(the, out, mxArgv(1));
}

/* handler.apply(target, self, args) */
static void xsb_trap_apply(txMachine* the)
{
	wire_trap(the, mxArgc >= 3, XSB_ROOT_TRAP_APPLY, WIRE_APPLY, wire_trap_write_apply, 0);
}

/* handler.get(target, key, receiver) */
static void xsb_trap_get(txMachine* the)
{
	int eligible = mxArgc >= 2 && (mxArgv(1)->kind == XS_STRING_KIND || mxArgv(1)->kind == XS_STRING_X_KIND);
	wire_trap(the, eligible, XSB_ROOT_TRAP_GET, WIRE_GET, wire_trap_write_get, 1);
}

/* pump.makeTraps(handler, hooks): a handler with handler's traps but apply and get, which are the
   ones above; they keep handler's apply and get, and the hooks (TrapHooks in side.ts), in the
   machine's root, so a machine has one such handler at a time (its wet side's). */
static void xsb_make_traps(txMachine* the)
{
	static const char* const traps[] = { "get", "set", "has", "deleteProperty", "ownKeys", "getOwnPropertyDescriptor",
		"defineProperty", "getPrototypeOf", "setPrototypeOf", "isExtensible", "preventExtensions", "apply", "construct" };
	/* in the order of XSB_ROOT_TRAP_REFS and after */
	static const char* const hooks[] = { "targetRefs", "weakMapGet", "encode", "finish", "prepare", "gate" };
	txSlot* root = xsb_root(the->xsb);
	int i;
	xsVars(2);
	if (xsToInteger(xsArgc) < 2 || !mxIsReference(&xsArg(0)) || !mxIsReference(&xsArg(1)))
		mxTypeError("makeTraps expects (handler, hooks)");
	for (i = 0; i < 6; i++) {
		xsVar(1) = xsGet(xsArg(1), xsID(hooks[i]));
		if ((i == 0 || i == 5) ? !mxIsReference(&xsVar(1)) : !xsIsCallable(xsVar(1)))
			mxTypeError("makeTraps: hooks.%s is not what TrapHooks says", hooks[i]);
		xsSetIndex(*root, XSB_ROOT_TRAP_REFS + i, xsVar(1));
	}
	xsVar(0) = xsNewObject();
	for (i = 0; i < 13; i++) {
		xsVar(1) = xsGet(xsArg(0), xsID(traps[i]));
		if (!mxIsUndefined(&xsVar(1)))
			xsSet(xsVar(0), xsID(traps[i]), xsVar(1));
	}
	xsVar(1) = xsGet(xsArg(0), xsID("apply"));
	if (!xsIsCallable(xsVar(1)))
		mxTypeError("makeTraps: the handler has no apply");
	xsSetIndex(*root, XSB_ROOT_TRAP_APPLY, xsVar(1));
	xsVar(1) = xsGet(xsArg(0), xsID("get"));
	if (!xsIsCallable(xsVar(1)))
		mxTypeError("makeTraps: the handler has no get");
	xsSetIndex(*root, XSB_ROOT_TRAP_GET, xsVar(1));
	xsVar(1) = xsNewHostFunction(xsb_trap_apply, 3);
	xsSet(xsVar(0), xsID("apply"), xsVar(1));
	xsVar(1) = xsNewHostFunction(xsb_trap_get, 3);
	xsSet(xsVar(0), xsID("get"), xsVar(1));
	xsResult = xsVar(0);
}
