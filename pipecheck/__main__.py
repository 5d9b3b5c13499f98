from pipecheck.cli import entry

entry()
