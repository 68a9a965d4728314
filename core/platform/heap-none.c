/* sealgate: sg_heap_tune_for_requests (heap.h) where the C library's heap
 * has no such settings (Windows): nothing to do. */
#include "sealgate/heap.h"

void sg_heap_tune_for_requests(void) {
}
