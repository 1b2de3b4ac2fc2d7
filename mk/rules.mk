# Generic rules.  A <dir>/build.mk fragment declares:
#   STATIC_LIBS += name        with name_SRCS := ...   -> $(B)/lib/libname.a
#   TOOLS += tool              with tool_SRCS, tool_LIBS (static lib names,
#                              most dependent first), tool_LDLIBS -> $(B)/bin/tool
#   TEST_BINS += test-x        with test-x_SRCS, test-x_LIBS, test-x_LDLIBS
#                              -> $(B)/tests/test-x (CUnit; run by make test)
#   BENCH_BINS += bench-x      with the same variables -> $(B)/bench/bench-x

objs = $(patsubst %.c,$(B)/obj/%.o,$(1))

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(call std_for,$<) $(CPPFLAGS) $(CFLAGS) $($(notdir $*)_CFLAGS) -c -o $@ $<

define static_lib_rule
$(B)/lib/lib$(1).a: $(call objs,$($(1)_SRCS))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
ALL_TARGETS += $(B)/lib/lib$(1).a
-include $(patsubst %.o,%.d,$(call objs,$($(1)_SRCS)))
endef

define link_rule
$(B)/$(2)/$(1): $(call objs,$($(1)_SRCS)) $(foreach l,$($(1)_LIBS),$(B)/lib/lib$(l).a)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $($(1)_LDLIBS) $$(LDLIBS)
-include $(patsubst %.o,%.d,$(call objs,$($(1)_SRCS)))
endef
