/* SPDX-License-Identifier: MIT */
/*
 * CURVE keys in files (curve.c), for the control socket, the ZMQ publisher's tcp endpoints and
 * sluicectl. A key file holds one Z85-encoded key of 40 characters, as zmq_curve_keypair() writes
 * it (`sluicectl keygen` makes a pair); blank lines and lines starting with '#' are skipped. A
 * secret key file that its group or others may read is refused: the key is the server's
 * identity, and a copy in other hands lets anyone impersonate it.
 */
#ifndef SLUICE_CONTROL_CURVE_H
#define SLUICE_CONTROL_CURVE_H

#include <stddef.h>

#define SL_CURVE_Z85_LEN 40

/* Reads the key in path into z85 (40 characters and a NUL). secret: refuse a file with any
 * group or other permission bit. 0, or a negative errno with errbuf naming the file and why
 * (-EPERM: permissions, -EINVAL: not a key, or the error of open/read). what names the
 * configuration key in messages (e.g. "control.curve.secret-key-file"). */
int sl_curve_load_key(const char *what, const char *path, int secret, char z85[SL_CURVE_Z85_LEN + 1],
                      char *errbuf, size_t errlen);

/* Makes a zmq socket a CURVE server with the secret key in path: ZMQ_CURVE_SERVER and
 * ZMQ_CURVE_SECRETKEY, before any bind. 0 or negative errno with errbuf set. */
int sl_curve_server(void *sock, const char *what, const char *path, char *errbuf, size_t errlen);

#endif
