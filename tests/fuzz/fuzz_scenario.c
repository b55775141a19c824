/*
 * fuzz_scenario.c - libFuzzer target: the scenario loader (scn_load) on any
 * bytes, as `kubesim validate` reads a scenario file. Bad input must give a
 * cause and -1; a crash, leak, hang or sanitizer report is a finding.
 */
#include "config.h"

#include "scenarios/scenario.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("scenario.yaml", data, size);
	struct scenario *s = NULL;
	char *cause = NULL;
	if (scn_load(path, NULL, 0, &s, &cause) == 0) {
		if (s == NULL || cause != NULL)
			abort();
		scn_free(s);
	} else if (cause == NULL || s != NULL) {
		abort();	/* every refusal says why */
	}
	free(cause);
	return 0;
}
