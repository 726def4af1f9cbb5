# Sourced by the scripts: create .venv and install the project with its test extras, once and
# again only when pyproject.toml changes.
VENV="${VENV:-.venv}"
STAMP="$VENV/.installed-pyproject"
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
fi
if ! cmp -s pyproject.toml "$STAMP"; then
  echo "Installing airflow-provider-texter and its test dependencies into $VENV (about 2 minutes the first time)"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check -e ".[test]" > "$VENV/install.log" 2>&1; then
    grep -v "is ignored: it is neither a file nor a directory" "$VENV/install.log" | tail -40
    exit 1
  fi
  # The MySQL provider requires mysqlclient, which compiles against MariaDB's C headers (not on every
  # machine); its hook runs as well on the pure-Python mysql-connector-python from the test extras.
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps "apache-airflow-providers-mysql>=6" \
      >> "$VENV/install.log" 2>&1; then
    tail -20 "$VENV/install.log"
    exit 1
  fi
  cp pyproject.toml "$STAMP"
fi
