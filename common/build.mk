# Code shared by the kernel driver, libaccel and the hardware model:
# command footprints and user command -> descriptor translation.
STATIC_LIBS += csacommon
csacommon_SRCS := $(wildcard common/*.c)
