/*
 * keel/module.h - how a module declares itself.
 *
 * A loadable module is one C object (or several, linked with `ld -r`) built
 * against the headers in abi/include/keel/ only.  It declares itself once:
 *
 *     #include <keel/module.h>
 *
 *     static int count = 1;
 *     KEEL_MODULE_PARAM(count, int, "how many greetings");
 *
 *     static int hello_init(void) { ...; return 0; }
 *     static void hello_exit(void) { ... }
 *
 *     KEEL_MODULE(hello, hello_init, hello_exit);
 *     KEEL_MODULE_LICENSE("GPL");
 *     KEEL_MODULE_AUTHOR("A. Student <student@example.org>");
 *     KEEL_MODULE_DESCRIPTION("says hello");
 *     KEEL_MODULE_VERSION("1.0");
 *
 * What lands where:
 *
 *   .keel.module   one struct keel_module_header: name, init, exit, and the
 *                  ABI version the module was compiled against.  The loader
 *                  reads it after relocation (it holds pointers).
 *   .keel.modinfo  "tag=value\0" strings (license, author, description,
 *                  version, parm, parmtype, and depends/abi stamped by the
 *                  module build).  Plain bytes, no relocations: the loader and
 *                  the host's `modinfo` read them straight from the file.
 *   .keel.params   one struct keel_module_param per parameter, for
 *                  `insmod foo.ko count=3`.
 *
 * init runs once after the module is linked and its parameters are set;
 * returning a negative errno makes the load fail and undoes everything.
 * exit runs at `rmmod`, after the kernel has checked nothing uses the module.
 * Either may be NULL (a module with no exit cannot be unloaded, as in Linux).
 */
#ifndef KEEL_MODULE_H
#define KEEL_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <keel/abi.h>

#define KEEL_MODULE_NAME_MAX 31 /* bytes in a module name, without the NUL */

/* The module's identity, in section .keel.module. */
struct keel_module_header {
	uint32_t size;          /* sizeof(struct keel_module_header) as built */
	uint32_t abi_version;   /* KEEL_ABI_CURRENT of the headers it was built with */
	const char *name;       /* [a-z0-9_]{1,31}, unique among loaded modules */
	int (*init)(void);      /* NULL, or 0 / negative errno */
	void (*exit)(void);     /* NULL: the module cannot be unloaded */
};

/* Parameter types for KEEL_MODULE_PARAM. */
#define KEEL_PARAM_INT 1    /* int: decimal or 0x hex, optional '-' */
#define KEEL_PARAM_BOOL 2   /* bool: 1/0, y/n, true/false, on/off */
#define KEEL_PARAM_STRING 3 /* char array: copied, must fit with its NUL */

/* One parameter, in section .keel.params. */
struct keel_module_param {
	uint32_t size;           /* sizeof(struct keel_module_param) as built */
	uint32_t type;           /* KEEL_PARAM_* */
	const char *name;        /* the variable's name: `insmod m.ko name=value` */
	void *value;             /* the variable */
	uint32_t value_size;     /* sizeof the variable (the array, for strings) */
	uint32_t reserved0;      /* zero */
	const char *description; /* shown by modinfo */
};

#define KEEL_MODULE_SECTION_(name) __attribute__((used, section(name)))
#define KEEL_CONCAT_(a, b) a##b
#define KEEL_UNIQUE_(prefix, n) KEEL_CONCAT_(prefix, n)

/* The one primitive for metadata: a "tag=value" string in .keel.modinfo. */
#define KEEL_MODULE_INFO(tag, value)                                           \
	static const char KEEL_UNIQUE_(keel_modinfo_, __COUNTER__)[]              \
		KEEL_MODULE_SECTION_(".keel.modinfo")                          \
		__attribute__((aligned(1))) = #tag "=" value

#define KEEL_MODULE_LICENSE(text) KEEL_MODULE_INFO(license, text)
#define KEEL_MODULE_AUTHOR(text) KEEL_MODULE_INFO(author, text)
#define KEEL_MODULE_DESCRIPTION(text) KEEL_MODULE_INFO(description, text)
#define KEEL_MODULE_VERSION(text) KEEL_MODULE_INFO(version, text)

#define KEEL_PARAM_TYPE_int KEEL_PARAM_INT
#define KEEL_PARAM_TYPE_bool KEEL_PARAM_BOOL
#define KEEL_PARAM_TYPE_string KEEL_PARAM_STRING
#define KEEL_PARAM_CHECK_int(var) _Static_assert(__builtin_types_compatible_p(__typeof__(var), int), #var " must be an int")
#define KEEL_PARAM_CHECK_bool(var) _Static_assert(__builtin_types_compatible_p(__typeof__(var), _Bool), #var " must be a bool")
#define KEEL_PARAM_CHECK_string(var) _Static_assert(__builtin_types_compatible_p(__typeof__(var[0]), char), #var " must be a char array")

/*
 * Make the variable `var` settable at load time.  `type` is int, bool or
 * string (a char array, e.g. `static char name[32] = "world";`).
 */
#define KEEL_MODULE_PARAM(var, type, desc)                                     \
	KEEL_PARAM_CHECK_##type(var);                                          \
	static const struct keel_module_param keel_param_##var                 \
		KEEL_MODULE_SECTION_(".keel.params") __attribute__((aligned(8))) = { \
			sizeof(struct keel_module_param), KEEL_PARAM_TYPE_##type, \
			#var, &var, sizeof(var), 0, desc };                    \
	KEEL_MODULE_INFO(parm, #var ":" desc);                                 \
	KEEL_MODULE_INFO(parmtype, #var ":" #type)

/* Declare the module: its name (an identifier), init and exit functions. */
#define KEEL_MODULE(modname, initfn, exitfn)                                   \
	static const struct keel_module_header keel_module_header_             \
		KEEL_MODULE_SECTION_(".keel.module") __attribute__((aligned(8))) = { \
			sizeof(struct keel_module_header), KEEL_ABI_CURRENT,   \
			#modname, initfn, exitfn };                            \
	KEEL_MODULE_INFO(name, #modname)

_Static_assert(sizeof(void *) == 8, "the Keel ABI is LP64");
_Static_assert(sizeof(struct keel_module_header) == 32, "keel_module_header size");
_Static_assert(offsetof(struct keel_module_header, size) == 0, "keel_module_header");
_Static_assert(offsetof(struct keel_module_header, abi_version) == 4, "keel_module_header");
_Static_assert(offsetof(struct keel_module_header, name) == 8, "keel_module_header");
_Static_assert(offsetof(struct keel_module_header, init) == 16, "keel_module_header");
_Static_assert(offsetof(struct keel_module_header, exit) == 24, "keel_module_header");
_Static_assert(sizeof(struct keel_module_param) == 40, "keel_module_param size");
_Static_assert(offsetof(struct keel_module_param, size) == 0, "keel_module_param");
_Static_assert(offsetof(struct keel_module_param, type) == 4, "keel_module_param");
_Static_assert(offsetof(struct keel_module_param, name) == 8, "keel_module_param");
_Static_assert(offsetof(struct keel_module_param, value) == 16, "keel_module_param");
_Static_assert(offsetof(struct keel_module_param, value_size) == 24, "keel_module_param");
_Static_assert(offsetof(struct keel_module_param, reserved0) == 28, "keel_module_param");
_Static_assert(offsetof(struct keel_module_param, description) == 32, "keel_module_param");

#endif /* KEEL_MODULE_H */
