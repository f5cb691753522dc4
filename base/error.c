/* SPDX-License-Identifier: GPL-2.0-or-later */
/* error.c - the error object every function fills on failure. */
#define _GNU_SOURCE
#include "base.h"

#include <errno.h>
#include <string.h>

static int abs_code(int code)
{
	if (code < 0)
		code = -code;
	return code ? code : EINVAL;
}

int sk_err_fill(struct sk_err *e, int code, bool sys, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	code = abs_code(code);
	if (!e)
		return -code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (sys) {
		n = strlen(e->msg);
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(code));
	}
	return -code;
}

int sk_err_prefix(struct sk_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	va_list ap;
	size_t n;

	if (!e)
		return -EINVAL;
	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	n = strlen(e->msg);
	if (n + 3 < sizeof(e->msg)) {
		e->msg[n++] = ':';
		e->msg[n++] = ' ';
		memcpy(e->msg + n, old, sizeof(e->msg) - n - 1);
		e->msg[sizeof(e->msg) - 1] = '\0';
	}
	return -abs_code(e->code);
}
