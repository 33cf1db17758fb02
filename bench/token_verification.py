"""What verifying a token costs a request: at the gateway (Node, jsonwebtoken, as its JWT
plugin does) and in each subgraph (Python, `plumbing.auth.TokenVerifier`, PyJWT with
cryptography), for an ES256 token of the identity service against an HS256 token of the
platform's own tools. In-process: no network, no stack.

    uv run python bench/token_verification.py [--rounds 5000]

A request pays the gateway's check once and one subgraph check per subgraph it touches.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from plumbing.auth import TokenVerifier, mint_token
from plumbing.settings import ServiceSettings

HERE = Path(__file__).resolve().parent
SECRET = "a shared secret of at least thirty-two characters"


def per_call_us(call: object, rounds: int) -> float:
    assert callable(call)
    for _ in range(200):
        call()
    start = time.perf_counter()
    for _ in range(rounds):
        call()
    return (time.perf_counter() - start) / rounds * 1e6


def subgraph(rounds: int) -> dict[str, float]:
    verifier = TokenVerifier(
        ServiceSettings(jwt_secret=SECRET, jwt_jwks_url="http://127.0.0.1:1/jwks.json")
    )
    key = ec.generate_private_key(ec.SECP256R1())
    verifier._keys["k1"] = key.public_key()  # as fetched from the JWKS once
    now = int(time.time())
    claims = {"sub": "p-1", "tenant": "demo", "roles": ["OWNER"], "iat": now, "exp": now + 300}
    es256 = jwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1"})
    hs256 = mint_token(SECRET, tenant="demo", roles=["OWNER"])
    return {
        "es256_us": per_call_us(lambda: verifier.verify(es256), rounds),
        "hs256_us": per_call_us(lambda: verifier.verify(hs256), rounds),
        "sign_es256_us": per_call_us(
            lambda: jwt.encode(claims, key, algorithm="ES256", headers={"kid": "k1"}), rounds
        ),
    }


def gateway(rounds: int) -> dict[str, float] | None:
    node = shutil.which("node")
    if node is None or not (HERE.parent / "gateway" / "node_modules" / "jsonwebtoken").is_dir():
        return None
    out = subprocess.run(
        [node, str(HERE / "token_verification.mjs"), str(rounds)],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5000)
    rounds = parser.parse_args().rounds
    sub = subgraph(rounds)
    print(
        f"subgraph (PyJWT)      ES256 {sub['es256_us']:7.1f} µs  HS256 {sub['hs256_us']:7.1f} µs"
        f"  ({sub['es256_us'] - sub['hs256_us']:+.1f} µs per subgraph; signing ES256 "
        f"{sub['sign_es256_us']:.1f} µs)"
    )
    gw = gateway(rounds)
    if gw is None:
        print("gateway: node or gateway/node_modules missing; not measured")
        return
    print(
        f"gateway (jsonwebtoken) ES256 {gw['es256_us']:7.1f} µs  HS256 {gw['hs256_us']:7.1f} µs"
        f"  ({gw['es256_us'] - gw['hs256_us']:+.1f} µs per request)"
    )


if __name__ == "__main__":
    main()
