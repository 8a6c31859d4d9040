"""``python -m smallnlp.cli``: the ``smallnlp`` command."""

from . import main

main()
