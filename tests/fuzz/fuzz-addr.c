/* Fuzz target: RFC 5322 address-list parser (addr.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sealgate/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        sg_mailbox_list list = {0};
        sg_error err;
        if (sg_addr_parse_list(text, 100, &list, &err) == SG_OK) {
                for (size_t i = 0; i < list.n; i++)
                        if (!list.items[i].address || !list.items[i].domain_ascii)
                                abort(); /* a parsed mailbox always has both */
        } else if (list.n != 0) {
                abort(); /* failure appends nothing */
        }
        sg_mailbox_list_clear(&list);
        free(text);
        return 0;
}
