/* sealgate-host crypto module: the table the connection reaches the
 * streams and the key lookups through (crypto-module.h). Built as
 * sealgate-host-crypto.so, opened on the first crypto op, so that a host that
 * only evaluates policy never maps OpenSSL, NSS, GMime, GLib or GPGME. */
#include "crypto-module.h"
#include "keys-job.h"
#include "sealgate/digest.h"
#include "stream-job.h"

static const sg_host_crypto table = {
        .abi = SG_HOST_CRYPTO_ABI,
        .streams_new = sg_streams_new,
        .streams_free = sg_streams_free,
        .streams_wake_fd = sg_streams_wake_fd,
        .stream_start = sg_streams_start,
        .stream_input = sg_streams_input,
        .stream_input_fast = sg_streams_input_fast,
        .streams_open = sg_streams_open,
        .streams_pump = sg_streams_pump,
        .streams_input_full = sg_streams_input_full,
        .streams_eof = sg_streams_eof,
        .keys_new = sg_keys_runner_new,
        .keys_free = sg_keys_runner_free,
        .keys_busy = sg_keys_runner_busy,
        .keys_wake_fd = sg_keys_runner_wake_fd,
        .keys_submit = sg_keys_runner_submit,
        .keys_pump = sg_keys_runner_pump,
        .hmac_sha256_hex = sg_hmac_sha256_hex,
};

__attribute__((visibility("default"))) const sg_host_crypto *sg_host_crypto_module(void) {
        return &table;
}
