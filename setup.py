"""Builds the optional C extension smallnlp._runtime from runtime/c (the
project's metadata is in pyproject.toml). Without a C compiler the build of
the extension fails softly and smallnlp installs without it: the numpy path
is the reference and the fallback."""

import re
import sys
from glob import glob
from pathlib import Path

from setuptools import Extension, setup

# The flags every build of the runtime shares (the Makefile includes the same file).
SHARED = dict(re.findall(r"^(\w+) = (.+)$", Path("runtime/c/flags.mk").read_text(), re.M))
UNIX_FLAGS = [SHARED["STANDARD"], SHARED["OPTIMIZE"], SHARED["EXACT"],
              "-fvisibility=hidden"]  # only PyInit__runtime is exported: calls inline

setup(ext_modules=[Extension(
    "smallnlp._runtime",
    sources=sorted(glob("runtime/c/src/*.c")) + ["runtime/c/python/module.c"],
    include_dirs=["runtime/c/include"],
    extra_compile_args=[] if sys.platform == "win32" else UNIX_FLAGS,
    optional=True,
)])
