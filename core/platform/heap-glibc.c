/* sealgate: sg_heap_tune_for_requests (heap.h) with glibc's mallopt(); a
 * no-op with another C library. */
#include <stdlib.h> /* defines __GLIBC__ where it is glibc */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "sealgate/heap.h"

void sg_heap_tune_for_requests(void) {
#ifdef __GLIBC__
        /* Setting either threshold also turns off glibc's dynamic mmap
         * threshold, which would otherwise move with each large free. */
        mallopt(M_MMAP_THRESHOLD, SG_HEAP_MMAP_THRESHOLD);
        mallopt(M_TRIM_THRESHOLD, SG_HEAP_TRIM_THRESHOLD);
#endif
}
