/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c - --log / --log-format text|json, written the way runc writes them. */
#define _GNU_SOURCE
#include "base.h"

#include <string.h>
#include <sys/uio.h>
#include <time.h>

static const char *level_name(enum sk_log_level l)
{
	switch (l) {
	case SK_LOG_ERROR:
		return "error";
	case SK_LOG_WARN:
		return "warning";
	case SK_LOG_INFO:
		return "info";
	default:
		return "debug";
	}
}

void sk_log(const struct sk_log *log, enum sk_log_level lvl, const char *fmt, ...)
{
	/* msg is raw (config strings, paths, argv); escaped once, here */
	char msg[1024], esc[4096], line[4096 + 128], ts[64];
	struct timespec now;
	struct tm tm;
	va_list ap;
	bool to_stderr;
	int fd, n;

	if (lvl == SK_LOG_DEBUG && !(log && log->debug))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	to_stderr = !log || log->fd < 0;
	fd = !to_stderr ? log->fd : (log && log->errfd > 2) ? log->errfd : 2;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	if (log && log->json) {
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		sk_escape(esc, sizeof(esc), msg, SK_ESC_JSON);
		n = snprintf(line, sizeof(line),
			     "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s.%09ldZ\"}\n",
			     level_name(lvl), esc, ts, now.tv_nsec);
	} else if (to_stderr && lvl != SK_LOG_DEBUG) {
		/* errors and warnings on stderr keep skiff's one-line shape;
		 * --debug lines there are runc's (time= level=debug msg=) */
		sk_escape(esc, sizeof(esc), msg, SK_ESC_PLAIN);
		n = snprintf(line, sizeof(line), "skiff: %s%s\n",
			     lvl == SK_LOG_WARN ? "warning: " : "", esc);
	} else {
		/* logrus' text shape: msg quoted as Go's %q */
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		sk_escape(esc, sizeof(esc), msg, SK_ESC_QUOTED);
		n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", ts,
			     level_name(lvl), esc);
	}
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	(void)sk_write_all(fd, line, (size_t)n);
}

void sk_log_failure(const struct sk_log *log, const char *msg)
{
	if (log && log->fd >= 0)
		sk_log(log, SK_LOG_ERROR, "%s", msg);
	sk_log(NULL, SK_LOG_ERROR, "%s", msg);
}

void sk_debug_phase(const struct sk_log *log, const struct timespec *t0, const char *who,
		    const char *id, const char *what)
{
	struct timespec now;

	if (!log->debug)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	sk_debug(log, "%s %s: %s at %.3f ms", who, id, what,
		 (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6);
}
