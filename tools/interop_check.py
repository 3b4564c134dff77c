"""Interoperability check: standard OAuth 2.0 and JOSE clients nobody here wrote, against
a running `workbench up --alg ES256|EdDSA|RS256 --port-base 9400`.

    pip install authlib pyjwt cryptography requests
    python3 tools/interop_check.py [PORT_BASE]

Authlib runs the password grant for the public client, a refresh (checking that the
refresh token rotates) and the client-credentials grant with HTTP Basic; PyJWT verifies
each access token with the key it finds by `kid` in the published JWKS; the API server
accepts the token. Any failure raises.
"""

import sys

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session

base_port = int(sys.argv[1]) if len(sys.argv) > 1 else 9400
auth = f"http://127.0.0.1:{base_port + 1}"
api = f"http://127.0.0.1:{base_port + 4}"  # the API server in mode jwt

user = OAuth2Session(client_id="authbench-login", token_endpoint_auth_method="none")
first = user.fetch_token(f"{auth}/oauth/token", username="alice", password="alice-demo-password")
second = user.refresh_token(f"{auth}/oauth/token", refresh_token=first["refresh_token"])
assert second["refresh_token"] != first["refresh_token"], "the refresh token did not rotate"

client = OAuth2Session(
    client_id="reporting-service",
    client_secret="reporting-demo-secret",
    token_endpoint_auth_method="client_secret_basic",
)
machine = client.fetch_token(f"{auth}/oauth/token", grant_type="client_credentials")

keys = jwt.PyJWKClient(f"{auth}/.well-known/jwks.json")
for token in (second["access_token"], machine["access_token"]):
    key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=[key.algorithm_name], audience="authbench-api", issuer=auth)
    print(f"{key.algorithm_name}: {claims['sub']} via {claims['client_id']}, scope {claims.get('scope')}")

answer = requests.get(f"{api}/api/me", headers={"Authorization": f"Bearer {second['access_token']}"}, timeout=5)
assert answer.status_code == 200, answer.text
print("the API server accepts the token: 200")
