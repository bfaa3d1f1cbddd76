/*
 * Plain C reference for the lowering and verify benches (issue 14): builds the same arm-lpae
 * stage-1 table the compile bench builds (4K granule, 48-bit input, four levels; N pages of 4K
 * at IOVA 0x10_0000_0000 onto PA 0x1_0000_0000, read-write, not executable, normal write-back
 * memory), then walks it from the root, enumerates every leaf and checks its output address
 * and permissions. Table pages come from a zeroed pool, as VCM's pool allocator gives them.
 * Descriptor bits as the Arm ARM (D8.3, VMSAv8-64 descriptors) and Linux io-pgtable-arm.c
 * write them: page = 0b11, AttrIndx[4:2], SH[9:8], AF[10], nG[11], OA[47:12], PXN|UXN[54:53].
 *
 *   cc -O2 -o arm-lpae bench/ref/arm-lpae.c && ./arm-lpae [PAGES]
 *
 * Prints one JSON line: seconds to build, seconds to enumerate and check (wall and CPU), pages,
 * table bytes.
 * npm run bench compiles and runs it when a C compiler exists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE 4096u
#define ENTRIES 512u
#define DESC_VALID_TABLE 3ull /* table (levels 0-2) and page (level 3) both have 0b11 */
#define AF (1ull << 10)
#define NG (1ull << 11)
#define SH_INNER (3ull << 8)
#define ATTR_WB (1ull << 2) /* AttrIndx 1: normal write-back in VCM's MAIR */
#define AP_UNPRIV (1ull << 6)
#define AP_RDONLY (1ull << 7)
#define XN (3ull << 53)
#define OA_MASK 0x0000FFFFFFFFF000ull

static uint8_t *pool;      /* table pages, zeroed */
static uint64_t pool_pa;   /* physical address of pool[0] */
static size_t pool_used;   /* bytes handed out */
static size_t pool_bytes;

static double clock_seconds(clockid_t clock) {
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void) { return clock_seconds(CLOCK_MONOTONIC); }

/* CPU time of the process (user + system): steadier than wall time on a loaded machine. */
static double cpu_now(void) { return clock_seconds(CLOCK_PROCESS_CPUTIME_ID); }

static uint64_t alloc_table(void) {
	if (pool_used + PAGE > pool_bytes) {
		fprintf(stderr, "pool exhausted\n");
		exit(1);
	}
	uint64_t pa = pool_pa + pool_used;
	pool_used += PAGE;
	return pa;
}

static inline uint64_t *table_at(uint64_t pa) {
	return (uint64_t *)(pool + (pa - pool_pa));
}

static const uint64_t LEAF_BITS = DESC_VALID_TABLE | ATTR_WB | SH_INNER | AF | NG | AP_UNPRIV | XN;

/* The next-level table under entry `i` of `table`, created when absent. */
static inline uint64_t child(uint64_t *table, unsigned i) {
	uint64_t d = table[i];
	if (d == 0) {
		uint64_t pa = alloc_table();
		table[i] = pa | DESC_VALID_TABLE;
		return pa;
	}
	return d & OA_MASK;
}

static void build(uint64_t root, uint64_t iova, uint64_t pa, uint64_t pages) {
	uint64_t *l0 = table_at(root);
	while (pages > 0) {
		uint64_t *l1 = table_at(child(l0, (iova >> 39) & 511));
		uint64_t *l2 = table_at(child(l1, (iova >> 30) & 511));
		uint64_t *l3 = table_at(child(l2, (iova >> 21) & 511));
		unsigned first = (iova >> 12) & 511;
		unsigned n = ENTRIES - first;
		if (n > pages) n = pages;
		for (unsigned i = 0; i < n; i++) l3[first + i] = ((pa + (uint64_t)i * PAGE) & OA_MASK) | LEAF_BITS;
		iova += (uint64_t)n * PAGE;
		pa += (uint64_t)n * PAGE;
		pages -= n;
	}
}

/* Walk from the root; every leaf must map iova -> pa_base + (iova - iova_base), rw, no exec. */
static uint64_t enumerate(uint64_t root, uint64_t iova_base, uint64_t pa_base, uint64_t *bad) {
	uint64_t pages = 0;
	uint64_t *l0 = table_at(root);
	for (unsigned a = 0; a < ENTRIES; a++) {
		if ((l0[a] & 3) != 3) continue;
		uint64_t *l1 = table_at(l0[a] & OA_MASK);
		for (unsigned b = 0; b < ENTRIES; b++) {
			if ((l1[b] & 3) != 3) continue;
			uint64_t *l2 = table_at(l1[b] & OA_MASK);
			for (unsigned c = 0; c < ENTRIES; c++) {
				if ((l2[c] & 3) != 3) continue;
				uint64_t *l3 = table_at(l2[c] & OA_MASK);
				uint64_t iova = ((uint64_t)a << 39) | ((uint64_t)b << 30) | ((uint64_t)c << 21);
				for (unsigned d = 0; d < ENTRIES; d++) {
					uint64_t e = l3[d];
					if ((e & 3) != 3) continue;
					uint64_t va = iova | ((uint64_t)d << 12);
					int rw = (e & AP_RDONLY) == 0 && (e & AF) != 0;
					int exec = (e & XN) == 0;
					if ((e & OA_MASK) != pa_base + (va - iova_base) || !rw || exec) (*bad)++;
					pages++;
				}
			}
		}
	}
	return pages;
}

int main(int argc, char **argv) {
	uint64_t pages = argc > 1 ? strtoull(argv[1], NULL, 0) : 16777216ull;
	const uint64_t iova = 0x1000000000ull, pa = 0x100000000ull;
	/* Leaf tables plus the upper levels, with room to spare. */
	pool_bytes = (size_t)((pages / ENTRIES + 2) * PAGE + 64 * PAGE + (pages / (ENTRIES * ENTRIES) + 2) * PAGE);
	pool = calloc(1, pool_bytes);
	if (!pool) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	pool_pa = 0x4000000000ull;
	double t0 = now(), c0 = cpu_now();
	uint64_t root = alloc_table();
	build(root, iova, pa, pages);
	double t1 = now(), c1 = cpu_now();
	uint64_t bad = 0;
	uint64_t found = enumerate(root, iova, pa, &bad);
	double t2 = now(), c2 = cpu_now();
	if (found != pages || bad != 0) {
		fprintf(stderr, "check failed: %llu pages found, %llu bad\n", (unsigned long long)found,
		        (unsigned long long)bad);
		return 1;
	}
	printf("{\"buildSeconds\":%.6f,\"enumerateSeconds\":%.6f,\"buildCpuSeconds\":%.6f,"
	       "\"enumerateCpuSeconds\":%.6f,\"pages\":%llu,\"tableBytes\":%zu}\n",
	       t1 - t0, t2 - t1, c1 - c0, c2 - c1, (unsigned long long)pages, pool_used);
	return 0;
}
