/*
 * fuzz_trace.c - libFuzzer target: CSV traffic traces (wl_trace_load) read
 * as rates, counts and per-request arrivals, with the time in seconds or in
 * the default timestamp format; a loaded trace is then sampled.
 */
#include "config.h"

#include "workloads/traffic.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write("trace.csv", data, size);
	static const enum wl_trace_value kinds[] = { WL_VALUE_RATE, WL_VALUE_COUNT,
	    WL_VALUE_ARRIVALS };
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		struct wl_trace_opts o;
		memset(&o, 0, sizeof o);
		o.path = path;
		o.value = kinds[k];
		o.end = (enum wl_trace_end)(k % 3);
		o.interp = k == 1 ? WL_INTERP_LINEAR : WL_INTERP_STEP;
		struct wl_traffic *t = NULL;
		char *cause = NULL;
		if (wl_trace_load(&o, &t, &cause) == 0) {
			for (sim_ns at = 0; at < 4 * SIM_HOUR; at += 7 * SIM_MIN)
				(void)wl_rate(t, at);
			(void)wl_count(t, 0, SIM_HOUR);
			struct wl_replay *r = wl_replay_new(t, 0);
			for (int i = 0; r != NULL && i < 100 && wl_replay_next(r) != SIM_NEVER; i++)
				;
			wl_replay_free(r);
			wl_free(t);
		} else if (cause == NULL) {
			abort();
		}
		free(cause);
	}
	return 0;
}
