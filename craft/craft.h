/* craft/craft.h: the modes of `synfin craft`, one entry point each.
 *
 * cli/cmd_craft.c dispatches `synfin craft MODE ...` to these, argv[0]
 * being MODE. Each returns a SF_EXIT_* code and prints its own usage.
 */
#ifndef SF_CRAFT_CRAFT_H
#define SF_CRAFT_CRAFT_H

#include <stdio.h>

int sf_craft_synth_main(int argc, char **argv); /* cli/craft_synth.c */
void sf_craft_synth_usage(FILE *f);
int sf_craft_send_main(int argc, char **argv); /* cli/craft_send.c */
void sf_craft_send_usage(FILE *f);
int sf_craft_connect_main(int argc, char **argv); /* cli/craft_tcp.c */
void sf_craft_connect_usage(FILE *f);
int sf_craft_accept_main(int argc, char **argv); /* cli/craft_tcp.c */
void sf_craft_accept_usage(FILE *f);

#endif
