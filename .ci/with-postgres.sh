#!/usr/bin/env bash
# Runs "$@" with LICENSEFLOW_TEST_POSTGRES_URL pointing at a throwaway server.
# (Being written: for now it runs the command as is.)
exec "$@"
