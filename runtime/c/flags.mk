# The flags every build of the runtime shares: the Makefile includes this file
# and setup.py (the Python extension) reads it, so that the two agree.
STANDARD = -std=c11
OPTIMIZE = -O3
# Bit-exact float arithmetic: no fused multiply-adds the Python reference does not do.
EXACT = -ffp-contract=off
