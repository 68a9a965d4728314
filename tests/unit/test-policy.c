#include "sg-test.h"
int main(void) { SG_CHECK(1, "stub"); return sg_test_done(); }
