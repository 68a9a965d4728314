/* sealgate.exe doctor: the Windows checks (doctor-win32.c): the
 * native-messaging registration as Thunderbird looks it up in the registry,
 * the manifest it names, the host, the Outlook add-in's registration, the
 * Thunderbird policy keys and the registry policy (docs/cli.md). */
#ifndef SEALGATE_CLI_DOCTOR_WIN32_H
#define SEALGATE_CLI_DOCTOR_WIN32_H

#include <stdbool.h>

#define SG_WDOCTOR_EXTENSION_ID    "sealgate@sealgate.example"
#define SG_WDOCTOR_HOST_NAME       "sealgate.host"
#define SG_WDOCTOR_ADDIN_PROGID    "sealgate.OutlookAddin"
/* How long the host has to answer --version. */
#define SG_WDOCTOR_HOST_TIMEOUT_MS 5000
/* Bytes of the host's --version output kept. */
#define SG_WDOCTOR_HOST_OUTPUT_MAX 4096
/* Characters of a registry string value read (a path, a mode). */
#define SG_WDOCTOR_REG_VALUE_MAX   2048

/* Run every check and print one line per check ("ok   id: detail" /
 * "FAIL id: detail") or, with `json`, {"checks":[{"id","ok","detail"}]}.
 * Returns the number of failed checks, or -1 if the report could not be
 * written. */
int sg_wdoctor_run(bool json);

#endif
