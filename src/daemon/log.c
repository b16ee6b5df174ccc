/* cofferd logging (see log.h). */
#include "daemon/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/err.h"

static volatile int log_level_cur = LOG_LEVEL_INFO;

static const char *const log_names[] = { "error", "warn", "info", "debug" };

void
log_set_level(enum log_level level)
{
	log_level_cur = (int)level;
}

enum log_level
log_get_level(void)
{
	return (enum log_level)log_level_cur;
}

const char *
log_level_name(enum log_level level)
{
	unsigned int i = (unsigned int)level;

	return i < sizeof(log_names) / sizeof(log_names[0]) ? log_names[i] : "unknown";
}

int
log_level_parse(enum log_level *out, const char *name)
{
	unsigned int i;

	*out = LOG_LEVEL_INFO;
	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++) {
		if (strcmp(name, log_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return COFFER_ERR_CONFIG_BAD_VALUE;
}

static void
emit(const char *level, const char *func, const char *msg)
{
	char line[1400], ts[32];
	struct timeval tv;
	struct tm tm;
	size_t i, o = 0;

	/* Escape control bytes so a hostile value quoted in a message cannot forge lines. */
	for (i = 0; msg[i] != '\0' && o + 5 < sizeof(line) - 200; i++) {
		unsigned char ch = (unsigned char)msg[i];

		if (ch < 0x20 || ch == 0x7f)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "\\x%02x", ch);
		else
			line[o++] = (char)ch;
	}
	line[o] = '\0';
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	/* One fprintf per line: stdio's stream lock keeps concurrent lines whole. */
	fprintf(stderr, "%s.%03dZ %s %s: %s\n", ts, (int)(tv.tv_usec / 1000), level, func, line);
}

void
log_write(enum log_level level, const char *func, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if ((int)level > log_level_cur)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(log_level_name(level), func, msg);
}

void
log_notice_write(const char *func, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit("notice", func, msg);
}
