/* Fuzz target: the frame reader and base64 decoder (frame.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        sg_frame_reader r;
        sg_frame_reader_init(&r, 4096);
        size_t off = 0;
        /* Feed in uneven slices so split headers and payloads are exercised. */
        size_t step = size ? (data[0] % 7) + 1 : 1;
        while (off < size) {
                size_t n = size - off < step ? size - off : step;
                size_t used = 0, plen = 0;
                char *payload = NULL;
                if (sg_frame_reader_feed(&r, data + off, n, &used, &payload, &plen, NULL) != SG_OK)
                        break;
                if (used == 0 && !payload)
                        abort(); /* no progress */
                if (payload && (plen > 4096 || payload[plen] != '\0'))
                        abort();
                free(payload);
                off += used;
        }
        sg_frame_reader_clear(&r);

        void *out = NULL;
        size_t out_len = 0;
        if (sg_base64_decode((const char *) data, size, &out, &out_len, NULL) == SG_OK) {
                char *again = sg_base64_encode(out, out_len);
                if (!again)
                        abort();
                free(again);
                free(out);
        }
        return 0;
}
