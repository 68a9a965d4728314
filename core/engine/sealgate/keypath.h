/* sealgate: key paths for messages ("prompt.choices[2]", "routes.portal"),
 * built the same way by every reader: the policy file (json/policy-json.c),
 * the registry policy (win32-mapi/policy-reg.c) and the protocol codec
 * (json/codec.c). A path is for messages only: a long one is cut, never
 * overflowed. Libc only. */
#ifndef SEALGATE_KEYPATH_H
#define SEALGATE_KEYPATH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG_KEYPATH_POLICY_MAX  320 /* bytes of a policy key path, with the NUL */
#define SG_KEYPATH_MESSAGE_MAX 96  /* bytes of a protocol key path (the codec), with the NUL */
#define SG_KEYPATH_KEY_SHOWN   40  /* bytes of a key a peer chose shown in a protocol path */
#define SG_KEYPATH_ALL         SIZE_MAX

/* out = "base.key", or "key" when base is empty, showing at most key_max
 * bytes of the key (SG_KEYPATH_ALL: all of it); cut to fit `size`. */
void sg_keypath_key(char *out, size_t size, const char *base, const char *key, size_t key_max);
/* out = "base[i]", cut to fit `size`. */
void sg_keypath_idx(char *out, size_t size, const char *base, size_t i);

#ifdef __cplusplus
}
#endif
#endif
