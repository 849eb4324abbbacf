/* sleep SECONDS: wait that long; SECONDS may have a fraction ("0.5"),
 * of which milliseconds count. */
#include "mica.h"

#define SECONDS_MAX (1000L * 1000 * 1000)   /* over 30 years: surely a typo */

/* The milliseconds in s ("2", "0.25", ".5", "3."), or -1 if s is not a
 * number of seconds up to SECONDS_MAX. */
static long parse_ms(const char *s)
{
	const char *p = s;
	long seconds = 0, ms = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((seconds = seconds * 10 + (*p - '0')) > SECONDS_MAX)
			return -1;
	bool digits = p != s;
	if (*p == '.') {
		p++;
		for (long scale = 100; *p >= '0' && *p <= '9'; p++, scale /= 10) {
			ms += (*p - '0') * scale;
			digits = true;
		}
	}
	return digits && *p == 0 ? seconds * 1000 + ms : -1;
}

int main(int argc, char **argv)
{
	long ms = argc == 2 ? parse_ms(argv[1]) : -1;
	if (ms < 0) {
		dprintf(2, "usage: sleep SECONDS (e.g. 2 or 0.5)\n");
		return 2;
	}
	sleep_ms((uint64_t)ms);
	return 0;
}
