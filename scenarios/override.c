/*
 * override.c - `--set PATH=VALUE` on the scenario's YAML tree before it is
 * read: PATH is dotted map keys and list items, an item chosen by index
 * (nodePools.0.count) or by its name (services.orders.concurrency, or
 * metadata.name for inline manifests). VALUE is YAML (a scalar, or a flow
 * list or mapping). A missing last key (or missing maps on the way) is added,
 * so the scenario's own field checks name any typo with the nearest field.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "scenarios/scn_int.h"
#include "sim/util/util.h"

static struct yt_node *
new_node(struct scn_extra *x, enum yt_kind kind, const char *file, const char *str)
{
	struct yt_node *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->file = file;
	n->line = 1;
	n->col = 1;
	if (str != NULL)
		n->str = xstrdup(str);
	x->nodes = xreallocarray(x->nodes, x->nnodes + 1, sizeof *x->nodes);
	x->nodes[x->nnodes++] = n;
	return n;
}

static void
map_append(struct yt_node *map, struct yt_node *key, struct yt_node *val)
{
	map->keys = xreallocarray(map->keys, map->n + 1, sizeof *map->keys);
	map->items = xreallocarray(map->items, map->n + 1, sizeof *map->items);
	map->keys[map->n] = key;
	map->items[map->n] = val;
	map->n++;
}

static bool
is_index(const char *s, size_t *out)
{
	if (*s == '\0')
		return false;
	size_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000000)
			return false;
		v = v * 10 + (size_t)(*p - '0');
	}
	*out = v;
	return true;
}

static const char *
item_name(const struct yt_node *item)
{
	const struct yt_node *n = yt_get(item, "name");
	if (n == NULL)
		n = yt_get(yt_get(item, "metadata"), "name");
	return n != NULL && n->kind == YT_SCALAR ? n->str : NULL;
}

/* The slot holding component comp of cur, or NULL with *cause set. With
 * create, a missing map key is added (value: an empty map, or the value). */
static struct yt_node **
slot(struct scn_extra *x, struct yt_node *cur, const char *comp, const char *prefix,
    const struct scn_override *ov, const char *file, bool create, char **cause)
{
	size_t idx;
	if (cur->kind == YT_MAP) {
		for (size_t i = 0; i < cur->n; i++)
			if (strcmp(cur->keys[i]->str, comp) == 0)
				return &cur->items[i];
		if (create) {
			map_append(cur, new_node(x, YT_SCALAR, file, comp), NULL);
			return &cur->items[cur->n - 1];
		}
		const char **names = xcalloc(cur->n + 1, sizeof *names);
		for (size_t i = 0; i < cur->n; i++)
			names[i] = cur->keys[i]->str;
		const char *near = ks_nearest(comp, names);
		if (near != NULL)
			*cause = xasprintf("--set %s: no field '%s' in %s (did you mean '%s'?)",
			    ov->path, comp, prefix, near);
		else
			*cause = xasprintf("--set %s: no field '%s' in %s", ov->path, comp,
			    prefix);
		free(names);
		return NULL;
	}
	if (cur->kind == YT_SEQ) {
		if (is_index(comp, &idx)) {
			if (idx < cur->n)
				return &cur->items[idx];
			*cause = xasprintf("--set %s: index %zu is out of range (%s has %zu "
			    "item%s)", ov->path, idx, prefix, cur->n, cur->n == 1 ? "" : "s");
			return NULL;
		}
		const char **names = xcalloc(cur->n + 1, sizeof *names);
		size_t nn = 0;
		for (size_t i = 0; i < cur->n; i++) {
			const char *nm = item_name(cur->items[i]);
			if (nm != NULL && strcmp(nm, comp) == 0) {
				free(names);
				return &cur->items[i];
			}
			if (nm != NULL)
				names[nn++] = nm;
		}
		const char *near = ks_nearest(comp, names);
		if (near != NULL)
			*cause = xasprintf("--set %s: no item named '%s' in %s (did you mean "
			    "'%s'?)", ov->path, comp, prefix, near);
		else
			*cause = xasprintf("--set %s: no item named '%s' in %s", ov->path,
			    comp, prefix);
		free(names);
		return NULL;
	}
	*cause = xasprintf("--set %s: %s is a value, not a mapping or list", ov->path,
	    prefix);
	return NULL;
}

static int
apply_one(struct yt_node *root, const struct scn_override *ov, struct scn_extra *x,
    char **cause)
{
	if (ov->path == NULL || ov->path[0] == '\0' || ov->path[0] == '.' ||
	    ov->path[strlen(ov->path) - 1] == '.' || strstr(ov->path, "..") != NULL) {
		*cause = xasprintf("--set %s: expected a dotted path such as "
		    "nodePools.0.count", ov->path ? ov->path : "");
		return -1;
	}
	char *file = xasprintf("--set %s", ov->path);
	x->names = xreallocarray(x->names, x->nnames + 1, sizeof *x->names);
	x->names[x->nnames++] = file;

	/* The value as YAML. */
	struct yt_docs d;
	const char *val = ov->value ? ov->value : "";
	if (yt_parse_string(file, val, strlen(val), &d, cause) < 0)
		return -1;
	x->docs = xreallocarray(x->docs, x->ndocs + 1, sizeof *x->docs);
	x->docs[x->ndocs++] = d;
	if (d.ndocs > 1) {
		*cause = xasprintf("--set %s: the value must be one YAML value", ov->path);
		return -1;
	}
	struct yt_node *vnode = d.ndocs == 1 ? d.docs[0] : new_node(x, YT_SCALAR, file, "");

	char *path = xstrdup(ov->path);
	struct yt_node *cur = root;
	struct ks_buf prefix;
	ks_buf_init(&prefix);
	ks_buf_puts(&prefix, "the scenario");
	int rc = -1;
	char *save = NULL;
	char *comp = strtok_r(path, ".", &save);
	while (comp != NULL) {
		char *next = strtok_r(NULL, ".", &save);
		size_t dummy;
		bool create = cur->kind == YT_MAP &&
		    (next == NULL || !is_index(next, &dummy));
		struct yt_node **sl = slot(x, cur, comp, prefix.data, ov, file, create, cause);
		if (sl == NULL)
			goto out;
		if (next == NULL) {
			*sl = vnode;
			rc = 0;
			goto out;
		}
		if (*sl == NULL || yt_is_null(*sl))
			*sl = new_node(x, YT_MAP, file, NULL);
		cur = *sl;
		if (prefix.len == strlen("the scenario") &&
		    strcmp(prefix.data, "the scenario") == 0) {
			ks_buf_fini(&prefix);
			ks_buf_init(&prefix);
			ks_buf_puts(&prefix, comp);
		} else
			ks_buf_printf(&prefix, ".%s", comp);
		comp = next;
	}
out:
	ks_buf_fini(&prefix);
	free(path);
	return rc;
}

int
scn_override_apply(struct yt_node *root, const struct scn_override *ov, size_t nov,
    struct scn_extra *extra, char **cause)
{
	for (size_t i = 0; i < nov; i++)
		if (apply_one(root, &ov[i], extra, cause) < 0)
			return -1;
	return 0;
}

void
scn_override_free(struct scn_extra *x)
{
	for (size_t i = 0; i < x->ndocs; i++)
		yt_docs_free(&x->docs[i]);
	free(x->docs);
	for (size_t i = 0; i < x->nnodes; i++) {
		free(x->nodes[i]->str);
		free(x->nodes[i]->keys);
		free(x->nodes[i]->items);
		free(x->nodes[i]);
	}
	free(x->nodes);
	for (size_t i = 0; i < x->nnames; i++)
		free(x->names[i]);
	free(x->names);
	memset(x, 0, sizeof *x);
}
