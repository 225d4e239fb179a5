/*
 * param.h - module parameters: `insmod foo.ko count=3 name=bar loud`.
 */
#ifndef KEEL_MODULE_PARAM_H
#define KEEL_MODULE_PARAM_H

#include <stddef.h>

#include <keel/module.h>

#define PARAM_REASON_MAX 160

/*
 * Parse `args` (words "name=value" or "name", separated by spaces) against
 * the module's `count` parameters, and only if every word is valid, store
 * the values.  int: decimal or 0x hex with an optional '-', within int;
 * bool: 1/0, y/n, yes/no, true/false, on/off, or the bare name for true;
 * string: copied with its NUL into the variable, which it must fit.
 * Returns 0, or -EINVAL with reason set ("unknown parameter 'x'", "count:
 * 'abc' is not an int", ...) and nothing stored.
 */
int params_apply(const struct keel_module_param *params, size_t count,
		 const char *args, char reason[PARAM_REASON_MAX]);

#endif /* KEEL_MODULE_PARAM_H */
