/* cli/cmd.h: the subcommands of the synfin program. Each returns an exit code. */
#ifndef SF_CLI_CMD_H
#define SF_CLI_CMD_H

#include <stdio.h>

int sf_cmd_decode(int argc, char **argv);
void sf_cmd_decode_usage(FILE *f);
int sf_cmd_report(int argc, char **argv);
void sf_cmd_report_usage(FILE *f);
int sf_cmd_ladder(int argc, char **argv);
void sf_cmd_ladder_usage(FILE *f);
int sf_cmd_server(int argc, char **argv);
void sf_cmd_server_usage(FILE *f);
int sf_cmd_client(int argc, char **argv);
void sf_cmd_client_usage(FILE *f);
int sf_cmd_capture(int argc, char **argv);
void sf_cmd_capture_usage(FILE *f);
int sf_cmd_craft(int argc, char **argv);
void sf_cmd_craft_usage(FILE *f);
int sf_cmd_demo(int argc, char **argv);
void sf_cmd_demo_usage(FILE *f);

#endif
