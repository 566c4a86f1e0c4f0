/* SPDX-License-Identifier: MIT */
/*
 * Loading CURVE keys from files (see curve.h). One loader for every socket that speaks CURVE,
 * so the permission rule and the error messages are the same wherever a key is named.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "curve.h"

int sl_curve_load_key(const char *what, const char *path, int secret, char z85[SL_CURVE_Z85_LEN + 1],
                      char *errbuf, size_t errlen)
{
	char buf[1024];
	struct stat st;
	ssize_t n;
	int fd, e;

	if (path == NULL || path[0] == 0) {
		snprintf(errbuf, errlen, "%s: no key file named", what);
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		snprintf(errbuf, errlen, "%s: %s: %s", what, path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(errbuf, errlen, "%s: %s: not a regular file", what, path);
		return -EINVAL;
	}
	if (secret && (st.st_mode & 077)) {
		close(fd);
		snprintf(errbuf, errlen, "%s: %s: a secret key readable by others (mode %04o): chmod 600 it", what,
		         path, (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	n = read(fd, buf, sizeof buf - 1);
	e = errno;
	close(fd);
	if (n < 0) {
		snprintf(errbuf, errlen, "%s: %s: %s", what, path, strerror(e));
		return -e;
	}
	buf[n] = 0;
	/* the first line that is neither blank nor a comment, trimmed */
	for (char *line = buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		while (*line == ' ' || *line == '\t')
			line++;
		size_t len = strlen(line);
		while (len && (line[len - 1] == ' ' || line[len - 1] == '\t' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0 || line[0] == '#')
			continue;
		uint8_t bin[32];
		if (len != SL_CURVE_Z85_LEN || zmq_z85_decode(bin, line) == NULL) {
			snprintf(errbuf, errlen, "%s: %s: not a Z85 key of 40 characters", what, path);
			return -EINVAL;
		}
		memcpy(z85, line, SL_CURVE_Z85_LEN + 1);
		memset(buf, 0, sizeof buf);
		return 0;
	}
	snprintf(errbuf, errlen, "%s: %s: no key in the file", what, path);
	return -EINVAL;
}

int sl_curve_server(void *sock, const char *what, const char *path, char *errbuf, size_t errlen)
{
	char key[SL_CURVE_Z85_LEN + 1];
	int one = 1, e;

	if ((e = sl_curve_load_key(what, path, 1, key, errbuf, errlen)) != 0)
		return e;
	if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, key, SL_CURVE_Z85_LEN) != 0) {
		e = errno;
		memset(key, 0, sizeof key);
		snprintf(errbuf, errlen, "%s: CURVE: %s (libzmq built without CURVE?)", what, zmq_strerror(e));
		return -EINVAL;
	}
	memset(key, 0, sizeof key);
	return 0;
}
