/*
 * ytree.h - a YAML (and so JSON) document tree with source positions.
 * libyaml parses the text; every node keeps file:line:column so that any
 * later stage can report bad input exactly where it is. Used for scenarios,
 * Kubernetes manifests, hpa-eval case files and the fidelity vectors.
 */
#ifndef KS_YTREE_H
#define KS_YTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum yt_kind { YT_SCALAR, YT_MAP, YT_SEQ };

/*
 * Limits on YAML input, each refused with a message: mappings and lists
 * nested at most YT_MAX_DEPTH deep (the tree is built and read recursively),
 * files of at most YT_MAX_BYTES, and aliases that expand a document to at
 * most 10 times its written nodes (at least 10^6). Documented in
 * scenarios/README.md.
 */
#define YT_MAX_DEPTH	256
#define YT_MAX_BYTES	(256 << 20)

struct yt_node {
	enum yt_kind	  kind;
	const char	 *file;		/* owned by the yt_docs */
	int		  line;		/* 1-based */
	int		  col;		/* 1-based */
	char		 *str;		/* YT_SCALAR: the text */
	bool		  quoted;	/* YT_SCALAR: written in quotes */
	size_t		  n;		/* YT_MAP: pairs; YT_SEQ: items */
	struct yt_node	**keys;		/* YT_MAP: key scalars */
	struct yt_node	**items;	/* YT_MAP: values; YT_SEQ: items */
	size_t		  weight;	/* nodes, aliases expanded (saturating) */
	bool		  open;		/* while its children are being read */
};

/* The documents of one file or string; owns every node in them. */
struct yt_docs {
	char		 *file;
	struct yt_node	**docs;
	size_t		  ndocs;
	struct yt_node	**all;		/* every node, for freeing */
	size_t		  nall, capall;
};

/* Parses all documents; on error returns -1 and sets *cause (caller frees)
 * to "file:line:col: ...". Empty documents are dropped. */
int yt_parse_file(const char *path, struct yt_docs *out, char **cause);
int yt_parse_string(const char *name, const char *text, size_t len,
    struct yt_docs *out, char **cause);
void yt_docs_free(struct yt_docs *d);

/* Map lookup; NULL when absent or when map is not a map. */
struct yt_node *yt_get(const struct yt_node *map, const char *key);
/* A plain scalar null, ~ or empty. */
bool yt_is_null(const struct yt_node *n);
/* "file:line:col" of a node, into buf. */
const char *yt_where(const struct yt_node *n, char *buf, size_t size);
/* A new cause string "file:line:col: <message>"; caller frees. */
char *yt_errorf(const struct yt_node *n, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Typed scalar readers: 0 on success, -1 with *cause naming the node. */
int yt_int64(const struct yt_node *n, int64_t *out, char **cause);
int yt_double(const struct yt_node *n, double *out, char **cause);
int yt_bool(const struct yt_node *n, bool *out, char **cause);
/* The scalar's text (owned by the tree), or -1 if not a scalar. */
int yt_string(const struct yt_node *n, const char **out, char **cause);

/* Convenience for optional fields: the value when key is present, dflt
 * otherwise; a present but malformed value is an error. */
int yt_get_int64(const struct yt_node *map, const char *key, int64_t dflt,
    int64_t *out, char **cause);
int yt_get_double(const struct yt_node *map, const char *key, double dflt,
    double *out, char **cause);
int yt_get_bool(const struct yt_node *map, const char *key, bool dflt,
    bool *out, char **cause);
/* *out is NULL when absent. */
int yt_get_string(const struct yt_node *map, const char *key,
    const char **out, char **cause);

/*
 * Checks that every key of map is one of allowed (NULL-terminated); on an
 * unknown key returns -1 with "file:line:col: unknown field 'x' in <what>
 * (did you mean 'y'?)".
 */
int yt_check_keys(const struct yt_node *map, const char *what,
    const char *const *allowed, char **cause);

#endif
