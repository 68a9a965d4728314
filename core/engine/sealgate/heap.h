/* sealgate: how a long-running sealgate process (the Thunderbird helper)
 * asks the C library's allocator to keep freed memory for the next request
 * instead of giving it back to the kernel after each one
 * (docs/performance.md, (c)). Implemented by core/platform/ (glibc's
 * mallopt(); elsewhere nothing). */
#ifndef SEALGATE_HEAP_H
#define SEALGATE_HEAP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Allocations below this many bytes come from the heap, not from mmap(): a
 * 10,000-recipient decision's arrays (under 1 MiB each) are reused between
 * requests instead of mapped and unmapped each time. */
#define SG_HEAP_MMAP_THRESHOLD (4 * 1024 * 1024)
/* Free memory at the top of the heap is returned to the kernel only past
 * this many bytes, so each request does not fault its pages in again. */
#define SG_HEAP_TRIM_THRESHOLD (64 * 1024 * 1024)

/* Applies the two thresholds above to this process; call once at start. */
void sg_heap_tune_for_requests(void);

#ifdef __cplusplus
}
#endif

#endif
