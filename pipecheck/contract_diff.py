"""`pipecheck diff`: two versions of a contract, from files or from git, loaded and classified."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from pipecheck.changes import BREAKING_POLICIES, BreakingPolicy, ContractDiff, DiffReport
from pipecheck.contract.diff import diff_contracts, locate
from pipecheck.contract.loader import Positions, contract_text, load_located, parse_located
from pipecheck.contract.model import Contract
from pipecheck.errors import UsageError
from pipecheck.version import __version__

GIT_TIMEOUT = 60


def run_diff(paths: list[Path], git_ref: str | None, breaking_for: str) -> DiffReport:
    """OLD NEW, or with `git_ref` each contract against its committed version at that revision."""
    if breaking_for not in BREAKING_POLICIES:
        raise UsageError(f"--breaking-for: expected one of {', '.join(BREAKING_POLICIES)}, got {breaking_for!r}")
    policy: BreakingPolicy = breaking_for
    if git_ref is None:
        if len(paths) != 2:
            raise UsageError(
                f"expected two contract files (OLD NEW), got {len(paths)}",
                hint="or compare contracts with their committed version: pipecheck diff --git HEAD CONTRACT...",
            )
        diffs = [diff_files(paths[0], paths[1])]
    else:
        if not paths:
            raise UsageError(f"--git {git_ref}: name the contract file(s) to compare with {git_ref}")
        diffs = [diff_against(git_ref, path) for path in paths]
    return DiffReport(tuple(diffs), policy, __version__)


def diff_files(old: Path, new: Path) -> ContractDiff:
    before, after = _from_file(old), _from_file(new)
    changes = diff_contracts(before[1], after[1])
    return ContractDiff(before[0], after[0], tuple(locate(changes, (before[0], before[2]), (after[0], after[2]))))


def diff_against(ref: str, path: Path) -> ContractDiff:
    """`path` as it is now against `git show REF:path` (missing there: the contract is new)."""
    after = _from_file(path)
    committed = committed_bytes(ref, path)
    if committed is None:
        changes = diff_contracts(None, after[1])
        return ContractDiff(None, after[0], tuple(locate(changes, None, (after[0], after[2]))))
    raw, renamed_from = committed
    source = f"{ref}:{renamed_from or after[0]}"
    text = contract_text(raw, source)
    before, positions = parse_located(text, source)
    changes = diff_contracts(before, after[1])
    located = locate(changes, (source, positions), (after[0], after[2]))
    return ContractDiff(source, after[0], tuple(located))


def _from_file(path: Path) -> tuple[str, Contract, Positions]:
    shown = _display(path)
    return shown, *load_located(path, shown)


def committed_bytes(ref: str, path: Path) -> tuple[bytes, str | None] | None:
    """The file's content at revision `ref` of the git repository holding it, and the path it had there
    when it was renamed since (from the repository's root); None if it is not there."""
    if shutil.which("git") is None:
        raise UsageError(f"--git {ref}: git is not installed")
    if ref.startswith("-"):
        raise UsageError(f"--git: {ref!r} is not a revision")
    real = path.resolve()  # a symlink's committed blob is its target's name, not a contract
    folder = real.parent
    inside = _git(folder, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != b"true":
        raise UsageError(f"{_display(path)}: not in a git work tree, so --git {ref} has no committed version to read")
    if _git(folder, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        if ref == "HEAD" and _git(folder, "symbolic-ref", "--quiet", "HEAD").returncode == 0:
            return None  # no commit yet (the first commit's hook run): every contract is new
        raise UsageError(f"--git {ref}: no such revision", hint="a branch, tag or commit, e.g. HEAD or origin/main")
    spec = f"{ref}:./{real.name}"
    renamed_from = None
    if _git(folder, "cat-file", "-e", spec).returncode != 0:
        renamed_from = _renamed_from(ref, folder, real.name)
        if renamed_from is None:
            return None
        spec = f"{ref}:{renamed_from}"
    blob = _git(folder, "cat-file", "blob", spec)
    if blob.returncode != 0:
        reason = blob.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"{_display(path)}: cannot read it at {ref}: {reason[0] if reason else 'git failed'}")
    return blob.stdout, renamed_from


def _renamed_from(ref: str, folder: Path, name: str) -> str | None:
    """The path (from the root) a file now at folder/name had at `ref`, if git sees it renamed since (in
    the index: `git mv`, or a commit since): a renamed contract is compared with its old self, not new."""
    prefix = _git(folder, "rev-parse", "--show-prefix")
    moved = _git(
        folder, "diff", "--cached", "--find-renames", "--name-status", "-z", "--diff-filter=R", ref, "--", ":/"
    )
    if prefix.returncode != 0 or moved.returncode != 0:
        return None
    here = prefix.stdout.rstrip(b"\n") + os.fsencode(name)
    fields = moved.stdout.split(b"\0")
    for i in range(0, len(fields) - 2, 3):  # R<score>, old path, new path
        if fields[i].startswith(b"R") and fields[i + 2] == here:
            return os.fsdecode(fields[i + 1])
    return None


def _git(folder: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(folder), *args], capture_output=True, timeout=GIT_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {args[0]} took longer than {GIT_TIMEOUT}s") from None
    except OSError as exc:
        raise UsageError(f"cannot run git: {exc.strerror or exc}") from None


def _display(path: Path) -> str:
    """Relative to the working directory when under it; else as given (`<(git show ...)` is /dev/fd/63)."""
    try:
        shown = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if shown.startswith(os.pardir) else shown
