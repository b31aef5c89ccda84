/* tests/test_craft_safety.c: where crafted segments may go without --allow-remote (no root). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>

#include "craft/safety.h"

/* ver and a[16] from text: IPv4 when it has no colon. */
static uint8_t addr(const char *s, uint8_t a[16])
{
	memset(a, 0, 16);
	if (strchr(s, ':') == NULL) {
		assert_int_equal(inet_pton(AF_INET, s, a), 1);
		return 4;
	}
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	return 6;
}

static bool allowed(const char *s, bool allow_remote, char *why, size_t whylen)
{
	uint8_t a[16];
	uint8_t ver = addr(s, a);
	return sf_craft_dest_allowed(ver, a, allow_remote, why, whylen);
}

static void loopback_is_allowed_without_the_flag(void **state)
{
	static const char *const loop[] = { "127.0.0.1", "127.5.6.7", "127.255.255.254", "::1",
					    "::ffff:127.0.0.1" };
	char why[256];
	(void)state;
	for (size_t i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		why[0] = '\0';
		assert_true(allowed(loop[i], false, why, sizeof(why)));
		assert_non_null(strstr(why, loop[i]));
		assert_non_null(strstr(why, "loopback address"));
	}
}

/* Run anywhere but inside a namespace where these are on-link, which a test
 * machine is not: in the initial namespace only loopback passes. */
static void remote_is_refused_without_the_flag_and_says_why(void **state)
{
	static const char *const remote[] = { "8.8.8.8", "2001:db8::1", "10.1.2.3" };
	char why[256];
	(void)state;
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		why[0] = '\0';
		assert_false(allowed(remote[i], false, why, sizeof(why)));
		assert_non_null(strstr(why, remote[i]));
		assert_non_null(strstr(why, "needs --allow-remote"));
	}
}

static void remote_is_allowed_with_the_flag(void **state)
{
	static const char *const remote[] = { "8.8.8.8", "2001:db8::1", "10.1.2.3" };
	char why[256];
	(void)state;
	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++) {
		why[0] = '\0';
		assert_true(allowed(remote[i], true, why, sizeof(why)));
		assert_non_null(strstr(why, "allowed by --allow-remote"));
	}
}

static void loopback_needs_no_flag_even_when_given(void **state)
{
	char why[256] = "";
	(void)state;
	assert_true(allowed("127.0.0.1", true, why, sizeof(why)));
	assert_null(strstr(why, "--allow-remote"));
}

static void near_loopback_addresses_are_not_loopback(void **state)
{
	static const char *const near[] = { "128.0.0.1", "126.255.255.255",  "0.0.0.0",    "::",
					    "::2",       "::ffff:128.0.0.1", "::127.0.0.1" };
	uint8_t a[16];
	(void)state;
	for (size_t i = 0; i < sizeof(near) / sizeof(near[0]); i++) {
		uint8_t ver = addr(near[i], a);
		assert_false(sf_craft_addr_is_loopback(ver, a));
		assert_false(sf_craft_dest_allowed(ver, a, false, NULL, 0));
	}
}

static void why_may_be_null_or_short(void **state)
{
	uint8_t a[16];
	char tiny[8];
	uint8_t ver = addr("8.8.8.8", a);
	(void)state;
	assert_false(sf_craft_dest_allowed(ver, a, false, NULL, 0));
	assert_false(sf_craft_dest_allowed(ver, a, false, tiny, sizeof(tiny)));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void an_unknown_ip_version_is_refused(void **state)
{
	uint8_t a[16] = { 127, 0, 0, 1 };
	char why[128] = "";
	(void)state;
	assert_false(sf_craft_dest_allowed(5, a, true, why, sizeof(why)));
	assert_non_null(strstr(why, "neither 4 nor 6"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(loopback_is_allowed_without_the_flag),
		cmocka_unit_test(remote_is_refused_without_the_flag_and_says_why),
		cmocka_unit_test(remote_is_allowed_with_the_flag),
		cmocka_unit_test(loopback_needs_no_flag_even_when_given),
		cmocka_unit_test(near_loopback_addresses_are_not_loopback),
		cmocka_unit_test(why_may_be_null_or_short),
		cmocka_unit_test(an_unknown_ip_version_is_refused),
	};
	return cmocka_run_group_tests_name("craft_safety", tests, NULL, NULL);
}
