/*
 * hugepages.c - the long commands run with glibc's malloc asking Linux for
 * transparent huge pages (2 MiB). A simulation of thousands of nodes and
 * Services reads records far apart at random; with 4 KiB pages most such
 * reads miss the TLB as well as the cache (measured on the day at the
 * limits: 8-9 % of the CPU time). Debian's kernels give huge pages only to
 * memory a program marks for them (transparent_hugepage/enabled =
 * madvise), and glibc's malloc marks its memory only when the environment
 * says so at start-up (GLIBC_TUNABLES=glibc.malloc.hugetlb=1, glibc 2.35),
 * so the command starts itself again once with that added. Only speed and
 * memory layout change, never what is simulated; KS_HUGEPAGES=0 turns it
 * off, and it stays off under valgrind (which would run the new image
 * untraced), where THP is never given, and where glibc or /proc are not.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/hugepages.h"
#include "sim/util/util.h"

#define TUNABLE	"glibc.malloc.hugetlb"

#if defined(__linux__) && defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 35)
#define HUGEPAGES_TUNABLE 1
#endif
#endif

#ifdef HUGEPAGES_TUNABLE
/* Whether the kernel gives transparent huge pages at all. */
static bool
thp_possible(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f == NULL)
		return false;
	char line[128] = "";
	bool ok = fgets(line, sizeof line, f) != NULL && strstr(line, "[never]") == NULL;
	fclose(f);
	return ok;
}

void
ks_hugepages_restart(char **argv)
{
	const char *off = getenv("KS_HUGEPAGES");
	const char *tun = getenv("GLIBC_TUNABLES");
	const char *pre = getenv("LD_PRELOAD");
	if ((off != NULL && strcmp(off, "0") == 0) ||
	    (tun != NULL && strstr(tun, TUNABLE) != NULL) ||	/* done, or the user's */
	    (pre != NULL && strstr(pre, "vgpreload") != NULL) || !thp_possible())
		return;
	char *val = tun != NULL && tun[0] != '\0' ?
	    xasprintf("%s:%s=1", tun, TUNABLE) : xasprintf("%s=1", TUNABLE);
	char *old = tun != NULL ? xstrdup(tun) : NULL;
	if (setenv("GLIBC_TUNABLES", val, 1) == 0)
		execv("/proc/self/exe", argv);
	/* still here: no restart, as it was */
	if (old != NULL)
		setenv("GLIBC_TUNABLES", old, 1);
	else
		unsetenv("GLIBC_TUNABLES");
	free(old);
	free(val);
}
#else
void
ks_hugepages_restart(char **argv)
{
	(void)argv;
}
#endif
