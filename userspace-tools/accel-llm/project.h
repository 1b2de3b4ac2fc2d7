/* SPDX-License-Identifier: MIT */
/*
 * project.h - accel-llm --project: tokens/s of a model shape on the board
 * profiles, from the cycle model, without running the model.
 */
#ifndef ACCEL_LLM_PROJECT_H
#define ACCEL_LLM_PROJECT_H

/* 1 if @argv asks for --project. */
int project_requested(int argc, char **argv);
/* The whole --project run; the process exit status. */
int project_main(int argc, char **argv);

#endif /* ACCEL_LLM_PROJECT_H */
