/*
 * ytree.c - builds yt_node trees from libyaml's event stream, keeping every
 * node's position; resolves anchors and aliases by sharing the anchored node.
 * Typed readers turn scalars into numbers with messages that name file:line:col.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "sim/util/util.h"
#include "sim/util/ytree.h"

struct anchor {
	char		*name;
	struct yt_node	*node;
};

struct builder {
	struct yt_docs	*docs;
	yaml_parser_t	 parser;
	struct anchor	*anchors;
	size_t		 nanchors, capanchors;
	int		 depth;		/* collections open now */
	size_t		 doc_first;	/* docs->nall when this document began */
	char		*cause;
};

/* Keys of a mapping at which duplicate checks switch from a scan to a hash. */
#define YT_HASH_KEYS	16

static struct yt_node *
node_new(struct builder *b, enum yt_kind kind, const yaml_mark_t *mark)
{
	struct yt_docs *d = b->docs;
	struct yt_node *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->file = d->file;
	n->line = (int)mark->line + 1;
	n->col = (int)mark->column + 1;
	n->weight = 1;
	KS_GROW(d->all, d->capall, d->nall + 1);
	d->all[d->nall++] = n;
	return n;
}

static void
anchor_add(struct builder *b, const yaml_char_t *name, struct yt_node *n)
{
	if (name == NULL)
		return;
	KS_GROW(b->anchors, b->capanchors, b->nanchors + 1);
	b->anchors[b->nanchors].name = xstrdup((const char *)name);
	b->anchors[b->nanchors].node = n;
	b->nanchors++;
}

static int
next_event(struct builder *b, yaml_event_t *ev)
{
	if (yaml_parser_parse(&b->parser, ev))
		return 0;
	yaml_parser_t *p = &b->parser;
	const yaml_mark_t *m = &p->problem_mark;
	const char *what = p->problem ? p->problem : "malformed YAML";
	if (p->context != NULL)
		b->cause = xasprintf("%s:%zu:%zu: YAML syntax error: %s %s",
		    b->docs->file, m->line + 1, m->column + 1, what, p->context);
	else
		b->cause = xasprintf("%s:%zu:%zu: YAML syntax error: %s",
		    b->docs->file, m->line + 1, m->column + 1, what);
	return -1;
}

static int parse_node(struct builder *b, yaml_event_t *ev, struct yt_node **out);

/* a + b, saturating: node weights count alias expansions. */
static size_t
weight_add(size_t a, size_t b)
{
	return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The index of an earlier key equal to key, or -1. Small maps scan; from
 * YT_HASH_KEYS keys on, a hash map (built on first need) answers in O(1). */
static ptrdiff_t
key_find(const struct yt_node *n, struct ks_strmap *h, const char *key)
{
	if (n->n < YT_HASH_KEYS) {
		for (size_t i = 0; i < n->n; i++)
			if (strcmp(n->keys[i]->str, key) == 0)
				return (ptrdiff_t)i;
		return -1;
	}
	if (h->len == 0)
		for (size_t i = 0; i < n->n; i++)
			ks_strmap_put(h, n->keys[i]->str, (int64_t)i);
	int64_t i;
	return ks_strmap_get(h, key, &i) ? (ptrdiff_t)i : -1;
}

static int
map_add(struct builder *b, struct yt_node *n, struct ks_strmap *h,
    struct yt_node *key, size_t *capk, size_t *cap)
{
	if (key->kind != YT_SCALAR) {
		b->cause = yt_errorf(key, "a mapping key must be a plain value");
		return -1;
	}
	ptrdiff_t dup = key_find(n, h, key->str);
	if (dup >= 0) {
		b->cause = yt_errorf(key, "duplicate key '%s' (first at line %d)",
		    key->str, n->keys[dup]->line);
		return -1;
	}
	yaml_event_t vev;
	if (next_event(b, &vev) < 0)
		return -1;
	struct yt_node *val;
	int rc = parse_node(b, &vev, &val);
	yaml_event_delete(&vev);
	if (rc < 0)
		return -1;
	if (h->len > 0)
		ks_strmap_put(h, key->str, (int64_t)n->n);
	KS_GROW(n->keys, *capk, n->n + 1);
	KS_GROW(n->items, *cap, n->n + 1);
	n->keys[n->n] = key;
	n->items[n->n] = val;
	n->n++;
	n->weight = weight_add(n->weight, val->weight);
	return 0;
}

static int
parse_children(struct builder *b, struct yt_node *n, yaml_event_type_t end)
{
	size_t cap = 0, capk = 0;
	struct ks_strmap h;
	ks_strmap_init(&h);
	int rc = 0;
	for (;;) {
		yaml_event_t ev;
		if (next_event(b, &ev) < 0) {
			rc = -1;
			break;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			break;
		}
		struct yt_node *child;
		rc = parse_node(b, &ev, &child);
		yaml_event_delete(&ev);
		if (rc < 0)
			break;
		n->weight = weight_add(n->weight, child->weight);
		if (n->kind == YT_MAP) {
			if ((rc = map_add(b, n, &h, child, &capk, &cap)) < 0)
				break;
		} else {
			KS_GROW(n->items, cap, n->n + 1);
			n->items[n->n++] = child;
		}
	}
	ks_strmap_fini(&h);
	return rc;
}

/*
 * Aliases share the anchored node, so a reader that walks the tree visits an
 * aliased subtree once per alias: a few lines can stand for 2^60 nodes ("a
 * billion laughs"). A document may stand for at most this many times the
 * nodes it really has (and always for YT_MIN_WEIGHT), as Go's yaml.v3 bounds
 * its alias expansion.
 */
#define YT_ALIAS_RATIO	10
#define YT_MIN_WEIGHT	((size_t)1000000)

static int
check_weight(struct builder *b, const struct yt_node *n)
{
	size_t real = b->docs->nall - b->doc_first;
	size_t limit = real > YT_MIN_WEIGHT / YT_ALIAS_RATIO ? real * YT_ALIAS_RATIO :
	    YT_MIN_WEIGHT;
	if (n->weight <= limit)
		return 0;
	b->cause = yt_errorf(n, "the document's aliases expand to more than %zu "
	    "nodes (%d times the nodes written, at least %zu)", limit, YT_ALIAS_RATIO,
	    YT_MIN_WEIGHT);
	return -1;
}

/* Opens a collection: at most YT_MAX_DEPTH may be open at once. */
static int
depth_enter(struct builder *b, const yaml_mark_t *m)
{
	if (b->depth >= YT_MAX_DEPTH) {
		b->cause = xasprintf("%s:%zu:%zu: nested deeper than %d levels (the limit "
		    "for YAML input)", b->docs->file, m->line + 1, m->column + 1,
		    YT_MAX_DEPTH);
		return -1;
	}
	b->depth++;
	return 0;
}

static int
parse_node(struct builder *b, yaml_event_t *ev, struct yt_node **out)
{
	struct yt_node *n;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(b, YT_SCALAR, &ev->start_mark);
		n->str = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->quoted = ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
		    ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
		anchor_add(b, ev->data.scalar.anchor, n);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool seq = ev->type == YAML_SEQUENCE_START_EVENT;
		if (depth_enter(b, &ev->start_mark) < 0)
			return -1;
		n = node_new(b, seq ? YT_SEQ : YT_MAP, &ev->start_mark);
		anchor_add(b, seq ? ev->data.sequence_start.anchor :
		    ev->data.mapping_start.anchor, n);
		n->open = true;
		if (parse_children(b, n, seq ? YAML_SEQUENCE_END_EVENT :
		    YAML_MAPPING_END_EVENT) < 0)
			return -1;
		n->open = false;
		b->depth--;
		if (check_weight(b, n) < 0)
			return -1;
		break;
	}
	case YAML_ALIAS_EVENT:
		for (size_t i = b->nanchors; i-- > 0;) {
			if (strcmp(b->anchors[i].name, (const char *)ev->data.alias.anchor) == 0) {
				struct yt_node *a = b->anchors[i].node;
				if (a->open) {
					/* A node containing itself: readers would never end. */
					b->cause = xasprintf("%s:%zu:%zu: alias '*%s' refers to a "
					    "node that contains it", b->docs->file,
					    ev->start_mark.line + 1, ev->start_mark.column + 1,
					    (const char *)ev->data.alias.anchor);
					return -1;
				}
				*out = a;
				return 0;
			}
		}
		b->cause = xasprintf("%s:%zu:%zu: unknown alias '*%s'", b->docs->file,
		    ev->start_mark.line + 1, ev->start_mark.column + 1,
		    (const char *)ev->data.alias.anchor);
		return -1;
	default:
		b->cause = xasprintf("%s:%zu:%zu: unexpected YAML event", b->docs->file,
		    ev->start_mark.line + 1, ev->start_mark.column + 1);
		return -1;
	}
	*out = n;
	return 0;
}

static int
build(struct builder *b)
{
	size_t capdocs = 0;
	for (;;) {
		yaml_event_t ev;
		if (next_event(b, &ev) < 0)
			return -1;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			return 0;
		}
		if (t != YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		yaml_event_delete(&ev);
		b->doc_first = b->docs->nall;
		/* The document's root, then DOCUMENT-END. */
		if (next_event(b, &ev) < 0)
			return -1;
		struct yt_node *root;
		int rc = parse_node(b, &ev, &root);
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
		if (next_event(b, &ev) < 0)
			return -1;
		yaml_event_delete(&ev);
		if (yt_is_null(root))
			continue;	/* an empty document, e.g. a trailing "---" */
		KS_GROW(b->docs->docs, capdocs, b->docs->ndocs + 1);
		b->docs->docs[b->docs->ndocs++] = root;
		for (size_t i = 0; i < b->nanchors; i++)
			free(b->anchors[i].name);
		b->nanchors = 0;	/* anchors do not cross documents */
	}
}

int
yt_parse_string(const char *name, const char *text, size_t len,
    struct yt_docs *out, char **cause)
{
	memset(out, 0, sizeof *out);
	out->file = xstrdup(name);
	struct builder b;
	memset(&b, 0, sizeof b);
	b.docs = out;
	if (!yaml_parser_initialize(&b.parser))
		ks_fatal("yaml_parser_initialize failed");
	yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
	int rc = build(&b);
	yaml_parser_delete(&b.parser);
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (rc < 0) {
		*cause = b.cause;
		yt_docs_free(out);
		return -1;
	}
	return 0;
}

int
yt_parse_file(const char *path, struct yt_docs *out, char **cause)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		*cause = xasprintf("%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	struct ks_buf buf;
	ks_buf_init(&buf);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (buf.len + n > YT_MAX_BYTES) {
			fclose(f);
			ks_buf_fini(&buf);
			*cause = xasprintf("%s: larger than %d MiB (the limit for YAML input)",
			    path, YT_MAX_BYTES >> 20);
			return -1;
		}
		ks_buf_add(&buf, chunk, n);
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		ks_buf_fini(&buf);
		*cause = xasprintf("%s: read error", path);
		return -1;
	}
	int rc = yt_parse_string(path, buf.data ? buf.data : "", buf.len, out, cause);
	ks_buf_fini(&buf);
	return rc;
}

void
yt_docs_free(struct yt_docs *d)
{
	for (size_t i = 0; i < d->nall; i++) {
		struct yt_node *n = d->all[i];
		free(n->str);
		free(n->keys);
		free(n->items);
		free(n);
	}
	free(d->all);
	free(d->docs);
	free(d->file);
	memset(d, 0, sizeof *d);
}

struct yt_node *
yt_get(const struct yt_node *map, const char *key)
{
	if (map == NULL || map->kind != YT_MAP)
		return NULL;
	for (size_t i = 0; i < map->n; i++)
		if (strcmp(map->keys[i]->str, key) == 0)
			return map->items[i];
	return NULL;
}

bool
yt_is_null(const struct yt_node *n)
{
	if (n == NULL || n->kind != YT_SCALAR || n->quoted)
		return false;
	return n->str[0] == '\0' || strcmp(n->str, "~") == 0 ||
	    strcmp(n->str, "null") == 0 || strcmp(n->str, "Null") == 0 ||
	    strcmp(n->str, "NULL") == 0;
}

const char *
yt_where(const struct yt_node *n, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%d:%d", n->file, n->line, n->col);
	return buf;
}

char *
yt_errorf(const struct yt_node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	char *s = xasprintf("%s:%d:%d: %s", n->file, n->line, n->col, msg);
	free(msg);
	return s;
}

static const char *
kind_name(enum yt_kind k)
{
	switch (k) {
	case YT_SCALAR: return "a value";
	case YT_MAP: return "a mapping";
	case YT_SEQ: return "a list";
	}
	return "?";
}

int
yt_string(const struct yt_node *n, const char **out, char **cause)
{
	if (n->kind != YT_SCALAR) {
		*cause = yt_errorf(n, "expected a string, found %s", kind_name(n->kind));
		return -1;
	}
	*out = n->str;
	return 0;
}

int
yt_int64(const struct yt_node *n, int64_t *out, char **cause)
{
	if (n->kind != YT_SCALAR || n->str[0] == '\0') {
		*cause = yt_errorf(n, "expected an integer, found %s",
		    n->kind == YT_SCALAR ? "nothing" : kind_name(n->kind));
		return -1;
	}
	errno = 0;
	char *end;
	long long v = strtoll(n->str, &end, 10);
	if (*end != '\0' || errno != 0) {
		/* JSON writes some integers as 3.0 or 1e3: accept exact ones. */
		double d = strtod(n->str, &end);
		if (*end == '\0' && isfinite(d) && d == floor(d) && fabs(d) < 9.2e18) {
			*out = (int64_t)d;
			return 0;
		}
		*cause = yt_errorf(n, "expected an integer, found '%s'", n->str);
		return -1;
	}
	*out = v;
	return 0;
}

int
yt_double(const struct yt_node *n, double *out, char **cause)
{
	if (n->kind != YT_SCALAR || n->str[0] == '\0') {
		*cause = yt_errorf(n, "expected a number, found %s",
		    n->kind == YT_SCALAR ? "nothing" : kind_name(n->kind));
		return -1;
	}
	errno = 0;
	char *end;
	double v = strtod(n->str, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v)) {
		*cause = yt_errorf(n, "expected a number, found '%s'", n->str);
		return -1;
	}
	*out = v;
	return 0;
}

int
yt_bool(const struct yt_node *n, bool *out, char **cause)
{
	if (n->kind == YT_SCALAR && !n->quoted) {
		const char *s = n->str;
		if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0) {
			*out = false;
			return 0;
		}
	}
	*cause = yt_errorf(n, "expected true or false, found '%s'",
	    n->kind == YT_SCALAR ? n->str : kind_name(n->kind));
	return -1;
}

int
yt_get_int64(const struct yt_node *map, const char *key, int64_t dflt,
    int64_t *out, char **cause)
{
	struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = dflt;
		return 0;
	}
	return yt_int64(v, out, cause);
}

int
yt_get_double(const struct yt_node *map, const char *key, double dflt,
    double *out, char **cause)
{
	struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = dflt;
		return 0;
	}
	return yt_double(v, out, cause);
}

int
yt_get_bool(const struct yt_node *map, const char *key, bool dflt,
    bool *out, char **cause)
{
	struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = dflt;
		return 0;
	}
	return yt_bool(v, out, cause);
}

int
yt_get_string(const struct yt_node *map, const char *key,
    const char **out, char **cause)
{
	struct yt_node *v = yt_get(map, key);
	if (v == NULL || yt_is_null(v)) {
		*out = NULL;
		return 0;
	}
	return yt_string(v, out, cause);
}

int
yt_check_keys(const struct yt_node *map, const char *what,
    const char *const *allowed, char **cause)
{
	if (map->kind != YT_MAP) {
		*cause = yt_errorf(map, "expected a mapping for %s, found %s", what,
		    kind_name(map->kind));
		return -1;
	}
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->str;
		size_t j;
		for (j = 0; allowed[j] != NULL; j++)
			if (strcmp(allowed[j], k) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		const char *near = ks_nearest(k, allowed);
		if (near != NULL)
			*cause = yt_errorf(map->keys[i], "unknown field '%s' in %s (did you mean '%s'?)",
			    k, what, near);
		else
			*cause = yt_errorf(map->keys[i], "unknown field '%s' in %s", k, what);
		return -1;
	}
	return 0;
}
