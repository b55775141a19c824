/*
 * fuzz_values.c - libFuzzer target: Kubernetes quantities ("250m", "1Gi",
 * "1e3") at every scale and Go durations ("1h30m"). Each must parse or be
 * refused; a parsed duration must read back within int64 nanoseconds.
 */
#include "config.h"

#include "scenarios/scenario.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int64_t v;
	sim_ns d;
	(void)scn_quantity_milli(s, &v);
	(void)scn_quantity_value(s, &v);
	for (int scale = -9; scale <= 9; scale += 3)
		(void)scn_quantity_scaled(s, scale, &v);
	(void)scn_duration(s, &d);
	free(s);
	return 0;
}
