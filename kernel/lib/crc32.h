/*
 * crc32.h - CRC-32 (IEEE 802.3), the checksum of zlib, gzip, PNG and the
 * `crc32` command-line tool.
 *
 * Incremental: start from 0 and feed the data in pieces,
 *
 *     uint32_t crc = 0;
 *     crc = crc32_update(crc, first, n1);
 *     crc = crc32_update(crc, second, n2);
 *
 * and the result equals crc32_update(0, both, n1 + n2), which is also what
 * Python's zlib.crc32(data) returns, so a test on the host can check what
 * the kernel printed.
 */
#ifndef KEEL_LIB_CRC32_H
#define KEEL_LIB_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* The CRC of (everything `crc` covered) followed by data[0..len). */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);

#endif /* KEEL_LIB_CRC32_H */
