/*
 * fuzz_sched_config.c - libFuzzer target: KubeSchedulerConfiguration files
 * (scn_sched_config_load), as `kubesim schedule --config` and a scenario's
 * schedulerConfig read them.
 */
#include "config.h"

#include "scenarios/sched_config.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("config.yaml", data, size);
	struct scn_sched_config c;
	memset(&c, 0, sizeof c);
	char *cause = NULL;
	if (scn_sched_config_load(path, &c, &cause) < 0 && cause == NULL)
		abort();
	scn_sched_config_fini(&c);
	free(cause);
	return 0;
}
