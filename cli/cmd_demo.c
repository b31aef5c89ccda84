/* cli/cmd_demo.c: `synfin demo`: the bundled pair on loopback, captured, decoded, reported.
 *
 * Every step runs in its own process, as a user would run them in four
 * terminals: the server (forked, so its port is known before anything
 * starts), `synfin capture` on lo for that port (the demo waits for its
 * "listening on" line, so no segment is missed), `synfin client`, then
 * `synfin ladder` and `synfin report` on the file the capture wrote. Each
 * child dies with the demo (PR_SET_PDEATHSIG), and every exit path stops and
 * reaps them: nothing is left running, and the capture file is the one thing
 * left behind, named at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "capture/chat.h"
#include "capture/server.h"
#include "cli/cmd.h"
#include "config.h"

struct demo_args {
	bool close_last, ascii;
	const char *wfile;
};

void sf_cmd_demo_usage(FILE *f)
{
	fprintf(f,
		"usage: synfin demo [--close first|last] [-w FILE] [--ascii]\n"
		"\n"
		"Shows a TCP conversation open and close on loopback: starts `synfin server` on\n"
		"127.0.0.1 at a free port, captures on lo for that port (`synfin capture`),\n"
		"runs `synfin client` through a short chat that ends with bye and ^^^, stops\n"
		"the capture (which prints every segment as it happens, then each socket as\n"
		"the capture inferred it beside the kernel's own view), and draws the\n"
		"conversation with `synfin ladder` and `synfin report`. Needs the privilege\n"
		"to capture (run it with sudo). Leaves nothing behind but the capture file.\n"
		"\n"
		"  --close first   the server closes first (the default): it ends in TIME_WAIT\n"
		"  --close last    the client closes first\n"
		"  -w FILE         the capture file (default synfin-demo.pcap)\n"
		"  --ascii         ASCII arrows and marks, for terminals without Unicode\n"
		"\n"
		"Exit: 0 done; 1 a step failed; 2 bad command line; 5 no privilege to capture.\n");
}

static int parse_args(int argc, char **argv, struct demo_args *a, bool *done)
{
	enum { OPT_CLOSE = 256, OPT_ASCII, OPT_HELP };
	static const struct option longs[] = {
		{ "close", required_argument, NULL, OPT_CLOSE },
		{ "ascii", no_argument, NULL, OPT_ASCII },
		{ "help", no_argument, NULL, OPT_HELP },
		{ NULL, 0, NULL, 0 },
	};
	int c = 0;

	*done = false;
	optind = 1;
	opterr = 0;
	a->wfile = "synfin-demo.pcap";
	while ((c = getopt_long(argc, argv, "+w:h", longs, NULL)) != -1) {
		switch (c) {
		case OPT_CLOSE:
			if (strcmp(optarg, "first") == 0) {
				a->close_last = false;
			} else if (strcmp(optarg, "last") == 0) {
				a->close_last = true;
			} else {
				fprintf(stderr,
					"synfin demo: --close wants first or last, not '%s'\n\n",
					optarg);
				sf_cmd_demo_usage(stderr);
				return SF_EXIT_USAGE;
			}
			break;
		case 'w': a->wfile = optarg; break;
		case OPT_ASCII: a->ascii = true; break;
		case 'h':
		case OPT_HELP:
			sf_cmd_demo_usage(stdout);
			*done = true;
			return SF_EXIT_OK;
		default:
			if (optopt == 'w' || optopt == OPT_CLOSE)
				fprintf(stderr, "synfin demo: '%s' needs a value\n\n",
					argv[optind - 1]);
			else
				fprintf(stderr, "synfin demo: unknown option '%s'\n\n",
					argv[optind - 1]);
			sf_cmd_demo_usage(stderr);
			return SF_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "synfin demo: unexpected '%s'\n\n", argv[optind]);
		sf_cmd_demo_usage(stderr);
		return SF_EXIT_USAGE;
	}
	return SF_EXIT_OK;
}

/* --- children ----------------------------------------------------------------- */

static pid_t kids[2]; /* server, capture: stopped on every way out */

static void stop_kids(void)
{
	for (int i = 0; i < 2; i++)
		if (kids[i] > 0) {
			int st = 0;
			(void)kill(kids[i], SIGTERM);
			for (int t = 0; t < 50 && waitpid(kids[i], &st, WNOHANG) == 0; t++)
				(void)nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
			if (waitpid(kids[i], &st, WNOHANG) == 0) {
				(void)kill(kids[i], SIGKILL);
				(void)waitpid(kids[i], &st, 0);
			}
			kids[i] = 0;
		}
}

static volatile sig_atomic_t demo_stop;

static void on_signal(int sig)
{
	(void)sig;
	demo_stop = 1;
}

/* In a child: die with the demo, and with the signals' defaults back. */
static void child_setup(void)
{
	(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
}

static volatile sig_atomic_t server_stop;

static void on_server_signal(int sig)
{
	(void)sig;
	server_stop = 1;
}

/* The server, forked once its socket listens; its pid, or -1. */
static pid_t start_server(struct sf_server *srv)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	child_setup();
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_server_signal;
		(void)sigaction(SIGTERM, &sa, NULL);
		(void)sigaction(SIGINT, &sa, NULL);
	}
	_exit(sf_server_run(srv, &server_stop) == 0 ? 0 : 1);
}

/* Runs `self` with argv and waits for it (bounded); its exit code, or -1. */
static int run(const char *self, char *const argv[], int timeout_s)
{
	int st = 0;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		child_setup();
		execv(self, argv);
		_exit(127);
	}
	for (int t = 0; t < timeout_s * 50; t++) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
		if (demo_stop)
			break;
		(void)nanosleep(&(struct timespec){ 0, 20000000 }, NULL);
	}
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &st, 0);
	return -1;
}

/* Starts `synfin capture`, its stderr through a pipe, and waits for its
 * "listening on" line (at most 10 s). The pid, or -1; *exit_code is the
 * child's when it ended first. */
static pid_t start_capture(const char *self, char *const argv[], int *errfd, int *exit_code)
{
	int p[2];
	pid_t pid = 0;
	char line[1024];
	size_t n = 0;

	*exit_code = SF_EXIT_INPUT;
	if (pipe(p) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		child_setup();
		(void)dup2(p[1], STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		execv(self, argv);
		_exit(127);
	}
	close(p[1]);
	*errfd = p[0];
	for (int t = 0; t < 100 && !demo_stop;) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		ssize_t r = 0;
		if (poll(&pf, 1, 100) <= 0) {
			t++;
			continue;
		}
		r = read(p[0], line + n, 1); /* a byte at a time: the line is short */
		if (r <= 0)
			break;
		if (line[n] == '\n' || n + 2 >= sizeof(line)) {
			line[n + 1] = '\0';
			fputs(line, stderr);
			if (strstr(line, "listening on") != NULL)
				return pid;
			n = 0;
		} else {
			n++;
		}
	}
	{
		int st = 0;
		(void)kill(pid, SIGTERM);
		(void)waitpid(pid, &st, 0);
		if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			*exit_code = WEXITSTATUS(st);
	}
	return -1;
}

/* Copies what the capture still writes to stderr, until it closes. */
static void drain_fd(int fd)
{
	char buf[4096];
	ssize_t r = 0;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)r, stderr);
}

static void banner(const char *what)
{
	printf("\n===== %s\n\n", what);
	fflush(stdout);
}

int sf_cmd_demo(int argc, char **argv)
{
	struct demo_args a = { false, false, NULL };
	struct sf_server_cfg cfg;
	struct sf_server *srv = NULL;
	char self[4096], port[8], filter[32], err[256];
	const char *user = getenv("SUDO_USER");
	struct sigaction sa;
	bool done = false;
	int rc = SF_EXIT_OK, errfd = -1, code = 0;
	ssize_t sl = 0;

	rc = parse_args(argc, argv, &a, &done);
	if (rc != SF_EXIT_OK || done)
		return rc;
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0) {
		fprintf(stderr, "synfin demo: cannot find its own program: %s\n", strerror(errno));
		return SF_EXIT_INPUT;
	}
	self[sl] = '\0';
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	/* 1. The server, on a free port. */
	banner("server, capture and client (each line as it happens)");
	sf_server_defaults(&cfg);
	cfg.bind = "127.0.0.1";
	cfg.port = 0;
	cfg.close_last = a.close_last;
	cfg.max_seconds = 120;
	cfg.log = stdout;
	if (sf_server_open(&cfg, &srv, err, sizeof(err)) != 0) {
		fprintf(stderr, "synfin demo: %s\n", err);
		return SF_EXIT_INPUT;
	}
	snprintf(port, sizeof(port), "%u", (unsigned)sf_server_port(srv));
	snprintf(filter, sizeof(filter), "tcp port %s", port);
	kids[0] = start_server(srv);
	sf_server_close(srv); /* the child has its own copy of the socket */
	if (kids[0] < 0) {
		fprintf(stderr, "synfin demo: cannot start the server: %s\n", strerror(errno));
		return SF_EXIT_INPUT;
	}

	/* 2. The capture, on lo for that port, until it says it listens. When
	 * run through sudo, the file goes to the user who asked. */
	{
		char *cap[16];
		int k = 0;
		cap[k++] = "synfin";
		cap[k++] = "capture";
		cap[k++] = "-i";
		cap[k++] = "lo";
		cap[k++] = "-n";
		cap[k++] = "--kernel";
		if (a.ascii)
			cap[k++] = "--ascii";
		cap[k++] = "-w";
		cap[k++] = (char *)a.wfile;
		if (user != NULL && *user != '\0') {
			cap[k++] = "-Z";
			cap[k++] = (char *)user;
		}
		cap[k++] = filter;
		cap[k] = NULL;
		kids[1] = start_capture(self, cap, &errfd, &code);
		if (kids[1] < 0) {
			stop_kids();
			fprintf(stderr, "synfin demo: the capture did not start (see above)\n");
			return code == SF_EXIT_PERM ? SF_EXIT_PERM : SF_EXIT_INPUT;
		}
	}

	/* 3. The client's conversation. */
	{
		char *cl[] = { "synfin",         "client", "127.0.0.1",    port, "--send",
			       "Hello, server!", "--send", "How are you?", NULL };
		code = run(self, cl, 20);
		if (code != 0) {
			fprintf(stderr, "synfin demo: the client failed (exit %d)\n", code);
			rc = SF_EXIT_INPUT;
		}
	}

	/* 4. Stop the capture: it drains, then prints its sockets beside the
	 * kernel's while the server still listens. A moment first, for the
	 * last ACK of the close. */
	(void)nanosleep(&(struct timespec){ 0, 300000000 }, NULL);
	banner("stopping the capture: sockets as it inferred them, beside the kernel's");
	(void)kill(kids[1], SIGINT);
	{
		int st = 0;
		drain_fd(errfd);
		(void)waitpid(kids[1], &st, 0);
		kids[1] = 0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "synfin demo: the capture failed\n");
			rc = SF_EXIT_INPUT;
		}
	}
	close(errfd);
	stop_kids();
	if (rc != SF_EXIT_OK || demo_stop)
		return demo_stop ? SF_EXIT_INPUT : rc;

	/* 5. The whole conversation, from the file. */
	banner("synfin ladder: the conversation as a sequence diagram");
	{
		char *ld[] = {
			"synfin", "ladder", "-r", (char *)a.wfile, a.ascii ? "--ascii" : NULL, NULL
		};
		if (run(self, ld, 20) != 0)
			rc = SF_EXIT_INPUT;
	}
	banner("synfin report: the sockets netstat would show at the end, and the summary");
	{
		char *rp[] = { "synfin", "report", "-n", "-r", (char *)a.wfile, NULL };
		if (run(self, rp, 20) != 0)
			rc = SF_EXIT_INPUT;
	}
	printf("\nsynfin demo: the capture is in %s; replay it with: synfin ladder -r %s "
	       "--realtime\n",
	       a.wfile, a.wfile);
	return rc;
}
