/*
 * cofferd logging: one line per event on stderr,
 * "2026-11-21T18:51:06.123Z info http_start: listening on http://127.0.0.1:7420".
 * Every line names the function that logged it; callers add the error name
 * (coffer_err_name) where there is one. Secrets are never passed here: tokens,
 * passphrases and keys are not logged, not even in part.
 */
#ifndef COFFER_DAEMON_LOG_H
#define COFFER_DAEMON_LOG_H

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

/* Only messages at or below this level are written (default LOG_LEVEL_INFO). */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Name of a level ("info"), and its parse: 0 or COFFER_ERR_CONFIG_BAD_VALUE. */
const char *log_level_name(enum log_level level);
int log_level_parse(enum log_level *out, const char *name);

/* Write one line (no trailing newline needed; control characters are escaped). */
void log_write(enum log_level level, const char *func, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Write regardless of the level: start-up and shutdown lines an operator always needs. */
void log_notice_write(const char *func, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_notice(...) log_notice_write(__func__, __VA_ARGS__)
#define log_error(...) log_write(LOG_LEVEL_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __func__, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __func__, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __func__, __VA_ARGS__)

#endif
