/*
 * keel/errno.h - error numbers shared by the kernel and modules.
 *
 * Every Keel function that can fail returns a negative errno (-ENOMEM, -EINVAL,
 * ...) or, when it returns a pointer, NULL plus a documented reason.  The values
 * are Linux's, so a student reading an error code sees the number they know.
 * Values are part of the ABI: they never change within an ABI major.
 */
#ifndef KEEL_ERRNO_H
#define KEEL_ERRNO_H

#define EPERM 1    /* Operation not permitted */
#define ENOENT 2   /* No such file or directory */
#define EINTR 4    /* Interrupted */
#define EIO 5      /* I/O error */
#define ENXIO 6    /* No such device or address */
#define E2BIG 7    /* Argument list too long */
#define ENOEXEC 8  /* Bad executable (module) format */
#define EBADF 9    /* Bad file descriptor */
#define EAGAIN 11  /* Try again */
#define ENOMEM 12  /* Out of memory */
#define EACCES 13  /* Permission denied */
#define EFAULT 14  /* Bad address */
#define EBUSY 16   /* Device or resource busy */
#define EEXIST 17  /* File exists */
#define EXDEV 18   /* Cross-device link */
#define ENODEV 19  /* No such device */
#define ENOTDIR 20 /* Not a directory */
#define EISDIR 21  /* Is a directory */
#define EINVAL 22  /* Invalid argument */
#define ENFILE 23  /* File table overflow */
#define EMFILE 24  /* Too many open files */
#define EFBIG 27   /* File too large */
#define ENOSPC 28  /* No space left on device */
#define ESPIPE 29  /* Illegal seek */
#define EROFS 30   /* Read-only file system */
#define EMLINK 31  /* Too many links */
#define ERANGE 34  /* Result out of range */
#define ENAMETOOLONG 36 /* File name too long */
#define ENOSYS 38  /* Function not implemented */
#define ENOTEMPTY 39 /* Directory not empty */
#define ELOOP 40   /* Too many symbolic links */
#define ENODATA 61 /* No data available */
#define EOVERFLOW 75 /* Value too large */
#define EBADMSG 74 /* Corrupt data */
#define EUCLEAN 117 /* Structure needs cleaning (corrupt filesystem) */
#define ECANCELED 125 /* Operation canceled */
#define ETIMEDOUT 110 /* Timed out */

#endif /* KEEL_ERRNO_H */
