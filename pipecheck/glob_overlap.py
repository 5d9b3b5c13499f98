"""Whether two `match:` globs can govern the same file, decided exactly rather than by trying paths.

The glob language is config.glob_regex's: `**/` is any run of whole directories, `**` any text,
`*` any text within a segment, `?` one character within a segment, anything else itself. Each
glob is a small automaton over characters; two globs overlap when the product automaton reaches
acceptance, and the path that got there is the witness shown to the user.
"""

from __future__ import annotations

from collections import deque

# A transition accepts one character: a literal, any character but "/", or any character.
_NOT_SLASH = "not-slash"
_ANY = "any"
_OTHER = "\x00"  # stands for every character no glob names literally


class _Automaton:
    def __init__(self, glob: str) -> None:
        self.moves: list[list[tuple[str, int]]] = []
        self.empty: list[list[int]] = []
        state = self._new()
        i = 0
        while i < len(glob):
            if glob.startswith("**/", i):
                loop, after = self._new(), self._new()
                self.empty[state] += [loop, after]
                self.moves[loop] += [(_ANY, loop), ("/", after)]
                state, i = after, i + 3
            elif glob.startswith("**", i):
                after = self._new()
                self.empty[state].append(after)
                self.moves[after].append((_ANY, after))
                state, i = after, i + 2
            elif glob[i] == "*":
                after = self._new()
                self.empty[state].append(after)
                self.moves[after].append((_NOT_SLASH, after))
                state, i = after, i + 1
            else:
                after = self._new()
                self.moves[state].append((_NOT_SLASH if glob[i] == "?" else glob[i], after))
                state, i = after, i + 1
        self.accept = state

    def _new(self) -> int:
        self.moves.append([])
        self.empty.append([])
        return len(self.moves) - 1

    def closure(self, states: frozenset[int]) -> frozenset[int]:
        seen, todo = set(states), list(states)
        while todo:
            for nxt in self.empty[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return frozenset(seen)

    def step(self, states: frozenset[int], char: str) -> frozenset[int]:
        out = {
            nxt
            for state in states
            for accepts, nxt in self.moves[state]
            if accepts in (_ANY, char) or (accepts == _NOT_SLASH and char != "/")
        }
        return self.closure(frozenset(out))


def overlap_witness(first: str, second: str) -> str | None:
    """A path both globs match, None when no path can; the shortest, preferring one without hidden
    (dot) segments. Paths have no empty segments, as relative paths in a repository never do."""
    a, b = _Automaton(first.removeprefix("./")), _Automaton(second.removeprefix("./"))
    alphabet = sorted({c for c in first + second if c not in "*?"} | {"/", _OTHER})
    return _search(a, b, alphabet, hidden=False) or _search(a, b, alphabet, hidden=True)


def _search(a: _Automaton, b: _Automaton, alphabet: list[str], *, hidden: bool) -> str | None:
    start = (a.closure(frozenset({0})), b.closure(frozenset({0})), True)
    paths = {start: ""}
    queue = deque([start])
    while queue:
        pair = queue.popleft()
        here = paths[pair]
        left, right, segment_start = pair
        if a.accept in left and b.accept in right and not segment_start:
            return here.replace(_OTHER, "x")
        for char in alphabet:
            if segment_start and (char == "/" or (char == "." and not hidden)):
                continue
            nxt = (a.step(left, char), b.step(right, char), char == "/")
            if nxt[0] and nxt[1] and nxt not in paths:
                paths[nxt] = here + char
                queue.append(nxt)
    return None
