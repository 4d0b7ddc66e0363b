"""Personal data: recipient names, phones, addresses and buyer usernames never reach a written
file in clear text. What matching needs (the same buyer, phone or address across orders) is
kept as a keyed hash: HMAC-SHA256 with a per-installation secret.

The secret lives outside the data folder and outside git: `~/.config/tt_analytics/secret.key`
(created with mode 0600 on first use), or the file named by the environment variable
`TT_ANALYTICS_SECRET`. Without the secret nobody can test a guessed phone number against the
hashes; with a different secret (another installation) the hashes differ, by design.

Values are normalised before hashing so that formatting does not split one identity in two
(`+1 555-0101` and `15550101` hash alike), and each kind is hashed in its own domain
(`phone:`, `address:`, `buyer:`) so that equal text of different kinds never collides.
The HMAC is computed by DuckDB over the distinct values of a column (no Python loop per row).
"""
from __future__ import annotations

import os
import secrets
import subprocess
from pathlib import Path

import duckdb
import polars as pl

from ..errors import InputError

ENV_VAR = "TT_ANALYTICS_SECRET"
DEFAULT_PATH = Path("~/.config/tt_analytics/secret.key")
KINDS = ("buyer", "phone", "address", "device", "redacted")


def secret_path() -> Path:
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH).expanduser()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _in_git_tree(path: Path) -> Path | None:
    """The git work tree holding `path`, unless git ignores the path there (a dotfiles repo in
    the home folder with the secret in .gitignore is fine)."""
    for parent in path.resolve().parents:
        if (parent / ".git").exists():
            try:
                ignored = subprocess.run(["git", "-C", str(parent), "check-ignore", "-q", str(path.resolve())],
                                         capture_output=True, timeout=10).returncode == 0
            except (OSError, subprocess.SubprocessError):
                ignored = False
            return None if ignored else parent
    return None


def secret_key(data_dir: str | Path | None = None) -> bytes:
    """The installation's secret (created on first use). Refuses a secret kept inside the data
    folder or inside a git work tree, where it could be shared along with the hashes."""
    path = secret_path()
    if data_dir is not None and _inside(path, Path(data_dir)):
        raise InputError(f"the hashing secret {path} is inside the data folder {data_dir}; keep it elsewhere "
                         f"(set {ENV_VAR} to a path outside it)", file=str(path))
    repo = _in_git_tree(path)
    if repo is not None:
        raise InputError(f"the hashing secret {path} is inside the git work tree {repo}; keep it outside git "
                         f"(default {DEFAULT_PATH})", file=str(path))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it meanwhile
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii").strip()
    if len(text) < 32:
        raise InputError(f"the hashing secret {path} is too short (expected 64 hex characters)", file=str(path))
    try:
        return bytes.fromhex(text)
    except ValueError:
        return text.encode()


# --- normalisation (Polars expressions) -------------------------------------------------------

def norm_phone(expr: pl.Expr) -> pl.Expr:
    """Digits only (masked digits `*` kept): `+1 (555) 010-1234` -> `15550101234`."""
    return expr.str.replace_all(r"[^0-9*]", "").replace("", None)


def norm_username(expr: pl.Expr) -> pl.Expr:
    return expr.str.strip_chars().str.strip_chars_start("@").str.to_lowercase().replace("", None)


def norm_address(parts: list[pl.Expr]) -> pl.Expr:
    """The address parts that are present, joined, lower-cased, with whitespace collapsed."""
    joined = pl.concat_str([p.str.strip_chars() for p in parts], separator=", ", ignore_nulls=True)
    return joined.str.to_lowercase().str.replace_all(r"\s+", " ").str.strip_chars().replace("", None)


# --- hashing ----------------------------------------------------------------------------------

def _pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(64, b"\0") if len(key) <= 64 else None
    if block is None:
        raise InputError("the hashing secret must be at most 64 bytes")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


_CON: duckdb.DuckDBPyConnection | None = None


def _con() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB connection for hashing (opening one costs more than hashing a file)."""
    global _CON
    if _CON is None:
        _CON = duckdb.connect()
    return _CON


def _hash_table(pairs: pl.DataFrame, key: bytes) -> pl.DataFrame:
    """(kind, v) distinct pairs -> (kind, v, h) with h = HMAC-SHA256 hex of `kind:v`."""
    ipad, opad = _pads(key)
    con = _con().cursor()
    try:
        con.register("distinct_values", pairs)
        return con.sql(
            "SELECT kind, v, sha256($opad || unhex(sha256($ipad || encode(kind || ':' || v)))) AS h "
            "FROM distinct_values", params={"ipad": ipad, "opad": opad}).pl()
    finally:
        con.close()


def hash_frame(values: dict[str, tuple[str, pl.Series]], key: bytes) -> dict[str, pl.Series]:
    """{name: (kind, values)} -> {name: hashes}: every distinct value hashed once, in one query."""
    for kind, _ in values.values():
        if kind not in KINDS:
            raise ValueError(f"unknown PII kind {kind!r}")
    pairs = pl.concat([pl.DataFrame({"kind": kind, "v": s.cast(pl.String)}).drop_nulls().unique()
                       for kind, s in values.values()] or [pl.DataFrame(schema={"kind": pl.String, "v": pl.String})])
    table = _hash_table(pairs.unique(), key) if pairs.height else pl.DataFrame(
        schema={"kind": pl.String, "v": pl.String, "h": pl.String})
    out = {}
    for name, (kind, s) in values.items():
        frame = pl.DataFrame({"kind": pl.Series([kind] * len(s), dtype=pl.String), "v": s.cast(pl.String)})
        out[name] = frame.join(table, on=["kind", "v"], how="left", maintain_order="left")["h"].alias(name)
    return out


def hmac_series(values: pl.Series, kind: str, key: bytes) -> pl.Series:
    """HMAC-SHA256 hex of `kind:value` for every value (null stays null)."""
    return hash_frame({values.name: (kind, values)}, key)[values.name]


def hash_columns(df: pl.DataFrame, spec: dict[str, tuple[str, pl.Expr]], key: bytes) -> pl.DataFrame:
    """Add one hashed column per `spec` entry: {out_column: (kind, normalised value expression)}."""
    if not spec:
        return df
    norm = df.select([e.alias(name) for name, (_, e) in spec.items()])
    hashed = hash_frame({name: (kind, norm[name]) for name, (kind, _) in spec.items()}, key)
    return df.with_columns(list(hashed.values()))


def redact(df: pl.DataFrame, columns: list[str], key: bytes) -> pl.DataFrame:
    """Replace personal-data columns of raw rows (kept for rejected-row reports) by a keyed hash,
    so that even a rejected row never carries a name, phone or address in clear text."""
    present = [c for c in columns if c in df.columns]
    if not present:
        return df
    hashed = hash_frame({c: ("redacted", df[c].cast(pl.String)) for c in present}, key)
    return df.with_columns([(pl.lit("hmac:") + h.str.slice(0, 16)).alias(c) for c, h in hashed.items()])
