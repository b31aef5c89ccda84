/* cli/ports.c: TCP service names for port numbers, from the services database. */
#include "cli/ports.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

/* Service names for ports, read once from the services database. */
char **sf_ports_load(void)
{
	char **names = calloc(65536, sizeof(*names));
	struct servent *se = NULL;

	if (names == NULL)
		return NULL;
	setservent(1);
	while ((se = getservent()) != NULL) {
		unsigned port = ntohs((uint16_t)se->s_port);
		if (strcmp(se->s_proto, "tcp") == 0 && names[port] == NULL)
			names[port] = strdup(se->s_name);
	}
	endservent();
	return names;
}

void sf_ports_free(char **names)
{
	if (names == NULL)
		return;
	for (size_t i = 0; i < 65536; i++)
		free(names[i]);
	free(names);
}
