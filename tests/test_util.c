/*
 * test_util.c - tests of sim/util: string map, edit distance and
 * suggestions, string buffers, and the YAML tree with its positions.
 */
#include "config.h"

#include "sim/util/util.h"
#include "sim/util/ytree.h"
#include "tests/testlib.h"

static void
test_strmap(void)
{
	struct ks_strmap m;
	ks_strmap_init(&m);
	char key[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		ks_strmap_put(&m, key, i * 3);
	}
	int ok = 1;
	for (int i = 0; i < 1000; i++) {
		int64_t v;
		snprintf(key, sizeof key, "k%d", i);
		if (!ks_strmap_get(&m, key, &v) || v != i * 3)
			ok = 0;
	}
	CHECK(ok);
	CHECK(!ks_strmap_get(&m, "nope", NULL));
	ks_strmap_put(&m, "k5", -1);
	int64_t v = 0;
	CHECK(ks_strmap_get(&m, "k5", &v));
	CHECK_INT(v, -1);
	CHECK_INT(m.len, 1000);
	ks_strmap_fini(&m);
}

/* Borrowed keys are the caller's pointers; reserve leaves len alone and
 * room for the keys it names (no regrowth: the table stays where it is). */
static void
test_strmap_borrowed(void)
{
	static char names[300][16];
	struct ks_strmap m;
	ks_strmap_init_borrowed(&m);
	ks_strmap_reserve(&m, 300);
	char **table = m.keys;
	size_t cap = m.cap;
	CHECK(cap >= 600);
	CHECK_INT(m.len, 0);
	for (int i = 0; i < 300; i++) {
		snprintf(names[i], sizeof names[i], "pod-%d", i);
		ks_strmap_put(&m, names[i], i);
	}
	CHECK(m.keys == table);
	CHECK_INT(m.cap, cap);
	int same = 0, found = 0;
	for (size_t s = 0; s < m.cap; s++)
		for (int i = 0; i < 300; i++)
			same += m.keys[s] == names[i];
	for (int i = 0; i < 300; i++) {
		char key[16];
		int64_t v;
		snprintf(key, sizeof key, "pod-%d", i);
		found += ks_strmap_get(&m, key, &v) && v == i;
	}
	CHECK_INT(same, 300);
	CHECK_INT(found, 300);
	CHECK(!ks_strmap_get(&m, "pod-300", NULL));
	ks_strmap_fini(&m);
	CHECK(m.borrowed);
	CHECK_INT(m.len, 0);
}

static void
test_nearest(void)
{
	static const char *const fields[] = { "replicas", "selector", "template", "strategy", NULL };
	CHECK_INT(ks_edit_distance("kitten", "sitting"), 3);
	CHECK_STR(ks_nearest("replcas", fields), "replicas");
	CHECK_STR(ks_nearest("selectr", fields), "selector");
	CHECK(ks_nearest("zzzzzzzz", fields) == NULL);
}

static void
test_buf(void)
{
	struct ks_buf b;
	ks_buf_init(&b);
	ks_buf_printf(&b, "%d-", 42);
	ks_buf_json_str(&b, "a\"b\n");
	char *s = ks_buf_take(&b);
	CHECK_STR(s, "42-\"a\\\"b\\n\"");
	free(s);
}

static void
test_ytree(void)
{
	const char *text = "a: 1\nb:\n  - x\n  - 'null'\nc: {d: 2.5, e: true}\n---\n- 3\n---\n";
	struct yt_docs d;
	char *cause = NULL;
	CHECK(yt_parse_string("t.yaml", text, strlen(text), &d, &cause) == 0);
	CHECK_INT(d.ndocs, 2);
	struct yt_node *root = d.docs[0];
	int64_t i = 0;
	CHECK(yt_get_int64(root, "a", 0, &i, &cause) == 0);
	CHECK_INT(i, 1);
	struct yt_node *b = yt_get(root, "b");
	CHECK(b != NULL && b->kind == YT_SEQ && b->n == 2);
	CHECK_INT(b->line, 3);
	CHECK_INT(b->col, 3);
	CHECK(!yt_is_null(b->items[1]));	/* quoted 'null' is a string */
	double dv = 0;
	CHECK(yt_get_double(yt_get(root, "c"), "d", 0, &dv, &cause) == 0);
	CHECK_NEAR(dv, 2.5, 0);
	bool bv = false;
	CHECK(yt_get_bool(yt_get(root, "c"), "e", false, &bv, &cause) == 0 && bv);
	/* A bad integer names its position. */
	CHECK(yt_int64(b->items[0], &i, &cause) < 0);
	CHECK_STR(cause, "t.yaml:3:5: expected an integer, found 'x'");
	free(cause);
	static const char *const allowed[] = { "a", "b", "cc", NULL };
	CHECK(yt_check_keys(root, "test", allowed, &cause) < 0);
	CHECK_STR(cause, "t.yaml:5:1: unknown field 'c' in test (did you mean 'a'?)");
	free(cause);
	yt_docs_free(&d);

	/* Syntax errors carry line and column. */
	const char *bad = "a: 1\nb: [1, 2\n";
	CHECK(yt_parse_string("bad.yaml", bad, strlen(bad), &d, &cause) < 0);
	CHECK(cause != NULL && strncmp(cause, "bad.yaml:3:1: YAML syntax error", 31) == 0);
	free(cause);
	const char *dup = "a: 1\na: 2\n";
	CHECK(yt_parse_string("dup.yaml", dup, strlen(dup), &d, &cause) < 0);
	CHECK_STR(cause, "dup.yaml:2:1: duplicate key 'a' (first at line 1)");
	free(cause);
	/* JSON is YAML. */
	const char *json = "{\"x\": [1, 2, {\"y\": \"z\"}], \"n\": null}";
	CHECK(yt_parse_string("j.json", json, strlen(json), &d, &cause) == 0);
	CHECK(yt_is_null(yt_get(d.docs[0], "n")));
	CHECK_STR(yt_get(yt_get(d.docs[0], "x")->items[2], "y")->str, "z");
	yt_docs_free(&d);
}

static void
test_calendar(void)
{
	CHECK_INT(ks_days_from_civil(1970, 1, 1), 0);
	CHECK_INT(ks_days_from_civil(2000, 3, 1), 11017);
	CHECK_INT(ks_days_from_civil(1969, 12, 31), -1);
	CHECK_INT(ks_days_from_civil(1998, 7, 7), 10414);
	CHECK_INT(ks_days_in_month(2024, 2), 29);
	CHECK_INT(ks_days_in_month(1900, 2), 28);
	CHECK_INT(ks_days_in_month(2000, 2), 29);
	CHECK_INT(ks_days_in_month(2023, 4), 30);
}

int
main(void)
{
	test_calendar();
	test_strmap();
	test_strmap_borrowed();
	test_nearest();
	test_buf();
	test_ytree();
	return tl_finish();
}
