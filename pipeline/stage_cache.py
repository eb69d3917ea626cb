"""The data stages' memo: a part (a delivery file, a region) whose inputs are unchanged is not computed again.

DVC reruns a stage when any of its deps changed: one county's corrected
figure reruns every stage for every region. Each data stage therefore splits
its work into parts whose results depend only on their own inputs (ingest: a
delivery file; validate, measures, evaluate, findings: a region), keys each
part by a digest of everything it is computed from (the stage's code, its
params and reference files, the part's own rows or bytes), and keeps each
result under build/cache/<stage>/<key>.entry. A run computes the parts whose
key has no entry and reads the others; the outputs are assembled from all
parts in one fixed order, so an incremental run writes the same bytes as a
run from nothing (tests/test_incremental.py compares them).

An entry is written to a temporary file and renamed, and starts with the
SHA-256 of its payload: an entry cut short (a run killed while writing) or
edited by hand fails the check, is reported, deleted and computed again, and
is never read. The cache lives in build/ (not a DVC output: deleting it only
costs time). POLIECO_STAGE_CACHE=off computes every part and keeps nothing.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pipeline.digests import digest

T = TypeVar("T")
MAGIC = b"polieco-stage-cache 1\n"
# entries beyond this many times the parts used by the last run are removed, oldest first
KEEP_FACTOR = 8


def cache_enabled() -> bool:
    return os.environ.get("POLIECO_STAGE_CACHE", "on").lower() not in {"off", "0", "no", "false"}


class StageCache:
    """One stage's entries: look up a part by key, store a computed part, say what was reused."""

    def __init__(self, root: Path, stage: str, salt: str) -> None:
        self.root = root
        self.folder = root / "build" / "cache" / stage
        self.salt = salt
        self.enabled = cache_enabled()
        self.reused: list[str] = []
        self.computed: list[str] = []
        self.damaged: list[str] = []

    def key(self, part: str, part_digest: str) -> str:
        return digest(self.salt.encode(), part.encode("utf-8"), part_digest.encode())

    def _entry(self, key: str) -> Path:
        return self.folder / f"{key}.entry"  # the key is hex: nothing the user typed becomes a path part

    def get(self, key: str, part: str) -> tuple[bool, object]:
        """(True, value) for a sound entry; (False, None) when there is none or it failed its check."""
        path = self._entry(key)
        if not self.enabled or not path.is_file():
            return False, None
        data = path.read_bytes()
        head, _, payload = data[len(MAGIC):].partition(b"\n")
        if not data.startswith(MAGIC) or hashlib.sha256(payload).hexdigest().encode() != head:
            self.damaged.append(part)
            print(f"  缓存条目 {path.relative_to(self.root).as_posix()} 已损坏（内容与记录的校验值不符，"
                  f"可能写入时被中断或被改动），已删除，{part} 重新计算")
            path.unlink(missing_ok=True)
            return False, None
        os.utime(path)  # recently used: kept by prune()
        return True, pickle.loads(payload)  # noqa: S301 - our own entry, checked against its digest above

    def put(self, key: str, value: object) -> None:
        if not self.enabled:
            return
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self._entry(key)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def one(self, part: str, key: str, compute: Callable[[], T]) -> T:
        """One part's result: read back when its entry is sound, else computed and kept (an exception
        from `compute` keeps nothing, so a part that failed is computed, and reported, again next run)."""
        hit, value = self.get(key, part)
        if hit:
            self.reused.append(part)
            return value  # type: ignore[return-value]
        value = compute()
        self.put(key, value)
        self.computed.append(part)
        return value

    def parts(self, keys: dict[str, str], compute: Callable[[list[str]], dict[str, T]],
              force: bool = False) -> dict[str, T]:
        """Every part's result: read where an entry exists, computed (in one call, for all missing) otherwise;
        `force` computes them all (and keeps them)."""
        found: dict[str, T] = {}
        for part, key in ([] if force else keys.items()):
            hit, value = self.get(key, part)
            if hit:
                found[part] = value  # type: ignore[assignment]
                self.reused.append(part)
        missing = [p for p in keys if p not in found]
        if missing:
            fresh = compute(missing)
            for part in missing:
                self.put(keys[part], fresh[part])
                found[part] = fresh[part]
            self.computed += missing
        self.prune(len(keys))
        return {part: found[part] for part in keys}

    def prune(self, used: int) -> None:
        """Keep the most recently used entries (a sweep's other settings stay cached), drop the oldest."""
        if not self.enabled or not self.folder.is_dir():
            return
        entries = sorted(self.folder.glob("*.entry"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[KEEP_FACTOR * max(used, 1):]:
            stale.unlink(missing_ok=True)
        for tmp in self.folder.glob(".*.tmp"):  # left by a run killed mid-write
            tmp.unlink(missing_ok=True)

    def summary(self, what: str) -> str:
        """The stage's own account: what it computed and what it reused."""
        if not self.enabled:
            return f"  增量缓存已关闭（POLIECO_STAGE_CACHE=off）：{len(self.computed)} 个{what}全部重新计算"
        shown = "、".join(self.computed[:6]) + ("等" if len(self.computed) > 6 else "")
        done = f"重新计算 {len(self.computed)} 个{what}" + (f"（{shown}）" if self.computed else "")
        return f"  增量计算：{done}，复用 {len(self.reused)} 个{what}的上次结果（输入未变）"
