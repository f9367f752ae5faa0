# Sourced by the scripts: use .venv, creating it and installing crmhub when missing.
if [[ ! -x .venv/bin/crmhub ]]; then
  echo "setting up .venv (first run only)" >&2
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[test]'
fi
# shellcheck disable=SC1091
. .venv/bin/activate
