/* craft/guard.c: the RST guard: an nftables table (or iptables chain) per crafter, and its watchdog. */
#define _GNU_SOURCE /* pipe2: a pipe that no exec'd tool inherits, atomically */
#include "craft/guard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define OUT_MAX 65536 /* what a tool may print that we read: listings of a few tables */

/* Where a root shell finds the firewall tools even when the caller's PATH
 * (sudo's secure_path aside) lacks the sbin directories. */
static const char *const sbin_dirs[] = { "/usr/sbin", "/sbin", "/usr/local/sbin" };

static bool find_in(const char *dir, size_t dlen, const char *name, char *out, size_t outlen)
{
	int n = snprintf(out, outlen, "%.*s/%s", (int)dlen, dir, name);
	return n > 0 && (size_t)n < outlen && access(out, X_OK) == 0;
}

static bool find_tool(const char *name, char *out, size_t outlen)
{
	const char *path = getenv("PATH");

	while (path != NULL && *path != '\0') {
		const char *colon = strchr(path, ':');
		size_t dlen = colon != NULL ? (size_t)(colon - path) : strlen(path);
		if (dlen > 0 && find_in(path, dlen, name, out, outlen))
			return true;
		path = colon != NULL ? colon + 1 : NULL;
	}
	for (size_t i = 0; i < sizeof(sbin_dirs) / sizeof(sbin_dirs[0]); i++)
		if (find_in(sbin_dirs[i], strlen(sbin_dirs[i]), name, out, outlen))
			return true;
	out[0] = '\0';
	return false;
}

/* Appends up to what fits of one read from fd to buf[*used]; false at EOF
 * or error. The rest of a long output is read and dropped. */
static bool drain(int fd, char *buf, size_t cap, size_t *used)
{
	char tmp[4096];
	ssize_t n = read(fd, tmp, sizeof tmp);

	if (n < 0 && errno == EINTR)
		return true;
	if (n <= 0)
		return false;
	if (buf != NULL && cap > 0 && *used < cap - 1) {
		size_t k = (size_t)n < cap - 1 - *used ? (size_t)n : cap - 1 - *used;
		memcpy(buf + *used, tmp, k);
		*used += k;
		buf[*used] = '\0';
	}
	return true;
}

/* Runs argv[0] (a full path) with `in` on its standard input; its standard
 * output into out, its standard error into err (both NUL-terminated, cut
 * to fit; either may be NULL). The exit status, 128+signal, or -1 when it
 * could not be started (err says why). The child leaves the terminal's
 * process group, so a Ctrl-C meant for the crafter cannot cut a removal
 * short. */
static int run(const char *const argv[], const char *in, char *out, size_t outlen, char *err,
	       size_t errlen)
{
	int pin[2] = { -1, -1 }, pout[2] = { -1, -1 }, perr[2] = { -1, -1 };
	size_t oused = 0, eused = 0;
	int status = 0, rc = -1;
	pid_t pid = -1;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 ||
	    pipe2(perr, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot run %s: %s", argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0) {
		(void)setpgid(0, 0);
		if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	close(perr[1]);
	pin[0] = pout[1] = perr[1] = -1;
	if (in != NULL) {
		/* A script of a few hundred bytes fits a pipe: nft reads all of
		 * it before it prints anything. */
		size_t len = strlen(in), off = 0;
		while (off < len) {
			ssize_t n = write(pin[1], in + off, len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	close(pin[1]);
	pin[1] = -1;
	{
		struct pollfd pf[2] = { { pout[0], POLLIN, 0 }, { perr[0], POLLIN, 0 } };
		while (pf[0].fd >= 0 || pf[1].fd >= 0) {
			if (poll(pf, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (pf[0].revents && !drain(pout[0], out, outlen, &oused))
				pf[0].fd = -1;
			if (pf[1].revents && !drain(perr[0], err, errlen, &eused))
				pf[1].fd = -1;
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			snprintf(err, errlen, "cannot wait for %s: %s", argv[0], strerror(errno));
			goto out;
		}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (rc == 127 && eused == 0)
		snprintf(err, errlen, "cannot execute %s", argv[0]);
out:
	for (int i = 0; i < 2; i++) {
		if (pin[i] >= 0)
			close(pin[i]);
		if (pout[i] >= 0)
			close(pout[i]);
		if (perr[i] >= 0)
			close(perr[i]);
	}
	return rc;
}

/* One line: the tool's first line of complaint, without its newline. */
static void first_line(char *s)
{
	char *nl = strchr(s, '\n');
	if (nl != NULL)
		*nl = '\0';
}

static bool is_perm(const char *msg)
{
	return strstr(msg, "Operation not permitted") != NULL ||
	       strstr(msg, "Permission denied") != NULL || strstr(msg, "must be root") != NULL;
}

static void addr_str(uint8_t ver, const uint8_t *a, char *buf, size_t len)
{
	if (inet_ntop(ver == 6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
}

const char *sf_guard_flow_str(const struct sf_guard_flow *f, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *l = f->ver == 6 ? "[" : "", *r = f->ver == 6 ? "]" : "";

	addr_str(f->ver, f->saddr, s, sizeof s);
	addr_str(f->ver, f->daddr, d, sizeof d);
	if (f->any_peer)
		snprintf(buf, len, "%s%s%s:%u > any", l, s, r, f->sport);
	else
		snprintf(buf, len, "%s%s%s:%u > %s%s%s:%u", l, s, r, f->sport, l, d, r, f->dport);
	return buf;
}

size_t sf_guard_nft_script(const struct sf_guard_flow *f, const char *name, char *buf, size_t len)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], peer[96] = "";
	const char *fam = f->ver == 6 ? "ip6" : "ip";
	int n = 0;

	addr_str(f->ver, f->saddr, s, sizeof s);
	addr_str(f->ver, f->daddr, d, sizeof d);
	if (!f->any_peer)
		snprintf(peer, sizeof peer, " %s daddr %s tcp dport %u", fam, d, f->dport);
	/* The first two lines make it idempotent: a table left under a reused
	 * PID is replaced, not merged into. */
	n = snprintf(buf, len,
		     "table inet %s\n"
		     "delete table inet %s\n"
		     "table inet %s {\n"
		     "\tchain out {\n"
		     "\t\ttype filter hook output priority filter; policy accept;\n"
		     "\t\t%s saddr %s tcp sport %u%s tcp flags & rst == rst meta mark != 0x%08x "
		     "counter drop\n"
		     "\t}\n"
		     "}\n",
		     name, name, name, fam, s, f->sport, peer, SF_GUARD_MARK);
	return n > 0 && (size_t)n < len ? (size_t)n : 0;
}

bool sf_guard_line_pid(const char *line, long *pid)
{
	static const char *const prefixes[] = { "table inet synfin-", "-N synfin-" };
	char *end = NULL;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t pl = strlen(prefixes[i]);
		if (strncmp(line, prefixes[i], pl) != 0)
			continue;
		if (line[pl] < '1' || line[pl] > '9')
			return false;
		errno = 0;
		*pid = strtol(line + pl, &end, 10);
		return errno == 0 && *pid > 0 &&
		       (*end == '\0' || *end == '\n' || *end == ' ' || *end == '\r');
	}
	return false;
}

/* --- nftables ------------------------------------------------------------ */

static int nft_delete(const char *tool, const char *name, char *err, size_t errlen)
{
	const char *argv[] = { tool, "delete", "table", "inet", name, NULL };

	return run(argv, NULL, NULL, 0, err, errlen);
}

/* RSTs the table's counter saw, or -1. */
static long nft_dropped(const char *tool, const char *name)
{
	char *out = malloc(OUT_MAX);
	const char *argv[] = { tool, "list", "table", "inet", name, NULL };
	char err[256];
	long n = -1;

	if (out == NULL)
		return -1;
	if (run(argv, NULL, out, OUT_MAX, err, sizeof err) == 0) {
		const char *p = strstr(out, "packets ");
		if (p != NULL)
			n = strtol(p + 8, NULL, 10);
	}
	free(out);
	return n;
}

/* --- iptables -------------------------------------------------------------- */

static int ipt(const char *tool, const char *const *args, char *err, size_t errlen)
{
	const char *argv[32] = { tool, "-w" };
	size_t n = 2;

	for (; *args != NULL && n < 31; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	return run(argv, NULL, NULL, 0, err, errlen);
}

static void ipt_delete(const char *tool, const char *name)
{
	char err[256];
	const char *unjump[] = { "-D", "OUTPUT", "-j", name, NULL };
	const char *flush[] = { "-F", name, NULL };
	const char *del[] = { "-X", name, NULL };

	/* The jump first: a chain still referenced cannot be deleted. */
	while (ipt(tool, unjump, err, sizeof err) == 0)
		;
	(void)ipt(tool, flush, err, sizeof err);
	(void)ipt(tool, del, err, sizeof err);
}

static int ipt_install(const struct sf_guard *g, char *err, size_t errlen)
{
	const struct sf_guard_flow *f = &g->flow;
	const char *tool = f->ver == 6 ? g->tool6 : g->tool;
	char s[INET6_ADDRSTRLEN + 4], d[INET6_ADDRSTRLEN + 4], sp[8], dp[8], mark[16];
	const char *mk[] = { "-N", g->name, NULL };
	const char *jump[] = { "-I", "OUTPUT", "1", "-j", g->name, NULL };
	const char *rule_any[] = { "-A",     g->name,       "-p",  "tcp",  "-s", s,      "--sport",
				   sp,       "--tcp-flags", "RST", "RST",  "-m", "mark", "!",
				   "--mark", mark,          "-j",  "DROP", NULL };
	const char *rule[] = { "-A",          g->name, "-p",      "tcp",  "-s",      s,
			       "-d",          d,       "--sport", sp,     "--dport", dp,
			       "--tcp-flags", "RST",   "RST",     "-m",   "mark",    "!",
			       "--mark",      mark,    "-j",      "DROP", NULL };
	int rc = 0;

	addr_str(f->ver, f->saddr, s, sizeof s);
	addr_str(f->ver, f->daddr, d, sizeof d);
	snprintf(sp, sizeof sp, "%u", f->sport);
	snprintf(dp, sizeof dp, "%u", f->dport);
	snprintf(mark, sizeof mark, "0x%08x", SF_GUARD_MARK);
	rc = ipt(tool, mk, err, errlen);
	if (rc == 0)
		rc = ipt(tool, f->any_peer ? rule_any : rule, err, errlen);
	if (rc == 0)
		rc = ipt(tool, jump, err, errlen);
	if (rc != 0 && !is_perm(err))
		ipt_delete(tool, g->name);
	return rc;
}

/* --- both ------------------------------------------------------------------ */

static bool find_backend(struct sf_guard *g)
{
	const char *force = getenv("SYNFIN_GUARD");

	if ((force == NULL || strcmp(force, "iptables") != 0) &&
	    find_tool("nft", g->tool, sizeof g->tool)) {
		g->backend = SF_GUARD_NFT;
		return true;
	}
	if (find_tool("iptables", g->tool, sizeof g->tool) &&
	    find_tool("ip6tables", g->tool6, sizeof g->tool6)) {
		g->backend = SF_GUARD_IPTABLES;
		return true;
	}
	g->backend = SF_GUARD_NONE;
	return false;
}

/* Deletes the table or chain; the tool's exit status (0: deleted). */
static int delete_rules(const struct sf_guard *g, char *err, size_t errlen)
{
	if (g->backend == SF_GUARD_NFT)
		return nft_delete(g->tool, g->name, err, errlen);
	ipt_delete(g->flow.ver == 6 ? g->tool6 : g->tool, g->name);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	return 0;
}

/* The watchdog: blocks on the pipe; one byte means "removed, just exit",
 * EOF means the crafter died with the rules in place. */
static void watchdog(const struct sf_guard *g, int rfd, pid_t owner)
{
	char c = 0, err[256];
	ssize_t n = 0;
	int fd = -1;
	long maxfd = sysconf(_SC_OPEN_MAX);

	(void)setsid(); /* out of the terminal's process group: Ctrl-C is the crafter's */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	/* Hold nothing of the crafter's open (its capture, a pipe a test waits
	 * on): only the pipe and standard error for the verbose line. */
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
	}
	for (long i = 3; i < (maxfd > 0 && maxfd < 65536 ? maxfd : 65536); i++)
		if (i != rfd)
			close((int)i);
	do
		n = read(rfd, &c, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(0);
	if (delete_rules(g, err, sizeof err) == 0 && g->log != NULL)
		fprintf(g->log, "guard: the crafter (pid %ld) is gone: watchdog removed %s %s\n",
			(long)owner, g->backend == SF_GUARD_NFT ? "table inet" : "chain", g->name);
	_exit(0);
}

static bool start_watchdog(struct sf_guard *g, char *err, size_t errlen)
{
	int p[2] = { -1, -1 };
	pid_t owner = getpid();

	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot start the guard's watchdog: %s", strerror(errno));
		return false;
	}
	fflush(NULL); /* the child must not write the crafter's buffered output again */
	g->wd_pid = fork();
	if (g->wd_pid < 0) {
		snprintf(err, errlen, "cannot start the guard's watchdog: %s", strerror(errno));
		g->wd_pid = 0;
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (g->wd_pid == 0) {
		close(p[1]);
		watchdog(g, p[0], owner);
	}
	close(p[0]);
	g->wd_fd = p[1];
	return true;
}

/* Ends the watchdog: `done` tells it the rules are gone; without, it
 * deletes them itself. */
static void stop_watchdog(struct sf_guard *g, bool done)
{
	if (g->wd_fd >= 0) {
		if (done)
			while (write(g->wd_fd, "x", 1) < 0 && errno == EINTR)
				;
		close(g->wd_fd);
		g->wd_fd = -1;
	}
	if (g->wd_pid > 0)
		while (waitpid(g->wd_pid, NULL, 0) < 0 && errno == EINTR)
			;
	g->wd_pid = 0;
}

enum sf_guard_rc sf_guard_install(struct sf_guard *g, const struct sf_guard_flow *flow, FILE *log,
				  char *err, size_t errlen)
{
	char script[1024], fs[128], msg[512] = "";
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->wd_fd = -1;
	g->flow = *flow;
	g->log = log;
	snprintf(g->name, sizeof g->name, "synfin-%ld", (long)getpid());
	if (!find_backend(g)) {
		snprintf(err, errlen,
			 "cannot guard the connection from the local kernel's RST: neither nft nor "
			 "iptables was found (install nftables: apt-get install nftables)");
		return SF_GUARD_NO_TOOL;
	}
	if (!start_watchdog(g, err, errlen))
		return SF_GUARD_FAIL;
	if (g->backend == SF_GUARD_NFT) {
		const char *argv[] = { g->tool, "-f", "-", NULL };
		if (sf_guard_nft_script(flow, g->name, script, sizeof script) == 0) {
			snprintf(err, errlen, "the guard's nft script does not fit");
			stop_watchdog(g, true);
			return SF_GUARD_FAIL;
		}
		rc = run(argv, script, NULL, 0, msg, sizeof msg);
	} else {
		rc = ipt_install(g, msg, sizeof msg);
	}
	if (rc != 0) {
		bool perm = is_perm(msg);
		first_line(msg);
		stop_watchdog(g, true);
		if (perm) {
			snprintf(err, errlen,
				 "cannot install the RST guard (%s: %s): changing the firewall "
				 "needs "
				 "root (CAP_NET_ADMIN), and so do capturing and injecting: run it "
				 "with sudo",
				 g->tool, msg);
			return SF_GUARD_PERM;
		}
		snprintf(err, errlen, "cannot install the RST guard: %s: %s", g->tool,
			 msg[0] ? msg : "failed");
		return SF_GUARD_FAIL;
	}
	g->installed = true;
	if (log != NULL)
		fprintf(log,
			"guard: installed %s %s: drop the local kernel's RST %s (watchdog pid "
			"%ld)\n",
			g->backend == SF_GUARD_NFT ? "nftables table inet" : "iptables chain",
			g->name, sf_guard_flow_str(flow, fs, sizeof fs), (long)g->wd_pid);
	return SF_GUARD_OK;
}

bool sf_guard_remove(struct sf_guard *g, char *err, size_t errlen)
{
	long dropped = -1;
	int rc = 0;

	if (!g->installed) {
		stop_watchdog(g, true);
		return true;
	}
	if (g->log != NULL && g->backend == SF_GUARD_NFT)
		dropped = nft_dropped(g->tool, g->name);
	rc = delete_rules(g, err, errlen);
	if (rc != 0) {
		first_line(err);
		stop_watchdog(g, false); /* it tries once more */
		g->installed = false;
		return false;
	}
	g->installed = false;
	stop_watchdog(g, true);
	if (g->log != NULL) {
		if (dropped >= 0)
			fprintf(g->log, "guard: removed table inet %s (it dropped %ld RST%s)\n",
				g->name, dropped, dropped == 1 ? "" : "s");
		else
			fprintf(g->log, "guard: removed %s %s\n",
				g->backend == SF_GUARD_NFT ? "table inet" : "iptables chain",
				g->name);
	}
	return true;
}

/* Deletes the leftovers named in a listing; the number deleted. */
static unsigned sweep_listing(struct sf_guard *g, char *list, FILE *log)
{
	unsigned n = 0;
	char *save = NULL, err[256];

	for (char *line = strtok_r(list, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		long pid = 0;
		if (!sf_guard_line_pid(line, &pid) || pid == (long)getpid())
			continue;
		/* EPERM means it runs as another user: alive. Only ESRCH is gone.
		 * A PID reused since is taken as alive: the table stays, harmless
		 * but for its one rule. */
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(g->name, sizeof g->name, "synfin-%ld", pid);
		if (delete_rules(g, err, sizeof err) == 0) {
			n++;
			if (log != NULL)
				fprintf(log,
					"guard: removed %s %s, left by a crafter that is gone\n",
					g->backend == SF_GUARD_NFT ? "table inet"
								   : "iptables chain",
					g->name);
		}
	}
	return n;
}

unsigned sf_guard_sweep(FILE *log)
{
	struct sf_guard g;
	char *out = malloc(OUT_MAX), err[256];
	unsigned n = 0;

	memset(&g, 0, sizeof g);
	g.wd_fd = -1;
	if (out == NULL || !find_backend(&g))
		goto done;
	if (g.backend == SF_GUARD_NFT) {
		const char *argv[] = { g.tool, "list", "tables", NULL };
		if (run(argv, NULL, out, OUT_MAX, err, sizeof err) == 0)
			n += sweep_listing(&g, out, log);
	} else {
		const char *tools[2] = { g.tool, g.tool6 };
		for (int i = 0; i < 2; i++) {
			const char *argv[] = { tools[i], "-w", "-S", NULL };
			g.flow.ver = i == 0 ? 4 : 6;
			if (run(argv, NULL, out, OUT_MAX, err, sizeof err) == 0)
				n += sweep_listing(&g, out, log);
		}
	}
done:
	free(out);
	return n;
}
