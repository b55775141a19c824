/*
 * fuzz.h - shared by kubesim's libFuzzer targets (tests/fuzz/fuzz_*.c): the
 * loaders read files, so each input is written to a file in a scratch
 * directory of this process's own; string readers get a NUL-terminated copy.
 * Built and run by tests/fuzz/run.sh (make fuzz).
 */
#ifndef KS_FUZZ_H
#define KS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The path of name in this process's scratch directory (static storage). */
static inline const char *
fuzz_path(const char *name)
{
	static char dir[64];
	static char buf[160];
	if (dir[0] == '\0') {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/kubesim-fuzz.%ld", t && *t ? t : "/tmp",
		    (long)getpid());
		mkdir(dir, 0700);
	}
	snprintf(buf, sizeof buf, "%s/%s", dir, name);
	return buf;
}

/* Writes data to the scratch file name; returns its path (static storage,
 * valid until the next fuzz_path or fuzz_write). */
static inline const char *
fuzz_write(const char *name, const uint8_t *data, size_t size)
{
	const char *p = fuzz_path(name);
	FILE *f = fopen(p, "wb");
	if (f == NULL)
		abort();
	if (size > 0 && fwrite(data, 1, size, f) != size)
		abort();
	fclose(f);
	return p;
}

/* A NUL-terminated copy of data; the caller frees. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

#endif
