"""The ``smallnlp`` command: one module per verb, each a thin layer over the
Python API; this one is the command group and how errors end it."""

from __future__ import annotations

import io
import os
import signal
import sys
from concurrent.futures.process import BrokenProcessPool

import click

from ..errors import BudgetError, ConfigError, SmallNLPError
from .common import raise_interrupted
from .evaluate import evaluate_group
from .info import info
from .langid import langid_command
from .pos import pos_command
from .train import train


class _UsageProblem(click.ClickException):
    """A mistake in what the command was given (config, budget): exit code 2."""

    exit_code = 2


class _Terminated(BaseException):
    """SIGTERM (what service managers and `timeout` send), raised where the
    program is, so that it unwinds as Ctrl-C does: workers stopped, partial
    output removed."""


def _raise_terminated(signum, frame) -> None:
    raise _Terminated


class _Errors(click.Group):
    """Show smallnlp's own errors as one clean line: exit code 2 for a bad
    config or budget, 1 for the rest (data, model files, output that cannot
    be written); 130 after Ctrl-C and 143 after SIGTERM, as a shell reports
    a process those signals ended."""

    def invoke(self, ctx: click.Context):
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
        interrupt = signal.getsignal(signal.SIGINT)
        if interrupt is signal.default_int_handler:  # not where Ctrl-C is ignored
            signal.signal(signal.SIGINT, raise_interrupted)
        done = False
        try:
            result = super().invoke(ctx)
            done = True
            return result
        except (ConfigError, BudgetError) as exc:
            raise _UsageProblem(str(exc)) from None
        except SmallNLPError as exc:
            raise click.ClickException(str(exc)) from None
        except MemoryError:
            raise click.ClickException("out of memory: try a smaller --memory-budget, "
                                       "--batch-size or input") from None
        except BrokenProcessPool:
            raise click.ClickException("a worker process died (killed, or out of memory?): "
                                       "the run stopped; --output, if given, was not "
                                       "written") from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(130) from None
        except _Terminated:
            click.echo("terminated", err=True)
            raise click.exceptions.Exit(143) from None
        except OSError as exc:  # a full disk, a closed pipe, a file that went away
            if exc.filename is not None:
                raise click.ClickException(f"{exc.filename}: {exc.strerror or exc}") from None
            _silence_stdout()
            raise click.ClickException(f"cannot write the output: "
                                       f"{exc.strerror or exc}") from None
        finally:
            signal.signal(signal.SIGTERM, previous)
            # Done, its output in place: a Ctrl-C from here on (while the
            # interpreter joins the worker pool at exit) would end it by the
            # signal, as if it had failed.
            signal.signal(signal.SIGINT, signal.SIG_IGN if done else interrupt)


def _silence_stdout() -> None:
    """Drop what stdout still buffers, so that the interpreter's last flush
    does not fail again (with a traceback) on the same full disk or pipe."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):  # no real stdout (tests)
        pass


@click.group(cls=_Errors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="smallnlp")
def main() -> None:
    """Tiny feed-forward NLP models: language identification and POS tagging."""


for _verb in (langid_command, pos_command, train, evaluate_group, info):
    main.add_command(_verb)
