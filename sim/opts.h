/*
 * opts.h - the options shared by `kubesim run` and `kubesim validate`:
 * the scenario path, --out, --seed, --duration and --set overrides.
 */
#ifndef KS_OPTS_H
#define KS_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenarios/scenario.h"

struct run_opts {
	const char		*scenario;
	const char		*out;
	bool			 quiet;
	bool			 check;		/* run --check: end-of-run invariants */
	struct scn_override	*overrides;	/* --seed and --duration become overrides */
	size_t			 noverrides;
	char			**owned;	/* strings the overrides point into */
	size_t			 nowned;
};

/* Parses argv (argv[0] is the command name). On bad usage prints a message
 * and returns -1. with_out: the command accepts --out. */
int opts_parse(int argc, char **argv, struct run_opts *o, bool with_out);
void opts_free(struct run_opts *o);
/* The options as a JSON object for the runs table; caller frees. */
char *opts_params_json(const struct run_opts *o, const struct scenario *s);

/* A simulated time for --since, --until, --at: a duration ("90m",
 * "1h30m") or plain seconds ("5400"). Returns 0, or -1 when malformed or
 * negative. */
int opts_time(const char *s, double *out);
/* A positive run id for --run; -1 when malformed. */
int opts_run_id(const char *s, int64_t *out);

#endif
