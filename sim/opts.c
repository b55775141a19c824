/*
 * opts.c - command-line options of `run` and `validate` (getopt_long), with
 * --seed and --duration turned into scenario overrides so that they are
 * checked exactly like the scenario's own fields.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/build.h"
#include "sim/opts.h"
#include "sim/util/util.h"

static void
add_override(struct run_opts *o, const char *path, const char *value)
{
	o->overrides = xreallocarray(o->overrides, o->noverrides + 1, sizeof *o->overrides);
	o->owned = xreallocarray(o->owned, o->nowned + 2, sizeof *o->owned);
	char *p = xstrdup(path), *v = xstrdup(value);
	o->owned[o->nowned++] = p;
	o->owned[o->nowned++] = v;
	o->overrides[o->noverrides].path = p;
	o->overrides[o->noverrides].value = v;
	o->noverrides++;
}

int
opts_parse(int argc, char **argv, struct run_opts *o, bool with_out)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "set", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "traffic-mode", required_argument, NULL, 'T' },
		{ "check", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	o->out = "results.db";
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "o:s:d:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (!with_out)
				goto bad;
			o->out = optarg;
			break;
		case 's':
			add_override(o, "seed", optarg);
			break;
		case 'd':
			add_override(o, "duration", optarg);
			break;
		case 'S': {
			const char *eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg) {
				fprintf(stderr, "kubesim %s: --set takes PATH=VALUE, got '%s'\n",
				    argv[0], optarg);
				opts_free(o);
				return -1;
			}
			char *path = xstrndup(optarg, (size_t)(eq - optarg));
			add_override(o, path, eq + 1);
			free(path);
			break;
		}
		case 'q':
			o->quiet = true;
			break;
		case 'C':
			if (!with_out)
				goto bad;
			o->check = true;
			break;
		case 'T':
			if (strcmp(optarg, "request") != 0 && strcmp(optarg, "fluid") != 0 &&
			    strcmp(optarg, "auto") != 0) {
				fprintf(stderr, "kubesim %s: --traffic-mode must be request, fluid "
				    "or auto, got '%s'\n", argv[0], optarg);
				opts_free(o);
				return -1;
			}
			/* The scenario's trafficMode key, overridden. */
			add_override(o, "trafficMode", optarg);
			break;
		default:
		bad:
			fprintf(stderr, "kubesim %s: unknown option '%s' (see kubesim %s --help)\n",
			    argv[0], argv[optind - 1], argv[0]);
			opts_free(o);
			return -1;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "kubesim %s: expected one SCENARIO file (see kubesim %s --help)\n",
		    argv[0], argv[0]);
		opts_free(o);
		return -1;
	}
	o->scenario = argv[optind];
	return 0;
}

void
opts_free(struct run_opts *o)
{
	for (size_t i = 0; i < o->nowned; i++)
		free(o->owned[i]);
	free(o->owned);
	free(o->overrides);
	o->owned = NULL;
	o->overrides = NULL;
	o->nowned = o->noverrides = 0;
}

char *
opts_params_json(const struct run_opts *o, const struct scenario *s)
{
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_puts(&b, "{\"scenario_file\":");
	ks_buf_json_str(&b, o->scenario);
	ks_buf_printf(&b, ",\"seed\":%llu,\"duration_s\":%.0f,\"warmup_s\":%.9g,"
	    "\"interval_s\":%.9g,\"traffic_mode\":\"%s\",",
	    (unsigned long long)s->seed, (double)s->duration / 1e9,
	    (double)s->warmup / 1e9, (double)s->interval / 1e9,
	    build_request_mode(s) ? "request" : "fluid");
	if (s->warm_start)
		ks_buf_puts(&b, "\"start\":\"warm\",");
	ks_buf_puts(&b, "\"set\":{");
	for (size_t i = 0; i < o->noverrides; i++) {
		if (i)
			ks_buf_puts(&b, ",");
		ks_buf_json_str(&b, o->overrides[i].path);
		ks_buf_puts(&b, ":");
		ks_buf_json_str(&b, o->overrides[i].value);
	}
	ks_buf_puts(&b, "}}");
	return ks_buf_take(&b);
}

int
opts_time(const char *s, double *out)
{
	char *end;
	sim_ns ns;
	if (s[0] == '\0')
		return -1;
	double v = strtod(s, &end);
	if (*end == '\0' && v >= 0 && v < 1e12) {
		*out = v;
		return 0;
	}
	if (scn_duration(s, &ns) != 0 || ns < 0)
		return -1;
	*out = (double)ns / 1e9;
	return 0;
}

int
opts_run_id(const char *s, int64_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || v <= 0)
		return -1;
	*out = v;
	return 0;
}
