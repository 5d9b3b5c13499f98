"""`pipecheck infer`: draft a contract from data files, which those files then satisfy.

candidates (what a column may be) -> profile (per batch, merged) -> decide (types, tokens,
bounds) -> render (YAML); run orchestrates readers, passes and the engine's unique check.
"""

from __future__ import annotations

from pipecheck.infer.run import Inferred, InferRequest, infer_contract

__all__ = ["InferRequest", "Inferred", "infer_contract"]
