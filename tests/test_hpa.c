#include "config.h"
#include "tests/testlib.h"
int main(void) { return tl_finish(); }
