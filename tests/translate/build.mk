# csa_translate_cmd() against a fake handle table.
ifndef TESTS_TRANSLATE_MK
TESTS_TRANSLATE_MK := 1
TEST_BINS += test-translate
test-translate_SRCS := tests/translate/test_translate.c
test-translate_LIBS := csacommon
test-translate_LDLIBS := -lcunit
endif
