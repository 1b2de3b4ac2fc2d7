# Instantiated after every fragment has been read.
$(foreach l,$(STATIC_LIBS),$(eval $(call static_lib_rule,$(l))))
$(foreach t,$(TOOLS),$(eval $(call link_rule,$(t),bin)))
$(foreach t,$(TEST_BINS),$(eval $(call link_rule,$(t),tests)))
$(foreach t,$(BENCH_BINS),$(eval $(call link_rule,$(t),bench)))
ALL_TARGETS += $(addprefix $(B)/bin/,$(TOOLS))
