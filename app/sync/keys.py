"""This node's key pairs: made on first use, kept in the data folder, never in the database."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from nacl.public import PrivateKey, PublicKey
from nacl.signing import SigningKey, VerifyKey

from app.database import data_dir


@dataclass(frozen=True)
class NodeKeys:
    node_id: str
    signing: SigningKey       # Ed25519: signs every bundle we write
    box: PrivateKey           # X25519: opens bundles addressed to us

    @property
    def sign_public(self) -> str:
        return self.signing.verify_key.encode().hex()

    @property
    def box_public(self) -> str:
        return self.box.public_key.encode().hex()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.sign_public, self.box_public)


def fingerprint(sign_public: str, box_public: str) -> str:
    """Five groups of four digits, to read over the phone when enrolling."""
    digest = hashlib.sha256(bytes.fromhex(sign_public) + bytes.fromhex(box_public)).digest()
    number = int.from_bytes(digest[:9], "big") % 10**20
    text = f"{number:020d}"
    return " ".join(text[i:i + 4] for i in range(0, 20, 4))


def keys_dir() -> Path:
    return data_dir() / "keys"


def load_or_create_keys(node_id: str, folder: Path | None = None) -> NodeKeys:
    """The node's keys; created (file mode 0600) the first time a node needs them."""
    folder = folder or keys_dir()
    path = folder / f"{node_id}.json"
    if path.exists():
        data = json.loads(path.read_text(encoding="utf-8"))
        return NodeKeys(node_id, SigningKey(bytes.fromhex(data["signing"])),
                        PrivateKey(bytes.fromhex(data["box"])))
    folder.mkdir(parents=True, exist_ok=True)
    keys = NodeKeys(node_id, SigningKey.generate(), PrivateKey.generate())
    text = json.dumps({"node_id": node_id, "signing": keys.signing.encode().hex(),
                       "box": keys.box.encode().hex()})
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return keys


def verify_key(hex_key: str) -> VerifyKey:
    return VerifyKey(bytes.fromhex(hex_key))


def box_key(hex_key: str) -> PublicKey:
    return PublicKey(bytes.fromhex(hex_key))
