"""Builds the optional C extension smallnlp._runtime from runtime/c (the
project's metadata is in pyproject.toml). Without a C compiler the build of
the extension fails softly and smallnlp installs without it: the numpy path
is the reference and the fallback."""

import os
import re
import sys
from glob import glob
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.errors import CCompilerError, CompileError, LinkError

# The flags every build of the runtime shares (the Makefile includes the same file).
SHARED = dict(re.findall(r"^(\w+) = (.+)$", Path("runtime/c/flags.mk").read_text(), re.M))
UNIX_FLAGS = [SHARED["STANDARD"], SHARED["OPTIMIZE"], SHARED["EXACT"],
              "-fvisibility=hidden"]  # only PyInit__runtime is exported: calls inline

# Linked as one program (flags.mk), so that calls between the runtime's files
# inline (3% of a language-ID call: docs/EXPERIMENTS.md); a toolchain without
# it gets the plain build.
WHOLE_PROGRAM = [] if sys.platform == "win32" else [SHARED["WHOLE_PROGRAM"]]


class BuildExt(build_ext):
    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except (CCompilerError, CompileError, LinkError):
            if not WHOLE_PROGRAM or WHOLE_PROGRAM[0] not in ext.extra_link_args:
                raise
            print("smallnlp: building the C runtime again without -flto")
            ext.extra_compile_args = [f for f in ext.extra_compile_args if f not in WHOLE_PROGRAM]
            ext.extra_link_args = [f for f in ext.extra_link_args if f not in WHOLE_PROGRAM]
            self.build_temp = os.path.join(self.build_temp, "without-lto")  # no LTO objects
            super().build_extension(ext)


setup(cmdclass={"build_ext": BuildExt}, ext_modules=[Extension(
    "smallnlp._runtime",
    sources=sorted(glob("runtime/c/src/*.c")) + ["runtime/c/python/module.c"],
    include_dirs=["runtime/c/include"],
    extra_compile_args=[] if sys.platform == "win32" else UNIX_FLAGS + WHOLE_PROGRAM,
    extra_link_args=[] if sys.platform == "win32" else UNIX_FLAGS + WHOLE_PROGRAM,
    optional=True,
)])
