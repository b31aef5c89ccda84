/* bench/peak.c: wall time and peak memory of one command, for bench/run.sh.
 *
 * usage: peak CMD [ARGS...]
 *
 * Runs CMD with its standard output sent to /dev/null (its standard error is
 * left alone), waits for it with wait4(), and prints one line on peak's own
 * standard output:
 *
 *   wall_s=<seconds> maxrss_kb=<ru_maxrss> rc=<exit code>
 *
 * so `$(peak ...)` captures the report and nothing of the command's output.
 * This stands in for /usr/bin/time, which is not always installed. rc is the
 * exit status, 128+N when killed by signal N, 127 when CMD could not be run;
 * peak exits with the same rc. maxrss is the child's peak resident set in KiB
 * (Linux units). Linux counts the forked copy of peak from before the exec
 * too; peak allocates nothing, so that is under 2 MiB and only matters for
 * a command smaller than peak itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	double t0 = 0, t1 = 0;
	pid_t pid = 0;
	int status = 0, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: peak CMD [ARGS...]\n");
		return 2;
	}
	/* Anything buffered would be written twice once the child inherits it. */
	fflush(stdout);
	t0 = now();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "peak: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
			fprintf(stderr, "peak: /dev/null: %s\n", strerror(errno));
			_exit(127);
		}
		if (fd != STDOUT_FILENO)
			close(fd);
		execvp(argv[1], argv + 1);
		fprintf(stderr, "peak: %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	memset(&ru, 0, sizeof(ru));
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "peak: wait4: %s\n", strerror(errno));
			return 127;
		}
	}
	t1 = now();
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		rc = 128 + WTERMSIG(status);
	else
		rc = 127;
	printf("wall_s=%.6f maxrss_kb=%ld rc=%d\n", t1 - t0, ru.ru_maxrss, rc);
	return rc;
}
