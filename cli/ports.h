/* cli/ports.h: service names for ports, as tcpdump prints them without -n. */
#ifndef SF_CLI_PORTS_H
#define SF_CLI_PORTS_H

/* A table of 65536 names (NULL where the services database has none),
 * read once; NULL when out of memory. Host names are never looked up. */
char **sf_ports_load(void);
void sf_ports_free(char **names);

#endif
