#!/usr/bin/env bash
# deps.sh — installs, with apt-get, the Debian packages the test suite
# drives for real, when they are missing and we are root:
#   chromium   the browser tests (internal/browsertest, through chromedp)
#   iproute2   the VPC proof's network namespaces (proof/vpc)
#   awscli, python3-boto3
#              Debian's own SQS clients, which speak SQS's query protocol
#              (localaws/conformance TestDebianClients uses /usr/bin/aws and
#              /usr/bin/python3)
# PostgreSQL is installed and started by .ci/with-postgres.sh.
# Without root (or without apt-get) it says what is missing; the tests that
# need it then skip, each saying why. It never fails the build by itself.
set -uo pipefail

log() { printf 'deps: %s\n' "$*" >&2; }

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
[ -x /usr/bin/aws ] || missing+=(awscli)
/usr/bin/python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3-boto3)

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	log "missing ${missing[*]} (not root or no apt-get): the tests that need them will skip"
	exit 0
fi
log "installing ${missing[*]} with apt-get"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get update -qq >&2 || ! apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
	log "apt-get could not install ${missing[*]}: the tests that need them will skip"
fi
exit 0
