# The flags every build of the runtime shares: the Makefile includes this file
# and setup.py (the Python extension) reads it, so that the two agree.
STANDARD = -std=c11
OPTIMIZE = -O3
# Bit-exact float arithmetic: no fused multiply-adds the Python reference does not do.
EXACT = -ffp-contract=off
# The Python extension links the runtime as one program, so that calls between its
# files inline (a toolchain without it gets the plain build: setup.py); so does
# build/stages, which times what the extension runs.
WHOLE_PROGRAM = -flto=auto
