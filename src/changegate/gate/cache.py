"""Verdicts kept for actions an agent repeats (`git status`, `ls`, the test command), bounded.

An entry is keyed by everything a decision reads besides the disk and the clock: the action as sent (command,
cwd, env, agent, session, the facts a remote client sent), the policy (a digest of its validated document),
the session's state before the action, and the key the action's digests are made with. What the decision read
from this machine's disk travels with the entry (`facts.Observations`: every file read as inode, size and
times; every kind, link, listing, real path and program lookup with its answer), and an entry is used again
only while every one of those looks still sees the same. A file changed so recently that a second change
could keep its times (the filesystem's clock ticks in milliseconds) is not kept at all, nor is a decision
that ran out of time, failed, or ran `terraform show` (it depends on the tool as well as the file).

What is kept is the understanding and the canonical action, and the verdict where the policy has no freeze
windows (then the decision does not depend on the time). The guardrails (kill switch, budgets, breaker) run
on every call, cached or not: they are about now.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import msgspec

from changegate.model import Action, Verdict, canonical_action, digest_key_path
from changegate.policy import Policy
from changegate.understand import SessionState, Understanding, facts, understand

MAX_ENTRIES = 4096
MAX_KEY_BYTES = 64 * 1024  # a larger action (a big plan or payload) is decided afresh every time
UNCACHEABLE_TAGS = frozenset({"timeout", "analyzer-error"})

_encoder = msgspec.json.Encoder()


class Kept(msgspec.Struct):
    understanding: Understanding
    canonical: dict[str, Any]
    observations: facts.Observations
    verdict: Verdict | None = None  # the decision too, when the policy's decisions do not depend on the time


class VerdictCache:
    """A bounded map from an action's key to what deciding it found, safe across threads (the server)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.entries: dict[bytes, Kept] = {}
        self.lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.keeping = True  # off: every action is decided afresh (what bench/decisions.py measures)

    def get(self, key: bytes | None) -> Kept | None:
        if key is None or not self.keeping:
            return None
        with self.lock:
            kept = self.entries.get(key)
        if kept is not None and kept.observations.still_true():
            self.hits += 1
            return kept
        if kept is not None:
            with self.lock:
                self.entries.pop(key, None)
        self.misses += 1
        return None

    def put(self, key: bytes | None, kept: Kept) -> None:
        if key is None or not self.keeping or not worth_keeping(kept):
            return
        with self.lock:
            if len(self.entries) >= self.size:
                # the oldest eighth goes: cheaper than an LRU's bookkeeping on every hit
                for old in list(self.entries)[: max(1, self.size // 8)]:
                    del self.entries[old]
            self.entries[key] = kept

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def remembered(action: Action, policy: Policy, state: SessionState | None) -> Kept:
    """What deciding `action` found — understood afresh (every look at the disk kept) and then kept, unless
    an earlier decision of it still holds."""
    key = key_of(action, policy, state)
    kept = VERDICTS.get(key)
    if kept is None:
        with facts.observing() as observations:
            understanding = understand(action, policy.environments, state)
        kept = Kept(understanding, canonical_action(action, understanding.consulted), observations)
        VERDICTS.put(key, kept)
    return kept


def worth_keeping(kept: Kept) -> bool:
    if not kept.observations.cacheable:
        return False
    if any(UNCACHEABLE_TAGS.intersection(e.tags) for e in kept.understanding.effects):
        return False
    return not any(what == "read" and isinstance(seen, tuple) and facts.changed_lately(seen)
                   for (what, _), seen in kept.observations.seen.items())


def key_of(action: Action, policy: Policy, state: SessionState | None) -> bytes | None:
    """The cache key of one decision; None where it should not be cached (an understanding with its own
    reader in force, an action too large to be worth hashing)."""
    if facts.outer_reader() is not None:
        return None
    encoded = _encoder.encode(action)
    if len(encoded) > MAX_KEY_BYTES:
        return None
    digest = hashlib.blake2b(encoded, digest_size=20)
    digest.update(b"\x00policy\x00" + policy_digest(policy).encode())
    digest.update(b"\x00facts-only\x00" if facts.is_facts_only() else b"\x00disk\x00")
    digest.update(digest_key_path().encode("utf-8", "surrogatepass"))
    if state is not None:
        # when the state was last saved does not change what it holds
        digest.update(b"\x00session\x00" + _encoder.encode(msgspec.structs.replace(state, updated_at=0.0)))
    return digest.digest()


def policy_digest(policy: Policy) -> str:
    """A digest of the validated policy document, made once per loaded policy."""
    if not policy.digest:
        policy.digest = hashlib.blake2b(_encoder.encode(policy.doc), digest_size=16).hexdigest()
    return policy.digest


VERDICTS = VerdictCache()
