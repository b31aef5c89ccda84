/* tests/allowlist.h: the differences lists the conformance tests read.
 *
 * A list is a TSV file: key columns (file, frame or *, field or *) and a
 * reason; lines starting with # are comments. A test allows a difference
 * only when the list names it, and reports entries it never used. Header
 * only: each test program is one translation unit.
 */
#ifndef SF_TESTS_ALLOWLIST_H
#define SF_TESTS_ALLOWLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ALLOWED 8192

struct allowed {
	char file[256];
	uint64_t frame; /* 0 = every frame */
	char field[64]; /* "*" = every field */
	bool used;
};

/* The differences list, loaded once; is_allowed() marks the ones used. */
struct allowlist {
	struct allowed e[MAX_ALLOWED];
	size_t n;
};

/* Splits a tab-separated line in place; returns the number of columns. */
static int split(char *line, char **col, int max)
{
	int n = 0;
	char *p = line;
	col[n++] = p;
	for (; *p && n < max; p++)
		if (*p == '\t') {
			*p = '\0';
			col[n++] = p + 1;
		}
	p = col[n - 1];
	p[strcspn(p, "\r\n")] = '\0';
	return n;
}

static bool load_allowed(struct allowlist *al, const char *path, const char *prog)
{
	char line[1024];
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "%s: cannot open %s\n", prog, path);
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *col[8];
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (split(line, col, 8) < 4 || al->n == MAX_ALLOWED)
			continue;
		snprintf(al->e[al->n].file, sizeof(al->e[al->n].file), "%s", col[0]);
		al->e[al->n].frame = strcmp(col[1], "*") == 0 ? 0 : strtoull(col[1], NULL, 10);
		snprintf(al->e[al->n].field, sizeof(al->e[al->n].field), "%s", col[2]);
		al->n++;
	}
	fclose(f);
	return true;
}

static bool is_allowed(struct allowlist *al, const char *file, uint64_t frame, const char *field)
{
	for (size_t i = 0; i < al->n; i++)
		if (strcmp(al->e[i].file, file) == 0 &&
		    (al->e[i].frame == 0 || al->e[i].frame == frame) &&
		    (strcmp(al->e[i].field, "*") == 0 || strcmp(al->e[i].field, field) == 0)) {
			al->e[i].used = true;
			return true;
		}
	return false;
}

#endif
