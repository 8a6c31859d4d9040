"""``python -m smallnlp``: the ``smallnlp`` command."""

from .cli import main

main()
