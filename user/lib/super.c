/* The supervisor's client side (include/mica/proto/super.h): what the
 * `crash` and `kill` commands and the restart tests ask of init. */
#include "mica.h"
#include <mica/proto/super.h>

static long super;   /* the supervisor's task ID; 0: not looked up */

/* One request about server `name` (NULL: none); the reply's label. */
static long super_call(uint64_t label, const char *name, uint64_t w0, void *rbuf, size_t rcap)
{
	if (super <= 0 && (super = server_lookup(SUPER_NAME)) < 0) {
		long err = super;
		super = 0;
		return err == -ENOENT ? -ENODEV : err;
	}
	struct msg m = { label, { w0 } };
	long r = ipc_call_bulk(super, &m, name, name ? strlen(name) + 1 : 0, rbuf, rcap);
	return r < 0 ? r : (long)m.label;
}

long super_list(struct super_info *rows, size_t max)
{
	return super_call(SUPER_LIST, NULL, 0, rows, max * sizeof(*rows));
}

long super_kill(const char *name)
{
	return super_call(SUPER_KILL, name, 0, NULL, 0);
}

long super_crash(const char *name)
{
	return super_call(SUPER_CRASH, name, 0, NULL, 0);
}

long super_inject(const char *name, uint32_t one_in)
{
	return super_call(SUPER_INJECT, name, one_in, NULL, 0);
}

long super_wait(const char *name, uint32_t restarts)
{
	return super_call(SUPER_WAIT, name, restarts, NULL, 0);
}
